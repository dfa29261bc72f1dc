#ifndef TOOLS_MEMBER_TUNABLES_H_
#define TOOLS_MEMBER_TUNABLES_H_

#include <cstddef>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/config.h"

namespace swim::tools {

// The fields of swim::Config a member program lets its user tune, one row
// each. A row's `field` is the Config field's name as Config::Check
// reports it, and names everything else:
//
//   field            probe_interval
//   flag             --probe-interval (member_flags.cc defines it, with
//                    its help; --probe_interval works too)
//   variable         SWIM_PROBE_INTERVAL
//
// Values are text in both places, read by the row's type: durations as
// Abseil writes them (500ms, 2s, 1h30m), whole numbers, true or false.
// Whether a value is in range is Config::Check's to say; the programs map
// the field it reports back to the flag or variable the user wrote.
//
// Adding a tunable: the field in swim/core/config.h (with its check in
// Config::Check), one flag in member_flags.cc, one row in tunables.cc.
struct Tunable {
  using Field =
      std::variant<absl::Duration Config::*, int Config::*, size_t Config::*,
                   bool Config::*, double Config::*>;

  // "probe_interval".
  absl::string_view field;
  Field member;

  // "probe-interval".
  std::string FlagName() const;
  // "SWIM_PROBE_INTERVAL".
  std::string VariableName() const;
  // What a value must look like: "a duration (e.g. 500ms, 2s)", "a whole
  // number", "true or false", "a number".
  absl::string_view Expected() const;
  // Sets the field of `config` from `text`. INVALID_ARGUMENT when the text
  // is not a value of the row's type (e.g. "soon" for a duration), with
  // a message saying what was expected; `config` is unchanged then. The
  // range is not checked here (Config::Check does).
  absl::Status Set(absl::string_view text, Config& config) const;
  // The field's value in `config` as text Set reads back.
  std::string Get(const Config& config) const;
};

// Every tunable, in the order --help and the documentation list them.
absl::Span<const Tunable> Tunables();

// The row for a Config field as Config::Check names it, or null.
const Tunable* FindTunable(absl::string_view field);

}  // namespace swim::tools

#endif  // TOOLS_MEMBER_TUNABLES_H_

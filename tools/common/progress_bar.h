#ifndef TOOLS_COMMON_PROGRESS_BAR_H_
#define TOOLS_COMMON_PROGRESS_BAR_H_

#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace swim::tools {

// A one-line progress bar redrawn in place on a terminal:
//
//   [##########--------------------]  33%  10.0 / 30.0 s  join
//
// Redraws at most ten times a wall-clock second, so Update() is cheap
// enough to call from a hot loop. Draws nothing when disabled (e.g. the
// stream is not a terminal). With an empty `unit` the amounts are not
// shown, only the percentage (for progress measured in estimated work).
class ProgressBar {
 public:
  ProgressBar(std::FILE* out, bool enabled, std::string unit = "s virtual")
      : out_(out), enabled_(enabled), unit_(std::move(unit)) {}
  ~ProgressBar() { Clear(); }

  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` of `total` (any unit with the given suffix, e.g. virtual
  // seconds), and a short label for the current stage.
  void Update(double done, double total, absl::string_view label);
  // Erases the bar so ordinary output starts on a clean line.
  void Clear();

 private:
  std::FILE* out_;
  bool enabled_;
  std::string unit_;
  bool drawn_ = false;
  absl::Time last_draw_ = absl::InfinitePast();
};

}  // namespace swim::tools

#endif  // TOOLS_COMMON_PROGRESS_BAR_H_

#ifndef TOOLS_COMMON_COMMAND_LINE_H_
#define TOOLS_COMMON_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace swim::tools {

// Checks a command line against the registered Abseil flags before
// absl::ParseCommandLine sees it, so that a mistake can be reported with
// the program's own message and exit status (absl exits with 1 and its own
// wording). Returns the arguments rewritten for absl::ParseCommandLine:
//
//  - dashes in flag names become underscores (--latency-ms is
//    --latency_ms), since Abseil flag names are identifiers;
//  - "--name value" becomes "--name=value";
//  - the value of every flag not defined by Abseil itself is parsed once
//    (absl's own parser), so an illegal value fails here, naming the flag.
//
// Errors: an unknown flag, a missing or illegal value, Abseil's
// --flagfile, --fromenv and --tryfromenv (the programs read their flags
// from the command line only), or a positional
// argument when `positional` is null. When it is not, positional arguments
// (and everything after "--") are moved there instead, for programs that
// take operands such as a directory. Otherwise everything after "--"
// passes through unchecked.
absl::StatusOr<std::vector<std::string>> CheckCommandLine(
    const std::vector<std::string>& args,
    std::vector<std::string>* positional = nullptr);
absl::StatusOr<std::vector<std::string>> CheckCommandLine(int argc,
                                                          char** argv);

// What --version prints: "<program> <swim version> (wire format <n>,
// <crypto library>)" and a newline.
std::string VersionText(absl::string_view program);

}  // namespace swim::tools

#endif  // TOOLS_COMMON_COMMAND_LINE_H_

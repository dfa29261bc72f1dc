#ifndef TOOLS_MEMBER_MEMBER_ARGS_H_
#define TOOLS_MEMBER_MEMBER_ARGS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace swim::tools {

// The repeatable member flags, taken out of a command line before Abseil
// parses the rest. Abseil keeps only the last occurrence of a flag and
// gives each flag one value, but users coming from the Python
// swim-protocol write
//
//   --peer 10.0.0.2:7946 --peer 10.0.0.3:7946 --metadata name one
//
// so every occurrence is collected here, in order:
//
//   --peer=P, --peer P             one peer; P may be a comma-separated
//                                  list (as in SWIM_PEERS)
//   --metadata=KEY=VALUE           one entry; VALUE may contain '='
//   --metadata KEY=VALUE           the same, as two arguments
//   --metadata KEY VALUE           the Python spelling, three arguments
//                                  (used when the argument after
//                                  --metadata has no '=')
//
// A single dash (-peer) works too, as it does for Abseil flags. Keys
// given on the command line cannot contain '=', and in the two- and
// three-argument forms cannot start with '-' (that is almost always a
// forgotten value: "--metadata --peer ..."). Everything after "--" is left
// alone.
struct MemberArgs {
  // The command line without the flags above, for CheckCommandLine.
  std::vector<std::string> rest;
  std::vector<std::string> peers;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Errors name the argument: a flag without its value, an empty peer, or
// --metadata=KEY without "=VALUE".
absl::StatusOr<MemberArgs> ExtractMemberArgs(
    const std::vector<std::string>& args);

}  // namespace swim::tools

#endif  // TOOLS_MEMBER_MEMBER_ARGS_H_

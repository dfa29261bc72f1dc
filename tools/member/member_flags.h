#ifndef TOOLS_MEMBER_MEMBER_FLAGS_H_
#define TOOLS_MEMBER_MEMBER_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/member/member_config.h"

namespace swim::tools {

// The member flags every swim program shares (--name, --peer, --secret,
// --bind, --bind-port, --default-host, --default-port, --discovery,
// --preset, --metadata, --label, --insecure, TLS and one flag per tunable
// of tunables.h), defined once here with Abseil.

// What --help prints about them and the environment, for usage messages
// (the tunables listed from their table).
std::string MemberFlagsHelp();

// Parses a member program's command line: the repeatable flags first
// (member_args.h), then everything else with Abseil after checking it
// (command_line.h: dashes or underscores, "--flag value", a bad value
// names the flag). Operands go to `positional`; when it is null there may
// be none. Errors are usage errors (the programs exit with 2).
absl::StatusOr<MemberOptions> ParseMemberCommandLine(
    int argc, char** argv, std::vector<std::string>* positional = nullptr);

// True for the source files whose flags a member program's --help lists,
// given the program's own file (e.g. "tools/demo/swim_demo.cc").
bool ListsFlagsOf(absl::string_view path, absl::string_view program_file);

// Sets up a member program's --help and --version: `usage` followed by
// MemberFlagsHelp(), listing only the member flags and those of
// `program_file` (e.g. "tools/demo/swim_demo.cc"); the version line is `name`.
// Call before ParseMemberCommandLine.
void ConfigureMemberProgramUsage(absl::string_view name,
                                 absl::string_view program_file,
                                 absl::string_view usage);

}  // namespace swim::tools

#endif  // TOOLS_MEMBER_MEMBER_FLAGS_H_

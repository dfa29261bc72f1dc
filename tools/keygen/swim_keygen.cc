// swim-keygen: prints a fresh cluster key, the base64 of random bytes from
// the operating system, for SWIM_SECRET or a secret file:
//
//   export SWIM_SECRET="$(swim-keygen)"
//   swim-keygen > /etc/swim/secret && chmod 600 /etc/swim/secret

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "swim/core/cluster_key.h"
#include "tools/common/command_line.h"

ABSL_FLAG(int, bytes, 32,
          "Key size in bytes: 16, 24 or 32 (AES-256 either way).");

namespace swim::tools {
namespace {

constexpr absl::string_view kUsage =
    R"usage(Prints a fresh cluster key: the base64 of random bytes.

  export SWIM_SECRET="$(swim-keygen)"       every member needs the same
  swim-keygen > /etc/swim/secret            then SWIM_SECRET_FILE=/etc/swim/secret

Several keys separated by commas rotate: the first seals, all open.)usage";

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "tools/keygen/swim_keygen.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.version_string = [] { return VersionText("swim-keygen"); };
  absl::SetFlagsUsageConfig(usage);
  absl::StatusOr<std::vector<std::string>> args = CheckCommandLine(argc, argv);
  if (!args.ok()) {
    absl::FPrintF(stderr, "swim-keygen: %s\n", args.status().message());
    return 2;
  }
  std::vector<char*> pointers;
  for (std::string& arg : *args) pointers.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(pointers.size()), pointers.data());
  absl::StatusOr<std::string> key =
      GenerateKey(static_cast<size_t>(absl::GetFlag(FLAGS_bytes)));
  if (!key.ok()) {
    absl::FPrintF(stderr, "swim-keygen: --bytes: %s\n", key.status().message());
    return 2;
  }
  absl::PrintF("%s\n", *key);
  return 0;
}

}  // namespace
}  // namespace swim::tools

int main(int argc, char** argv) { return swim::tools::Main(argc, argv); }

#ifndef TOOLS_COMMON_ENVIRONMENT_H_
#define TOOLS_COMMON_ENVIRONMENT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace swim::tools {

// Environment variables by name. Configuration code takes one of these
// rather than calling getenv, so tests can hand it any environment.
using Environment = absl::flat_hash_map<std::string, std::string>;

// Reads a whole file; tests substitute their own.
using FileReader =
    std::function<absl::StatusOr<std::string>(const std::string& path)>;

// This process's environment.
Environment ProcessEnvironment();

// The variables that hold key material: SWIM_SECRET, the cluster's keys.
// (SWIM_SECRET_FILE only names a file, which its permissions guard.)
inline constexpr absl::string_view kSecretVariables[] = {"SWIM_SECRET"};

// This process's environment without kSecretVariables, as NAME=value
// entries, for a process this one starts (swim-sync's on-update hook): a
// program run on membership changes has no business with the cluster's
// keys, and would hand them to everything it runs in turn.
std::vector<std::string> ChildEnvironment();

// The contents of `path`, at most `max_bytes` of them (so a variable
// pointing at /dev/zero fails instead of eating memory). Errors name the
// path and the reason (e.g. "cannot read /run/secrets/swim: No such file
// or directory").
absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          size_t max_bytes = 1 << 20);

// The value of `variable`, taken either from the variable itself or, as
// container platforms hand out secrets, from the file that
// `variable`_FILE names (with trailing line breaks removed, since such
// files usually end with one). nullopt when neither is set. Errors: both
// are set (which one was meant is unclear), or the file cannot be read;
// the message names the variable and the path.
absl::StatusOr<std::optional<std::string>> LookupVariable(
    const Environment& environment, absl::string_view variable,
    const FileReader& read_file);

}  // namespace swim::tools

#endif  // TOOLS_COMMON_ENVIRONMENT_H_

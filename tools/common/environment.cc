#include "tools/common/environment.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace swim::tools {

Environment ProcessEnvironment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const absl::string_view text = *entry;
    const size_t equals = text.find('=');
    if (equals == absl::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, equals)),
                        std::string(text.substr(equals + 1)));
  }
  return environment;
}

std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const absl::string_view text = *entry;
    const absl::string_view name = text.substr(0, text.find('='));
    if (std::find(std::begin(kSecretVariables), std::end(kSecretVariables),
                  name) != std::end(kSecretVariables)) {
      continue;
    }
    entries.emplace_back(text);
  }
  return entries;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  }
  std::string contents;
  char buffer[4096];
  for (;;) {
    const ssize_t count = ::read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      const int error = errno;  // e.g. EISDIR for a directory
      ::close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read ", path, ": ", strerror(error)));
    }
    if (count == 0) break;
    contents.append(buffer, static_cast<size_t>(count));
    if (contents.size() > max_bytes) {  // /dev/zero, a log file, ...
      ::close(fd);
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot read ", path, ": larger than ", max_bytes, " bytes"));
    }
  }
  ::close(fd);
  return contents;
}

absl::StatusOr<std::optional<std::string>> LookupVariable(
    const Environment& environment, absl::string_view variable,
    const FileReader& read_file) {
  const std::string file_variable = absl::StrCat(variable, "_FILE");
  const auto direct = environment.find(variable);
  const auto file = environment.find(file_variable);
  if (direct != environment.end() && file != environment.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "both ", variable, " and ", file_variable, " are set; set only one"));
  }
  if (direct != environment.end()) return direct->second;
  if (file == environment.end()) return std::nullopt;
  if (file->second.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_variable, " is set but empty; it names a file"));
  }
  absl::StatusOr<std::string> contents = read_file(file->second);
  if (!contents.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_variable, "=", file->second, ": ", contents.status().message()));
  }
  absl::string_view value = *contents;
  while (absl::ConsumeSuffix(&value, "\n") ||
         absl::ConsumeSuffix(&value, "\r")) {
  }
  return std::string(value);
}

}  // namespace swim::tools

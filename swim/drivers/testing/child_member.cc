#include "swim/drivers/testing/child_member.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

extern char** environ;

namespace swim::drivertest {
namespace {

// The member_process binary: SWIM_MEMBER_PROCESS (an absolute path, as the
// CMake build's tests set it), else its place in Bazel's runfiles.
std::string MemberBinary() {
  const char* path = std::getenv("SWIM_MEMBER_PROCESS");
  if (path != nullptr && *path != '\0') return path;
  const char* runfiles = std::getenv("TEST_SRCDIR");
  return absl::StrCat(runfiles != nullptr ? runfiles : ".",
                      "/swim/swim/drivers/testing/member_process");
}

// The value of `field` ("VmRSS:") in /proc/<pid>/status, in bytes.
std::optional<uint64_t> StatusBytes(pid_t pid, absl::string_view field) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, field)) continue;
    rest = absl::StripAsciiWhitespace(rest);
    if (!absl::ConsumeSuffix(&rest, " kB")) return std::nullopt;
    uint64_t kib = 0;
    if (!absl::SimpleAtoi(rest, &kib)) return std::nullopt;
    return kib * 1024;
  }
  return std::nullopt;
}

}  // namespace

absl::Status ChildMember::Start(const std::vector<std::string>& args,
                                absl::Duration bound) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  const std::string binary = MemberBinary();
  std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  const int error = posix_spawn(&pid_, binary.c_str(), &actions, nullptr,
                                argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (error != 0) {
    ::close(pipe_fds[0]);
    pid_ = -1;
    return absl::InternalError(absl::StrCat("cannot start ", binary));
  }
  // Read "ready <port>\n", bounded in time.
  std::string line;
  const absl::Time deadline = absl::Now() + bound;
  while (line.find('\n') == std::string::npos && absl::Now() < deadline) {
    pollfd entry = {pipe_fds[0], POLLIN, 0};
    if (::poll(&entry, 1, 100) <= 0) continue;
    char buffer[64];
    const ssize_t count = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (count <= 0) break;
    line.append(buffer, static_cast<size_t>(count));
  }
  ::close(pipe_fds[0]);
  absl::string_view rest = absl::StripAsciiWhitespace(line);
  int port = 0;
  if (!absl::ConsumePrefix(&rest, "ready ") || !absl::SimpleAtoi(rest, &port)) {
    Kill();
    return absl::InternalError(absl::StrCat("child said: '", line, "'"));
  }
  port_ = port;
  return absl::OkStatus();
}

void ChildMember::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::optional<uint64_t> ChildMember::ResidentBytes() const {
  return StatusBytes(pid_, "VmRSS:");
}

std::optional<size_t> ChildMember::OpenDescriptors() const {
  std::error_code error;
  std::filesystem::directory_iterator it(absl::StrCat("/proc/", pid_, "/fd"),
                                         error);
  if (error) return std::nullopt;
  size_t count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) return std::nullopt;
    ++count;
  }
  return count;
}

std::optional<uint64_t> ChildMember::PeakResidentBytes() const {
  return StatusBytes(pid_, "VmHWM:");
}

absl::Status ChildMember::ResetPeakMemory() const {
  // Writing 5 to clear_refs resets the peak resident size (Linux 4.0+).
  std::ofstream clear(absl::StrCat("/proc/", pid_, "/clear_refs"));
  clear << "5";
  clear.flush();
  if (!clear) return absl::UnavailableError("cannot write clear_refs");
  return absl::OkStatus();
}

std::optional<absl::Duration> ChildMember::CpuTime() const {
  std::ifstream stat(absl::StrCat("/proc/", pid_, "/stat"));
  std::stringstream text;
  text << stat.rdbuf();
  // Fields after the command name (which may hold spaces), 1-based from
  // the state: utime is field 14 of the whole line, stime 15.
  const std::string all = text.str();
  const size_t close = all.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(all).substr(close + 2), ' ', absl::SkipEmpty());
  uint64_t user = 0;
  uint64_t system = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &user) ||
      !absl::SimpleAtoi(fields[12], &system)) {
    return std::nullopt;
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return absl::Seconds(static_cast<double>(user + system) /
                       static_cast<double>(ticks));
}

}  // namespace swim::drivertest

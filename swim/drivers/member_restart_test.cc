// A member in another process is killed with SIGKILL (no leave, sockets
// gone at once): every other member declares it OFFLINE. Restarted under
// the same name and port, it comes back ONLINE everywhere with the
// metadata of its new life.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/membership_view.h"
#include "swim/drivers/testing/running_member.h"

extern char** environ;

namespace swim::drivertest {
namespace {

constexpr absl::Duration kBound = absl::Seconds(30);

std::string MemberBinary() {
  const char* runfiles = std::getenv("TEST_SRCDIR");
  return absl::StrCat(runfiles != nullptr ? runfiles : ".",
                      "/swim/swim/drivers/testing/member_process");
}

// A member_process child; killed (SIGKILL) on destruction if still there.
class ChildMember {
 public:
  // Starts it and waits for "ready <port>".
  absl::Status Start(const std::vector<std::string>& args) {
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
    const absl::Time deadline = absl::Now() + kBound;
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
    if (!absl::ConsumePrefix(&rest, "ready ") ||
        !absl::SimpleAtoi(rest, &port)) {
      return absl::InternalError(absl::StrCat("child said: '", line, "'"));
    }
    port_ = port;
    return absl::OkStatus();
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  ~ChildMember() { Kill(); }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST(MemberRestartTest, KilledMemberGoesOfflineAndComesBackWithItsMetadata) {
  MembershipView view;
  std::vector<std::unique_ptr<RunningMember>> members;
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<RunningMember>> member = StartMember(
        i == 1 ? DriverKind::kAsio : DriverKind::kEpoll,
        FastConfig(absl::StrCat("m", i)), FastDriverOptions(), &view);
    ASSERT_TRUE(member.ok()) << member.status();
    if (i > 0) (*member)->driver().Join({members[0]->address()});
    names.push_back((*member)->name());
    members.push_back(*std::move(member));
  }
  ASSERT_TRUE(view.AwaitConverged(names, kBound)) << view.Describe();

  ChildMember first_life;
  ASSERT_TRUE(first_life
                  .Start({"child", "127.0.0.1:0", members[0]->address(),
                          "role=cache", "life=1"})
                  .ok());
  ASSERT_TRUE(view.AwaitMetadata(names, "child", "life", "1", kBound))
      << view.Describe();

  first_life.Kill();
  EXPECT_TRUE(
      view.AwaitStatus(names, {"child"}, MemberStatus::kOffline, kBound))
      << view.Describe();

  ChildMember second_life;
  ASSERT_TRUE(
      second_life
          .Start({"child", absl::StrCat("127.0.0.1:", first_life.port()),
                  members[0]->address(), "role=cache", "life=2"})
          .ok());
  EXPECT_EQ(second_life.port(), first_life.port());
  EXPECT_TRUE(view.AwaitMetadata(names, "child", "life", "2", kBound))
      << view.Describe();
  for (const std::string& name : names) {
    EXPECT_EQ(view.MetadataOf(name, "child")->at("role"), "cache");
  }
}

}  // namespace
}  // namespace swim::drivertest

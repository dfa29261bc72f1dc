#include "tools/sync/hook.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/common/signal_waiter.h"

namespace swim::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Script(const std::string& name, const std::string& body,
                   bool executable = true) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  {
    std::ofstream out(path);
    out << "#!/bin/sh\n" << body << "\n";
  }
  chmod(path.c_str(), executable ? 0755 : 0644);
  return path;
}

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(HookTest, PassesItsArguments) {
  const std::string out = absl::StrCat(::testing::TempDir(), "/hook_args");
  const std::string hook =
      Script("args_hook", absl::StrCat("printf '%s|' \"$@\" > ", out));
  ASSERT_TRUE(IsExecutableFile(hook));
  EXPECT_TRUE(RunHook(hook, {"10.0.0.1:7946", "ONLINE", "/d/10.0.0.1:7946"},
                      absl::Seconds(10))
                  .ok());
  EXPECT_EQ(Contents(out), "10.0.0.1:7946|ONLINE|/d/10.0.0.1:7946|");
}

TEST(HookTest, TheHookDoesNotGetTheClusterSecret) {
  // As swim-sync runs: the key in its environment.
  constexpr char kKey[] = "c3dpbS1ob29rIHRlc3Qga2V5IG5vdCBmb3IgdGhlIGhvb2s=";
  ASSERT_EQ(setenv("SWIM_SECRET", kKey, 1), 0);
  ASSERT_EQ(setenv("SWIM_SECRET_FILE", "/run/secrets/swim", 1), 0);
  ASSERT_EQ(setenv("SWIM_HOOK_TEST_KEPT", "kept", 1), 0);
  const std::string out = absl::StrCat(::testing::TempDir(), "/hook_env");
  const std::string hook =
      Script("env_hook", absl::StrCat("echo \"secret=${SWIM_SECRET-unset}\" > ",
                                      out, "; env >> ", out));
  const absl::Status status = RunHook(hook, {}, absl::Seconds(10));
  unsetenv("SWIM_SECRET");
  unsetenv("SWIM_SECRET_FILE");
  unsetenv("SWIM_HOOK_TEST_KEPT");
  ASSERT_TRUE(status.ok()) << status;

  const std::string seen = Contents(out);
  EXPECT_THAT(seen, HasSubstr("secret=unset\n"));
  EXPECT_THAT(seen, Not(HasSubstr(kKey)));
  EXPECT_THAT(seen, Not(HasSubstr("SWIM_SECRET=")));
  // The rest of the environment is passed on, the secret file's path too.
  EXPECT_THAT(seen, HasSubstr("SWIM_HOOK_TEST_KEPT=kept\n"));
  EXPECT_THAT(seen, HasSubstr("SWIM_SECRET_FILE=/run/secrets/swim\n"));
}

TEST(HookTest, ReportsFailure) {
  const absl::Status status =
      RunHook(Script("failing_hook", "exit 3"), {}, absl::Seconds(10));
  EXPECT_THAT(status.message(), HasSubstr("exited with status 3"));
}

TEST(HookTest, KillsAHookThatRunsTooLong) {
  const absl::Status status = RunHook(Script("slow_hook", "exec sleep 30"), {},
                                      absl::Milliseconds(200));
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
}

// Whether process `pid` is gone (or a zombie: killed, not yet reaped by
// whoever adopted it).
bool Dead(pid_t pid) {
  const std::string stat = Contents(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return true;
  const size_t end = stat.rfind(')');
  return end != std::string::npos && end + 2 < stat.size() &&
         stat[end + 2] == 'Z';
}

// What a hook started and left running is killed with it (it runs in a
// process group of its own), at its timeout as when stopped.
TEST(HookTest, KillsWhatAHookStartedWithIt) {
  const std::string started = absl::StrCat(::testing::TempDir(), "/started");
  std::remove(started.c_str());
  std::atomic<bool> cancel{false};
  // Stopped once the hook has started its child, however long that takes.
  std::thread canceller([&] {
    for (int i = 0; i < 3000 && Contents(started).empty(); ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    absl::SleepFor(absl::Milliseconds(50));  // the line is written whole
    cancel.store(true);
  });
  const absl::Status status = RunHook(
      Script("spawning_hook",
             absl::StrCat("sleep 1000 & echo $! >", started, "; sleep 1000")),
      {}, absl::Seconds(60), &cancel);
  canceller.join();
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  pid_t child = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(absl::StripAsciiWhitespace(Contents(started)), &child))
      << Contents(started);
  // SIGKILL was sent before RunHook returned; the kernel finishes it, and
  // whoever adopted the child reaps it, in a moment.
  for (int i = 0; i < 500 && !Dead(child); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(Dead(child)) << "the hook's child " << child << " still runs";
}

// Stopping swim-sync does not wait for a hook: it is killed at once.
TEST(HookTest, ACancelledHookIsKilled) {
  std::atomic<bool> cancel{false};
  std::thread canceller([&cancel] {
    absl::SleepFor(absl::Milliseconds(100));
    cancel.store(true);
  });
  const absl::Time start = absl::Now();
  const absl::Status status = RunHook(Script("long_hook", "exec sleep 30"), {},
                                      absl::Seconds(60), &cancel);
  canceller.join();
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
}

TEST(HookTest, NotExecutable) {
  const std::string hook = Script("plain_file", "exit 0", false);
  EXPECT_FALSE(IsExecutableFile(hook));
  EXPECT_FALSE(IsExecutableFile(::testing::TempDir()));
  EXPECT_FALSE(IsExecutableFile(hook + ".missing"));
  EXPECT_FALSE(RunHook(hook, {}, absl::Seconds(10)).ok());
}

TEST(HookTest, TheHookDoesNotInheritBlockedSignals) {
  // As in swim-sync, whose signals are blocked to be taken synchronously:
  // the hook must still die of SIGTERM.
  SignalWaiter waiter({SIGTERM});
  const absl::Status status =
      RunHook(Script("terminated_hook", "kill -TERM $$; sleep 5"), {},
              absl::Seconds(20));
  EXPECT_THAT(status.message(), HasSubstr("killed by signal 15"));
}

}  // namespace
}  // namespace swim::tools

// Record and replay of a real member: an epoll member on loopback records
// its inputs (DriverOptions::recording_file) while the cluster changes
// metadata, one member process is killed (SIGKILL) and another is frozen
// (SIGSTOP, silent both ways like a partition) and then thawed; the
// recording replays to identical transmits and events, and a recording
// whose received bytes were altered does not.

#include "swim/core/recording.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/member_status.h"
#include "swim/drivers/testing/child_member.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/membership_view.h"
#include "swim/drivers/testing/running_member.h"

namespace swim::drivertest {
namespace {

constexpr absl::Duration kBound = absl::Seconds(30);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(RecordingTest, ALiveMemberReplaysExactlyThroughACrashAndAPartition) {
  const std::string path = absl::StrCat(
      std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp",
      "/recorded.swimrec");
  MembershipView view;
  std::vector<std::unique_ptr<RunningMember>> members;
  std::vector<std::string> names;
  for (int i = 0; i < 2; ++i) {
    DriverOptions options = FastDriverOptions();
    if (i == 0) options.recording_file = path;
    absl::StatusOr<std::unique_ptr<RunningMember>> member = StartMember(
        DriverKind::kEpoll, FastConfig(absl::StrCat("m", i)), options, &view);
    ASSERT_TRUE(member.ok()) << member.status();
    if (i > 0) (*member)->driver().Join({members[0]->address()});
    names.push_back((*member)->name());
    members.push_back(*std::move(member));
  }
  ChildMember crashed;
  ChildMember frozen;
  ASSERT_TRUE(
      crashed.Start({"crashed", "127.0.0.1:0", members[0]->address()}).ok());
  ASSERT_TRUE(
      frozen.Start({"frozen", "127.0.0.1:0", members[0]->address()}).ok());
  ASSERT_TRUE(view.AwaitStatus(names, {"crashed", "frozen"},
                               MemberStatus::kOnline, kBound))
      << view.Describe();
  members[0]->driver().SetMetadata({{"role", "recorded"}});
  members[0]->driver().Broadcast("hello");

  crashed.Kill();
  ASSERT_EQ(::kill(frozen.pid(), SIGSTOP), 0);
  EXPECT_TRUE(view.AwaitStatus(names, {"crashed", "frozen"},
                               MemberStatus::kOffline, kBound))
      << view.Describe();
  ASSERT_EQ(::kill(frozen.pid(), SIGCONT), 0);
  EXPECT_TRUE(
      view.AwaitStatus(names, {"frozen"}, MemberStatus::kOnline, kBound))
      << view.Describe();
  absl::SleepFor(absl::Seconds(1));
  members.clear();  // stops the drivers; the recording's last checkpoint

  const std::string recording = ReadFile(path);
  ReplayOptions options;
  options.secrets = {kTestKey};
  absl::StatusOr<ReplayResult> replayed = Replay(recording, options);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_GT(replayed->inputs, 100u);
  EXPECT_GT(replayed->transmits, 50u);
  EXPECT_GT(replayed->checkpoints, 2u);

  // Without the key it cannot run.
  EXPECT_EQ(Replay(recording, ReplayOptions()).status().code(),
            absl::StatusCode::kNotFound);

  // One received datagram altered: the member's outputs differ from there
  // (its reply, or a drop instead of an update), and the replay says so.
  RecordingReader reader(recording);
  size_t offset = kRecordingMagic.size();
  bool altered = false;
  std::string tampered = recording;
  for (int entry = 0; entry < 200 && !altered; ++entry) {
    absl::StatusOr<std::optional<RecordedEntry>> next = reader.Next();
    ASSERT_TRUE(next.ok()) << next.status();
    ASSERT_TRUE(next->has_value());
    const size_t length =
        static_cast<uint8_t>(recording[offset + 1]) |
        (static_cast<uint8_t>(recording[offset + 2]) << 8) |
        (static_cast<uint8_t>(recording[offset + 3]) << 16) |
        (static_cast<size_t>(static_cast<uint8_t>(recording[offset + 4]))
         << 24);
    if ((*next)->kind == RecordKind::kDatagram && entry > 20) {
      // The datagram's bytes end the entry: flip its last byte (the
      // authentication tag), so the member drops it instead.
      tampered[offset + 5 + length - 1] ^= 0x01;
      altered = true;
    }
    offset += 5 + length;
  }
  ASSERT_TRUE(altered);
  absl::StatusOr<ReplayResult> diverged = Replay(tampered, options);
  EXPECT_EQ(diverged.status().code(), absl::StatusCode::kDataLoss)
      << diverged.status();
}

}  // namespace
}  // namespace swim::drivertest

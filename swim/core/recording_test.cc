// Record and replay in memory: two Nodes exchange transmits (swim/testing's
// in_memory), one records; its replay reproduces every output, a tampered
// or cut recording is caught, and the reader refuses malformed files.

#include "swim/core/recording.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/node.h"
#include "swim/testing/in_memory.h"

namespace swim {
namespace {

using ::swim::testing::Deliver;

const Instant kStart = Instant(absl::Seconds(1700000000));
const std::string kKey(32, 'k');
const std::string kSecondKey(32, 'j');

class StringRecorder : public Recorder {
 public:
  void Write(absl::Span<const uint8_t> entries) override {
    bytes.append(reinterpret_cast<const char*>(entries.data()), entries.size());
  }
  std::string bytes = std::string(kRecordingMagic);
};

Config MemberConfig(int index) {
  Config config = Config::Local();
  config.name = absl::StrCat("m", index);
  config.address = *Address::Parse(absl::StrCat("10.0.0.", index, ":7946"));
  config.generation = 1000 + index;
  config.seed = 77 + index;
  config.keys = {kKey};
  config.nonce_seed.fill(static_cast<uint8_t>(index + 1));
  return config;
}

// Runs two members for `seconds`, member 0 recording, with commands along
// the way; returns the recording.
std::string RecordTwo(int seconds) {
  StringRecorder recorder;
  std::unique_ptr<Node> a = *Node::Create(MemberConfig(1), kStart);
  EXPECT_TRUE(a->StartRecording(&recorder).ok());
  EXPECT_EQ(a->StartRecording(&recorder).code(),
            absl::StatusCode::kFailedPrecondition);
  std::unique_ptr<Node> b = *Node::Create(MemberConfig(2), kStart);
  Node* nodes[] = {a.get(), b.get()};
  EXPECT_TRUE(b->Join({a->local().address}, kStart).ok());
  Instant now = kStart;
  const Instant end = kStart + absl::Seconds(seconds);
  int step = 0;
  while (now < end) {
    now += absl::Milliseconds(10);
    ++step;
    a->ObserveWallClock(absl::FromUnixSeconds(1700000000) + (now - kStart));
    if (step == 100) {
      EXPECT_TRUE(a->SetMetadata({{"role", "x"}}, now).ok());
    }
    if (step == 150) {
      EXPECT_TRUE(a->Broadcast("hello", now).ok());
    }
    if (step == 200) {
      EXPECT_TRUE(a->AddKey(kSecondKey).ok());
      (void)a->Sample(1, kAvailable);
    }
    for (Node* node : nodes) {
      if (std::optional<Instant> due = node->NextDeadline();
          due && *due <= now) {
        node->HandleTimeout(now);
      }
    }
    // Deliver until both are quiet.
    for (bool moved = true; moved;) {
      moved = false;
      for (int i = 0; i < 2; ++i) {
        Node& from = *nodes[i];
        Node& to = *nodes[1 - i];
        while (std::optional<Transmit> transmit = from.PollTransmit()) {
          Deliver(to, from.local().address, *transmit, now);
          moved = true;
        }
        while (from.PollEvent()) {
        }
      }
    }
  }
  a->StopRecording();
  return recorder.bytes;
}

TEST(RecordingTest, AReplayReproducesEveryOutput) {
  const std::string recording = RecordTwo(40);
  ReplayOptions options;
  options.secrets = {kSecondKey, kKey};
  absl::StatusOr<ReplayResult> result = Replay(recording, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->inputs, 1000u);
  EXPECT_GT(result->transmits, 100u);
  EXPECT_GT(result->checkpoints, 10u);
  EXPECT_EQ(result->first, kStart);
}

TEST(RecordingTest, MissingKeysAndChangedInputsAreCaught) {
  const std::string recording = RecordTwo(20);
  ReplayOptions options;
  options.secrets = {kKey};  // not the key added at runtime
  EXPECT_EQ(Replay(recording, options).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Replay(recording, ReplayOptions()).status().code(),
            absl::StatusCode::kNotFound);
  options.secrets = {kKey, kSecondKey};

  // One received datagram altered (its authentication fails): the replay
  // drops it where the member took it.
  RecordingReader reader(recording);
  size_t offset = kRecordingMagic.size();
  std::string changed = recording;
  for (int entry = 0;; ++entry) {
    absl::StatusOr<std::optional<RecordedEntry>> next = reader.Next();
    ASSERT_TRUE(next.ok() && next->has_value());
    const size_t length = static_cast<uint8_t>(recording[offset + 1]) |
                          (static_cast<uint8_t>(recording[offset + 2]) << 8);
    if ((*next)->kind == RecordKind::kDatagram && entry > 50) {
      changed[offset + 5 + length - 1] ^= 0x40;  // the packet's last byte
      break;
    }
    offset += 5 + length;
  }
  // (Even when the dropped packet changed no output, the member's counters
  // differ.)
  absl::StatusOr<ReplayResult> diverged = Replay(changed, options);
  EXPECT_EQ(diverged.status().code(), absl::StatusCode::kDataLoss)
      << diverged.status();

  // Cut in the middle of an entry (its writer died): replayed up to there;
  // garbage: InvalidArgument.
  absl::StatusOr<ReplayResult> cut =
      Replay(recording.substr(0, recording.size() - 3), options);
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_TRUE(cut->truncated);
  EXPECT_GT(cut->checkpoints, 0u);
  EXPECT_EQ(Replay("not a recording", options).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string huge = std::string(kRecordingMagic) + "\x05\xff\xff\xff\x7f";
  EXPECT_EQ(Replay(huge, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RecordingTest, RefusedCommandsAreRefusedAgainOnReplay) {
  StringRecorder recorder;
  std::unique_ptr<Node> node = *Node::Create(MemberConfig(1), kStart);
  ASSERT_TRUE(node->StartRecording(&recorder).ok());
  const Instant at = kStart + absl::Seconds(1);
  // Refused: an empty key; a key that is not installed; an infinite skew
  // is kept as infinite.
  EXPECT_FALSE(node->SetMetadata({{"", "x"}}, at).ok());
  EXPECT_FALSE(node->UseKey(kSecondKey).ok());
  EXPECT_TRUE(node->SetMetadata({{"role", "y"}}, at).ok());
  node->HandleTimeout(at);
  while (node->PollTransmit()) {
  }
  while (node->PollEvent()) {
  }
  node->StopRecording();
  ReplayOptions options;
  options.secrets = {kKey};
  absl::StatusOr<ReplayResult> replayed = Replay(recorder.bytes, options);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->inputs, 3u);  // the refused UseKey is no input

  Config endless = MemberConfig(2);
  endless.max_clock_skew = absl::InfiniteDuration();
  StringRecorder second;
  std::unique_ptr<Node> other = *Node::Create(endless, kStart);
  ASSERT_TRUE(other->StartRecording(&second).ok());
  other->StopRecording();
  RecordingReader reader(second.bytes);
  absl::StatusOr<std::optional<RecordedEntry>> start = reader.Next();
  ASSERT_TRUE(start.ok() && start->has_value());
  EXPECT_EQ((*start)->config.max_clock_skew, absl::InfiniteDuration());
}

TEST(RecordingTest, KeyIdsDoNotRevealTheKey) {
  EXPECT_NE(RecordingKeyId(kKey), RecordingKeyId(kSecondKey));
  EXPECT_EQ(RecordingKeyId(kKey), RecordingKeyId(kKey));
  const std::string recording = RecordTwo(2);
  EXPECT_EQ(recording.find(kKey), std::string::npos);
  EXPECT_EQ(recording.find(kSecondKey), std::string::npos);
}

}  // namespace
}  // namespace swim

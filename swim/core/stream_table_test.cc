#include "swim/core/stream_table.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "swim/core/keyring.h"

namespace swim {
namespace {

const Address kPeer = *Address::Parse("10.0.0.2:7946");
constexpr size_t kMaxMessage = 64 << 10;

Envelope TestEnvelope() {
  EnvelopeConfig config;
  config.label = "streams";
  config.nonce_seed[0] = 3;
  return *Envelope::Create(
      config, *Keyring::Create({"stream-table-test-key-32-bytes!!"}));
}

std::vector<uint8_t> Sealed(Envelope& envelope, uint64_t id,
                            const std::vector<uint8_t>& packet) {
  std::vector<uint8_t> out;
  EXPECT_TRUE(SealStreamMessage(envelope, id, packet, out).ok());
  return out;
}

struct Received {
  std::vector<std::vector<uint8_t>> messages;
  std::vector<Address> from;
};

StreamTable::Outcome Feed(StreamTable& table, StreamId stream,
                          absl::Span<const uint8_t> bytes,
                          const Envelope& envelope, Received& received) {
  return table.Feed(stream, kPeer, bytes, envelope,
                    [&](const Address& from, absl::Span<const uint8_t> m) {
                      received.from.push_back(from);
                      received.messages.emplace_back(m.begin(), m.end());
                    });
}

TEST(StreamTableTest, AWholeMessageIsHandedOverWithItsSender) {
  Envelope envelope = TestEnvelope();
  StreamTable table(kMaxMessage);
  const std::vector<uint8_t> packet(40000, 0x5A);  // three chunks
  const std::vector<uint8_t> sealed = Sealed(envelope, 1, packet);
  Received received;
  const StreamTable::Outcome outcome =
      Feed(table, 7, sealed, envelope, received);
  EXPECT_EQ(outcome.verdict, StreamVerdict::kProgress);
  EXPECT_FALSE(outcome.drop.has_value());
  ASSERT_EQ(received.messages.size(), 1u);
  EXPECT_EQ(received.messages[0], packet);
  EXPECT_EQ(received.from[0], kPeer);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.pending_bytes(), 0u);
  EXPECT_EQ(table.partial_message_bytes(), 0u);
  EXPECT_FALSE(table.Close(7));  // nothing unfinished
  EXPECT_EQ(table.size(), 0u);
}

TEST(StreamTableTest, PiecesWaitForTheirFrameAndCountAsPending) {
  Envelope envelope = TestEnvelope();
  StreamTable table(kMaxMessage);
  const std::vector<uint8_t> sealed =
      Sealed(envelope, 2, std::vector<uint8_t>(100, 1));
  Received received;
  const absl::Span<const uint8_t> all(sealed);
  EXPECT_EQ(Feed(table, 1, all.subspan(0, 50), envelope, received).verdict,
            StreamVerdict::kContinue);
  EXPECT_EQ(table.pending_bytes(), 50u);
  EXPECT_TRUE(received.messages.empty());
  EXPECT_EQ(Feed(table, 1, all.subspan(50), envelope, received).verdict,
            StreamVerdict::kProgress);
  EXPECT_EQ(received.messages.size(), 1u);
  EXPECT_EQ(table.pending_bytes(), 0u);
}

TEST(StreamTableTest, JunkClosesAtOnceWithTheEnvelopeReason) {
  Envelope envelope = TestEnvelope();
  StreamTable table(kMaxMessage);
  const std::vector<uint8_t> junk = {
      0,  0,  0,  60, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
      13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
      29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
      45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60};
  Received received;
  const StreamTable::Outcome outcome = Feed(table, 3, junk, envelope, received);
  EXPECT_EQ(outcome.verdict, StreamVerdict::kClose);
  EXPECT_EQ(outcome.drop, DropReason::kEnvelope);
  EXPECT_NE(outcome.envelope_drop, EnvelopeDrop::kNone);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.pending_bytes(), 0u);
}

TEST(StreamTableTest, AReplayedMessageClosesItsConnection) {
  Envelope envelope = TestEnvelope();
  StreamTable table(kMaxMessage);
  const std::vector<uint8_t> sealed =
      Sealed(envelope, 99, std::vector<uint8_t>(10, 2));
  Received received;
  EXPECT_EQ(Feed(table, 1, sealed, envelope, received).verdict,
            StreamVerdict::kProgress);
  const StreamTable::Outcome replay =
      Feed(table, 2, sealed, envelope, received);
  EXPECT_EQ(replay.verdict, StreamVerdict::kClose);
  EXPECT_EQ(replay.drop, DropReason::kStreamReplay);
  EXPECT_EQ(received.messages.size(), 1u);
  EXPECT_EQ(table.size(), 1u);  // the first connection stays
}

TEST(StreamTableTest, AMessageOverTheLimitIsCutOff) {
  Envelope envelope = TestEnvelope();
  StreamTable table(kMaxMessage);
  const std::vector<uint8_t> sealed =
      Sealed(envelope, 5, std::vector<uint8_t>(kMaxMessage + 1, 3));
  Received received;
  const StreamTable::Outcome outcome =
      Feed(table, 1, sealed, envelope, received);
  EXPECT_EQ(outcome.verdict, StreamVerdict::kClose);
  EXPECT_EQ(outcome.drop, DropReason::kStreamLimit);
  EXPECT_TRUE(received.messages.empty());
  EXPECT_EQ(table.partial_message_bytes(), 0u);
}

TEST(StreamTableTest, ClosingMidMessageReportsItUnfinished) {
  Envelope envelope = TestEnvelope();
  StreamTable table(kMaxMessage);
  const std::vector<uint8_t> sealed =
      Sealed(envelope, 6, std::vector<uint8_t>(40000, 4));
  Received received;
  // The first chunk only (its frame: header plus the largest chunk).
  const size_t first = kStreamFrameHeaderSize + MaxStreamFrame(envelope);
  EXPECT_EQ(Feed(table, 1, absl::MakeConstSpan(sealed).subspan(0, first),
                 envelope, received)
                .verdict,
            StreamVerdict::kProgress);
  EXPECT_GT(table.partial_message_bytes(), 0u);
  EXPECT_TRUE(table.Close(1));
  EXPECT_EQ(table.partial_message_bytes(), 0u);
  EXPECT_FALSE(table.Close(1));  // already gone
}

TEST(StreamTableTest, NoMoreThanMaxStreamsAreTracked) {
  Envelope envelope = TestEnvelope();
  StreamTable table(kMaxMessage);
  const std::vector<uint8_t> header = {0, 0, 1, 0};  // a frame begun
  Received received;
  for (StreamId id = 0; id < StreamTable::kMaxStreams; ++id) {
    ASSERT_EQ(Feed(table, id, header, envelope, received).verdict,
              StreamVerdict::kContinue);
  }
  EXPECT_EQ(table.size(), StreamTable::kMaxStreams);
  const StreamTable::Outcome refused =
      Feed(table, StreamTable::kMaxStreams, header, envelope, received);
  EXPECT_EQ(refused.verdict, StreamVerdict::kClose);
  EXPECT_EQ(refused.drop, DropReason::kStreamLimit);
  EXPECT_EQ(table.size(), StreamTable::kMaxStreams);
  // Nothing is tracked for an empty read on an unknown connection.
  EXPECT_EQ(Feed(table, 1 << 20, {}, envelope, received).verdict,
            StreamVerdict::kContinue);
  EXPECT_EQ(table.size(), StreamTable::kMaxStreams);
}

}  // namespace
}  // namespace swim

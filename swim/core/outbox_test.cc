#include "swim/core/outbox.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "swim/core/keyring.h"
#include "swim/core/stream.h"

namespace swim {
namespace {

constexpr size_t kBudget = 1400;
const Address kPeer = *Address::Parse("10.0.0.2:7946");

Envelope TestEnvelope() {
  EnvelopeConfig config;
  config.label = "outbox";
  config.nonce_seed[0] = 1;
  return *Envelope::Create(
      config, *Keyring::Create({"outbox-test-key-of-32-bytes!!!!!"}));
}

std::vector<uint8_t> Packet(size_t size, uint8_t fill = 0x42) {
  return std::vector<uint8_t>(size, fill);
}

TEST(OutboxTest, EmptyPollsNothing) {
  Outbox outbox(kBudget);
  EXPECT_EQ(outbox.Poll(), std::nullopt);
  EXPECT_EQ(outbox.queued(), 0u);
  EXPECT_FALSE(outbox.full());
}

TEST(OutboxTest, DatagramsComeOutSealedInOrder) {
  Envelope envelope = TestEnvelope();
  Outbox outbox(kBudget);
  const std::vector<uint8_t> a = Packet(10, 1);
  const std::vector<uint8_t> b = Packet(20, 2);
  absl::StatusOr<size_t> size_a = outbox.QueueDatagram(kPeer, a, envelope);
  ASSERT_TRUE(size_a.ok());
  EXPECT_EQ(*size_a, a.size() + envelope.Overhead());
  ASSERT_TRUE(outbox.QueueDatagram(kPeer, b, envelope).ok());
  EXPECT_EQ(outbox.queued(), 2u);
  EXPECT_EQ(outbox.queued_stream_bytes(), 0u);

  std::optional<Transmit> first = outbox.Poll();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->to, kPeer);
  EXPECT_EQ(first->channel, Channel::kDatagram);
  EXPECT_EQ(first->stream, std::nullopt);
  std::vector<uint8_t> scratch(kBudget);
  absl::StatusOr<absl::Span<const uint8_t>> opened =
      envelope.Open(first->bytes, absl::MakeSpan(scratch));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(std::vector<uint8_t>(opened->begin(), opened->end()), a);
  std::optional<Transmit> second = outbox.Poll();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->bytes.size(), b.size() + envelope.Overhead());
  EXPECT_EQ(outbox.Poll(), std::nullopt);
}

TEST(OutboxTest, StreamBytesAreCountedUntilPolled) {
  Envelope envelope = TestEnvelope();
  Outbox outbox(kBudget);
  const std::vector<uint8_t> state = Packet(40000);
  absl::StatusOr<size_t> size =
      outbox.QueueStream(kPeer, StreamId{5}, state, 77, envelope);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, SealedStreamSize(envelope, state.size()));
  EXPECT_EQ(outbox.queued_stream_bytes(), *size);
  std::optional<Transmit> transmit = outbox.Poll();
  ASSERT_TRUE(transmit.has_value());
  EXPECT_EQ(transmit->channel, Channel::kStream);
  EXPECT_EQ(transmit->stream, StreamId{5});
  EXPECT_EQ(transmit->bytes.size(), *size);
  EXPECT_EQ(outbox.queued_stream_bytes(), 0u);

  // What went out reads back as the message.
  StreamReader reader(1 << 20);
  absl::Span<const uint8_t> input = transmit->bytes;
  StreamReader::Result result = StreamReader::Result::kNeedMore;
  while (!input.empty()) {
    result = reader.Read(input, envelope);
    ASSERT_NE(result, StreamReader::Result::kError);
  }
  ASSERT_EQ(result, StreamReader::Result::kMessage);
  EXPECT_EQ(
      std::vector<uint8_t>(reader.message().begin(), reader.message().end()),
      state);
}

TEST(OutboxTest, AFailedSealQueuesNothing) {
  Envelope envelope = TestEnvelope();
  Outbox outbox(kBudget);
  EXPECT_FALSE(outbox.QueueStream(kPeer, std::nullopt, {}, 1, envelope).ok());
  EXPECT_EQ(outbox.queued(), 0u);
  EXPECT_EQ(outbox.queued_stream_bytes(), 0u);
}

TEST(OutboxTest, FullAtTheBound) {
  Envelope envelope = TestEnvelope();
  Outbox outbox(kBudget);
  const std::vector<uint8_t> packet = Packet(8);
  for (size_t i = 0; i < Outbox::kMaxTransmits; ++i) {
    ASSERT_FALSE(outbox.full());
    ASSERT_TRUE(outbox.QueueDatagram(kPeer, packet, envelope).ok());
  }
  EXPECT_TRUE(outbox.full());
  ASSERT_TRUE(outbox.Poll().has_value());
  EXPECT_FALSE(outbox.full());
}

TEST(OutboxTest, PolledBytesStayValidUntilTheNextPoll) {
  Envelope envelope = TestEnvelope();
  Outbox outbox(kBudget);
  ASSERT_TRUE(outbox.QueueDatagram(kPeer, Packet(30, 7), envelope).ok());
  std::optional<Transmit> transmit = outbox.Poll();
  ASSERT_TRUE(transmit.has_value());
  const std::vector<uint8_t> copy(transmit->bytes.begin(),
                                  transmit->bytes.end());
  // Queueing more does not move the buffer the driver holds.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(outbox.QueueDatagram(kPeer, Packet(30, 9), envelope).ok());
  }
  EXPECT_EQ(
      std::vector<uint8_t>(transmit->bytes.begin(), transmit->bytes.end()),
      copy);
}

// A driver that drains a few at a time, forever, keeps a bounded queue.
TEST(OutboxTest, PartialDrainingReclaimsSpace) {
  Envelope envelope = TestEnvelope();
  Outbox outbox(kBudget);
  const std::vector<uint8_t> packet = Packet(16);
  for (int round = 0; round < 1000; ++round) {
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(outbox.QueueDatagram(kPeer, packet, envelope).ok());
    }
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(outbox.Poll().has_value());
  }
  EXPECT_EQ(outbox.queued(), 0u);
}

}  // namespace
}  // namespace swim

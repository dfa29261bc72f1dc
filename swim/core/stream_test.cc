#include "swim/core/stream.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "swim/core/envelope.h"
#include "swim/core/keyring.h"

namespace swim {
namespace {

using Result = StreamReader::Result;

constexpr size_t kMax = 1 << 20;

Envelope MakeEnvelope(SecurityMode mode, const std::string& key,
                      uint8_t nonce = 1) {
  EnvelopeConfig config;
  config.mode = mode;
  config.label = "stream-test";
  config.nonce_seed[0] = nonce;
  Keyring keyring;
  if (mode != SecurityMode::kPlaintext) keyring = *Keyring::Create({key});
  return *Envelope::Create(config, std::move(keyring));
}

const std::string kKey(32, 'k');

std::vector<uint8_t> Packet(size_t size, uint8_t seed = 0) {
  std::vector<uint8_t> packet(size);
  for (size_t i = 0; i < size; ++i) {
    packet[i] = static_cast<uint8_t>(i * 31 + seed);
  }
  return packet;
}

std::vector<uint8_t> Sealed(Envelope& envelope, uint64_t id,
                            const std::vector<uint8_t>& packet) {
  std::vector<uint8_t> out;
  EXPECT_TRUE(SealStreamMessage(envelope, id, packet, out).ok());
  return out;
}

// Feeds `bytes` in pieces of `piece` and collects every message.
std::vector<std::vector<uint8_t>> ReadAll(StreamReader& reader,
                                          const Envelope& envelope,
                                          absl::Span<const uint8_t> bytes,
                                          size_t piece, Result* last) {
  std::vector<std::vector<uint8_t>> messages;
  *last = Result::kNeedMore;
  while (!bytes.empty()) {
    absl::Span<const uint8_t> input =
        bytes.first(std::min(piece, bytes.size()));
    bytes.remove_prefix(input.size());
    while (!input.empty()) {
      *last = reader.Read(input, envelope);
      if (*last == Result::kError) return messages;
      if (*last == Result::kMessage) {
        messages.emplace_back(reader.message().begin(), reader.message().end());
      }
    }
  }
  return messages;
}

class StreamModeTest : public ::testing::TestWithParam<SecurityMode> {};

TEST_P(StreamModeTest, MessagesOfEverySizeRoundTripInAnyPieces) {
  Envelope sender = MakeEnvelope(GetParam(), kKey, 1);
  const Envelope receiver = MakeEnvelope(GetParam(), kKey, 2);
  for (size_t size : {size_t{1}, size_t{100}, kMaxStreamChunkData,
                      kMaxStreamChunkData + 1, 3 * kMaxStreamChunkData + 17}) {
    const std::vector<uint8_t> packet = Packet(size);
    const std::vector<uint8_t> bytes = Sealed(sender, 99, packet);
    EXPECT_EQ(bytes.size(), SealedStreamSize(sender, size));
    for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, bytes.size()}) {
      StreamReader reader(kMax);
      Result last;
      const auto messages = ReadAll(reader, receiver, bytes, piece, &last);
      ASSERT_EQ(messages.size(), 1u) << size << " in pieces of " << piece;
      EXPECT_EQ(messages[0], packet);
      EXPECT_EQ(last, Result::kMessage);
      EXPECT_TRUE(reader.authenticated());
      EXPECT_EQ(reader.pending_bytes(), 0u);
    }
  }
}

TEST_P(StreamModeTest, SeveralMessagesFollowEachOtherOnOneStream) {
  Envelope sender = MakeEnvelope(GetParam(), kKey);
  const Envelope receiver = MakeEnvelope(GetParam(), kKey, 2);
  std::vector<uint8_t> bytes = Sealed(sender, 1, Packet(40000, 1));
  const std::vector<uint8_t> second = Sealed(sender, 2, Packet(10, 2));
  bytes.insert(bytes.end(), second.begin(), second.end());
  StreamReader reader(kMax);
  Result last;
  const auto messages = ReadAll(reader, receiver, bytes, 5000, &last);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], Packet(40000, 1));
  EXPECT_EQ(messages[1], Packet(10, 2));
  EXPECT_TRUE(reader.idle());
}

INSTANTIATE_TEST_SUITE_P(Modes, StreamModeTest,
                         ::testing::Values(SecurityMode::kPlaintext,
                                           SecurityMode::kAuthenticated,
                                           SecurityMode::kEncrypted),
                         [](const auto& info) {
                           return std::string(SecurityModeName(info.param));
                         });

TEST(StreamTest, ChunksCarryAtMostTheChunkLimit) {
  Envelope envelope = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  const std::vector<uint8_t> bytes =
      Sealed(envelope, 5, Packet(2 * kMaxStreamChunkData + 1));
  // Three frames; each length is at most the receiver's bound.
  size_t offset = 0;
  int frames = 0;
  while (offset < bytes.size()) {
    const uint32_t length = (bytes[offset] << 24) | (bytes[offset + 1] << 16) |
                            (bytes[offset + 2] << 8) | bytes[offset + 3];
    EXPECT_LE(length, MaxStreamFrame(envelope));
    EXPECT_LE(MaxStreamFrame(envelope), kMaxStreamFrame);
    offset += kStreamFrameHeaderSize + length;
    ++frames;
  }
  EXPECT_EQ(offset, bytes.size());
  EXPECT_EQ(frames, 3);
}

TEST(StreamTest, EmptyMessagesCannotBeSealed) {
  Envelope envelope = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  std::vector<uint8_t> out = {1, 2};
  EXPECT_FALSE(SealStreamMessage(envelope, 1, {}, out).ok());
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2}));
}

// --- Hostile input -----------------------------------------------------

TEST(StreamTest, JunkIsRefusedAtItsFirstFrame) {
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  // A small junk frame: length 2, two bytes.
  const std::vector<uint8_t> junk = {0, 0, 0, 2, 0xde, 0xad, 0, 0, 0, 2};
  StreamReader reader(kMax);
  absl::Span<const uint8_t> input(junk);
  EXPECT_EQ(reader.Read(input, receiver), Result::kError);
  EXPECT_EQ(reader.error(), StreamError::kEnvelope);
  EXPECT_FALSE(reader.authenticated());
  // Later input changes nothing.
  EXPECT_EQ(reader.Read(input, receiver), Result::kError);
}

TEST(StreamTest, AnnouncingAFrameAboveTheBoundIsRefusedBeforeItsBody) {
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  for (uint32_t length :
       {uint32_t{0}, static_cast<uint32_t>(MaxStreamFrame(receiver) + 1),
        uint32_t{16} << 20, UINT32_MAX}) {
    const std::vector<uint8_t> header = {
        static_cast<uint8_t>(length >> 24), static_cast<uint8_t>(length >> 16),
        static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
    StreamReader reader(kMax);
    absl::Span<const uint8_t> input(header);
    EXPECT_EQ(reader.Read(input, receiver), Result::kError) << length;
    EXPECT_EQ(reader.error(), StreamError::kFrameLength);
    EXPECT_EQ(reader.pending_bytes(), kStreamFrameHeaderSize);
  }
}

TEST(StreamTest, UnauthenticatedBytesNeverExceedOneFrame) {
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  const uint32_t length = static_cast<uint32_t>(MaxStreamFrame(receiver));
  std::vector<uint8_t> bytes = {
      static_cast<uint8_t>(length >> 24), static_cast<uint8_t>(length >> 16),
      static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
  bytes.resize(kStreamFrameHeaderSize + length - 1, 0x5a);
  StreamReader reader(kMax);
  absl::Span<const uint8_t> input(bytes);
  EXPECT_EQ(reader.Read(input, receiver), Result::kNeedMore);
  EXPECT_EQ(reader.pending_bytes(), kStreamFrameHeaderSize + length - 1);
  EXPECT_LE(reader.pending_bytes(), kStreamFrameHeaderSize + kMaxStreamFrame);
  const std::vector<uint8_t> last = {0x5a};
  input = absl::MakeConstSpan(last);
  EXPECT_EQ(reader.Read(input, receiver), Result::kError);
  EXPECT_EQ(reader.error(), StreamError::kEnvelope);
}

TEST(StreamTest, AnotherClustersKeyOrLabelFails) {
  Envelope other_key =
      MakeEnvelope(SecurityMode::kEncrypted, std::string(32, 'o'));
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  const std::vector<uint8_t> bytes = Sealed(other_key, 1, Packet(100));
  StreamReader reader(kMax);
  Result last;
  EXPECT_TRUE(ReadAll(reader, receiver, bytes, bytes.size(), &last).empty());
  EXPECT_EQ(last, Result::kError);
  EXPECT_EQ(reader.envelope_drop(), EnvelopeDrop::kAuthenticationFailed);
}

// Splits a sealed stream message into its frames.
std::vector<std::vector<uint8_t>> Frames(const std::vector<uint8_t>& bytes) {
  std::vector<std::vector<uint8_t>> frames;
  size_t offset = 0;
  while (offset < bytes.size()) {
    const uint32_t length = (bytes[offset] << 24) | (bytes[offset + 1] << 16) |
                            (bytes[offset + 2] << 8) | bytes[offset + 3];
    frames.emplace_back(
        bytes.begin() + offset,
        bytes.begin() + offset + kStreamFrameHeaderSize + length);
    offset += kStreamFrameHeaderSize + length;
  }
  return frames;
}

std::vector<uint8_t> Join(const std::vector<std::vector<uint8_t>>& frames) {
  std::vector<uint8_t> bytes;
  for (const auto& frame : frames) {
    bytes.insert(bytes.end(), frame.begin(), frame.end());
  }
  return bytes;
}

TEST(StreamTest, ChunksOfDifferentMessagesCannotBeSpliced) {
  Envelope sender = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey, 2);
  const auto a = Frames(Sealed(sender, 1, Packet(3 * kMaxStreamChunkData, 1)));
  const auto b = Frames(Sealed(sender, 2, Packet(3 * kMaxStreamChunkData, 2)));
  ASSERT_EQ(a.size(), 3u);
  StreamReader reader(kMax);
  Result last;
  EXPECT_TRUE(ReadAll(reader, receiver, Join({a[0], b[1], a[2]}), 100000, &last)
                  .empty());
  EXPECT_EQ(last, Result::kError);
  EXPECT_EQ(reader.error(), StreamError::kChunk);
}

TEST(StreamTest, ReorderedRepeatedOrMissingChunksAreRefused) {
  Envelope sender = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey, 2);
  const auto f = Frames(Sealed(sender, 1, Packet(3 * kMaxStreamChunkData)));
  for (const auto& order :
       std::vector<std::vector<std::vector<uint8_t>>>{{f[1], f[0], f[2]},
                                                      {f[0], f[0], f[1], f[2]},
                                                      {f[0], f[2]},
                                                      {f[2]}}) {
    StreamReader reader(kMax);
    Result last;
    EXPECT_TRUE(ReadAll(reader, receiver, Join(order), 100000, &last).empty());
    EXPECT_EQ(last, Result::kError);
    EXPECT_EQ(reader.error(), StreamError::kChunk);
  }
}

TEST(StreamTest, ATruncatedMessageIsNeverDelivered) {
  Envelope sender = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey, 2);
  const auto f = Frames(Sealed(sender, 1, Packet(2 * kMaxStreamChunkData)));
  StreamReader reader(kMax);
  Result last;
  EXPECT_TRUE(ReadAll(reader, receiver, f[0], 1000, &last).empty());
  EXPECT_EQ(last, Result::kChunk);
  EXPECT_TRUE(reader.authenticated());
  EXPECT_FALSE(reader.idle());
  EXPECT_EQ(reader.partial_message_bytes(), kMaxStreamChunkData);
}

TEST(StreamTest, AMessageAboveTheLimitIsRefusedAtTheChunkThatExceedsIt) {
  Envelope sender = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey, 2);
  StreamReader reader(2 * kMaxStreamChunkData);
  Result last;
  const auto f = Frames(Sealed(sender, 1, Packet(5 * kMaxStreamChunkData)));
  EXPECT_TRUE(ReadAll(reader, receiver, Join(f), 1 << 20, &last).empty());
  EXPECT_EQ(last, Result::kError);
  EXPECT_EQ(reader.error(), StreamError::kMessageTooLarge);
  EXPECT_LE(reader.partial_message_bytes(), 2 * kMaxStreamChunkData);
}

TEST(StreamTest, ABitFlippedAnywhereFails) {
  Envelope sender = MakeEnvelope(SecurityMode::kEncrypted, kKey);
  const Envelope receiver = MakeEnvelope(SecurityMode::kEncrypted, kKey, 2);
  const std::vector<uint8_t> bytes = Sealed(sender, 1, Packet(50));
  for (size_t i = kStreamFrameHeaderSize; i < bytes.size(); ++i) {
    std::vector<uint8_t> flipped = bytes;
    flipped[i] ^= 0x10;
    StreamReader reader(kMax);
    Result last;
    EXPECT_TRUE(ReadAll(reader, receiver, flipped, 1000, &last).empty()) << i;
    EXPECT_EQ(last, Result::kError) << i;
  }
}

}  // namespace
}  // namespace swim

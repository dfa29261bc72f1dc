#include "swim/core/compression.h"

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

using ::testing::HasSubstr;

// A push-pull state of `members` members, as a member sends it.
std::vector<uint8_t> StatePacket(int members) {
  std::vector<std::string> names;
  for (int i = 0; i < members; ++i) names.push_back(absl::StrCat("m", i));
  PushPull state;
  state.reply_wanted = true;
  state.sender = names[0];
  for (int i = 0; i < members; ++i) {
    Claim claim;
    claim.name = names[i];
    claim.incarnation = {1796000000000000 + static_cast<uint64_t>(i) * 977,
                         static_cast<uint64_t>(i % 3)};
    claim.address = Address::Ipv4({127, 0, 0, 1}, 7000 + i);
    claim.has_metadata = true;
    state.members.push_back(claim);
  }
  std::vector<uint8_t> packet(1 << 20);
  const absl::StatusOr<size_t> size =
      EncodePacket({Message(state)}, absl::MakeSpan(packet));
  EXPECT_TRUE(size.ok()) << size.status();
  packet.resize(*size);
  return packet;
}

// A compressed packet stating `stated` bytes around `inner` compressed
// with zlib, followed by `trailer`.
std::vector<uint8_t> Compressed(const std::vector<uint8_t>& inner,
                                uint64_t stated,
                                const std::vector<uint8_t>& trailer = {}) {
  std::vector<uint8_t> out = {kWireMagic0, kWireMagic1, kCompressedWireVersion,
                              static_cast<uint8_t>(Compression::kZlib)};
  for (uint64_t v = stated;; v >>= 7) {
    if (v < 0x80) {
      out.push_back(static_cast<uint8_t>(v));
      break;
    }
    out.push_back(static_cast<uint8_t>(v | 0x80));
  }
  uLongf size = compressBound(inner.size());
  std::vector<uint8_t> data(size);
  EXPECT_EQ(compress2(data.data(), &size, inner.data(), inner.size(), 9), Z_OK);
  out.insert(out.end(), data.begin(), data.begin() + size);
  out.insert(out.end(), trailer.begin(), trailer.end());
  return out;
}

TEST(CompressionTest, AStateRoundTripsAtLessThanHalfItsSize) {
  for (int members : {64, 1000}) {
    const std::vector<uint8_t> packet = StatePacket(members);
    const std::optional<std::vector<uint8_t>> compressed =
        CompressPacket(packet);
    ASSERT_TRUE(compressed.has_value());
    EXPECT_TRUE(IsCompressedPacket(*compressed));
    EXPECT_FALSE(IsCompressedPacket(packet));
    EXPECT_LT(compressed->size() * 2, packet.size()) << members;
    std::vector<uint8_t> out;
    ASSERT_TRUE(ExpandPacket(*compressed, packet.size(), out).ok());
    EXPECT_EQ(out, packet);
    // The same packet always compresses to the same bytes.
    EXPECT_EQ(CompressPacket(packet), compressed);
  }
}

TEST(CompressionTest, APacketThatDoesNotShrinkIsLeftAsItIs) {
  std::vector<uint8_t> packet(256);
  const absl::StatusOr<size_t> size =
      EncodePacket({Message(Ping{7, "alice"})}, absl::MakeSpan(packet));
  ASSERT_TRUE(size.ok());
  packet.resize(*size);
  EXPECT_EQ(CompressPacket(packet), std::nullopt);
}

TEST(CompressionTest, ABombIsRefusedWithinItsStatedSize) {
  // 8 MiB of zeros compress to about 8 KiB.
  const std::vector<uint8_t> zeros(8 << 20, 0);
  std::vector<uint8_t> out;
  // Stating the truth but above the limit: refused before inflating.
  absl::Status status =
      ExpandPacket(Compressed(zeros, zeros.size()), 1 << 20, out);
  EXPECT_THAT(status.message(), HasSubstr("above the limit of 1048576"));
  EXPECT_EQ(out.capacity(), 0u);
  // Stating less than it inflates to: stopped one byte past the statement.
  status = ExpandPacket(Compressed(zeros, 100 << 10), 1 << 20, out);
  EXPECT_THAT(status.message(), HasSubstr("more than its stated 102400"));
  EXPECT_TRUE(out.empty());
  EXPECT_LE(out.capacity(), (100u << 10) + 1);
}

TEST(CompressionTest, EveryOtherDefectIsRefusedWithItsReason) {
  const std::vector<uint8_t> packet = StatePacket(64);
  const std::vector<uint8_t> good = Compressed(packet, packet.size());
  std::vector<uint8_t> out;
  ASSERT_TRUE(ExpandPacket(good, 1 << 20, out).ok());
  ASSERT_EQ(out, packet);

  struct Case {
    std::string name;
    std::vector<uint8_t> bytes;
    std::string reason;
  };
  std::vector<Case> cases;
  cases.push_back({"uncompressed", packet, "not a compressed packet"});
  cases.push_back(
      {"header only", {kWireMagic0, kWireMagic1, 2}, "compression"});
  std::vector<uint8_t> bytes = good;
  bytes[3] = 2;
  cases.push_back({"algorithm", bytes, "unknown compression 2"});
  cases.push_back(
      {"stated more", Compressed(packet, packet.size() + 1), "inflates to"});
  cases.push_back({"stated less", Compressed(packet, packet.size() - 1),
                   "more than its stated"});
  cases.push_back({"tiny", Compressed(packet, 3), "too few for a packet"});
  cases.push_back({"trailing", Compressed(packet, packet.size(), {0}),
                   "1 bytes after the compressed data"});
  bytes = good;
  bytes.resize(bytes.size() - 10);
  cases.push_back({"cut short", bytes, "cut short"});
  bytes = good;
  bytes.back() ^= 0x55;  // the checksum
  cases.push_back({"flipped", bytes, "corrupt: incorrect data check"});
  bytes = good;
  bytes.resize(6);  // header, algorithm, size; no data
  cases.push_back({"no data", bytes, "no data"});
  for (const Case& c : cases) {
    const absl::Status status = ExpandPacket(c.bytes, 1 << 20, out);
    EXPECT_THAT(status.message(), HasSubstr(c.reason)) << c.name;
    EXPECT_TRUE(out.empty()) << c.name;
  }
}

TEST(CompressionTest, OnlyAVersionOnePacketIsInside) {
  const std::vector<uint8_t> packet = StatePacket(64);
  const std::vector<uint8_t> once = *CompressPacket(packet);
  // A compressed packet is not a packet DecodePacket takes: it is expanded
  // first, and only once.
  std::vector<Message> messages;
  EXPECT_THAT(DecodePacket(once, messages).message(),
              HasSubstr("compressed packet (wire version 2)"));
  std::vector<uint8_t> out;
  ASSERT_TRUE(ExpandPacket(Compressed(once, once.size()), 1 << 20, out).ok());
  EXPECT_THAT(DecodePacket(out, messages).message(),
              HasSubstr("compressed packet (wire version 2)"));
  std::vector<uint8_t> version3 = packet;
  version3[2] = 3;
  EXPECT_THAT(DecodePacket(version3, messages).message(),
              HasSubstr("unsupported wire version 3 (this is 1 to 2)"));
}

}  // namespace
}  // namespace swim

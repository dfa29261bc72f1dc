#include "swim/core/wire.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <new>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

// Counts allocations while a test asks it to, so a test can check that
// decoding a hostile packet fails without allocating much.
namespace {

std::atomic<bool> g_count_allocations{false};
std::atomic<size_t> g_largest_allocation{0};
std::atomic<size_t> g_allocated_bytes{0};

}  // namespace

void* operator new(std::size_t size) {
  if (g_count_allocations.load(std::memory_order_relaxed)) {
    g_allocated_bytes.fetch_add(size, std::memory_order_relaxed);
    size_t largest = g_largest_allocation.load(std::memory_order_relaxed);
    while (size > largest && !g_largest_allocation.compare_exchange_weak(
                                 largest, size, std::memory_order_relaxed)) {
    }
  }
  void* pointer = std::malloc(size == 0 ? 1 : size);
  if (pointer == nullptr) throw std::bad_alloc();
  return pointer;
}

void operator delete(void* pointer) noexcept { std::free(pointer); }
void operator delete(void* pointer, std::size_t) noexcept {
  std::free(pointer);
}

namespace swim {
namespace {

using ::testing::HasSubstr;

constexpr uint8_t kGuard = 0xA5;

class AllocationCounter {
 public:
  AllocationCounter() {
    g_largest_allocation = 0;
    g_allocated_bytes = 0;
    g_count_allocations = true;
  }
  ~AllocationCounter() { g_count_allocations = false; }
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;

  size_t largest() const { return g_largest_allocation; }
  size_t total() const { return g_allocated_bytes; }
};

// Keeps strings alive for the whole test binary, since messages only hold
// views.
absl::string_view Keep(std::string text) {
  static auto* const kept = new std::deque<std::string>();
  kept->push_back(std::move(text));
  return kept->back();
}

MetadataView KeepMetadata(const Metadata& metadata) {
  absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  absl::StatusOr<MetadataView> view = MetadataView::Parse(Keep(*encoded));
  EXPECT_TRUE(view.ok()) << view.status();
  return *view;
}

Address Ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  return Address::Ipv4({a, b, c, d}, port);
}

Address Ipv6Doc(uint8_t last, uint16_t port) {
  std::array<uint8_t, 16> octets{0x20, 0x01, 0x0d, 0xb8};
  octets[15] = last;
  return Address::Ipv6(octets, port);
}

std::vector<uint8_t> Packet(const std::vector<uint8_t>& body) {
  std::vector<uint8_t> packet = {kWireMagic0, kWireMagic1, kWireVersion};
  packet.insert(packet.end(), body.begin(), body.end());
  return packet;
}

std::vector<uint8_t> Concat(std::vector<uint8_t> a,
                            const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

size_t PacketSize(absl::Span<const Message> messages) {
  size_t total = kWireHeaderSize;
  for (const Message& message : messages) {
    absl::StatusOr<size_t> size = EncodedSize(message);
    EXPECT_TRUE(size.ok()) << size.status();
    if (size.ok()) total += *size;
  }
  return total;
}

// Encodes into an exactly sized buffer (checking nothing is written past the
// reported size).
std::vector<uint8_t> Encode(absl::Span<const Message> messages) {
  const size_t total = PacketSize(messages);
  std::vector<uint8_t> buffer(total + 16, kGuard);
  absl::StatusOr<size_t> written =
      EncodePacket(messages, absl::MakeSpan(buffer));
  EXPECT_TRUE(written.ok()) << written.status();
  if (!written.ok()) return {};
  EXPECT_EQ(*written, total);
  for (size_t i = *written; i < buffer.size(); ++i) {
    EXPECT_EQ(buffer[i], kGuard) << "byte " << i;
  }
  buffer.resize(*written);
  return buffer;
}

bool IsTruncationError(const absl::Status& status) {
  return absl::StrContains(status.message(), "truncated") ||
         absl::StrContains(status.message(), "packet has no messages") ||
         absl::StrContains(status.message(), "above the limit");
}

// A member record with the given shape; names and metadata are kept alive.
Claim MakeUpdate(MemberStatus status, int index, bool with_metadata,
                 bool with_origin) {
  Claim update;
  update.status = status;
  update.name = Keep(absl::StrCat("node-", index));
  update.incarnation = {static_cast<uint64_t>(index) * 1000003,
                        static_cast<uint64_t>(index)};
  update.address = index % 2 == 0
                       ? Ipv4(10, 0, static_cast<uint8_t>(index), 1, 7946)
                       : Ipv6Doc(static_cast<uint8_t>(index), 7946);
  if (with_metadata) {
    update.has_metadata = true;
    Metadata metadata;
    metadata["dc"] = "eu";
    metadata["role"] = absl::StrCat("r", index);
    update.metadata = KeepMetadata(metadata);
  }
  if (with_origin) update.origin = Keep(absl::StrCat("origin-", index));
  return update;
}

struct WireCase {
  std::string name;
  std::vector<Message> messages;
};

std::vector<WireCase> SingleMessageCases() {
  std::vector<WireCase> cases;
  cases.push_back({"PingSmall", {Ping{0, "a"}}});
  cases.push_back(
      {"PingMaxSeqMaxName", {Ping{UINT32_MAX, Keep(std::string(255, 'n'))}}});
  for (bool ipv6 : {false, true}) {
    for (bool want_nack : {false, true}) {
      PingReq req;
      req.seq = want_nack ? 1u << 31 : 42;
      req.target = "target-node";
      req.target_address = ipv6 ? Ipv6Doc(7, 65535) : Ipv4(10, 1, 2, 3, 7946);
      req.want_nack = want_nack;
      cases.push_back({absl::StrCat("PingReq", ipv6 ? "Ipv6" : "Ipv4",
                                    want_nack ? "WantNack" : "NoNack"),
                       {req}});
    }
  }
  cases.push_back({"AckZero", {Ack{0}}});
  cases.push_back({"AckMax", {Ack{UINT32_MAX}}});
  cases.push_back({"NackZero", {Nack{0}}});
  cases.push_back({"NackLarge", {Nack{123456}}});
  int index = 0;
  for (MemberStatus status : {MemberStatus::kOnline, MemberStatus::kSuspect,
                              MemberStatus::kOffline, MemberStatus::kLeft}) {
    for (bool with_metadata : {false, true}) {
      for (bool with_origin : {false, true}) {
        cases.push_back(
            {absl::StrCat("Update", MemberStatusName(status),
                          with_metadata ? "Metadata" : "NoMetadata",
                          with_origin ? "Origin" : "NoOrigin"),
             {MakeUpdate(status, index++, with_metadata, with_origin)}});
      }
    }
  }
  {
    Claim update = MakeUpdate(MemberStatus::kOnline, 40, false, false);
    update.has_metadata = true;  // An empty map, present.
    cases.push_back({"UpdateEmptyMetadata", {update}});
  }
  {
    Claim update;
    update.status = MemberStatus::kOffline;
    update.name = Keep(std::string(255, 'm'));
    update.origin = Keep(std::string(255, 'o'));
    update.incarnation = {UINT64_MAX, UINT64_MAX};
    update.address = Ipv6Doc(255, 65535);
    cases.push_back({"UpdateMaxNamesAndIncarnation", {update}});
  }
  cases.push_back(
      {"BroadcastEmptyPayload", {UserBroadcast{"origin", 0, 0, ""}}});
  cases.push_back({"BroadcastBinaryPayload",
                   {UserBroadcast{"o", UINT64_MAX, UINT64_MAX,
                                  Keep(std::string("\0\x01\xff\0", 4))}}});
  cases.push_back(
      {"BroadcastMaxPayload",
       {UserBroadcast{"origin", 1700000000123456, 128,
                      Keep(std::string(kMaxUserPayloadSize, 'p'))}}});
  cases.push_back({"PushPullEmpty", {PushPull{false, false, "s", {}, {}}}});
  cases.push_back(
      {"PushPullEmptyReplyWanted", {PushPull{true, false, "sender", {}, {}}}});
  cases.push_back({"PushPullJoiningWithFloors",
                   {PushPull{true,
                             true,
                             "joiner",
                             {},
                             {BroadcastFloor{"a", 1700000000000000, 3},
                              BroadcastFloor{"bb", UINT64_MAX, UINT64_MAX}}}}});
  {
    PushPull state;
    state.reply_wanted = true;
    state.sender = "member-100";
    state.members = {
        MakeUpdate(MemberStatus::kOnline, 100, true, false),
        MakeUpdate(MemberStatus::kSuspect, 101, false, true),
        MakeUpdate(MemberStatus::kOffline, 102, true, true),
        MakeUpdate(MemberStatus::kLeft, 103, false, false),
        MakeUpdate(MemberStatus::kOnline, 104, true, false),
    };
    cases.push_back({"PushPullSeveralMembers", {state}});
  }
  return cases;
}

std::vector<WireCase> RoundTripCases() {
  std::vector<WireCase> cases = SingleMessageCases();
  WireCase everything{"CompoundEverything", {}};
  for (const WireCase& c : cases) {
    // The 64 KiB broadcast is covered on its own; leaving it out keeps the
    // every-prefix test fast.
    if (c.name == "BroadcastMaxPayload") continue;
    everything.messages.insert(everything.messages.end(), c.messages.begin(),
                               c.messages.end());
  }
  cases.push_back(std::move(everything));
  WireCase acks{"CompoundManyAcks", {}};
  for (uint32_t seq = 0; seq < 500; ++seq) acks.messages.push_back(Ack{seq});
  cases.push_back(std::move(acks));
  WireCase mixed{"CompoundMixed", {}};
  for (int i = 0; i < 20; ++i) {
    mixed.messages.push_back(
        Ping{static_cast<uint32_t>(i), Keep(absl::StrCat("p", i))});
    mixed.messages.push_back(
        MakeUpdate(MemberStatus::kSuspect, 200 + i, i % 3 == 0, i % 2 == 0));
    mixed.messages.push_back(Nack{static_cast<uint32_t>(i * 1000)});
  }
  cases.push_back(std::move(mixed));
  return cases;
}

class WireRoundTripTest : public ::testing::TestWithParam<WireCase> {};

TEST_P(WireRoundTripTest, EncodeThenDecode) {
  const std::vector<Message>& messages = GetParam().messages;
  const std::vector<uint8_t> packet = Encode(messages);
  ASSERT_FALSE(packet.empty());
  EXPECT_EQ(packet[0], kWireMagic0);
  EXPECT_EQ(packet[1], kWireMagic1);
  EXPECT_EQ(packet[2], kWireVersion);

  std::vector<Message> decoded;
  ASSERT_TRUE(DecodePacket(packet, decoded).ok());
  EXPECT_EQ(decoded, messages);
  for (size_t i = 0; i < decoded.size() && i < messages.size(); ++i) {
    EXPECT_EQ(TypeOf(decoded[i]), TypeOf(messages[i]));
  }
  // Re-encoding what was decoded gives the same bytes.
  EXPECT_EQ(Encode(decoded), packet);
}

TEST_P(WireRoundTripTest, EveryTruncationFailsExceptAtMessageBoundaries) {
  const std::vector<Message>& messages = GetParam().messages;
  const std::vector<uint8_t> packet = Encode(messages);
  ASSERT_FALSE(packet.empty());

  // Prefixes that end exactly after message k are valid packets holding the
  // first k messages.
  std::vector<size_t> boundaries;
  size_t offset = kWireHeaderSize;
  for (const Message& message : messages) {
    offset += *EncodedSize(message);
    boundaries.push_back(offset);
  }
  ASSERT_EQ(boundaries.back(), packet.size());

  std::vector<Message> decoded;
  size_t next_boundary = 0;
  for (size_t length = 0; length <= packet.size(); ++length) {
    const absl::Status status =
        DecodePacket(absl::MakeConstSpan(packet).first(length), decoded);
    if (next_boundary < boundaries.size() &&
        length == boundaries[next_boundary]) {
      ++next_boundary;
      ASSERT_TRUE(status.ok()) << "length " << length << ": " << status;
      ASSERT_EQ(decoded.size(), next_boundary);
      EXPECT_TRUE(std::equal(decoded.begin(), decoded.end(), messages.begin()))
          << "length " << length;
    } else {
      ASSERT_FALSE(status.ok()) << "length " << length;
      EXPECT_TRUE(decoded.empty()) << "length " << length;
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_TRUE(IsTruncationError(status))
          << "length " << length << ": " << status;
    }
  }
  EXPECT_EQ(decoded, messages);
}

INSTANTIATE_TEST_SUITE_P(AllMessages, WireRoundTripTest,
                         ::testing::ValuesIn(RoundTripCases()),
                         [](const ::testing::TestParamInfo<WireCase>& info) {
                           return info.param.name;
                         });

TEST(WireTest, CasesCoverEveryMessageType) {
  std::set<MessageType> types;
  for (const WireCase& c : SingleMessageCases()) {
    for (const Message& message : c.messages) types.insert(TypeOf(message));
  }
  EXPECT_EQ(types.size(), 7u);
}

TEST(WireTest, TypeOfAndNames) {
  const std::vector<std::pair<Message, absl::string_view>> cases = {
      {Ping{}, "ping"},
      {PingReq{}, "ping-req"},
      {Ack{}, "ack"},
      {Nack{}, "nack"},
      {Claim{}, "member-update"},
      {UserBroadcast{}, "user-broadcast"},
      {PushPull{}, "push-pull"},
  };
  uint8_t expected_type = 1;
  for (const auto& [message, name] : cases) {
    EXPECT_EQ(static_cast<uint8_t>(TypeOf(message)), expected_type);
    EXPECT_EQ(MessageTypeName(TypeOf(message)), name);
    ++expected_type;
  }
  EXPECT_EQ(MessageTypeName(static_cast<MessageType>(0)), "unknown");
  EXPECT_EQ(MessageTypeName(static_cast<MessageType>(8)), "unknown");
}

struct GoldenCase {
  const char* name;
  std::vector<Message> messages;
  std::vector<uint8_t> bytes;
};

// Byte layouts worked out by hand from wire.cc.
TEST(WireTest, GoldenEncodings) {
  Metadata metadata;
  metadata["k"] = "v";
  Claim full;
  full.status = MemberStatus::kSuspect;
  full.name = "m";
  full.incarnation = {1, 2};
  full.address = Ipv4(10, 0, 0, 1, 80);
  full.has_metadata = true;
  full.metadata = KeepMetadata(metadata);
  full.origin = "o";
  Claim minimal;
  minimal.name = "m";
  std::array<uint8_t, 16> loopback{};
  loopback[15] = 1;

  const std::vector<GoldenCase> cases = {
      {"ping", {Ping{300, "ab"}}, {0x01, 0xac, 0x02, 0x02, 'a', 'b'}},
      {"ack", {Ack{5}}, {0x03, 0x05}},
      {"nack", {Nack{128}}, {0x04, 0x80, 0x01}},
      {"ping-req ipv6",
       {PingReq{1, "n", Address::Ipv6(loopback, 7946), true}},
       {0x02, 0x01, 0x01, 0x01, 'n', 0x06, 0, 0, 0, 0,    0,    0,
        0,    0,    0,    0,    0,   0,    0, 0, 0, 0x01, 0x1f, 0x0a}},
      {"ping-req ipv4",
       {PingReq{2, "n", Ipv4(10, 0, 0, 1, 80), false}},
       {0x02, 0x02, 0x00, 0x01, 'n', 0x04, 10, 0, 0, 1, 0x00, 0x50}},
      {"member update full", {full}, {0x05, 0x02, 0x03, 0x01, 'm', 0x01, 0x02,
                                      0x04, 10,   0,    0,    1,   0x00, 0x50,
                                      0x01, 0x01, 'k',  0x01, 'v', 0x01, 'o'}},
      {"member update minimal",
       {minimal},
       {0x05, 0x01, 0x00, 0x01, 'm', 0x00, 0x00, 0x04, 0, 0, 0, 0, 0x00, 0x00}},
      {"user broadcast",
       {UserBroadcast{"o", 1, 128, "hi"}},
       {0x06, 0x01, 'o', 0x01, 0x80, 0x01, 0x02, 'h', 'i'}},
      {"push-pull empty",
       {PushPull{true, false, "s", {}, {}}},
       {0x07, 0x01, 0x01, 's', 0x00, 0x00}},
      {"push-pull one",
       {PushPull{false, false, "s", {minimal}, {}}},
       {0x07, 0x00, 0x01, 's', 0x01, 0x01, 0x00, 0x01, 'm', 0x00, 0x00, 0x04, 0,
        0, 0, 0, 0x00, 0x00, 0x00}},
      {"push-pull joining with a floor",
       {PushPull{true, true, "s", {}, {BroadcastFloor{"o", 2, 300}}}},
       {0x07, 0x03, 0x01, 's', 0x00, 0x01, 0x01, 'o', 0x02, 0xac, 0x02}},
      {"compound", {Ack{1}, Nack{2}}, {0x03, 0x01, 0x04, 0x02}},
  };
  for (const GoldenCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<uint8_t> expected = Packet(c.bytes);
    EXPECT_EQ(Encode(c.messages), expected);
    if (c.messages.size() == 1) {
      EXPECT_EQ(*EncodedSize(c.messages[0]), c.bytes.size());
    }
    absl::StatusOr<std::vector<Message>> decoded = DecodePacket(expected);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, c.messages);
  }
}

TEST(WireTest, PingWithSixteenByteTargetFitsTheSizeTarget) {
  const absl::string_view target = "0123456789abcdef";
  ASSERT_EQ(target.size(), 16u);
  // Header (3) + type (1) + 1-byte seq varint + name length (1) + name (16).
  const std::vector<Message> small = {Ping{1, target}};
  EXPECT_EQ(*EncodedSize(small[0]), 19u);
  EXPECT_EQ(Encode(small).size(), 22u);
  // The largest seq takes a 5-byte varint.
  const std::vector<Message> large = {Ping{UINT32_MAX, target}};
  EXPECT_EQ(*EncodedSize(large[0]), 23u);
  EXPECT_EQ(Encode(large).size(), 26u);
  EXPECT_LE(Encode(large).size(), 40u);
}

TEST(WireTest, DecodedMessagesPointIntoThePacket) {
  const std::vector<Message> messages = {
      Ping{7, "target"}, UserBroadcast{"origin", 5, 1, "payload"},
      MakeUpdate(MemberStatus::kOnline, 1, true, true)};
  const std::vector<uint8_t> packet = Encode(messages);
  absl::StatusOr<std::vector<Message>> decoded = DecodePacket(packet);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), 3u);
  const auto inside = [&packet](absl::string_view view) {
    const auto* data = reinterpret_cast<const uint8_t*>(view.data());
    return data >= packet.data() &&
           data + view.size() <= packet.data() + packet.size();
  };
  EXPECT_TRUE(inside(std::get<Ping>((*decoded)[0]).target));
  EXPECT_TRUE(inside(std::get<UserBroadcast>((*decoded)[1]).payload));
  const Claim& update = std::get<Claim>((*decoded)[2]);
  EXPECT_TRUE(inside(update.name));
  EXPECT_TRUE(inside(update.origin));
  EXPECT_TRUE(inside(update.metadata.encoded()));
}

TEST(EncodePacketTest, ShortBufferWritesNothing) {
  const std::vector<Message> messages = {
      Ping{1, "target"}, MakeUpdate(MemberStatus::kOnline, 3, true, true),
      UserBroadcast{"origin", 5, 9, "payload"}};
  const size_t total = PacketSize(messages);
  for (size_t capacity :
       {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{10}, total - 1}) {
    SCOPED_TRACE(capacity);
    std::vector<uint8_t> buffer(capacity + 8, kGuard);
    absl::StatusOr<size_t> written =
        EncodePacket(messages, absl::MakeSpan(buffer).first(capacity));
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(written.status().message(),
                HasSubstr(absl::StrCat("packet needs ", total,
                                       " bytes, buffer holds ", capacity)));
    EXPECT_EQ(buffer, std::vector<uint8_t>(capacity + 8, kGuard));
  }
  std::vector<uint8_t> exact(total, kGuard);
  absl::StatusOr<size_t> written =
      EncodePacket(messages, absl::MakeSpan(exact));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, total);
}

struct InvalidCase {
  const char* name;
  std::vector<Message> messages;
  const char* error;
};

TEST(EncodePacketTest, InvalidMessagesWriteNothing) {
  const absl::string_view long_name = Keep(std::string(256, 'n'));
  Claim empty_name = MakeUpdate(MemberStatus::kOnline, 1, false, false);
  empty_name.name = "";
  Claim long_member = empty_name;
  long_member.name = long_name;
  Claim long_origin = MakeUpdate(MemberStatus::kSuspect, 2, false, true);
  long_origin.origin = long_name;
  Claim bad_status = MakeUpdate(MemberStatus::kOnline, 3, false, false);
  bad_status.status = static_cast<MemberStatus>(3);
  const absl::string_view big_payload =
      Keep(std::string(kMaxUserPayloadSize + 1, 'p'));

  const std::vector<InvalidCase> cases = {
      {"no messages", {}, "a packet needs at least one message"},
      {"ping empty target",
       {Ping{1, ""}},
       "ping target must be 1-255 bytes, is 0"},
      {"ping long target",
       {Ping{1, long_name}},
       "ping target must be 1-255 bytes, is 256"},
      {"ping-req empty target",
       {PingReq{1, "", Address(), false}},
       "ping-req target must be 1-255 bytes, is 0"},
      {"ping-req long target",
       {PingReq{1, long_name, Address(), true}},
       "ping-req target must be 1-255 bytes, is 256"},
      {"update empty name",
       {empty_name},
       "member name must be 1-255 bytes, is 0"},
      {"update long name",
       {long_member},
       "member name must be 1-255 bytes, is 256"},
      {"update long origin",
       {long_origin},
       "origin name must be 1-255 bytes, is 256"},
      {"update bad status",
       {bad_status},
       "member update has an invalid status"},
      {"broadcast empty origin",
       {UserBroadcast{"", 1, 1, "x"}},
       "broadcast origin must be 1-255 bytes, is 0"},
      {"broadcast payload too large",
       {UserBroadcast{"o", 1, 1, big_payload}},
       "broadcast payload is 65536 bytes, above the limit of 65535"},
      {"push-pull bad member",
       {PushPull{
           false,
           false,
           "s",
           {MakeUpdate(MemberStatus::kOnline, 4, false, false), empty_name},
           {}}},
       "member name must be 1-255 bytes, is 0"},
      {"push-pull bad floor",
       {PushPull{false, false, "s", {}, {BroadcastFloor{"", 1, 1}}}},
       "floor origin must be 1-255 bytes, is 0"},
      {"valid then invalid",
       {Ack{1}, Nack{2}, Ping{3, ""}},
       "ping target must be 1-255 bytes"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<uint8_t> buffer(1 << 18, kGuard);
    absl::StatusOr<size_t> written =
        EncodePacket(c.messages, absl::MakeSpan(buffer));
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(written.status().message(), HasSubstr(c.error));
    EXPECT_EQ(buffer, std::vector<uint8_t>(1 << 18, kGuard));
    if (c.messages.size() == 1) {
      absl::StatusOr<size_t> size = EncodedSize(c.messages[0]);
      EXPECT_EQ(size.status(), written.status());
    }
  }
}

TEST(EncodePacketTest, RejectsPacketsAboveTheMaximumSize) {
  const absl::string_view payload = Keep(std::string(kMaxUserPayloadSize, 'p'));
  // Each broadcast takes 1 + 2 + 1 + 3 + 65535 = 65542 bytes; 1024 of them
  // exceed 64 MiB.
  const std::vector<Message> messages(1024, UserBroadcast{"o", 1, 1, payload});
  ASSERT_GT(PacketSize(messages), kMaxPacketSize);
  std::vector<uint8_t> buffer(64, kGuard);
  absl::StatusOr<size_t> written =
      EncodePacket(messages, absl::MakeSpan(buffer));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(written.status().message(),
              HasSubstr("above the limit of 67108864"));
  EXPECT_EQ(buffer, std::vector<uint8_t>(64, kGuard));
}

TEST(PacketBuilderTest, StartsWithTheHeader) {
  std::vector<uint8_t> buffer(16, kGuard);
  PacketBuilder builder(absl::MakeSpan(buffer));
  EXPECT_EQ(builder.size(), kWireHeaderSize);
  EXPECT_EQ(builder.remaining(), 13u);
  EXPECT_EQ(builder.message_count(), 0u);
  EXPECT_EQ(
      std::vector<uint8_t>(builder.bytes().begin(), builder.bytes().end()),
      Packet({}));
  for (size_t i = kWireHeaderSize; i < buffer.size(); ++i) {
    EXPECT_EQ(buffer[i], kGuard);
  }
  // A header alone is not a packet.
  EXPECT_THAT(DecodePacket(builder.bytes()).status().message(),
              HasSubstr("packet has no messages"));
}

TEST(PacketBuilderTest, FillsUpToTheBudget) {
  constexpr size_t kBudget = 1400;
  std::vector<uint8_t> buffer(kBudget + 32, kGuard);
  PacketBuilder builder(absl::MakeSpan(buffer).first(kBudget));
  std::vector<Message> appended;
  bool rejected = false;
  for (int i = 0; i < 1000 && !rejected; ++i) {
    const Message update =
        MakeUpdate(MemberStatus::kOnline, i, /*with_metadata=*/true,
                   /*with_origin=*/i % 2 == 0);
    const std::vector<uint8_t> before = buffer;
    const size_t size_before = builder.size();
    const absl::Status status = builder.Append(update);
    if (status.ok()) {
      appended.push_back(update);
      EXPECT_EQ(builder.size(), size_before + *EncodedSize(update));
      continue;
    }
    rejected = true;
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(status.message(), HasSubstr("member-update needs"));
    EXPECT_LT(builder.remaining(), *EncodedSize(update));
    // Nothing changed: not the size, not a single byte (even beyond size()).
    EXPECT_EQ(builder.size(), size_before);
    EXPECT_EQ(builder.message_count(), appended.size());
    EXPECT_EQ(buffer, before);
  }
  ASSERT_TRUE(rejected);
  EXPECT_GT(appended.size(), 10u);
  EXPECT_LE(builder.size(), kBudget);

  // A smaller message still fits after a larger one was turned away.
  ASSERT_GE(builder.remaining(), 2u);
  ASSERT_TRUE(builder.Append(Ack{1}).ok());
  appended.push_back(Ack{1});
  EXPECT_EQ(builder.message_count(), appended.size());

  absl::StatusOr<std::vector<Message>> decoded = DecodePacket(builder.bytes());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, appended);
  // The same messages encode to the same bytes in one go.
  const std::vector<uint8_t> encoded = Encode(appended);
  EXPECT_EQ(
      std::vector<uint8_t>(builder.bytes().begin(), builder.bytes().end()),
      encoded);
  for (size_t i = kBudget; i < buffer.size(); ++i) EXPECT_EQ(buffer[i], kGuard);
}

TEST(PacketBuilderTest, ExactFitThenFull) {
  const Message ping = Ping{5, "exact"};
  const size_t size = *EncodedSize(ping);
  std::vector<uint8_t> buffer(kWireHeaderSize + size + 4, kGuard);
  PacketBuilder builder(absl::MakeSpan(buffer).first(kWireHeaderSize + size));
  ASSERT_TRUE(builder.Append(ping).ok());
  EXPECT_EQ(builder.remaining(), 0u);
  EXPECT_EQ(builder.size(), kWireHeaderSize + size);
  const std::vector<uint8_t> before = buffer;
  const absl::Status status = builder.Append(Ack{0});
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("ack needs 2 bytes, 0 remain"));
  EXPECT_EQ(buffer, before);
  EXPECT_EQ(builder.message_count(), 1u);
}

TEST(PacketBuilderTest, InvalidMessageIsRejectedAndChangesNothing) {
  std::vector<uint8_t> buffer(256, kGuard);
  PacketBuilder builder(absl::MakeSpan(buffer));
  ASSERT_TRUE(builder.Append(Ack{1}).ok());
  const std::vector<uint8_t> before = buffer;
  const absl::Status status = builder.Append(Ping{1, ""});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("ping target must be 1-255 bytes"));
  EXPECT_EQ(buffer, before);
  EXPECT_EQ(builder.size(), kWireHeaderSize + 2);
  EXPECT_EQ(builder.message_count(), 1u);
}

struct RejectCase {
  std::string name;
  std::vector<uint8_t> packet;
  std::string error;
};

// A valid 13-byte member record body: ONLINE, no flags, "m", 0.0, 1.2.3.4:80.
std::vector<uint8_t> MinimalRecord(uint8_t status = 0x01, uint8_t flags = 0x00,
                                   uint8_t family = 0x04) {
  return {status, flags, 0x01, 'm', 0x00, 0x00, family, 1, 2, 3, 4, 0x00, 0x50};
}

std::vector<RejectCase> RejectCases() {
  const std::vector<uint8_t> long_name(256, 'x');
  const std::vector<uint8_t> ipv4 = {0x04, 1, 2, 3, 4, 0x00, 0x50};
  std::vector<RejectCase> cases = {
      {"Empty", {}, "truncated magic: needs 1 bytes at offset 0, 0 remain"},
      {"OneByte", {0x53}, "truncated magic: needs 1 bytes at offset 1"},
      {"TwoBytes", {0x53, 0x57}, "truncated version"},
      {"BadMagicFirst", {0x00, 0x57, 0x01, 0x03, 0x00}, "bad magic"},
      {"BadMagicSecond", {0x53, 0x58, 0x01, 0x03, 0x00}, "bad magic"},
      {"BadMagicSwapped", {0x57, 0x53, 0x01, 0x03, 0x00}, "bad magic"},
      {"VersionZero",
       {0x53, 0x57, 0x00, 0x03, 0x00},
       "unsupported wire version 0 (this is 1 to 2)"},
      {"VersionTwo",
       {0x53, 0x57, 0x02, 0x03, 0x00},
       "a compressed packet (wire version 2)"},
      {"VersionThree",
       {0x53, 0x57, 0x03, 0x03, 0x00},
       "unsupported wire version 3"},
      {"HeaderOnly", Packet({}), "packet has no messages"},
      {"TypeZero", Packet({0x00}), "unknown message type 0 at offset 3"},
      {"TypeEight", Packet({0x08, 0x00}), "unknown message type 8 at offset 3"},
      {"Type255", Packet({0xff}), "unknown message type 255 at offset 3"},
      {"UnknownTypeAfterValid", Packet({0x03, 0x01, 0x09}),
       "unknown message type 9 at offset 5"},
      {"TrailingZeroAfterValid", Packet({0x03, 0x01, 0x00}),
       "unknown message type 0 at offset 5"},
      {"PingReqReservedFlag",
       Packet(Concat({0x02, 0x01, 0x02, 0x01, 't'}, ipv4)),
       "reserved flag bits 0x2 set in ping-req"},
      {"PingReqHighFlag", Packet(Concat({0x02, 0x01, 0x81, 0x01, 't'}, ipv4)),
       "reserved flag bits 0x80 set in ping-req"},
      {"UpdateReservedFlag", Packet(Concat({0x05}, MinimalRecord(0x01, 0x04))),
       "reserved flag bits 0x4 set in member update"},
      {"PushPullReservedFlag", Packet({0x07, 0x04, 0x00}),
       "reserved flag bits 0x4 set in push-pull"},
      {"PushPullFloorCountBeyondBytes",
       Packet({0x07, 0x00, 0x01, 's', 0x00, 0x05, 0x01, 'o', 0x01, 0x01}),
       "broadcast floor count"},
      {"PushPullFloorEmptyOrigin",
       Packet({0x07, 0x00, 0x01, 's', 0x00, 0x01, 0x00, 0x01, 0x01}),
       "empty floor origin"},
      {"StatusZero", Packet(Concat({0x05}, MinimalRecord(0x00))),
       "unknown member status 0"},
      {"StatusThree", Packet(Concat({0x05}, MinimalRecord(0x03))),
       "unknown member status 3"},
      {"StatusSixteen", Packet(Concat({0x05}, MinimalRecord(0x10))),
       "unknown member status 16"},
      {"StatusInPushPull",
       Packet(Concat({0x07, 0x00, 0x01, 's', 0x01}, MinimalRecord(0x05))),
       "unknown member status 5"},
      {"PingReqFamilyFive",
       Packet({0x02, 0x01, 0x00, 0x01, 't', 0x05, 1, 2, 3, 4, 0x00, 0x50}),
       "unknown address family 5 (expected 4 or 6)"},
      {"UpdateFamilyZero",
       Packet(Concat({0x05}, MinimalRecord(0x01, 0x00, 0x00))),
       "unknown address family 0 (expected 4 or 6)"},
      {"EmptyPingTarget", Packet({0x01, 0x01, 0x00}), "empty ping target"},
      {"EmptyPingReqTarget", Packet(Concat({0x02, 0x01, 0x00, 0x00}, ipv4)),
       "empty ping-req target"},
      {"EmptyMemberName",
       Packet(Concat({0x05, 0x01, 0x00, 0x00, 0x00, 0x00}, ipv4)),
       "empty member name"},
      {"EmptyOrigin",
       Packet(Concat(Concat({0x05}, MinimalRecord(0x02, 0x02)), {0x00})),
       "empty origin name"},
      {"EmptyBroadcastOrigin", Packet({0x06, 0x00, 0x00, 0x00}),
       "empty broadcast origin"},
      {"PingTargetTooLong", Packet(Concat({0x01, 0x01, 0x80, 0x02}, long_name)),
       "ping target length is 256, above the limit of 255"},
      {"OriginTooLong",
       Packet(Concat(Concat({0x05}, MinimalRecord(0x02, 0x02)),
                     Concat({0x80, 0x02}, long_name))),
       "origin name length is 256, above the limit of 255"},
      {"NonMinimalSeq", Packet({0x03, 0x80, 0x00}),
       "non-minimal varint for sequence number at offset 4"},
      {"NonMinimalNameLength", Packet({0x01, 0x01, 0x81, 0x00, 'a'}),
       "non-minimal varint for ping target length"},
      {"NonMinimalGeneration",
       Packet(Concat({0x05, 0x01, 0x00, 0x01, 'm', 0x81, 0x00, 0x00}, ipv4)),
       "non-minimal varint for incarnation generation"},
      {"AckSeqAboveUint32", Packet({0x03, 0x80, 0x80, 0x80, 0x80, 0x10}),
       "sequence number is 4294967296, above the limit of 4294967295"},
      {"PingSeqAboveUint32",
       Packet({0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x01, 'a'}),
       "sequence number is 4294967296, above the limit of 4294967295"},
      {"BroadcastSequenceOverflow",
       Packet({0x06, 0x01, 'o', 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
               0xff, 0xff, 0x02, 0x00}),
       "varint for broadcast sequence overflows 64 bits"},
      {"BroadcastPayloadTooLong",
       Packet({0x06, 0x01, 'o', 0x01, 0x00, 0x80, 0x80, 0x04}),
       "broadcast payload length is 65536, above the limit of 65535"},
      {"PushPullMillionMembers",
       Packet({0x07, 0x00, 0x01, 's', 0xc0, 0x84, 0x3d}),
       "push-pull member count is 1000000, above the limit of 0"},
      {"PushPullMillionMembersWithPadding",
       Packet(Concat({0x07, 0x00, 0x01, 's', 0xc0, 0x84, 0x3d},
                     std::vector<uint8_t>(100, 0))),
       "push-pull member count is 1000000, above the limit of 7"},
      {"PushPullCountBeyondRecords",
       Packet(Concat({0x07, 0x00, 0x01, 's', 0x02}, MinimalRecord())),
       "push-pull member count is 2, above the limit of 1"},
      {"MetadataCountBeyondBytes",
       Packet(Concat(Concat({0x05}, MinimalRecord(0x01, 0x01)),
                     {0x05, 0x01, 'a', 0x00})),
       "metadata count is 5, above the limit of 1"},
      {"MetadataUnsorted",
       Packet(Concat(Concat({0x05}, MinimalRecord(0x01, 0x01)),
                     {0x02, 0x01, 'b', 0x00, 0x01, 'a', 0x00})),
       "metadata keys not strictly ascending"},
      {"MetadataEmptyKey",
       Packet(Concat(Concat({0x05}, MinimalRecord(0x01, 0x01)),
                     {0x01, 0x00, 0x00})),
       "empty metadata key"},
      {"TruncatedAck", Packet({0x03}), "truncated varint for sequence number"},
      {"TruncatedIpv6",
       Packet(Concat({0x02, 0x01, 0x00, 0x01, 't', 0x06},
                     std::vector<uint8_t>(15, 0))),
       "truncated IPv6 address: needs 16 bytes"},
      {"TruncatedPort",
       Packet({0x02, 0x01, 0x00, 0x01, 't', 0x04, 1, 2, 3, 4, 0x00}),
       "truncated port: needs 2 bytes"},
      {"TruncatedPayload",
       Packet({0x06, 0x01, 'o', 0x01, 0x00, 0x05, 'a', 'b'}),
       "truncated broadcast payload: needs 5 bytes"},
  };
  return cases;
}

class DecodeRejectTest : public ::testing::TestWithParam<RejectCase> {};

TEST_P(DecodeRejectTest, FailsWithMessage) {
  const RejectCase& c = GetParam();
  std::vector<Message> messages = {Ack{1}};
  const absl::Status status = DecodePacket(c.packet, messages);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(c.error));
  EXPECT_TRUE(messages.empty());
  // The StatusOr overload agrees.
  EXPECT_EQ(DecodePacket(c.packet).status(), status);
}

INSTANTIATE_TEST_SUITE_P(Rejections, DecodeRejectTest,
                         ::testing::ValuesIn(RejectCases()),
                         [](const ::testing::TestParamInfo<RejectCase>& info) {
                           return info.param.name;
                         });

TEST(DecodePacketTest, HugePushPullCountFailsWithoutAllocating) {
  const std::vector<uint8_t> packet =
      Packet({0x07, 0x00, 0x01, 's', 0xc0, 0x84, 0x3d});
  std::vector<Message> messages;
  messages.reserve(4);
  absl::Status status;
  size_t largest = 0;
  size_t total = 0;
  {
    AllocationCounter counter;
    status = DecodePacket(packet, messages);
    largest = counter.largest();
    total = counter.total();
  }
  EXPECT_THAT(status.message(), HasSubstr("above the limit"));
  // The counter works: the error message itself is allocated.
  EXPECT_GT(total, 0u);
  // Only the error message is allocated, never room for the claimed members.
  EXPECT_LT(largest, 1024u);
  EXPECT_LT(total, 4096u);
}

TEST(DecodePacketTest, ForgedPushPullCountWithinTheCapAllocatesLittle) {
  // A count the bytes could hold (13 per record) but records that are
  // garbage: the decoder must not reserve room for the claimed records.
  std::vector<uint8_t> body = {0x07, 0x00, 0x01, 's', 0xb0, 0x4c};  // 9776
  body.resize(6 + 9776 * 13, 0);
  const std::vector<uint8_t> packet = Packet(body);
  std::vector<Message> messages;
  messages.reserve(4);
  absl::Status status;
  size_t largest = 0;
  {
    AllocationCounter counter;
    status = DecodePacket(packet, messages);
    largest = counter.largest();
  }
  EXPECT_THAT(status.message(), HasSubstr("unknown member status 0"));
  EXPECT_LE(largest, 256 * sizeof(Claim) + 1024);
}

TEST(DecodePacketTest, MessagesPerPacketAreCapped) {
  // Two bytes an ack on the wire, about a hundred decoded: a packet of
  // nothing but acks may hold the cap, and one more fails, decoding no
  // further than the cap.
  std::vector<uint8_t> body;
  for (size_t i = 0; i < kMaxMessagesPerPacket; ++i) {
    body.push_back(0x03);  // ack
    body.push_back(0x07);  // seq 7
  }
  std::vector<Message> messages;
  ASSERT_TRUE(DecodePacket(Packet(body), messages).ok());
  EXPECT_EQ(messages.size(), kMaxMessagesPerPacket);
  EXPECT_EQ(messages.back(), Message(Ack{7}));

  // Then a stream packet of a million acks (2 MB).
  body.resize(2 << 20, 0x03);
  for (size_t i = 1; i < body.size(); i += 2) body[i] = 0x07;
  const std::vector<uint8_t> packet = Packet(body);
  std::vector<Message>().swap(messages);
  absl::Status status;
  size_t total = 0;
  {
    AllocationCounter counter;
    status = DecodePacket(packet, messages);
    total = counter.total();
  }
  EXPECT_THAT(status.message(),
              HasSubstr(absl::StrCat("more than ", kMaxMessagesPerPacket,
                                     " messages in one packet, at offset ",
                                     3 + 2 * kMaxMessagesPerPacket)));
  EXPECT_TRUE(messages.empty());
  // The vector grew by doubling up to the cap, never towards a million.
  EXPECT_LT(total, 4 * kMaxMessagesPerPacket * sizeof(Message));
}

TEST(DecodePacketTest, StateRecordsAndFloorsAreCappedByTheCaller) {
  Claim record;
  record.name = "m";
  record.address = Ipv4(10, 0, 0, 1, 7946);
  const BroadcastFloor floor{"o", 2, 300};
  const std::vector<uint8_t> packet = Encode(std::vector<Message>{
      PushPull{true, true, "s", {record, record, record}, {floor, floor}}});
  std::vector<Message> messages;
  EXPECT_TRUE(DecodePacket(packet, messages).ok());
  EXPECT_TRUE(DecodePacket(packet, messages, 3).ok());
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(std::get<PushPull>(messages[0]).members.size(), 3u);

  absl::Status status = DecodePacket(packet, messages, 2);
  EXPECT_THAT(status.message(), HasSubstr("push-pull member count"));
  EXPECT_THAT(status.message(), HasSubstr("above the limit of 2"));
  EXPECT_TRUE(messages.empty());

  const std::vector<uint8_t> floors = Encode(std::vector<Message>{
      PushPull{true, true, "s", {record}, {floor, floor, floor}}});
  status = DecodePacket(floors, messages, 2);
  EXPECT_THAT(status.message(), HasSubstr("broadcast floor count"));
  EXPECT_THAT(status.message(), HasSubstr("above the limit of 2"));

  // The cap is the packet's, not each state's: two states of two records
  // and two floors each fit four, not three.
  const PushPull two{true, true, "s", {record, record}, {floor, floor}};
  const std::vector<uint8_t> states = Encode(std::vector<Message>{two, two});
  EXPECT_TRUE(DecodePacket(states, messages, 4).ok());
  EXPECT_EQ(messages.size(), 2u);
  status = DecodePacket(states, messages, 3);
  EXPECT_THAT(status.message(), HasSubstr("push-pull member count"));
  EXPECT_THAT(status.message(), HasSubstr("above the limit of 1"));
  EXPECT_TRUE(messages.empty());
  const PushPull one_record{true, true, "s", {record}, {floor, floor}};
  status = DecodePacket(Encode(std::vector<Message>{one_record, one_record}),
                        messages, 3);
  EXPECT_THAT(status.message(), HasSubstr("broadcast floor count"));
  EXPECT_THAT(status.message(), HasSubstr("above the limit of 1"));
}

TEST(PacketBuilderTest, MetadataIsComparedOnlyWhenPresent) {
  const std::string encoded = *EncodeMetadata(Metadata{{"k", "v"}});
  Claim with_stale_field;
  with_stale_field.name = "a";
  with_stale_field.metadata = *MetadataView::Parse(encoded);
  Claim plain;
  plain.name = "a";
  EXPECT_EQ(with_stale_field, plain);
  with_stale_field.has_metadata = plain.has_metadata = true;
  EXPECT_FALSE(with_stale_field == plain);
}

TEST(DecodePacketTest, RejectsOversizeInput) {
  // A valid header then bytes that would fail differently if they were read.
  std::vector<uint8_t> packet(kMaxPacketSize + 1, 0);
  packet[0] = kWireMagic0;
  packet[1] = kWireMagic1;
  packet[2] = kWireVersion;
  std::vector<Message> messages = {Ack{1}};
  const absl::Status status = DecodePacket(packet, messages);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("packet is 67108865 bytes, above the limit of "
                        "67108864"));
  EXPECT_TRUE(messages.empty());
}

TEST(DecodePacketTest, ReusesAndClearsTheVector) {
  std::vector<Message> messages = {Ack{97}, Nack{98}, Ack{99}};
  const Message* storage = messages.data();

  const std::vector<uint8_t> valid =
      Encode(std::vector<Message>{Ping{1, "a"}, Ack{2}});
  ASSERT_TRUE(DecodePacket(valid, messages).ok());
  EXPECT_EQ(messages, (std::vector<Message>{Ping{1, "a"}, Ack{2}}));
  // Cleared and refilled in place, not reallocated.
  EXPECT_EQ(messages.data(), storage);

  // The first message is fine, the second is truncated: nothing is kept.
  const std::vector<uint8_t> half_valid = Packet({0x03, 0x01, 0x03});
  const absl::Status status = DecodePacket(half_valid, messages);
  EXPECT_THAT(status.message(), HasSubstr("truncated varint"));
  EXPECT_TRUE(messages.empty());

  messages = {Ack{1}};
  EXPECT_FALSE(DecodePacket({}, messages).ok());
  EXPECT_TRUE(messages.empty());

  messages = {Ack{1}};
  EXPECT_FALSE(DecodePacket(Packet({}), messages).ok());
  EXPECT_TRUE(messages.empty());
}

}  // namespace
}  // namespace swim

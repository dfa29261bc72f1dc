// Compressed state exchanges (wire version 2, docs/wire.md "Compressed
// packets"): who sends them, who gets them, and what a bad one costs.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/compression.h"
#include "swim/core/config.h"
#include "swim/core/node.h"
#include "swim/core/stats.h"
#include "swim/core/wire.h"
#include "swim/testing/node_harness.h"

namespace swim::testing {
namespace {

// Names that live as long as the test: claims view them.
const std::vector<std::string>& Names() {
  static const auto* const names = [] {
    auto* out = new std::vector<std::string>;
    for (int i = 0; i < 40; ++i) out->push_back(absl::StrCat("member-", i));
    return out;
  }();
  return *names;
}

// A node that knows 40 members, so its state is worth compressing.
void LearnMany(Harness& h) {
  for (int i = 0; i < 40; ++i) {
    h.Learn(Names()[i], Addr(static_cast<uint8_t>(10 + i)));
  }
  h.TakeSent();
}

// peer-a's request for the node's state, with 40 members of its own.
PushPull Request() {
  PushPull request;
  request.reply_wanted = true;
  request.sender = kPeerA;
  request.members = {Online(kPeerA, Addr(2), {5, 0})};
  for (int i = 0; i < 40; ++i) {
    request.members.push_back(
        Online(Names()[i], Addr(static_cast<uint8_t>(10 + i)), {5, 0}));
  }
  return request;
}

// The state exchanges the node sent, with whether each went compressed.
std::vector<const Sent*> States(const std::vector<Sent>& sent) {
  std::vector<const Sent*> states;
  for (const Sent& one : sent) {
    if (one.channel == Channel::kStream && FirstIs<PushPull>(one)) {
      states.push_back(&one);
    }
  }
  return states;
}

TEST(NodeCompressionTest, PeriodicRequestsGoCompressed) {
  Harness h;
  LearnMany(h);
  h.Advance(h.node().config().push_pull_interval * 4);
  const std::vector<Sent> sent = h.TakeSent();
  const std::vector<const Sent*> states = States(sent);
  ASSERT_FALSE(states.empty());
  for (const Sent* state : states) {
    EXPECT_TRUE(state->compressed);
    EXPECT_TRUE(First<PushPull>(*state).reply_wanted);
    EXPECT_EQ(First<PushPull>(*state).members.size(), 41u);
  }
  const Stats& stats = h.node().stats();
  EXPECT_EQ(stats.push_pulls_compressed, states.size());
  EXPECT_LT(stats.state_bytes_compressed * 2, stats.state_bytes_uncompressed);
}

TEST(NodeCompressionTest, AReplyIsCompressedOnlyIfItsRequestWas) {
  Harness h(NoPeriodicPushPull());
  const std::vector<uint8_t> plain = EncodeMessages({Request()});
  const std::optional<std::vector<uint8_t>> compressed = CompressPacket(plain);
  ASSERT_TRUE(compressed.has_value());

  // Compressed: the state inside is applied and answered compressed.
  h.StreamBytes(Addr(2, 40000), h.SealStreamRaw(*compressed));
  EXPECT_EQ(h.node().size(), 41u);
  std::vector<Sent> sent = h.TakeSent();
  std::vector<const Sent*> states = States(sent);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_TRUE(states[0]->compressed);
  EXPECT_FALSE(First<PushPull>(*states[0]).reply_wanted);
  EXPECT_EQ(First<PushPull>(*states[0]).members.size(), 42u);

  // Uncompressed, as a member of a release before wire version 2 sends
  // it: answered uncompressed, which that member reads.
  h.Advance(h.node().config().probe_interval);
  h.Stream(Addr(2, 40001), {Request()});
  sent = h.TakeSent();
  states = States(sent);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_FALSE(states[0]->compressed);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kCompression), 0u);
}

TEST(NodeCompressionTest, AJoinIsNeverCompressed) {
  Harness h;
  LearnMany(h);
  ASSERT_TRUE(h.Join({Addr(2)}).ok());
  const std::vector<Sent> sent = h.TakeSent();
  const std::vector<const Sent*> states = States(sent);
  ASSERT_FALSE(states.empty());
  EXPECT_TRUE(First<PushPull>(*states[0]).joining);
  EXPECT_FALSE(states[0]->compressed);
}

TEST(NodeCompressionTest, WireVersionOneSendsNothingCompressedButReadsIt) {
  Config config = TestConfig();
  config.wire_version = 1;
  Harness h(config);
  LearnMany(h);
  h.Advance(config.push_pull_interval * 4);
  std::vector<Sent> sent = h.TakeSent();
  std::vector<const Sent*> states = States(sent);
  ASSERT_FALSE(states.empty());
  for (const Sent* state : states) EXPECT_FALSE(state->compressed);

  h.StreamBytes(Addr(2, 40000),
                h.SealStreamRaw(*CompressPacket(EncodeMessages({Request()}))));
  EXPECT_NE(h.node().Find(kPeerA), std::nullopt);
  sent = h.TakeSent();
  states = States(sent);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_FALSE(states[0]->compressed);
  EXPECT_EQ(h.node().stats().push_pulls_compressed, 0u);
}

// `zeros` zero bytes compressed, stating `stated` bytes inside.
std::vector<uint8_t> Bomb(uint64_t stated, size_t zeros) {
  const std::vector<uint8_t> inner(zeros, 0);
  std::vector<uint8_t> packet = *CompressPacket(inner);
  // Rewrite the stated size: header (3), algorithm (1), then the varint.
  std::vector<uint8_t> out(packet.begin(), packet.begin() + 4);
  for (uint64_t v = stated;; v >>= 7) {
    if (v < 0x80) {
      out.push_back(static_cast<uint8_t>(v));
      break;
    }
    out.push_back(static_cast<uint8_t>(v | 0x80));
  }
  size_t at = 4;
  while (packet[at] & 0x80) ++at;
  out.insert(out.end(), packet.begin() + at + 1, packet.end());
  return out;
}

TEST(NodeCompressionTest, ABombIsDroppedAndCountedAndChangesNothing) {
  Harness h(NoPeriodicPushPull());
  LearnMany(h);
  const size_t limit = h.node().config().max_stream_message;
  // Zeros compress about a thousandfold.
  struct Case {
    const char* name;
    uint64_t stated;
    size_t zeros;
  };
  const Case cases[] = {
      {"states the truth, above the limit", limit + 1, limit + 1},
      {"states the limit, inflates beyond it", limit, limit + (1 << 20)},
      {"states little, inflates beyond it", 1000, 1 << 20},
  };
  uint64_t drops = 0;
  for (const Case& c : cases) {
    const StreamVerdict verdict =
        h.StreamBytes(Addr(2, 40000), h.SealStreamRaw(Bomb(c.stated, c.zeros)));
    EXPECT_EQ(verdict, StreamVerdict::kProgress) << c.name;
    EXPECT_EQ(h.node().stats().Drops(DropReason::kCompression), ++drops)
        << c.name;
    EXPECT_EQ(h.node().size(), 40u) << c.name;
    EXPECT_TRUE(States(h.TakeSent()).empty()) << c.name;
  }
  // A good state is still taken.
  h.StreamBytes(Addr(2, 40001),
                h.SealStreamRaw(*CompressPacket(EncodeMessages({Request()}))));
  EXPECT_EQ(h.node().size(), 41u);
}

TEST(NodeCompressionTest, AStateOfTinyMessagesIsMalformedAndChangesNothing) {
  // 2 MB of acks compress to a few KB and would decode to a hundred MB:
  // past kMaxMessagesPerPacket the packet is malformed, nothing in it is
  // handled, and the connection is kept.
  Harness h(NoPeriodicPushPull());
  LearnMany(h);
  std::vector<uint8_t> acks = {kWireMagic0, kWireMagic1, kWireVersion};
  while (acks.size() < (2u << 20)) {
    acks.push_back(0x03);  // ack
    acks.push_back(0x07);  // seq 7
  }
  const std::optional<std::vector<uint8_t>> compressed = CompressPacket(acks);
  ASSERT_TRUE(compressed.has_value());
  ASSERT_LT(compressed->size(), 64u << 10);
  const StreamVerdict verdict =
      h.StreamBytes(Addr(2, 40000), h.SealStreamRaw(*compressed));
  EXPECT_EQ(verdict, StreamVerdict::kProgress);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kMalformed), 1u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kCompression), 0u);
  EXPECT_EQ(h.node().size(), 40u);
  EXPECT_TRUE(h.TakeSent().empty());
}

}  // namespace
}  // namespace swim::testing

// Tests of one Node driven by hand-crafted input in exact virtual time: the
// test plays every peer, seals their packets with the cluster's envelope, and
// opens and decodes everything the node sends.

#include "swim/core/node.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/envelope.h"
#include "swim/core/event.h"
#include "swim/core/incarnation.h"
#include "swim/core/instant.h"
#include "swim/core/join_settle.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/stats.h"
#include "swim/core/suspicion.h"
#include "swim/core/wire.h"
#include "swim/testing/node_harness.h"

// In swim::testing, beside the harness (swim/testing/node_harness.h).
namespace swim::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// `encoded` must outlive the update.
Claim WithMetadata(Claim update, absl::string_view encoded) {
  absl::StatusOr<MetadataView> view = MetadataView::Parse(encoded);
  EXPECT_TRUE(view.ok()) << view.status();
  update.has_metadata = true;
  if (view.ok()) update.metadata = *view;
  return update;
}

std::string Encode(const Metadata& metadata) {
  absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  return encoded.ok() ? *encoded : std::string();
}

// --- Create -----------------------------------------------------------------

TEST(NodeCreateTest, RejectsInvalidConfigsNamingTheField) {
  struct Case {
    std::function<void(Config&)> mutate;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](Config& c) { c.name.clear(); }, "name"},
      {[](Config& c) { c.name = std::string(256, 'n'); }, "name"},
      {[](Config& c) { c.generation = 0; }, "generation"},
      {[](Config& c) { c.probe_interval = absl::ZeroDuration(); },
       "probe_interval"},
      {[](Config& c) { c.probe_timeout = c.probe_interval; }, "probe_timeout"},
      {[](Config& c) { c.indirect_checks = -1; }, "indirect_checks"},
      {[](Config& c) { c.suspicion_mult = 0; }, "suspicion_mult"},
      {[](Config& c) { c.retransmit_mult = 0; }, "retransmit_mult"},
      {[](Config& c) { c.gossip_interval = absl::ZeroDuration(); },
       "gossip_interval"},
      {[](Config& c) { c.gossip_nodes = 0; }, "gossip_nodes"},
      {[](Config& c) { c.datagram_budget = 100; }, "datagram_budget"},
      {[](Config& c) { c.user_broadcast_share = 1.5; }, "user_broadcast_share"},
      {[](Config& c) { c.push_pull_interval = absl::Seconds(-1); },
       "push_pull_interval"},
      {[](Config& c) { c.reconnect_timeout = absl::ZeroDuration(); },
       "reconnect_timeout"},
      {[](Config& c) { c.tombstone_timeout = absl::ZeroDuration(); },
       "tombstone_timeout"},
      {[](Config& c) { c.reconnect_interval = absl::Seconds(-1); },
       "reconnect_interval"},
      {[](Config& c) { c.isolation_probes = -1; }, "isolation_probes"},
      {[](Config& c) { c.max_metadata_size = 70000; }, "max_metadata_size"},
      {[](Config& c) { c.max_members = 0; }, "max_members"},
      {[](Config& c) { c.label = std::string(256, 'l'); }, "label"},
      {[](Config& c) { c.keys = {"short"}; }, "keys[0]"},
      {[](Config& c) { c.keys.clear(); }, "needs at least one key"},
      {[](Config& c) {
         c.metadata = {{"", "empty key"}};
       },
       "metadata key"},
  };
  for (const Case& test_case : cases) {
    Config config = TestConfig();
    test_case.mutate(config);
    absl::StatusOr<std::unique_ptr<Node>> node =
        Node::Create(std::move(config), kStart);
    ASSERT_FALSE(node.ok()) << test_case.message;
    EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument)
        << node.status();
    EXPECT_THAT(node.status().message(), HasSubstr(test_case.message));
  }
}

TEST(NodeCreateTest, RejectsMetadataOverMaxMetadataSize) {
  Config config = TestConfig();
  config.max_metadata_size = 16;
  config.metadata = {{"key", std::string(32, 'v')}};
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(std::move(config), kStart);
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(node.status().message(), HasSubstr("max_metadata_size"));

  // Exactly at the limit is fine.
  Config at_limit = TestConfig();
  at_limit.metadata = {{"key", "value"}};
  at_limit.max_metadata_size = Encode(at_limit.metadata).size();
  EXPECT_TRUE(Node::Create(std::move(at_limit), kStart).ok());
}

TEST(NodeCreateTest, PlaintextNeedsNoKeys) {
  Config config = TestConfig();
  config.security_mode = SecurityMode::kPlaintext;
  config.keys.clear();
  EXPECT_TRUE(Node::Create(std::move(config), kStart).ok());
}

TEST(NodeCreateTest, StartsOnlineAloneWithADeadline) {
  Config config = TestConfig();
  config.metadata = {{"role", "web"}};
  Harness h(config);
  const Member& local = h.node().local();
  EXPECT_EQ(local.name, kSelf);
  EXPECT_EQ(local.address, Addr(1));
  EXPECT_EQ(local.status, MemberStatus::kOnline);
  EXPECT_EQ(local.incarnation, (Incarnation{kGeneration, 0}));
  EXPECT_EQ(local.metadata, config.metadata);
  EXPECT_EQ(h.node().size(), 0u);
  EXPECT_EQ(h.node().Find(kSelf), local);
  EXPECT_EQ(h.node().lifecycle(), Lifecycle::kActive);
  EXPECT_TRUE(h.sent().empty());
  EXPECT_TRUE(h.TakeEvents().empty());
  // The first probe tick is staggered within one probe interval.
  std::optional<Instant> deadline = h.node().NextDeadline();
  ASSERT_TRUE(deadline.has_value());
  EXPECT_GE(*deadline, kStart);
  EXPECT_LE(*deadline, kStart + config.probe_interval);
}

TEST(NodeKeysTest, RotationChangesTheInstalledKeysInOrder) {
  Config config = TestConfig();
  ASSERT_EQ(config.keys.size(), 1u);
  const std::string first = config.keys[0];
  const std::string second(32, 's');
  Harness h(config);
  Node& node = h.node();
  EXPECT_THAT(node.InstalledKeys(), ::testing::ElementsAre(first));
  ASSERT_TRUE(node.AddKey(second).ok());
  EXPECT_EQ(node.AddKey(second).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(node.InstalledKeys(), ::testing::ElementsAre(first, second));
  EXPECT_EQ(node.RemoveKey(first).code(),
            absl::StatusCode::kFailedPrecondition);  // it seals
  ASSERT_TRUE(node.UseKey(second).ok());
  EXPECT_EQ(node.InstalledKeys().front(), second);
  ASSERT_TRUE(node.RemoveKey(first).ok());
  EXPECT_EQ(node.UseKey(first).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(node.InstalledKeys(), ::testing::ElementsAre(second));
  EXPECT_EQ(node.AddKey("short").code(), absl::StatusCode::kInvalidArgument);
}

TEST(NodeKeysTest, PlaintextHasNoInstalledKeys) {
  Config config = TestConfig();
  config.security_mode = SecurityMode::kPlaintext;
  config.keys.clear();
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(std::move(config), kStart);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_TRUE((*node)->InstalledKeys().empty());
}

// --- Timers -----------------------------------------------------------------

TEST(NodeTimerTest, HandleTimeoutNeverLeavesTheDeadlineInThePast) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.Learn(kPeerB, Addr(3));
  h.Learn(kPeerC, Addr(4));
  // Pending relays (with and without nacks) and a join retry, too.
  h.Datagram(Addr(2), {PingReq{900, kPeerB, Addr(3), /*want_nack=*/true},
                       PingReq{901, kPeerC, Addr(4), /*want_nack=*/false}});
  ASSERT_TRUE(h.Join({Addr(9)}).ok());
  // Irregular instants, as a driver whose timer fires late would use.
  for (int i = 1; i <= 300; ++i) {
    h.TimeoutAt(kStart + absl::Milliseconds(37) * i + absl::Nanoseconds(i));
  }
  // A long stall (suspended laptop): everything overdue runs at once.
  h.TimeoutAt(h.now() + absl::Hours(1));
  h.TimeoutAt(h.now() + absl::Nanoseconds(1));
  // And deadline by deadline.
  h.Advance(absl::Minutes(20));
}

TEST(NodeTimerTest, ProbeTicksArePeriodicOnceStarted) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  std::vector<Instant> pings;
  for (int i = 0; i < 6; ++i) {
    std::optional<Ping> ping = h.AdvanceToNextPing();
    ASSERT_TRUE(ping.has_value());
    EXPECT_EQ(ping->target, kPeerA);
    EXPECT_EQ(h.ping_to(), Addr(2));
    pings.push_back(h.now());
    h.Datagram(Addr(2), {Ack{ping->seq}});
  }
  EXPECT_LE(pings[0], kStart + h.node().config().probe_interval);
  for (size_t i = 1; i < pings.size(); ++i) {
    EXPECT_EQ(pings[i] - pings[i - 1], h.node().config().probe_interval) << i;
  }
  EXPECT_EQ(h.node().stats().probes, 6u);
  EXPECT_EQ(h.node().stats().probes_acked, 6u);
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
}

TEST(NodeTimerTest, NoProbesWithoutMembers) {
  Harness h;
  h.Advance(absl::Seconds(10));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.node().stats().probes, 0u);
}

// --- Ping -------------------------------------------------------------------

TEST(NodePingTest, PingForThisNodeIsAckedOnceToTheSender) {
  Harness h;
  h.Datagram(Addr(2, 5555), {Ping{77, kSelf}});
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(2, 5555));
  EXPECT_EQ(sent[0].channel, Channel::kDatagram);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{77});
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_EQ(h.node().stats().TotalDrops(), 0u);
  EXPECT_EQ(
      h.node().stats().messages_received[static_cast<int>(MessageType::kPing)],
      1u);
  EXPECT_EQ(h.node().stats().messages_sent[static_cast<int>(MessageType::kAck)],
            1u);
}

TEST(NodePingTest, PingForAnotherNameIsDroppedUnanswered) {
  Harness h;
  h.Datagram(Addr(2), {Ping{77, "someone-else"}});
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.node().stats().Drops(DropReason::kMisdirectedPing), 1u);
  EXPECT_EQ(h.node().stats().TotalDrops(), 1u);
  EXPECT_TRUE(h.TakeEvents().empty());
}

// A probe's stream fallback: the ack goes back on the connection the ping
// came on, never a new one and never as a datagram.
TEST(NodePingTest, PingOverStreamIsAckedOnThatStream) {
  Harness h;
  const StreamId stream = h.NewStreamId();
  h.StreamData(stream, Addr(2), h.SealStream({Ping{5, kSelf}}));
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(2));
  EXPECT_EQ(sent[0].channel, Channel::kStream);
  EXPECT_EQ(sent[0].stream, stream);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{5});
  // A ping for another name is not answered, as on a datagram.
  const StreamId other = h.NewStreamId();
  h.StreamData(other, Addr(2), h.SealStream({Ping{6, kPeerA}}));
  EXPECT_TRUE(h.TakeSent().empty());
  EXPECT_EQ(h.node().stats().Drops(DropReason::kMisdirectedPing), 1u);
}

// --- Stream fallback (Config::stream_fallback) ---

// One peer and no helpers: a probe's only second chance is the stream.
Config OnePeerConfig() {
  Config config = NoPeriodicPushPull(TestConfig());
  config.indirect_checks = 0;
  return config;
}

bool IsStreamPing(const Sent& sent) {
  return sent.channel == Channel::kStream && !MessagesOf<Ping>(sent).empty();
}

TEST(NodeStreamFallbackTest, PingGoesOverAStreamAtTheProbeTimeout) {
  Harness h(OnePeerConfig());
  h.Learn(kPeerA, Addr(2));
  std::optional<Ping> ping = h.AdvanceToNextPing();
  ASSERT_TRUE(ping.has_value());
  const Instant sent_at = h.now();
  const Config& config = h.node().config();
  std::optional<size_t> stream =
      h.AdvanceUntil(IsStreamPing, sent_at + config.probe_interval);
  ASSERT_TRUE(stream.has_value());
  const Sent& fallback = h.sent()[*stream];
  EXPECT_EQ(fallback.at, sent_at + config.probe_timeout);
  EXPECT_EQ(fallback.to, Addr(2));
  EXPECT_FALSE(fallback.stream.has_value()) << "a request, not a reply";
  EXPECT_EQ(First<Ping>(fallback), *ping);
  EXPECT_EQ(h.node().stats().stream_probes, 1u);
}

// The ack of the fallback comes after the period ended (its handshake was
// retransmitted): the probe still counts as answered, nobody is suspected.
TEST(NodeStreamFallbackTest, ALateStreamAckStillAnswersTheProbe) {
  Harness h(OnePeerConfig());
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  std::optional<Ping> ping = h.AdvanceToNextPing();
  ASSERT_TRUE(ping.has_value());
  const Instant sent_at = h.now();
  const Config& config = h.node().config();
  // Past the period's end, before the wait's.
  h.AdvanceTo(sent_at + config.probe_interval + absl::Milliseconds(100));
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
  h.Stream(Addr(2, 40001), {Ack{ping->seq}});
  EXPECT_EQ(h.node().stats().stream_probes_acked, 1u);
  EXPECT_EQ(h.node().stats().probes_acked, 1u);
  h.AdvanceTo(sent_at + 2 * config.probe_interval);
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().suspicions, 0u);
  EXPECT_TRUE(h.TakeEvents().empty());
}

// Unanswered: the suspicion starts when the wait ends, exactly one
// stream retransmission timeout (1 s) plus the probe timeout after the
// fallback went out.
TEST(NodeStreamFallbackTest, AnUnansweredFallbackSuspectsWhenItsWaitEnds) {
  Harness h(OnePeerConfig());
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  ASSERT_TRUE(h.AdvanceToNextPing().has_value());
  const Instant sent_at = h.now();
  const Config& config = h.node().config();
  const Instant wait_ends =
      sent_at + 2 * config.probe_timeout + absl::Seconds(1);
  ASSERT_GT(wait_ends, sent_at + config.probe_interval);
  h.AdvanceTo(wait_ends - absl::Nanoseconds(1));
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
  h.AdvanceTo(wait_ends);
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kSuspect);
  EXPECT_EQ(h.node().stats().suspicions, 1u);
  EXPECT_EQ(h.node().stats().stream_probes_acked, 0u);
}

// A later probe of the same member is answered while an earlier one still
// waits for its fallback: the member is alive, and the earlier verdict is
// dropped (one peer: every probe goes to it).
TEST(NodeStreamFallbackTest, ALaterAnsweredProbeDropsAWaitingVerdict) {
  Harness h(OnePeerConfig());
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  ASSERT_TRUE(h.AdvanceToNextPing().has_value());
  const Instant first_at = h.now();
  const Config& config = h.node().config();
  std::optional<Ping> second = h.AdvanceToNextPing();
  ASSERT_TRUE(second.has_value());
  ASSERT_LT(h.now(), first_at + ProbeVerdictAfter(config));
  h.Datagram(Addr(2), {Ack{second->seq}});
  h.AdvanceTo(first_at + ProbeVerdictAfter(config) + config.probe_timeout);
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().suspicions, 0u);
  EXPECT_TRUE(h.TakeEvents().empty());
}

// The fallback ping carries a suspicion of an incarnation this member
// already refuted (the prober missed the refutation): the stream ack
// carries the refutation back.
TEST(NodeStreamFallbackTest, AStreamAckCorrectsAStaleSuspicion) {
  Harness h;
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                 h.node().local().incarnation, kPeerA)});
  const Incarnation refuted = h.node().local().incarnation;
  // Long after: this member's refutation is no longer being spread.
  h.Advance(absl::Minutes(5));
  h.TakeSent();
  const StreamId stream = h.NewStreamId();
  h.StreamData(stream, Addr(2),
               h.SealStream({MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                       {refuted.generation, 0}, kPeerA),
                             Ping{9, kSelf}}));
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].stream, stream);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{9});
  std::vector<Claim> claims = MessagesOf<Claim>(sent[0]);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].name, kSelf);
  EXPECT_EQ(claims[0].status, MemberStatus::kOnline);
  EXPECT_EQ(claims[0].incarnation, h.node().local().incarnation);
}

// Without the fallback the verdict comes at the period's end, as in plain
// SWIM, and nothing goes over a stream.
TEST(NodeStreamFallbackTest, OffMeansSuspicionAtThePeriodsEnd) {
  Config config = OnePeerConfig();
  config.stream_fallback = false;
  Harness h(config);
  h.Learn(kPeerA, Addr(2));
  ASSERT_TRUE(h.AdvanceToNextPing().has_value());
  const Instant sent_at = h.now();
  h.AdvanceTo(sent_at + config.probe_interval);
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kSuspect);
  for (const Sent& one : h.sent()) EXPECT_FALSE(IsStreamPing(one));
  EXPECT_EQ(h.node().stats().stream_probes, 0u);
}

// --- TCP-only (Config::tcp_only) ---

Config TcpOnlyConfig() {
  Config config = NoPeriodicPushPull(TestConfig());
  config.tcp_only = true;
  return config;
}

void ExpectNoDatagram(const std::vector<Sent>& sent) {
  for (const Sent& one : sent) {
    EXPECT_EQ(one.channel, Channel::kStream) << "at " << one.at;
  }
}

TEST(NodeTcpOnlyTest, DatagramsAreDroppedUnopenedAndChangeNothing) {
  Harness h(TcpOnlyConfig());
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 0}), Ping{3, kSelf}});
  EXPECT_EQ(h.node().Find(kPeerA), std::nullopt);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kWrongChannel), 1u);
  EXPECT_EQ(h.node().stats().TotalDrops(), 1u);
  EXPECT_TRUE(h.sent().empty());
  EXPECT_TRUE(h.TakeEvents().empty());
}

// Every message type travels on streams; what answers a message goes back
// on the connection it came on, with what a datagram's answer carries.
TEST(NodeTcpOnlyTest, APingOnAStreamIsAnsweredOnThatConnection) {
  Harness h(TcpOnlyConfig());
  h.Learn(kPeerA, Addr(2));
  h.TakeSent();
  const StreamId connection = h.NewStreamId();
  h.StreamData(connection, Addr(2, 40001), h.SealStream({Ping{7, kSelf}}));
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].channel, Channel::kStream);
  EXPECT_EQ(sent[0].stream, connection);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{7});
  // A ping-req too: the target is this node, so it acks at once.
  h.StreamData(connection, Addr(2, 40001),
               h.SealStream({PingReq{8, kSelf, Addr(1), true}}));
  sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].stream, connection);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{8});
  h.CloseStream(connection);
  EXPECT_EQ(h.node().stats().TotalDrops(), 0u);
}

TEST(NodeTcpOnlyTest, ProbesHelpersAndGossipAllGoByStream) {
  Config config = TcpOnlyConfig();
  Harness h(config);
  h.Learn(kPeerA, Addr(2));
  h.Learn(kPeerB, Addr(3));
  h.Learn(kPeerC, Addr(4));
  // Nobody answers: pings, ping-reqs and the suspicion's gossip follow.
  h.Advance(10 * config.probe_interval);
  ASSERT_FALSE(Led<Ping>(h.sent()).empty());
  ASSERT_FALSE(Led<PingReq>(h.sent()).empty());
  EXPECT_GT(h.node().stats().suspicions, 0u);
  ExpectNoDatagram(h.sent());
  EXPECT_EQ(h.node().stats().datagrams_sent, 0u);
  EXPECT_EQ(h.node().stats().stream_probes, 0u) << "no fallback: no need";
  for (const Sent& one : h.sent()) {
    EXPECT_FALSE(one.stream.has_value()) << "requests, not replies";
  }
}

// A relayed ack (and a nack) goes back on the requester's connection: its
// address is the connection's, not the member's.
TEST(NodeTcpOnlyTest, RelayedAckAndNackGoBackOnTheRequestersConnection) {
  Harness h(TcpOnlyConfig());
  h.Learn(kPeerB, Addr(3));
  h.Learn(kPeerC, Addr(4));
  h.TakeSent();
  const StreamId requester = h.NewStreamId();
  h.StreamData(requester, Addr(2, 40001),
               h.SealStream({PingReq{900, kPeerB, Addr(3), true},
                             PingReq{901, kPeerC, Addr(4), true}}));
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u) << "one request served per message";
  EXPECT_EQ(sent[0].to, Addr(3));
  EXPECT_FALSE(sent[0].stream.has_value());
  const uint32_t relay_seq = First<Ping>(sent[0]).seq;
  h.Advance(absl::Milliseconds(50));
  h.TakeSent();
  h.Stream(Addr(3), {Ack{relay_seq}});
  sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].stream, requester);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{900});

  // A silent target: the nack goes the same way.
  h.StreamData(requester, Addr(2, 40001),
               h.SealStream({PingReq{902, kPeerC, Addr(4), true}}));
  h.Advance(h.node().config().probe_timeout);
  const std::vector<Sent> later = h.TakeSent();
  const std::vector<const Sent*> nacks = Led<Nack>(later);
  ASSERT_EQ(nacks.size(), 1u);
  EXPECT_EQ(nacks[0]->stream, requester);
  EXPECT_EQ(First<Nack>(*nacks[0]), Nack{902});
  h.CloseStream(requester);

  // Once the requester's connection is gone nobody can be told: the ack
  // goes nowhere (its address is the connection's ephemeral port).
  const StreamId gone = h.NewStreamId();
  h.StreamData(gone, Addr(2, 40002),
               h.SealStream({PingReq{903, kPeerB, Addr(3), true}}));
  sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  const uint32_t orphan_seq = First<Ping>(sent[0]).seq;
  h.CloseStream(gone);
  h.Stream(Addr(3), {Ack{orphan_seq}});
  const std::vector<Sent> after = h.TakeSent();
  EXPECT_TRUE(Led<Ack>(after).empty());
  h.Advance(h.node().config().probe_interval);
  for (const Sent& one : h.sent()) {
    EXPECT_NE(one.to, Addr(2, 40002)) << "nothing to the ephemeral port";
  }
}

// TCP may be resending the ping or its ack: an answer after the period's
// end, within one probe timeout plus a second of the ping, still counts.
Config OnePeerTcpOnlyConfig() {
  Config config = TcpOnlyConfig();
  config.indirect_checks = 0;
  return config;
}

TEST(NodeTcpOnlyTest, ALateAckStillAnswersTheProbe) {
  const Config config = OnePeerTcpOnlyConfig();
  Harness h(config);
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  std::optional<Ping> ping = h.AdvanceToNextPing();
  ASSERT_TRUE(ping.has_value());
  const Instant sent_at = h.now();
  h.AdvanceTo(sent_at + config.probe_interval + absl::Milliseconds(100));
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
  h.Stream(Addr(2), {Ack{ping->seq}});
  EXPECT_EQ(h.node().stats().probes_acked, 1u);
  EXPECT_EQ(h.node().stats().stream_probes_acked, 0u) << "not a fallback";
  EXPECT_EQ(h.node().stats().suspicions, 0u);
  ExpectNoDatagram(h.sent());
}

TEST(NodeTcpOnlyTest, AnUnansweredPingSuspectsWhenTheWaitEnds) {
  const Config config = OnePeerTcpOnlyConfig();
  Harness h(config);
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  ASSERT_TRUE(h.AdvanceToNextPing().has_value());
  const Instant sent_at = h.now();
  const Instant wait_ends = sent_at + config.probe_timeout + absl::Seconds(1);
  ASSERT_GT(wait_ends, sent_at + config.probe_interval);
  h.AdvanceTo(wait_ends - absl::Nanoseconds(1));
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
  h.AdvanceTo(wait_ends);
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kSuspect);
  ExpectNoDatagram(h.sent());
}

TEST(NodePingTest, PingReqForThisNodeIsAckedDirectly) {
  Harness h;
  h.Datagram(Addr(2), {PingReq{55, kSelf, Addr(1), /*want_nack=*/true}});
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(2));
  EXPECT_EQ(First<Ack>(sent[0]), Ack{55});
}

// --- Bad input ---

class NodeBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.Learn(kPeerA, Addr(2));
    h_.Learn(kPeerB, Addr(3));
    h_.TakeEvents();
    h_.TakeSent();
    before_ = h_.Snap();
  }

  // Nothing may change: no member, no event, no transmit, only a counter.
  void ExpectNothingChanged() {
    EXPECT_TRUE(h_.Snap() == before_) << "before: " << Describe(before_)
                                      << "\nafter: " << Describe(h_.Snap());
    EXPECT_TRUE(h_.TakeEvents().empty());
    EXPECT_TRUE(h_.sent().empty());
    EXPECT_EQ(h_.node().stats().updates_applied, 2u);
    EXPECT_EQ(h_.node().Find(kPeerC), std::nullopt);
  }

  const Stats& stats() { return h_.node().stats(); }
  uint64_t EnvelopeDrops(EnvelopeDrop drop) {
    return stats().envelope_drops[static_cast<int>(drop)];
  }

  // A valid claim that would add peer-c if accepted.
  std::vector<Message> Newcomer() { return {Online(kPeerC, Addr(4), {7, 0})}; }

  Harness h_;
  Snapshot before_;
};

TEST_F(NodeBadInputTest, RandomBytes) {
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  int closed = 0;
  for (int i = 0; i < 200; ++i) {
    std::vector<uint8_t> bytes(static_cast<size_t>(i * 7 % 300));
    for (uint8_t& byte : bytes) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      byte = static_cast<uint8_t>(state >> 56);
    }
    h_.DatagramBytes(Addr(2), bytes);
    const StreamVerdict verdict = h_.StreamBytes(Addr(2), bytes);
    // Junk never counts as progress: a connection is closed at its first
    // bad frame, or left waiting for the rest of one.
    EXPECT_NE(verdict, StreamVerdict::kProgress);
    if (verdict == StreamVerdict::kClose) ++closed;
  }
  EXPECT_EQ(stats().streams_closed, static_cast<uint64_t>(closed));
  EXPECT_GT(closed, 150);
  // Each datagram fails the envelope; each closed stream its frame length
  // (random lengths are mostly out of range) or the envelope.
  EXPECT_EQ(stats().TotalDrops(), 200u + closed);
  EXPECT_EQ(stats().Drops(DropReason::kEnvelope) +
                stats().Drops(DropReason::kStreamFraming),
            200u + closed);
  ExpectNothingChanged();
}

TEST_F(NodeBadInputTest, WrongKey) {
  Envelope other =
      MakeEnvelope(SecurityMode::kEncrypted, {std::string(32, 'x')}, kLabel, 9);
  h_.DatagramBytes(Addr(4), SealPacket(other, EncodeMessages(Newcomer())));
  h_.DatagramBytes(Addr(4),
                   SealPacket(other, EncodeMessages({Ping{1, kSelf}})));
  EXPECT_EQ(stats().Drops(DropReason::kEnvelope), 2u);
  EXPECT_EQ(EnvelopeDrops(EnvelopeDrop::kAuthenticationFailed), 2u);
  ExpectNothingChanged();
}

TEST_F(NodeBadInputTest, WrongLabel) {
  Envelope other =
      MakeEnvelope(SecurityMode::kEncrypted, {Key()}, "another-cluster", 9);
  h_.DatagramBytes(Addr(4), SealPacket(other, EncodeMessages(Newcomer())));
  EXPECT_EQ(stats().Drops(DropReason::kEnvelope), 1u);
  EXPECT_EQ(EnvelopeDrops(EnvelopeDrop::kWrongLabel), 1u);
  ExpectNothingChanged();
}

TEST_F(NodeBadInputTest, WrongMode) {
  Envelope authenticated =
      MakeEnvelope(SecurityMode::kAuthenticated, {Key()}, kLabel, 9);
  Envelope plaintext = MakeEnvelope(SecurityMode::kPlaintext, {}, kLabel, 9);
  h_.DatagramBytes(Addr(4),
                   SealPacket(authenticated, EncodeMessages(Newcomer())));
  h_.DatagramBytes(Addr(4), SealPacket(plaintext, EncodeMessages(Newcomer())));
  EXPECT_EQ(stats().Drops(DropReason::kEnvelope), 2u);
  EXPECT_EQ(EnvelopeDrops(EnvelopeDrop::kWrongMode), 2u);
  ExpectNothingChanged();
}

TEST_F(NodeBadInputTest, TruncatedOrTampered) {
  const std::vector<uint8_t> sealed = h_.Seal(Newcomer());
  // Missing the last byte of the tag.
  h_.DatagramBytes(Addr(4),
                   absl::MakeConstSpan(sealed).first(sealed.size() - 1));
  // Cut inside the nonce.
  h_.DatagramBytes(Addr(4),
                   absl::MakeConstSpan(sealed).first(2 + kLabel.size() + 5));
  // Cut inside the label.
  h_.DatagramBytes(Addr(4), absl::MakeConstSpan(sealed).first(4));
  // Empty.
  h_.DatagramBytes(Addr(4), absl::Span<const uint8_t>());
  // One bit flipped in the ciphertext.
  std::vector<uint8_t> flipped = sealed;
  flipped[flipped.size() / 2 + 8] ^= 0x10;
  h_.DatagramBytes(Addr(4), flipped);
  EXPECT_EQ(stats().Drops(DropReason::kEnvelope), 5u);
  EXPECT_EQ(EnvelopeDrops(EnvelopeDrop::kAuthenticationFailed), 2u);
  EXPECT_EQ(EnvelopeDrops(EnvelopeDrop::kTruncated), 2u);
  EXPECT_EQ(EnvelopeDrops(EnvelopeDrop::kTooShort), 1u);
  ExpectNothingChanged();
}

TEST_F(NodeBadInputTest, AuthenticButMalformedPacket) {
  // Unknown message type.
  h_.DatagramBytes(Addr(4),
                   h_.SealRaw(std::vector<uint8_t>{0x53, 0x57, 0x01, 0xFF}));
  // Unknown wire version.
  std::vector<uint8_t> packet = EncodeMessages(Newcomer());
  packet[2] = 0x02;
  h_.DatagramBytes(Addr(4), h_.SealRaw(packet));
  // Header only.
  h_.DatagramBytes(Addr(4), h_.SealRaw(std::vector<uint8_t>{0x53, 0x57, 0x01}));
  // A valid update cut short, alone and after a valid ping.
  packet = EncodeMessages(Newcomer());
  h_.DatagramBytes(
      Addr(4),
      h_.SealRaw(absl::MakeConstSpan(packet).first(packet.size() - 2)));
  packet = EncodeMessages({Ping{3, kSelf}, Newcomer()[0]});
  h_.DatagramBytes(
      Addr(4),
      h_.SealRaw(absl::MakeConstSpan(packet).first(packet.size() - 1)));
  // The same over a stream.
  h_.StreamBytes(
      Addr(4),
      h_.SealStreamRaw(absl::MakeConstSpan(packet).first(packet.size() - 1)));
  EXPECT_EQ(stats().Drops(DropReason::kMalformed), 6u);
  EXPECT_EQ(stats().TotalDrops(), 6u);
  ExpectNothingChanged();
}

TEST_F(NodeBadInputTest, PushPullAsDatagramIsWrongChannel) {
  PushPull state;
  state.reply_wanted = true;
  state.sender = kPeerC;
  state.members = {Online(kPeerC, Addr(4), {7, 0})};
  h_.Datagram(Addr(4), {state});
  // All or nothing: a valid update next to it is not applied either.
  h_.Datagram(Addr(4), {Newcomer()[0], state});
  EXPECT_EQ(stats().Drops(DropReason::kWrongChannel), 2u);
  EXPECT_EQ(stats().TotalDrops(), 2u);
  EXPECT_EQ(stats().push_pulls_received, 0u);
  ExpectNothingChanged();
}

// Pings and acks may travel on streams (a probe's stream fallback); the
// other probe messages may not.
TEST_F(NodeBadInputTest, PingReqOrNackOverStreamIsWrongChannel) {
  h_.Stream(Addr(2), {PingReq{7, kPeerB, Addr(3), false}});
  // All or nothing: the valid messages beside it are not handled either.
  h_.Stream(Addr(2), {Newcomer()[0], Ping{6, kSelf},
                      PingReq{8, kPeerB, Addr(3), false}});
  h_.Stream(Addr(2), {Nack{1}});
  EXPECT_EQ(stats().Drops(DropReason::kWrongChannel), 3u);
  EXPECT_EQ(stats().TotalDrops(), 3u);
  ExpectNothingChanged();
}

// An ack on a stream for no probe of this node is dropped like one in a
// datagram.
TEST_F(NodeBadInputTest, UnknownAckOverStreamChangesNothing) {
  h_.Stream(Addr(2), {Ack{1}});
  EXPECT_EQ(stats().Drops(DropReason::kUnknownAck), 1u);
  EXPECT_EQ(stats().TotalDrops(), 1u);
  EXPECT_EQ(stats().stream_probes_acked, 0u);
  ExpectNothingChanged();
}

TEST_F(NodeBadInputTest, UpdateWithMetadataOverTheLimit) {
  const std::string big = Encode({{"blob", std::string(600, 'x')}});
  ASSERT_GT(big.size(), h_.node().config().max_metadata_size);
  // About a stranger, and about a known member at a newer incarnation.
  h_.Datagram(Addr(4), {WithMetadata(Online(kPeerC, Addr(4), {7, 0}), big)});
  h_.Datagram(Addr(2), {WithMetadata(Online(kPeerA, Addr(2), {5, 9}), big)});
  EXPECT_EQ(stats().Drops(DropReason::kMetadataTooLarge), 2u);
  EXPECT_EQ(stats().TotalDrops(), 2u);
  ExpectNothingChanged();
}

TEST_F(NodeBadInputTest, UnknownAckOrNack) {
  h_.Datagram(Addr(2), {Ack{12345}});
  h_.Datagram(Addr(2), {Nack{12345}});
  EXPECT_EQ(stats().Drops(DropReason::kUnknownAck), 2u);
  EXPECT_EQ(stats().TotalDrops(), 2u);
  EXPECT_EQ(stats().probes_acked, 0u);
  EXPECT_EQ(stats().nacks_received, 0u);
  ExpectNothingChanged();
}

// --- Learning members ---

TEST(NodeMembershipTest, OnlineUpdateAboutAStrangerAddsIt) {
  Harness h;
  const Metadata metadata = {{"role", "cache"}, {"zone", "eu-1"}};
  const std::string encoded = Encode(metadata);
  h.TimeoutAt(kStart + absl::Milliseconds(3));
  const Instant at = h.now();
  h.Datagram(Addr(2), {WithMetadata(Online(kPeerA, Addr(2), {5, 3}), encoded)});
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<MemberJoined>(events[0]));
  const MemberJoined& joined = std::get<MemberJoined>(events[0]);
  EXPECT_EQ(joined.member.name, kPeerA);
  EXPECT_EQ(joined.member.address, Addr(2));
  EXPECT_EQ(joined.member.status, MemberStatus::kOnline);
  EXPECT_EQ(joined.member.incarnation, (Incarnation{5, 3}));
  EXPECT_EQ(joined.member.metadata, metadata);
  EXPECT_EQ(joined.member.last_change, at);

  const std::optional<Member> member = h.node().Find(kPeerA);
  ASSERT_NE(member, std::nullopt);
  EXPECT_TRUE(*member == joined.member);
  EXPECT_EQ(h.node().size(), 1u);
  ASSERT_EQ(h.node().Members().size(), 1u);
  EXPECT_EQ(h.node().Members()[0], member);
  EXPECT_EQ(h.node().stats().updates_applied, 1u);
}

TEST(NodeMembershipTest, SuspectUpdateAboutAStrangerAddsItAsSuspect) {
  Harness h;
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 0}, kPeerB)});
  ASSERT_NE(h.node().Find(kPeerA), std::nullopt);
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kSuspect);
}

TEST(NodeMembershipTest, OfflineOrLeftAboutAStrangerIsIgnored) {
  Harness h;
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                 {5, 0}, kPeerB)});
  h.Datagram(Addr(3),
             {MakeClaim(MemberStatus::kLeft, kPeerC, Addr(4), {5, 0})});
  EXPECT_EQ(h.node().size(), 0u);
  EXPECT_EQ(h.node().Find(kPeerA), std::nullopt);
  EXPECT_EQ(h.node().Find(kPeerC), std::nullopt);
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_EQ(h.node().stats().updates_stale, 2u);
  EXPECT_EQ(h.node().stats().updates_applied, 0u);
}

// A push-pull's OFFLINE records are treated as suspicions so a stale view
// cannot kill a known member outright; that must not turn the death of a
// stranger into a new (SUSPECT) member.
TEST(NodeMembershipTest, PushPullOfflineRecordAboutAStrangerIsIgnored) {
  Harness h;
  PushPull state;
  state.sender = kPeerA;
  state.members = {Online(kPeerA, Addr(2), {5, 0}),
                   MakeClaim(MemberStatus::kOffline, kPeerC, Addr(4), {3, 0}),
                   MakeClaim(MemberStatus::kLeft, kPeerB, Addr(3), {3, 0})};
  h.Stream(Addr(2, 40000), {state});
  EXPECT_NE(h.node().Find(kPeerA), std::nullopt);
  EXPECT_EQ(h.node().Find(kPeerB), std::nullopt);
  EXPECT_EQ(h.node().Find(kPeerC), std::nullopt)
      << "a dead stranger from a push-pull was added as "
      << MemberStatusName(h.node().Find(kPeerC)->status);
  EXPECT_EQ(h.node().size(), 1u);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_NE(EventMember(events[0]), nullptr);
  EXPECT_EQ(EventMember(events[0])->name, kPeerA);
}

TEST(NodeMembershipTest, TableFullDropsNewMembersOnly) {
  Config config = TestConfig();
  config.max_members = 2;
  Harness h(config);
  h.Learn(kPeerA, Addr(2));
  h.Learn(kPeerB, Addr(3));
  h.TakeEvents();
  h.Datagram(Addr(4), {Online(kPeerC, Addr(4), {5, 0})});
  EXPECT_EQ(h.node().Find(kPeerC), std::nullopt);
  EXPECT_EQ(h.node().size(), 2u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kTableFull), 1u);
  EXPECT_TRUE(h.TakeEvents().empty());
  // Known members still get updates.
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 0}, kPeerB)});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kSuspect);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kTableFull), 1u);
}

TEST(NodeMembershipTest, SampleTakesDistinctMembersInTheMask) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.Learn(kPeerB, Addr(3));
  h.Learn(kPeerC, Addr(4));
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kPeerC, Addr(4),
                                 {5, 0}, kPeerA)});
  ASSERT_EQ(h.node().StatusOf(kPeerC), MemberStatus::kSuspect);
  // More than there are: every one in the mask, each once.
  std::vector<Member> online = h.node().Sample(10, MemberStatus::kOnline);
  ASSERT_EQ(online.size(), 2u);
  EXPECT_NE(online[0].name, online[1].name);
  for (const Member& member : online) {
    EXPECT_EQ(member.status, MemberStatus::kOnline);
  }
  EXPECT_EQ(h.node().Sample(10, kAvailable).size(), 3u);
  EXPECT_EQ(h.node().Sample(1, kAvailable).size(), 1u);
  EXPECT_EQ(h.node().Sample(0, kAvailable).size(), 0u);
  EXPECT_TRUE(h.node().Sample(3, MemberStatus::kOffline).empty());
  const std::vector<Member> suspect =
      h.node().Sample(3, MemberStatus::kSuspect | MemberStatus::kOffline);
  ASSERT_EQ(suspect.size(), 1u);
  EXPECT_EQ(suspect[0].name, kPeerC);
  // A count far beyond the table costs what the table does (it once drew
  // four times the count, in effect for ever): everyone, at once.
  EXPECT_EQ(h.node().Sample(size_t{1} << 40, kAvailable).size(), 3u);
  EXPECT_EQ(h.node().Sample(SIZE_MAX, kAvailable).size(), 3u);
}

// --- Stale and replayed claims ---

TEST(NodeStaleTest, OlderClaimsNeverRollStateBack) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 2});
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 3}, kPeerB)});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kSuspect);
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 4})});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
  EXPECT_EQ(h.TakeEvents().size(), 3u);  // joined, suspect, online

  const Snapshot before = h.Snap();
  const uint64_t stale = h.node().stats().updates_stale;
  h.Advance(absl::Milliseconds(10));
  h.Datagram(Addr(2), {Online(kPeerA, Addr(9), {5, 2})});
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 3}, kPeerB)});
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                 {5, 3}, kPeerB)});
  h.Datagram(Addr(3),
             {MakeClaim(MemberStatus::kLeft, kPeerA, Addr(2), {4, 99})});
  EXPECT_TRUE(h.Snap() == before) << Describe(h.Snap());
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_EQ(h.node().stats().updates_stale, stale + 3);
  // (The one naming another address is refused before its age matters.)
  EXPECT_EQ(h.node().stats().Drops(DropReason::kAddressConflict), 1u);
  EXPECT_EQ(h.node().stats().updates_applied, 3u);
}

TEST(NodeStaleTest, TheSamePacketTwiceIsANoOp) {
  Harness h;
  const std::vector<uint8_t> joined = h.Seal({Online(kPeerA, Addr(2), {5, 0})});
  const std::vector<uint8_t> suspected = h.Seal(
      {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2), {5, 0}, kPeerB)});
  h.DatagramBytes(Addr(2), joined);
  h.DatagramBytes(Addr(3), suspected);
  EXPECT_EQ(h.TakeEvents().size(), 2u);
  const Snapshot before = h.Snap();
  const uint64_t stale = h.node().stats().updates_stale;

  h.Advance(absl::Milliseconds(50));
  h.DatagramBytes(Addr(2), joined);
  h.DatagramBytes(Addr(3), suspected);
  EXPECT_TRUE(h.Snap() == before) << Describe(h.Snap());
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_EQ(h.node().stats().updates_stale, stale + 2);
  EXPECT_EQ(h.node().stats().updates_applied, 2u);
}

// --- Answering stale accusations ---

// The datagrams the node sent to `to` among `sent`.
std::vector<const Sent*> SentTo(const std::vector<Sent>& sent,
                                const Address& to) {
  std::vector<const Sent*> found;
  for (const Sent& one : sent) {
    if (one.to == to) found.push_back(&one);
  }
  return found;
}

TEST(NodeCorrectionTest, AStaleSuspicionIsAnsweredWithTheRefutation) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 1});
  h.TakeSent();
  // peer-b missed peer-a's refutation of {5, 0} and gossips its suspicion.
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 0}, kPeerB)});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
  std::vector<Sent> sent = h.TakeSent();
  std::vector<const Sent*> answers = SentTo(sent, Addr(3));
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0]->channel, Channel::kDatagram);
  std::optional<Claim> claim = UpdateAbout(*answers[0], kPeerA);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->status, MemberStatus::kOnline);
  EXPECT_EQ(claim->incarnation, (Incarnation{5, 1}));
  EXPECT_EQ(h.node().stats().corrections_sent, 1u);
}

TEST(NodeCorrectionTest, AStaleAccusationOfItselfIsAnsweredWithItsClaim) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                 {kGeneration, 0}, kPeerA)});
  ASSERT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 1}));
  h.TakeSent();
  uint8_t sender = 3;
  for (MemberStatus status : {MemberStatus::kSuspect, MemberStatus::kOffline}) {
    ++sender;
    h.Datagram(Addr(sender),
               {MakeClaim(status, kSelf, Addr(1), {kGeneration, 0}, kPeerB)});
    std::vector<Sent> sent = h.TakeSent();
    std::vector<const Sent*> answers = SentTo(sent, Addr(sender));
    ASSERT_EQ(answers.size(), 1u);
    std::optional<Claim> claim = UpdateAbout(*answers[0], kSelf);
    ASSERT_TRUE(claim.has_value());
    EXPECT_EQ(claim->status, MemberStatus::kOnline);
    EXPECT_EQ(claim->incarnation, (Incarnation{kGeneration, 1}));
  }
  EXPECT_EQ(h.node().stats().refutations, 1u);  // no new refutation
  EXPECT_EQ(h.node().stats().corrections_sent, 2u);
}

TEST(NodeCorrectionTest, OnlyStaleAccusationsOverDatagramsAreAnswered) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 1});
  h.TakeSent();
  // Current news (a suspicion at the held incarnation) is applied, not
  // answered; a stale ONLINE claim accuses nobody; a stale claim in a
  // stream message (push-pull, itself a two-way exchange) is not answered
  // either.
  h.Datagram(Addr(3), {Online(kPeerA, Addr(2), {5, 0})});
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 1}, kPeerB)});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kSuspect);
  h.Stream(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2), {5, 0},
                               kPeerB)});
  // A claim about a member this node does not know is not answered.
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerC, Addr(4),
                                 {5, 0}, kPeerB)});
  EXPECT_TRUE(SentTo(h.TakeSent(), Addr(3)).empty());
  EXPECT_EQ(h.node().stats().corrections_sent, 0u);
}

TEST(NodeCorrectionTest, APacketFullOfStaleClaimsGetsOneAnswer) {
  Harness h;
  std::vector<Message> claims;
  for (int i = 0; i < 20; ++i) {
    const std::string name = absl::StrCat("member-", i);
    h.Learn(name, Addr(static_cast<uint8_t>(10 + i)), {5, 1});
  }
  h.TakeSent();
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) names.push_back(absl::StrCat("member-", i));
  for (int i = 0; i < 20; ++i) {
    claims.push_back(MakeClaim(MemberStatus::kSuspect, names[i],
                               Addr(static_cast<uint8_t>(10 + i)), {5, 0},
                               kPeerB));
  }
  h.Datagram(Addr(3), claims);
  std::vector<Sent> sent = h.TakeSent();
  std::vector<const Sent*> answers = SentTo(sent, Addr(3));
  ASSERT_EQ(answers.size(), 1u);
  // At most eight corrections per datagram received.
  EXPECT_EQ(h.node().stats().corrections_sent, 8u);
}

TEST(NodeCorrectionTest, TheAnswerCarriesTheMetadataAndIsRateLimited) {
  Harness h;
  Metadata big;
  big["blob"] = std::string(400, 'x');
  h.Learn(kPeerA, Addr(2), {5, 0});
  // peer-a moves on to {5, 1} with 400 bytes of metadata.
  Claim online = Online(kPeerA, Addr(2), {5, 1});
  const std::string encoded = EncodeMetadata(big).value();
  online.metadata = MetadataView::Parse(encoded).value();
  h.Datagram(Addr(2), {online});
  h.TakeSent();
  // A reply is never larger than what it answers: alone, the stale
  // suspicion is too small a datagram to earn the 400-byte answer ...
  const Claim suspicion =
      MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2), {5, 0}, kPeerB);
  h.Datagram(Addr(5), {suspicion});
  EXPECT_TRUE(SentTo(h.TakeSent(), Addr(5)).empty());
  // ... but gossip is usually a full datagram (here padded with a user
  // broadcast of this node's own, which it ignores).
  static const std::string* const kFiller = new std::string(600, 'f');
  const std::vector<Message> stale = {
      suspicion, UserBroadcast{kSelf, kGeneration, 1, *kFiller}};
  h.Datagram(Addr(3), stale);
  std::vector<Sent> sent = h.TakeSent();
  std::vector<const Sent*> answers = SentTo(sent, Addr(3));
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_LE(answers[0]->sealed.size(), h.Seal(stale).size());
  std::optional<Claim> claim = UpdateAbout(*answers[0], kPeerA);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->incarnation, (Incarnation{5, 1}));
  EXPECT_EQ(claim->metadata.encoded(), encoded);

  // The same sender again within a probe interval: no second answer (a
  // replay earns little); another sender is answered; after the interval
  // the first is answered again.
  const absl::Duration interval = h.node().config().probe_interval;
  h.Advance(interval - absl::Milliseconds(1));
  h.Datagram(Addr(3), stale);
  EXPECT_TRUE(SentTo(h.TakeSent(), Addr(3)).empty());
  h.Datagram(Addr(4), stale);
  EXPECT_EQ(SentTo(h.TakeSent(), Addr(4)).size(), 1u);
  h.Advance(absl::Milliseconds(1));
  h.Datagram(Addr(3), stale);
  EXPECT_EQ(SentTo(h.TakeSent(), Addr(3)).size(), 1u);
  EXPECT_EQ(h.node().stats().corrections_sent, 3u);
}

TEST(NodeCorrectionTest, OnlyTheMembersOwnWordIsAnswered) {
  // peer-a refuted {5, 0} and is suspected again at {5, 1}: a stale
  // suspicion of {5, 0} is not answered with the newer suspicion, which
  // would make this node its origin (a false confirmation).
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 1});
  h.Datagram(Addr(4), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 1}, kPeerC)});
  h.TakeSent();
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 0}, kPeerB)});
  EXPECT_TRUE(SentTo(h.TakeSent(), Addr(3)).empty());
  EXPECT_EQ(h.node().stats().corrections_sent, 0u);
}

// --- Refutation ---

TEST(NodeRefuteTest, SuspicionAboutItselfIsRefuted) {
  Harness h;
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                 {kGeneration, 0}, kPeerA)});
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 1}));
  EXPECT_EQ(h.node().local().status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().refutations, 1u);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<Refuted>(events[0]));
  const Refuted& refuted = std::get<Refuted>(events[0]);
  EXPECT_EQ(refuted.member.name, kSelf);
  EXPECT_EQ(refuted.member.incarnation, (Incarnation{kGeneration, 1}));

  std::vector<Sent> sent;
  std::optional<Claim> news = SelfNewsOnNextDatagram(h, sent);
  ASSERT_TRUE(news.has_value());
  EXPECT_EQ(news->status, MemberStatus::kOnline);
  EXPECT_EQ(news->incarnation, (Incarnation{kGeneration, 1}));
  EXPECT_EQ(news->address, Addr(1));
  EXPECT_TRUE(news->has_metadata);
}

TEST(NodeRefuteTest, OfflineAboutItselfAtAHigherVersionIsRefuted) {
  Harness h;
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kOffline, kSelf, Addr(1),
                                 {kGeneration, 5}, kPeerA)});
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 6}));
  EXPECT_EQ(h.node().local().status, MemberStatus::kOnline);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Refuted>(events[0]));

  std::vector<Sent> sent;
  std::optional<Claim> news = SelfNewsOnNextDatagram(h, sent);
  ASSERT_TRUE(news.has_value());
  EXPECT_EQ(news->status, MemberStatus::kOnline);
  EXPECT_EQ(news->incarnation, (Incarnation{kGeneration, 6}));
}

TEST(NodeRefuteTest, SuspicionAboutItselfAtALowerIncarnationIsIgnored) {
  Harness h;
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                 {kGeneration, 0}, kPeerA)});
  ASSERT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 1}));
  h.TakeEvents();
  const uint64_t stale = h.node().stats().updates_stale;
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                 {kGeneration, 0}, kPeerA)});
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kOffline, kSelf, Addr(1),
                                 {kGeneration - 1, 999}, kPeerA)});
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 1}));
  EXPECT_EQ(h.node().stats().refutations, 1u);
  EXPECT_EQ(h.node().stats().updates_stale, stale + 2);
  EXPECT_TRUE(h.TakeEvents().empty());
}

// A claim about this life (this address) that the node never made is
// outranked, even at a later generation: the node takes that generation
// (no accepted claim is later than its clock allows), so no claim can
// lock it out.
TEST(NodeRefuteTest, ALaterGenerationAtItsOwnAddressIsOutranked) {
  Harness h;
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kLeft, kSelf, Addr(1),
                                 {2 * kGeneration, 7}, kPeerA)});
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{2 * kGeneration, 8}));
  EXPECT_EQ(h.node().local().status, MemberStatus::kOnline);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Refuted>(events[0]));
  // A forged ONLINE claim at this address is outranked the same way.
  h.Datagram(Addr(2), {Online(kSelf, Addr(1), {3 * kGeneration, 0})});
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{3 * kGeneration, 1}));
  EXPECT_EQ(h.node().stats().refutations, 2u);
}

// --- Restart ---

TEST(NodeRestartTest, HigherGenerationWinsOverHigherVersion) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 10});
  h.TakeEvents();
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {6, 0})});
  const std::optional<Member> member = h.node().Find(kPeerA);
  ASSERT_NE(member, std::nullopt);
  EXPECT_EQ(member->incarnation, (Incarnation{6, 0}));
  EXPECT_EQ(member->status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().updates_applied, 2u);
  // The previous life's news is now stale.
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 11})});
  EXPECT_EQ(h.node().Find(kPeerA)->incarnation, (Incarnation{6, 0}));
}

// A restart at another address (a container rescheduled): the new life is
// taken only once the old one has been OFFLINE or LEFT for a suspicion
// timeout, so that nobody can move a live member's name by claiming a
// restart.
TEST(NodeRestartTest, ARestartElsewhereIsTakenOnceTheOldLifeIsGone) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 10});
  const Claim moved = Online(kPeerA, Addr(12), {6, 0});
  h.Datagram(Addr(12), {moved});
  EXPECT_EQ(h.node().Find(kPeerA)->address, Addr(2));
  EXPECT_EQ(h.node().stats().Drops(DropReason::kAddressConflict), 1u);
  // The old life is declared gone; the move waits a suspicion timeout.
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                 {5, 10}, kPeerB)});
  const Instant gone = h.now();
  const Config& config = h.node().config();
  const absl::Duration wait =
      SuspicionTimeout(config.suspicion_mult, 2, config.probe_interval);
  h.AdvanceTo(gone + wait - absl::Milliseconds(1));
  h.Datagram(Addr(12), {moved});
  EXPECT_EQ(h.node().Find(kPeerA)->address, Addr(2));
  EXPECT_EQ(h.node().stats().Drops(DropReason::kAddressConflict), 2u);
  h.AdvanceTo(gone + wait);
  h.Datagram(Addr(12), {moved});
  std::optional<Member> member = h.node().Find(kPeerA);
  EXPECT_EQ(member->address, Addr(12));
  EXPECT_EQ(member->status, MemberStatus::kOnline);
  EXPECT_EQ(member->incarnation, (Incarnation{6, 0}));
  // Now the old address is the one refused.
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {6, 1})});
  EXPECT_EQ(h.node().Find(kPeerA)->address, Addr(12));
}

TEST(NodeRestartTest, RestartRevivesAnOfflineMember) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 10});
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                 {5, 10}, kPeerB)});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOffline);
  h.TakeEvents();
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {6, 0})});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().Find(kPeerA)->incarnation, (Incarnation{6, 0}));
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<MemberStatusChanged>(events[0]));
  const MemberStatusChanged& changed = std::get<MemberStatusChanged>(events[0]);
  EXPECT_EQ(changed.previous_status, MemberStatus::kOffline);
  EXPECT_EQ(changed.member.status, MemberStatus::kOnline);
}

// --- Name conflicts ---

// A claim naming another address is about another life (another process
// with this name, or a forgery): members refuse to move a live name, so
// the node neither refutes nor gives way; it reports the conflict and goes
// on as before.
TEST(NodeConflictTest, AClaimFromAnotherAddressIsReportedNotRefuted) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  const Address other = Address::Ipv4({9, 0, 0, 1}, 7946);
  // The same generation (a forgery: a life has one address) and a later
  // one (another process), as ONLINE and as accusations.
  h.Datagram(other, {Online(kSelf, other, {kGeneration, 3})});
  h.Datagram(other, {Online(kSelf, other, {2 * kGeneration, 0})});
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kLeft, kSelf, other,
                                 {2 * kGeneration, 1}, kPeerA)});
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 0}));
  EXPECT_EQ(h.node().local().address, Addr(1));
  EXPECT_EQ(h.node().local().status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().refutations, 0u);
  EXPECT_EQ(h.node().stats().name_conflicts, 3u);
  // One event per address and probe interval.
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<NameConflict>(events[0]));
  const NameConflict& conflict = std::get<NameConflict>(events[0]);
  EXPECT_EQ(conflict.address, other);
  h.Advance(h.node().config().probe_interval);
  h.Datagram(other, {Online(kSelf, other, {2 * kGeneration, 2})});
  EXPECT_EQ(CountEvents<NameConflict>(h.TakeEvents()), 1u);
  // It keeps probing and answering.
  const uint64_t probes = h.node().stats().probes;
  h.Advance(h.node().config().probe_interval * 10);
  EXPECT_GT(h.node().stats().probes, probes);
  h.TakeSent();
  h.Datagram(Addr(2), {Ping{9, kSelf}});
  EXPECT_EQ(First<Ack>(h.TakeSent()[0]), Ack{9});
  EXPECT_TRUE(h.Leave().ok());
}

// An earlier life of this name at another address, still held somewhere
// (this member restarted elsewhere): the member announces itself again, at
// most once per probe interval, so that the cluster takes the new address
// once the old life has been gone long enough.
TEST(NodeConflictTest, AnEarlierLifeElsewhereIsAnsweredByAnnouncingAgain) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  const Address old = Addr(9);
  h.Datagram(Addr(2), {Online(kSelf, old, {kGeneration - 1, 999})});
  EXPECT_EQ(h.node().stats().reannouncements, 1u);
  h.TakeSent();
  std::optional<size_t> gossip = h.AdvanceUntil(
      [](const Sent& sent) { return UpdateAbout(sent, kSelf).has_value(); },
      h.now() + h.node().config().gossip_interval);
  ASSERT_TRUE(gossip.has_value());
  EXPECT_EQ(UpdateAbout(h.sent()[*gossip], kSelf)->address, Addr(1));
  h.Datagram(Addr(2), {Online(kSelf, old, {kGeneration - 1, 999})});
  EXPECT_EQ(h.node().stats().reannouncements, 1u);
  EXPECT_EQ(h.node().stats().name_conflicts, 0u);
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 0}));
  EXPECT_EQ(CountEvents<NameConflict>(h.TakeEvents()), 0u);
  // An earlier life declared gone is answered too (once it has been
  // gone a while, members take this life's claims), once an interval.
  h.Advance(h.node().config().probe_interval);
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kOffline, kSelf, old,
                                 {kGeneration - 1, 999}, kPeerA)});
  EXPECT_EQ(h.node().stats().reannouncements, 2u);
}

// --- Metadata ---

TEST(NodeMetadataTest, SetMetadataBumpsTheVersionAndIsPiggybacked) {
  Harness h;
  const Metadata metadata = {{"role", "db"}, {"zone", "us-2"}};
  ASSERT_TRUE(h.SetMetadata(metadata).ok());
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 1}));
  EXPECT_EQ(h.node().local().metadata, metadata);
  EXPECT_EQ(h.node().queued_broadcasts(), 1u);
  EXPECT_TRUE(h.TakeEvents().empty());

  std::vector<Sent> sent;
  std::optional<Claim> news = SelfNewsOnNextDatagram(h, sent);
  ASSERT_TRUE(news.has_value());
  EXPECT_EQ(news->status, MemberStatus::kOnline);
  EXPECT_EQ(news->incarnation, (Incarnation{kGeneration, 1}));
  ASSERT_TRUE(news->has_metadata);
  EXPECT_EQ(news->metadata.ToMap(), metadata);
}

TEST(NodeMetadataTest, TooLargeMetadataIsRejected) {
  Harness h;
  absl::Status status = h.SetMetadata({{"blob", std::string(600, 'x')}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("max_metadata_size"));
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 0}));
  EXPECT_TRUE(h.node().local().metadata.empty());
  EXPECT_EQ(h.node().queued_broadcasts(), 0u);
}

TEST(NodeMetadataTest, IdenticalMetadataIsANoOp) {
  Config config = TestConfig();
  config.metadata = {{"role", "web"}};
  Harness h(config);
  ASSERT_TRUE(h.SetMetadata({{"role", "web"}}).ok());
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 0}));
  EXPECT_EQ(h.node().queued_broadcasts(), 0u);
  EXPECT_TRUE(h.sent().empty());
}

TEST(NodeMetadataTest, MetadataChangeOfAPeerIsReported) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 0});
  h.TakeEvents();
  const std::string encoded = Encode({{"role", "db"}});
  h.Datagram(Addr(2), {WithMetadata(Online(kPeerA, Addr(2), {5, 1}), encoded)});
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<MemberMetadataChanged>(events[0]));
  const MemberMetadataChanged& changed =
      std::get<MemberMetadataChanged>(events[0]);
  EXPECT_EQ(changed.member.metadata, (Metadata{{"role", "db"}}));
}

// --- Leave ---

TEST(NodeLeaveTest, AnnouncesLeftAndStopsProbing) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.Advance(absl::Milliseconds(1500));
  h.TakeSent();
  EXPECT_EQ(h.node().lifecycle(), Lifecycle::kActive);
  const uint64_t version = h.node().local().incarnation.version;

  const Instant left_at = h.now();
  ASSERT_TRUE(h.Leave().ok());
  EXPECT_NE(h.node().lifecycle(), Lifecycle::kActive);
  EXPECT_EQ(h.node().local().status, MemberStatus::kLeft);
  EXPECT_EQ(h.node().local().incarnation.version, version + 1);
  // Told right away.
  std::vector<Sent> sent = h.TakeSent();
  bool announced = false;
  for (const Sent& one : sent) {
    EXPECT_EQ(one.at, left_at);
    std::optional<Claim> news = UpdateAbout(one, kSelf);
    if (one.to == Addr(2) && news && news->status == MemberStatus::kLeft) {
      EXPECT_EQ(news->incarnation, h.node().local().incarnation);
      announced = true;
    }
  }
  EXPECT_TRUE(announced);
  // The only peer hears it once a gossip interval until it was sent as
  // often as any news; then the driver may stop.
  EXPECT_EQ(h.node().lifecycle(), Lifecycle::kLeaving);
  const int limit = RetransmitLimit(h.node().config(), 2);
  h.Advance(h.node().config().gossip_interval * (limit - 1));
  EXPECT_EQ(h.node().lifecycle(), Lifecycle::kLeft);

  // No more probes.
  const uint64_t probes = h.node().stats().probes;
  h.Advance(h.node().config().probe_interval * 5);
  EXPECT_EQ(h.node().stats().probes, probes);
  EXPECT_TRUE(Led<Ping>(h.sent()).empty());
  // Input is still answered.
  h.TakeSent();
  h.Datagram(Addr(2), {Ping{31, kSelf}});
  ASSERT_EQ(h.sent().size(), 1u);
  EXPECT_EQ(First<Ack>(h.sent()[0]), Ack{31});
}

TEST(NodeLeaveTest, LeaveSentEventuallyWithManyMembers) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.Learn(kPeerB, Addr(3));
  h.Learn(kPeerC, Addr(4));
  h.Learn("peer-d", Addr(5));
  h.Learn("peer-e", Addr(6));
  ASSERT_TRUE(h.Leave().ok());
  EXPECT_NE(h.node().lifecycle(), Lifecycle::kActive);
  h.Advance(absl::Seconds(2));
  EXPECT_EQ(h.node().lifecycle(), Lifecycle::kLeft);
}

// A leave is done only once its LEFT went out as often as any news, not
// after the first round: that round's few datagrams may all go to members
// that crashed (held SUSPECT, or gone within a suspicion timeout) or be
// lost, and nobody else can repeat the LEFT until someone has it.
TEST(NodeLeaveTest, LeaveIsSentAsOftenAsAnyNewsBeforeItIsDone) {
  Harness h;
  for (int i = 0; i < 6; ++i) {
    h.Learn(absl::StrCat("peer-", i), Addr(2 + i));
  }
  h.TakeSent();
  ASSERT_TRUE(h.Leave().ok());
  const int limit = RetransmitLimit(h.node().config(), 7);
  int announced = 0;
  for (int round = 0; round < limit; ++round) {
    for (const Sent& one : h.TakeSent()) {
      std::optional<Claim> news = UpdateAbout(one, kSelf);
      if (news && news->status == MemberStatus::kLeft) ++announced;
    }
    if (h.node().lifecycle() == Lifecycle::kLeft) break;
    EXPECT_LT(announced, limit);  // not done after the first round
    h.Advance(h.node().config().gossip_interval);
  }
  EXPECT_EQ(h.node().lifecycle(), Lifecycle::kLeft);
  EXPECT_EQ(announced, limit);
}

TEST(NodeLeaveTest, LeaveWithNobodyToTellIsSentAtOnce) {
  Harness h;
  ASSERT_TRUE(h.Leave().ok());
  EXPECT_EQ(h.node().lifecycle(), Lifecycle::kLeft);
}

TEST(NodeLeaveTest, CommandsAfterLeaveFail) {
  Harness h;
  ASSERT_TRUE(h.Leave().ok());
  EXPECT_EQ(h.Leave().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.Join({Addr(5)}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.SetMetadata({{"a", "b"}}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.node().Broadcast("late", h.now()).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.node().Restore({}, h.now()).code(),
            absl::StatusCode::kFailedPrecondition);
  // Each says which command was refused.
  EXPECT_THAT(h.SetMetadata({{"a", "b"}}).message(),
              ::testing::HasSubstr("SetMetadata"));
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 1}));
}

// --- Join and push-pull ---

// The state exchanges among `sent` (streams carry a probe's fallback ping
// too).
std::vector<const Sent*> StateExchanges(const std::vector<Sent>& sent) {
  std::vector<const Sent*> streams;
  for (const Sent& one : sent) {
    if (one.channel == Channel::kStream && !MessagesOf<PushPull>(one).empty()) {
      streams.push_back(&one);
    }
  }
  return streams;
}

TEST(NodeJoinTest, SendsAPushPullToEachSeedButItself) {
  Harness h(NoPeriodicPushPull());
  h.Advance(absl::Milliseconds(250));
  h.TakeSent();
  ASSERT_TRUE(h.Join({Addr(1), Addr(5), Addr(6), Addr(5)}).ok());
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].to, Addr(5));
  EXPECT_EQ(sent[1].to, Addr(6));
  for (const Sent& one : sent) {
    EXPECT_EQ(one.channel, Channel::kStream);
    PushPull state = First<PushPull>(one);
    EXPECT_TRUE(state.reply_wanted);
    EXPECT_EQ(state.sender, kSelf);
    ASSERT_EQ(state.members.size(), 1u);
    EXPECT_EQ(state.members[0].name, kSelf);
    EXPECT_EQ(state.members[0].address, Addr(1));
    EXPECT_EQ(state.members[0].status, MemberStatus::kOnline);
    EXPECT_EQ(state.members[0].incarnation, (Incarnation{kGeneration, 0}));
  }
  EXPECT_EQ(h.node().stats().push_pulls_sent, 2u);
  EXPECT_EQ(h.node().stats().streams_sent, 2u);
}

TEST(NodeJoinTest, OnlyItselfAsSeedMeansFirstMember) {
  Harness h(NoPeriodicPushPull());
  ASSERT_TRUE(h.Join({Addr(1)}).ok());
  h.Advance(absl::Seconds(100));
  EXPECT_TRUE(h.sent().empty());
}

TEST(NodeJoinTest, RetriesWithDoublingBackoffFromTheProbeInterval) {
  Harness h(NoPeriodicPushPull());
  h.Advance(absl::Milliseconds(250));
  h.TakeSent();
  const Instant t0 = h.now();
  ASSERT_TRUE(h.Join({Addr(5), Addr(6)}).ok());
  h.AdvanceTo(t0 + absl::Seconds(200));
  // Backoff 1, 2, 4, ... s (probe_interval doubling), capped at 60 s.
  const std::vector<int> expected_seconds = {0, 1, 3, 7, 15, 31, 63, 123, 183};
  std::vector<Instant> expected;
  for (int seconds : expected_seconds) {
    expected.push_back(t0 + absl::Seconds(seconds));
    expected.push_back(t0 + absl::Seconds(seconds));
  }
  std::vector<Instant> times;
  for (const Sent* stream : StateExchanges(h.sent())) {
    times.push_back(stream->at);
    PushPull state = First<PushPull>(*stream);
    EXPECT_TRUE(state.reply_wanted);
    EXPECT_TRUE(stream->to == Addr(5) || stream->to == Addr(6));
  }
  EXPECT_EQ(times, expected);
}

TEST(NodeJoinTest, StopsRetryingOnceAMemberIsKnown) {
  Harness h(NoPeriodicPushPull());
  const Instant t0 = h.now();
  ASSERT_TRUE(h.Join({Addr(5)}).ok());
  h.AdvanceTo(t0 + absl::Milliseconds(1500));
  EXPECT_EQ(StateExchanges(h.sent()).size(), 2u);  // t0 and t0 + 1 s
  h.TakeSent();

  // The seed's reply arrives from its stream's source port.
  PushPull reply;
  reply.reply_wanted = false;
  reply.sender = "seed";
  reply.members = {Online("seed", Addr(5), {9, 0})};
  h.Stream(Addr(5, 40001), {reply});
  ASSERT_NE(h.node().Find("seed"), std::nullopt);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<MemberJoined>(events[0]));
  EXPECT_TRUE(h.sent().empty()) << "no reply to a reply";

  // While the seed is a live member, nothing more goes to it by stream.
  h.AdvanceTo(t0 + absl::Seconds(4));
  ASSERT_EQ(h.node().StatusOf("seed"), MemberStatus::kSuspect);
  EXPECT_TRUE(StateExchanges(h.sent()).empty());

  // It never answers probes: once it is OFFLINE this member knows nobody
  // live and goes back to its seeds (docs/protocol.md, "Healing").
  h.AdvanceTo(t0 + absl::Seconds(300));
  ASSERT_EQ(h.node().StatusOf("seed"), MemberStatus::kOffline);
  EXPECT_FALSE(StateExchanges(h.sent()).empty());
  EXPECT_GT(h.node().stats().reconnect_attempts, 0u);
}

// The reply goes back on the request's connection, never to an address
// the request names (its sender's record says Addr(2)): a replayed request
// cannot aim a member's state at anyone but the replayer.
TEST(NodeJoinTest, PushPullReplyGoesBackOnTheRequestsConnection) {
  Harness h;
  PushPull state;
  state.reply_wanted = true;
  state.sender = kPeerA;
  state.members = {Online(kPeerB, Addr(3), {7, 0}),
                   Online(kPeerA, Addr(2), {5, 0})};
  const StreamId stream = h.NewStreamId();
  EXPECT_EQ(h.StreamData(stream, Addr(2, 50123), h.SealStream({state})),
            StreamVerdict::kProgress);
  EXPECT_EQ(h.node().stats().push_pulls_received, 1u);
  EXPECT_EQ(h.TakeEvents().size(), 2u);
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(2, 50123));
  EXPECT_EQ(sent[0].stream, stream);
  EXPECT_EQ(sent[0].channel, Channel::kStream);
  PushPull reply = First<PushPull>(sent[0]);
  EXPECT_FALSE(reply.reply_wanted);
  EXPECT_EQ(reply.sender, kSelf);
  std::vector<std::string> names;
  for (const Claim& record : reply.members) {
    names.emplace_back(record.name);
  }
  EXPECT_THAT(names, UnorderedElementsAre("self", "peer-a", "peer-b"));
}

TEST(NodeJoinTest, PushPullFromAnUnlistedSenderGetsNoReply) {
  Harness h;
  PushPull state;
  state.reply_wanted = true;
  state.sender = "peer-z";
  state.members = {Online(kPeerA, Addr(2), {5, 0})};
  h.Stream(Addr(2, 50123), {state});
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.node().stats().Drops(DropReason::kUnknownPushPullSender), 1u);
}

// --- Probe cycle ---

// Plain SWIM's probe: the verdict at the period's end. (With the stream
// fallback it waits longer: NodeStreamFallbackTest.)
Config PlainProbeConfig() {
  Config config = TestConfig();
  config.stream_fallback = false;
  return config;
}

TEST(NodeProbeTest, UnansweredProbeLeadsToSuspectThenOffline) {
  Harness h(PlainProbeConfig());
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  const Config& config = h.node().config();
  std::optional<Ping> ping = h.AdvanceToNextPing();
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(ping->target, kPeerA);
  EXPECT_EQ(h.ping_to(), Addr(2));
  const Instant tp = h.now();
  EXPECT_EQ(h.node().stats().probes, 1u);

  // No helpers: nothing at the probe timeout.
  h.AdvanceTo(tp + config.probe_interval - absl::Nanoseconds(1));
  EXPECT_TRUE(Led<PingReq>(h.sent()).empty());
  EXPECT_EQ(h.node().stats().indirect_probes, 0u);
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
  EXPECT_TRUE(h.TakeEvents().empty());

  // The probe ends: suspect.
  const Instant suspected_at = tp + config.probe_interval;
  h.AdvanceTo(suspected_at);
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kSuspect);
  EXPECT_EQ(h.node().stats().suspicions, 1u);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<MemberStatusChanged>(events[0]));
  const MemberStatusChanged& changed = std::get<MemberStatusChanged>(events[0]);
  EXPECT_EQ(changed.previous_status, MemberStatus::kOnline);
  EXPECT_EQ(changed.member.status, MemberStatus::kSuspect);
  EXPECT_EQ(changed.member.last_change, suspected_at);

  // The suspicion times out exactly.
  const Instant offline_at =
      suspected_at + SuspicionTimeout(config.suspicion_mult, /*cluster=*/2,
                                      config.probe_interval);
  h.AdvanceTo(offline_at - absl::Nanoseconds(1));
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kSuspect);
  EXPECT_TRUE(h.TakeEvents().empty());
  h.AdvanceTo(offline_at);
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOffline);
  EXPECT_EQ(h.node().stats().declared_offline, 1u);
  events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<MemberStatusChanged>(events[0]));
  const MemberStatusChanged& offline = std::get<MemberStatusChanged>(events[0]);
  EXPECT_EQ(offline.previous_status, MemberStatus::kSuspect);
  EXPECT_EQ(offline.member.status, MemberStatus::kOffline);

  // OFFLINE members are no longer probed.
  h.TakeSent();
  const uint64_t probes = h.node().stats().probes;
  h.Advance(config.probe_interval * 3);
  EXPECT_EQ(h.node().stats().probes, probes);
}

TEST(NodeProbeTest, RefutationDuringTheProbePreventsSuspicion) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 0});
  std::optional<Ping> ping = h.AdvanceToNextPing();
  ASSERT_TRUE(ping.has_value());
  const Instant tp = h.now();
  // No ack, but news of a newer incarnation: the probed life is gone.
  h.Advance(absl::Milliseconds(500));
  h.Datagram(Addr(3), {Online(kPeerA, Addr(2), {5, 1})});
  h.AdvanceTo(tp + ProbeVerdictAfter(h.node().config()));
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().suspicions, 0u);
  EXPECT_GT(h.node().stats().probes, 1u) << "the verdict was due";
}

// The same while the verdict waits for the stream fallback, after the
// period's end.
TEST(NodeProbeTest, RefutationWhileTheVerdictWaitsPreventsSuspicion) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 0});
  std::optional<Ping> ping = h.AdvanceToNextPing();
  ASSERT_TRUE(ping.has_value());
  const Instant tp = h.now();
  const Config& config = h.node().config();
  ASSERT_GT(ProbeVerdictAfter(config), config.probe_interval);
  h.AdvanceTo(tp + config.probe_interval + absl::Milliseconds(1));
  h.Datagram(Addr(3), {Online(kPeerA, Addr(2), {5, 1})});
  h.AdvanceTo(tp + ProbeVerdictAfter(config));
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().suspicions, 0u);
}

TEST(NodeProbeTest, OfflineAndLeftMembersAreReapedAfterTheirTimeouts) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.Learn(kPeerB, Addr(3));
  h.Advance(absl::Milliseconds(10));
  const Instant t = h.now();
  h.Datagram(
      Addr(4),
      {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2), {5, 0}, kPeerC),
       MakeClaim(MemberStatus::kLeft, kPeerB, Addr(3), {5, 1})});
  h.TakeEvents();
  // LEFT members go after the tombstone timeout, OFFLINE ones after the
  // (longer) reconnect timeout, during which they are tried again.
  ASSERT_LT(h.node().config().tombstone_timeout,
            h.node().config().reconnect_timeout);
  const Instant left_reap_at = t + h.node().config().tombstone_timeout;
  h.AdvanceTo(left_reap_at - absl::Nanoseconds(1));
  EXPECT_EQ(h.node().size(), 2u);
  EXPECT_TRUE(h.TakeEvents().empty());
  h.AdvanceTo(left_reap_at);
  EXPECT_EQ(h.node().StatusOf(kPeerB), std::nullopt);
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOffline);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<MemberReaped>(events[0]));
  EXPECT_EQ(std::get<MemberReaped>(events[0]).member.name, kPeerB);
  const Instant offline_reap_at = t + h.node().config().reconnect_timeout;
  h.AdvanceTo(offline_reap_at - absl::Nanoseconds(1));
  EXPECT_EQ(h.node().size(), 1u);
  h.AdvanceTo(offline_reap_at);
  EXPECT_EQ(h.node().size(), 0u);
  EXPECT_EQ(h.node().stats().reaped, 2u);
  events = h.TakeEvents();
  ASSERT_EQ(CountEvents<MemberReaped>(events), 1u);
}

// --- Remove and RememberFor
// ---------------------------------------------------

// The first claim about `name` this node sends within `within`, if any.
std::optional<Claim> NextClaimAbout(Harness& h, absl::string_view name,
                                    absl::Duration within) {
  h.TakeSent();
  const Instant until = h.now() + within;
  while (h.now() < until) {
    h.Advance(absl::Milliseconds(10));
    for (const Sent& sent : h.sent()) {
      if (std::optional<Claim> claim = UpdateAbout(sent, name)) return claim;
    }
    h.TakeSent();
  }
  return std::nullopt;
}

// A member held OFFLINE that this node hears from (it missed the
// member's refutation) is pinged at once with the OFFLINE claim, so it
// refutes on the ack; at most once a reconnect interval.
TEST(NodeReconnectTest, InputFromAMemberHeldOfflinePromptsAReconnect) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 0});
  h.Learn(kPeerB, Addr(3), {5, 0});
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                 {5, 0}, kPeerB)});
  ASSERT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOffline);
  h.TakeSent();
  const uint64_t before = h.node().stats().reconnect_attempts;
  h.Datagram(Addr(2), {Ping{77, kSelf}});
  std::vector<const Sent*> reconnects;
  uint32_t seq = 0;
  for (const Sent& sent : h.sent()) {
    for (const Ping& ping : MessagesOf<Ping>(sent)) {
      if (ping.target == kPeerA && sent.to == Addr(2)) {
        reconnects.push_back(&sent);
        seq = ping.seq;
        const std::optional<Claim> claim = UpdateAbout(sent, kPeerA);
        ASSERT_TRUE(claim.has_value());
        EXPECT_EQ(claim->status, MemberStatus::kOffline);
      }
    }
  }
  EXPECT_EQ(reconnects.size(), 1u);
  EXPECT_EQ(h.node().stats().reconnect_attempts, before + 1);
  // Its refutation on the ack brings it back.
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 1}), Ack{seq}});
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().reconnects, 1u);

  // Held OFFLINE again: more input within the interval prompts one ping.
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                 {5, 1}, kPeerB)});
  ASSERT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOffline);
  const uint64_t again = h.node().stats().reconnect_attempts;
  h.Datagram(Addr(2), {Ping{78, kSelf}});
  h.Datagram(Addr(2), {Ping{79, kSelf}});
  EXPECT_EQ(h.node().stats().reconnect_attempts, again);  // within interval
  h.Advance(h.node().config().reconnect_interval);
  const uint64_t later = h.node().stats().reconnect_attempts;
  h.Datagram(Addr(2), {Ping{80, kSelf}});
  EXPECT_EQ(h.node().stats().reconnect_attempts, later + 1);
}

TEST(NodeRemoveTest, ARemovedMemberIsClaimedLeftAboveItsLifeAndForgottenHere) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 3});
  h.Learn(kPeerB, Addr(3), {5, 0});
  h.TakeEvents();
  ASSERT_TRUE(h.Remove(kPeerA).ok());
  EXPECT_EQ(h.node().StatusOf(kPeerA), std::nullopt);
  EXPECT_EQ(h.node().stats().removals, 1u);
  const std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 2u);
  const auto* changed = std::get_if<MemberStatusChanged>(&events[0]);
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(changed->member.status, MemberStatus::kLeft);
  EXPECT_EQ(changed->member.incarnation, (Incarnation{5, 4}));
  EXPECT_TRUE(std::holds_alternative<MemberReaped>(events[1]));
  // The claim spreads like any other.
  const std::optional<Claim> claim =
      NextClaimAbout(h, kPeerA, h.node().config().gossip_interval * 2);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->status, MemberStatus::kLeft);
  EXPECT_EQ(claim->incarnation, (Incarnation{5, 4}));
  // Its old life's claims do not bring it back; a refutation does.
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 3})});
  EXPECT_EQ(h.node().StatusOf(kPeerA), std::nullopt);
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 5})});
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
}

TEST(NodeRemoveTest, RefusesUnknownNamesAndItself) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  EXPECT_EQ(h.Remove("nobody").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(h.Remove(kSelf).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(h.node().size(), 1u);
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_EQ(h.node().stats().removals, 0u);
}

TEST(NodeRememberForTest, OverridesHowLongAGoneMemberIsKept) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 0});
  h.Learn(kPeerB, Addr(3), {5, 0});
  h.TakeEvents();
  EXPECT_EQ(h.RememberFor("nobody", absl::Minutes(1)).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(h.RememberFor(kPeerA, absl::ZeroDuration()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(h.RememberFor(kSelf, absl::Minutes(1)).code(),
            absl::StatusCode::kInvalidArgument);
  // peer-a is kept 2 minutes once gone, instead of reconnect_timeout.
  ASSERT_TRUE(h.RememberFor(kPeerA, absl::Minutes(2)).ok());
  const Instant t = h.now();
  h.Datagram(Addr(4), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                 {5, 0}, kPeerB)});
  ASSERT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOffline);
  h.AdvanceTo(t + absl::Minutes(2) - absl::Nanoseconds(1));
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOffline);
  h.AdvanceTo(t + absl::Minutes(2));
  EXPECT_EQ(h.node().StatusOf(kPeerA), std::nullopt);
  // Applied at once to a member already gone: peer-b, OFFLINE for 3
  // minutes, is forgotten as soon as its time is shortened below that.
  h.Datagram(Addr(4), {MakeClaim(MemberStatus::kOffline, kPeerB, Addr(3),
                                 {5, 0}, kPeerA)});
  h.Advance(absl::Minutes(3));
  ASSERT_EQ(h.node().StatusOf(kPeerB), MemberStatus::kOffline);
  h.TakeEvents();
  ASSERT_TRUE(h.RememberFor(kPeerB, absl::Minutes(1)).ok());
  EXPECT_EQ(h.node().StatusOf(kPeerB), std::nullopt);
  EXPECT_EQ(CountEvents<MemberReaped>(h.TakeEvents()), 1u);
}

TEST(NodeProbeTest, PeriodicPushPullEveryInterval) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  const absl::Duration interval = h.node().config().push_pull_interval;
  // Answer probes so peer-a stays ONLINE (push-pull goes to ONLINE members).
  std::vector<Instant> times;
  while (h.now() < kStart + interval * 6) {
    std::optional<size_t> index = h.AdvanceUntil(
        [](const Sent& sent) {
          return FirstIs<Ping>(sent) || sent.channel == Channel::kStream;
        },
        kStart + interval * 6);
    if (!index) break;
    const Sent& sent = h.sent()[*index];
    if (sent.channel == Channel::kStream) {
      EXPECT_EQ(sent.to, Addr(2));
      EXPECT_TRUE(First<PushPull>(sent).reply_wanted);
      times.push_back(sent.at);
    } else {
      h.Datagram(Addr(2), {Ack{std::get<Ping>(sent.messages[0]).seq}});
    }
  }
  ASSERT_GE(times.size(), 4u);
  EXPECT_GE(times[0], kStart + interval);
  EXPECT_LE(times[0], kStart + interval * 2);
  for (size_t i = 1; i < times.size(); ++i) {
    EXPECT_EQ(times[i] - times[i - 1], interval) << i;
  }
}

class NodeIndirectProbeTest : public ::testing::Test {
 protected:
  // Learns peer-a, -b and -c and advances to the first probe.
  void StartProbe(int indirect_checks) {
    Config config = PlainProbeConfig();
    config.indirect_checks = indirect_checks;
    h_ = std::make_unique<Harness>(config);
    h_->Learn(kPeerA, Addr(2));
    h_->Learn(kPeerB, Addr(3));
    h_->Learn(kPeerC, Addr(4));
    h_->TakeEvents();
    std::optional<Ping> ping = h_->AdvanceToNextPing();
    ASSERT_TRUE(ping.has_value());
    seq_ = ping->seq;
    target_ = std::string(ping->target);
    target_address_ = h_->ping_to();
    tp_ = h_->now();
  }
  MemberStatus TargetStatus() { return h_->node().Find(target_)->status; }
  const Config& config() { return h_->node().config(); }

  std::unique_ptr<Harness> h_;
  uint32_t seq_ = 0;
  std::string target_;
  Address target_address_;
  Instant tp_;
};

TEST_F(NodeIndirectProbeTest, PingReqsGoToOnlineHelpersAtTheProbeTimeout) {
  StartProbe(/*indirect_checks=*/2);
  h_->AdvanceTo(tp_ + config().probe_timeout - absl::Nanoseconds(1));
  EXPECT_TRUE(Led<PingReq>(h_->sent()).empty());
  h_->AdvanceTo(tp_ + config().probe_timeout);
  std::vector<const Sent*> reqs = Led<PingReq>(h_->sent());
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[0]->to, reqs[1]->to);
  for (const Sent* req : reqs) {
    EXPECT_EQ(req->at, tp_ + config().probe_timeout);
    EXPECT_NE(req->to, target_address_);
    EXPECT_NE(req->to, Addr(1));
    PingReq message = First<PingReq>(*req);
    EXPECT_EQ(message.seq, seq_);
    EXPECT_EQ(message.target, target_);
    EXPECT_EQ(message.target_address, target_address_);
  }
  EXPECT_EQ(h_->node().stats().indirect_probes, 2u);
  // Nobody answers: suspect at the end of the probe.
  h_->AdvanceTo(tp_ + config().probe_interval - absl::Nanoseconds(1));
  EXPECT_EQ(TargetStatus(), MemberStatus::kOnline);
  h_->AdvanceTo(tp_ + config().probe_interval);
  EXPECT_EQ(TargetStatus(), MemberStatus::kSuspect);
}

TEST_F(NodeIndirectProbeTest, IndirectChecksBoundTheHelpers) {
  StartProbe(/*indirect_checks=*/1);
  h_->AdvanceTo(tp_ + config().probe_timeout);
  EXPECT_EQ(Led<PingReq>(h_->sent()).size(), 1u);
}

TEST_F(NodeIndirectProbeTest, DirectAckInTimePreventsSuspicion) {
  StartProbe(/*indirect_checks=*/2);
  h_->AdvanceTo(tp_ + absl::Milliseconds(100));
  h_->Datagram(target_address_, {Ack{seq_}});
  EXPECT_EQ(h_->node().stats().probes_acked, 1u);
  h_->AdvanceTo(tp_ + config().probe_interval);
  EXPECT_TRUE(Led<PingReq>(h_->sent()).empty());
  EXPECT_EQ(TargetStatus(), MemberStatus::kOnline);
  EXPECT_EQ(h_->node().stats().suspicions, 0u);
  EXPECT_TRUE(h_->TakeEvents().empty());
}

TEST_F(NodeIndirectProbeTest, RelayedAckInTimePreventsSuspicion) {
  StartProbe(/*indirect_checks=*/1);
  h_->AdvanceTo(tp_ + config().probe_timeout);
  std::vector<const Sent*> reqs = Led<PingReq>(h_->sent());
  ASSERT_EQ(reqs.size(), 1u);
  const Address helper = reqs[0]->to;
  h_->AdvanceTo(tp_ + absl::Milliseconds(900));
  h_->Datagram(helper, {Ack{seq_}});
  h_->AdvanceTo(tp_ + config().probe_interval);
  EXPECT_EQ(TargetStatus(), MemberStatus::kOnline);
  EXPECT_EQ(h_->node().stats().probes_acked, 1u);
  EXPECT_EQ(h_->node().stats().suspicions, 0u);
  EXPECT_TRUE(h_->TakeEvents().empty());
}

TEST_F(NodeIndirectProbeTest, NackDoesNotPreventSuspicion) {
  StartProbe(/*indirect_checks=*/1);
  h_->AdvanceTo(tp_ + config().probe_timeout);
  std::vector<const Sent*> reqs = Led<PingReq>(h_->sent());
  ASSERT_EQ(reqs.size(), 1u);
  const Address helper = reqs[0]->to;
  h_->AdvanceTo(tp_ + absl::Milliseconds(400));
  h_->Datagram(helper, {Nack{seq_}});
  EXPECT_EQ(h_->node().stats().nacks_received, 1u);
  h_->AdvanceTo(tp_ + config().probe_interval);
  EXPECT_EQ(TargetStatus(), MemberStatus::kSuspect);
}

TEST_F(NodeIndirectProbeTest, LateAckIsUnknown) {
  StartProbe(/*indirect_checks=*/1);
  h_->AdvanceTo(tp_ + config().probe_interval);
  ASSERT_EQ(TargetStatus(), MemberStatus::kSuspect);
  h_->Datagram(target_address_, {Ack{seq_}});
  EXPECT_EQ(h_->node().stats().Drops(DropReason::kUnknownAck), 1u);
  EXPECT_EQ(TargetStatus(), MemberStatus::kSuspect);
}

// --- Relaying ping-reqs ---

TEST(NodeRelayTest, ForwardsTheTargetsAckToTheRequester) {
  Harness h;
  h.Learn(kPeerB, Addr(3));
  h.TakeSent();
  h.Datagram(Addr(2), {PingReq{900, kPeerB, Addr(3), /*want_nack=*/true}});
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(3));
  const Ping ping = First<Ping>(sent[0]);
  EXPECT_EQ(ping.target, kPeerB);
  const uint32_t relay_seq = ping.seq;

  h.Advance(absl::Milliseconds(50));
  h.TakeSent();  // the node's own probing of peer-b meanwhile
  h.Datagram(Addr(3), {Ack{relay_seq}});
  sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(2));
  EXPECT_EQ(First<Ack>(sent[0]), Ack{900});
  EXPECT_EQ(sent[0].messages.size(), 1u);  // on another's behalf: no news
  // Answered: no nack later, and a repeated ack is unknown.
  h.Advance(absl::Seconds(2));
  EXPECT_TRUE(Led<Nack>(h.sent()).empty());
  h.Datagram(Addr(3), {Ack{relay_seq}});
  EXPECT_EQ(h.node().stats().Drops(DropReason::kUnknownAck), 1u);
  EXPECT_TRUE(Led<Ack>(h.sent()).empty());
}

TEST(NodeRelayTest, NacksASilentTargetAt80PercentOfTheProbeTimeout) {
  Harness h;
  h.Learn(kPeerB, Addr(3));
  h.TakeSent();
  const Instant t = h.now();
  h.Datagram(Addr(2), {PingReq{900, kPeerB, Addr(3), /*want_nack=*/true}});
  const uint32_t relay_seq = First<Ping>(h.TakeSent()[0]).seq;
  const Instant nack_at = t + h.node().config().probe_timeout * 4 / 5;
  ASSERT_EQ(nack_at, t + absl::Milliseconds(160));
  ASSERT_TRUE(h.node().NextDeadline().has_value());
  EXPECT_LE(*h.node().NextDeadline(), nack_at);

  h.AdvanceTo(nack_at - absl::Nanoseconds(1));
  EXPECT_TRUE(Led<Nack>(h.sent()).empty());
  h.AdvanceTo(nack_at);
  std::vector<const Sent*> nacks = Led<Nack>(h.sent());
  ASSERT_EQ(nacks.size(), 1u);
  EXPECT_EQ(nacks[0]->at, nack_at);
  EXPECT_EQ(nacks[0]->to, Addr(2));
  EXPECT_EQ(First<Nack>(*nacks[0]), Nack{900});
  h.TakeSent();

  // A late ack within the relay's lifetime is still forwarded.
  h.AdvanceTo(t + absl::Milliseconds(300));
  h.Datagram(Addr(3), {Ack{relay_seq}});
  ASSERT_EQ(Led<Ack>(h.sent()).size(), 1u);
  EXPECT_EQ(First<Ack>(*Led<Ack>(h.sent())[0]), Ack{900});
  EXPECT_EQ(Led<Ack>(h.sent())[0]->to, Addr(2));
}

TEST(NodeRelayTest, RelaysOnlyToAMemberItKnowsAtThatAddress) {
  Harness h;
  h.Learn(kPeerB, Addr(3));
  h.TakeSent();
  // An unknown name, and a known name at another address: no ping goes
  // out (a ping-req cannot aim this node at anyone), and the requester is
  // told so at once when it asked for nacks.
  h.Datagram(Addr(2), {PingReq{900, kPeerC, Addr(9), /*want_nack=*/true}});
  h.Datagram(Addr(2), {PingReq{901, kPeerB, Addr(9), /*want_nack=*/false}});
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(2));
  EXPECT_EQ(First<Nack>(sent[0]), Nack{900});
  EXPECT_EQ(h.node().stats().Drops(DropReason::kUnknownTarget), 2u);
}

TEST(NodeRelayTest, WithoutWantNackSilenceStaysSilentAndExpires) {
  Harness h;
  h.Learn(kPeerB, Addr(3));
  h.TakeSent();
  const Instant t = h.now();
  h.Datagram(Addr(2), {PingReq{900, kPeerB, Addr(3), /*want_nack=*/false}});
  const uint32_t relay_seq = First<Ping>(h.TakeSent()[0]).seq;
  h.AdvanceTo(t + h.node().config().probe_interval + absl::Milliseconds(1));
  EXPECT_TRUE(SentTo(h.TakeSent(), Addr(2)).empty());
  h.Datagram(Addr(3), {Ack{relay_seq}});
  EXPECT_TRUE(SentTo(h.TakeSent(), Addr(2)).empty());
  EXPECT_EQ(h.node().stats().Drops(DropReason::kUnknownAck), 1u);
}

// --- User broadcasts ---

TEST(NodeBroadcastTest, BroadcastIsPiggybacked) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  ASSERT_TRUE(h.Broadcast("hello").ok());
  EXPECT_EQ(h.node().queued_broadcasts(), 2u);  // with the news of peer-a
  // Acks carry no one's news: the broadcast rides the node's own traffic.
  h.Datagram(Addr(2), {Ping{8, kSelf}});
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{8});
  EXPECT_TRUE(MessagesOf<UserBroadcast>(sent[0]).empty());
  std::optional<size_t> gossip = h.AdvanceUntil(
      [](const Sent& one) { return !MessagesOf<UserBroadcast>(one).empty(); },
      h.now() + h.node().config().gossip_interval);
  ASSERT_TRUE(gossip.has_value());
  EXPECT_EQ(h.sent()[*gossip].to, Addr(2));
  std::vector<UserBroadcast> broadcasts =
      MessagesOf<UserBroadcast>(h.sent()[*gossip]);
  ASSERT_EQ(broadcasts.size(), 1u);
  EXPECT_EQ(broadcasts[0].origin, kSelf);
  EXPECT_EQ(broadcasts[0].payload, "hello");
  EXPECT_TRUE(h.TakeEvents().empty()) << "no event for one's own broadcast";

  EXPECT_EQ(h.Broadcast(std::string(kMaxUserPayloadSize + 1, 'x')).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NodeBroadcastTest, ReceivedBroadcastIsDeliveredOnce) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  const std::vector<uint8_t> packet =
      h.Seal({UserBroadcast{kPeerA, 5, 7, "hi"}});
  h.DatagramBytes(Addr(2), packet);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<UserMessage>(events[0]));
  const UserMessage& message = std::get<UserMessage>(events[0]);
  EXPECT_EQ(message.origin, kPeerA);
  EXPECT_EQ(message.payload, "hi");
  EXPECT_EQ(h.node().queued_broadcasts(), 2u) << "passed on (and peer-a)";

  // The same broadcast again, alone or in another packet, is dropped.
  h.DatagramBytes(Addr(2), packet);
  h.Datagram(Addr(3), {Ping{1, kSelf}, UserBroadcast{kPeerA, 5, 7, "hi"}});
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_EQ(h.node().stats().Drops(DropReason::kDuplicateBroadcast), 2u);
  // Another id from the same origin is new.
  h.Datagram(Addr(2), {UserBroadcast{kPeerA, 5, 8, "again"}});
  events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<UserMessage>(events[0]));
  EXPECT_EQ(std::get<UserMessage>(events[0]).payload, "again");
}

// --- Determinism ---

void RunScript(Harness& h) {
  h.Learn(kPeerA, Addr(2));
  h.Learn(kPeerB, Addr(3));
  h.Learn(kPeerC, Addr(4));
  ASSERT_TRUE(h.Join({Addr(5)}).ok());
  ASSERT_TRUE(h.Broadcast("hello").ok());
  ASSERT_TRUE(h.SetMetadata({{"role", "db"}}).ok());
  h.Datagram(Addr(2), {PingReq{900, kPeerB, Addr(3), /*want_nack=*/true}});
  h.Advance(absl::Seconds(3));
  h.Datagram(Addr(2), {Ping{5, kSelf}});
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                 {kGeneration, 1}, kPeerB)});
  h.Datagram(Addr(4), {UserBroadcast{kPeerC, 5, 1, "news"}});
  PushPull state;
  state.reply_wanted = true;
  state.sender = kPeerA;
  state.members = {Online(kPeerA, Addr(2), {5, 1}),
                   Online("peer-d", Addr(6), {3, 0})};
  h.Stream(Addr(2, 40000), {state});
  h.Advance(absl::Seconds(30));
}

std::vector<std::string> Trace(Harness& h) {
  std::vector<std::string> trace;
  for (const Sent& sent : h.sent()) {
    trace.push_back(absl::StrCat(
        absl::ToInt64Nanoseconds(sent.at.since_origin()), " ",
        sent.to.ToString(), " ",
        sent.channel == Channel::kStream ? "stream " : "datagram ",
        absl::string_view(reinterpret_cast<const char*>(sent.sealed.data()),
                          sent.sealed.size())));
  }
  for (const Event& event : h.TakeEvents()) {
    std::string line(EventName(event));
    if (const Member* member = EventMember(event)) {
      absl::StrAppend(&line, " ", member->name, " ",
                      MemberStatusName(member->status), " ",
                      member->incarnation.ToString());
    } else if (const auto* message = std::get_if<UserMessage>(&event)) {
      absl::StrAppend(&line, " ", message->origin, " ", message->payload);
    }
    trace.push_back(std::move(line));
  }
  return trace;
}

TEST(NodeDeterminismTest, SameConfigSeedAndInputsGiveIdenticalTransmits) {
  Harness first;
  Harness second;
  RunScript(first);
  RunScript(second);
  const std::vector<std::string> trace = Trace(first);
  EXPECT_GT(trace.size(), 40u);
  EXPECT_EQ(trace, Trace(second));

  // The comparison is not vacuous: another seed behaves differently.
  Config other = TestConfig();
  other.seed = 43;
  Harness third(other);
  RunScript(third);
  EXPECT_NE(trace, Trace(third));
}

// The node's wake-ups until `limit`, stepping through each.
std::vector<Instant> WakesUntil(Harness& h, Instant limit) {
  std::vector<Instant> wakes;
  while (std::optional<Instant> next = h.node().NextDeadline()) {
    if (*next > limit) break;
    wakes.push_back(*next);
    if (!h.StepOnce(limit)) break;
  }
  return wakes;
}

// Gossip rounds run only while something is queued (node_impl.h,
// OnGossipTick): a member with nothing to tell is woken only by its own
// periodic work, here its probe tick (state exchanges and reconnecting
// are off).

TEST(NodeGossipTest, AMemberWithNothingToTellIsNotWokenToGossip) {
  Config config = TestConfig();
  config.push_pull_interval = absl::ZeroDuration();
  config.reconnect_interval = absl::ZeroDuration();
  Harness h(config);
  ASSERT_EQ(h.node().queued_broadcasts(), 0u);
  const absl::Duration probe = h.node().config().probe_interval;
  const Instant limit = h.now() + probe * 10;
  const std::vector<Instant> wakes = WakesUntil(h, limit);
  ASSERT_GE(wakes.size(), 9u);
  for (size_t i = 1; i < wakes.size(); ++i) {
    EXPECT_EQ(wakes[i] - wakes[i - 1], probe) << "wake-up " << i;
  }
  EXPECT_EQ(h.node().stats().gossip_rounds, 0u);
}

// A member alone with news queued (its new metadata) has nobody to tell:
// one round finds nobody and the rounds stop, instead of waking it every
// gossip interval for as long as it stays alone. The news goes out once a
// member appears.
TEST(NodeGossipTest, AMemberAloneIsNotWokenToGossipItsNews) {
  Config config = TestConfig();
  config.push_pull_interval = absl::ZeroDuration();
  config.reconnect_interval = absl::ZeroDuration();
  Harness h(config);
  ASSERT_TRUE(h.SetMetadata({{"role", "db"}}).ok());
  ASSERT_GT(h.node().queued_broadcasts(), 0u);
  const absl::Duration probe = h.node().config().probe_interval;
  ASSERT_LT(h.node().config().gossip_interval, probe);
  const Instant limit = h.now() + probe * 10;
  const std::vector<Instant> wakes = WakesUntil(h, limit);
  // The probe ticks, and the one gossip round that found nobody.
  ASSERT_GE(wakes.size(), 9u);
  EXPECT_LE(wakes.size(), 12u);
  EXPECT_EQ(h.node().stats().gossip_rounds, 1u);
  h.TakeSent();
  h.Learn(kPeerB, Addr(3));
  h.Advance(h.node().config().gossip_interval);
  bool told = false;
  for (const Sent& sent : h.sent()) {
    for (const Claim& claim : MessagesOf<Claim>(sent)) {
      if (sent.to == Addr(3) && claim.name == kSelf && claim.has_metadata) {
        told = true;
      }
    }
  }
  EXPECT_TRUE(told);
}

// A member that leaves alone is done: no timer is left (swim.h,
// swim_node_next_deadline), though its LEFT stays queued for nobody.
TEST(NodeGossipTest, AMemberThatLeavesAloneHasNoDeadline) {
  Harness h;
  ASSERT_TRUE(h.Join({}).ok());
  ASSERT_TRUE(h.Leave().ok());
  EXPECT_EQ(h.node().lifecycle(), Lifecycle::kLeft);
  h.Advance(h.node().config().gossip_interval * 2);
  EXPECT_EQ(h.node().NextDeadline(), std::nullopt);
  EXPECT_TRUE(h.sent().empty());
}

// Nor is it woken for the reconnect tick while nobody is OFFLINE: the tick
// has nothing to try.
TEST(NodeGossipTest, NobodyOfflineMeansNoReconnectWakeUp) {
  Config config = TestConfig();
  config.push_pull_interval = absl::ZeroDuration();
  ASSERT_GT(config.reconnect_interval, absl::ZeroDuration());
  Harness h(config);
  const absl::Duration probe = h.node().config().probe_interval;
  const Instant limit = h.now() + config.reconnect_interval * 3;
  const std::vector<Instant> wakes = WakesUntil(h, limit);
  ASSERT_GE(wakes.size(), 9u);
  for (size_t i = 1; i < wakes.size(); ++i) {
    EXPECT_EQ(wakes[i] - wakes[i - 1], probe) << "wake-up " << i;
  }
  EXPECT_EQ(h.node().stats().reconnect_attempts, 0u);
}

// Nor for the seed recheck once joined (docs/protocol.md, "Healing"): it
// rides on the probe tick. A seed that stops being a known member is
// still asked again, at the first probe tick after the check falls due.
TEST(NodeGossipTest, SeedRecheckRidesOnTheProbeTick) {
  Config config = NoPeriodicPushPull();
  ASSERT_GT(config.reconnect_interval, absl::ZeroDuration());
  Harness h(config);
  const Instant t0 = h.now();
  ASSERT_TRUE(h.Join({Addr(5)}).ok());
  PushPull reply;
  reply.reply_wanted = false;
  reply.sender = "seed";
  reply.members = {Online("seed", Addr(5), {9, 0}),
                   Online(kPeerA, Addr(2), {5, 0})};
  h.Stream(Addr(5, 40001), {reply});
  const absl::Duration probe = h.node().config().probe_interval;
  // Steps through the wake-ups until `limit`, answering every ping from
  // whoever it went to; returns them and the state exchanges sent.
  auto run = [&](Instant limit, std::vector<Instant>& exchanges) {
    std::vector<Instant> wakes;
    while (std::optional<Instant> next = h.node().NextDeadline()) {
      if (*next > limit) break;
      wakes.push_back(*next);
      if (!h.StepOnce(limit)) break;
      for (const Sent& sent : h.TakeSent()) {
        if (sent.channel == Channel::kStream) exchanges.push_back(sent.at);
        for (const Ping& ping : MessagesOf<Ping>(sent)) {
          h.Datagram(sent.to, {Ack{ping.seq}});
        }
      }
    }
    h.AdvanceTo(limit);
    return wakes;
  };
  // The join's news is told, then only the probe tick wakes the member,
  // and its settled seed is not asked again.
  std::vector<Instant> exchanges;
  run(t0 + absl::Seconds(5), exchanges);
  h.TakeSent();
  exchanges.clear();
  std::vector<Instant> wakes =
      run(h.now() + config.reconnect_interval * 3, exchanges);
  ASSERT_GE(wakes.size(), 9u);
  for (size_t i = 1; i < wakes.size(); ++i) {
    EXPECT_EQ(wakes[i] - wakes[i - 1], probe) << "wake-up " << i;
  }
  EXPECT_TRUE(exchanges.empty());
  EXPECT_EQ(h.node().stats().seed_retries, 0u);

  // Forgotten, the seed is asked within a recheck and a probe period (the
  // LEFT that Remove spreads wakes the member for gossip rounds too); then,
  // with no seed settled, at the joining pace, on a timer of its own.
  const Instant removed = h.now();
  ASSERT_TRUE(h.node().Remove("seed", removed).ok());
  run(removed + config.reconnect_interval + 8 * probe, exchanges);
  ASSERT_GE(exchanges.size(), 3u);
  EXPECT_GT(exchanges[0], removed);
  EXPECT_LE(exchanges[0], removed + config.reconnect_interval + probe);
  // The first check rode on a probe tick; the next ones keep the joining
  // backoff's schedule (doubling from the first backoff, a probe interval).
  EXPECT_LE(exchanges[1] - exchanges[0], 2 * probe);
  EXPECT_EQ(exchanges[2] - exchanges[1], 4 * probe);
}

// News queued after a quiet spell goes out at the first point of the
// gossip grid the rounds were on (within one gossip_interval), and the
// rounds stop again once it has been told.
TEST(NodeGossipTest, RoundsKeepTheirGridAcrossQuietSpells) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  const absl::Duration interval = h.node().config().gossip_interval;
  std::vector<Instant> wakes;
  auto gossip_rounds = [&](Instant until) {
    std::vector<Instant> rounds;
    uint64_t seen = h.node().stats().gossip_rounds;
    while (std::optional<Instant> next = h.node().NextDeadline()) {
      if (*next > until) break;
      wakes.push_back(*next);
      h.StepOnce(until);
      if (h.node().stats().gossip_rounds != seen) {
        seen = h.node().stats().gossip_rounds;
        rounds.push_back(h.now());
      }
      // Keep the peer alive: answer every probe.
      for (const Sent& sent : h.TakeSent()) {
        for (const Ping& ping : MessagesOf<Ping>(sent)) {
          h.Datagram(Addr(2), {Ack{ping.seq}});
        }
      }
    }
    h.AdvanceTo(until);
    return rounds;
  };
  const std::vector<Instant> first = gossip_rounds(h.now() + absl::Seconds(5));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(h.node().queued_broadcasts(), 0u) << "the news was told";
  wakes.clear();
  EXPECT_TRUE(gossip_rounds(h.now() + absl::Seconds(5)).empty())
      << "nothing to tell, no round";
  EXPECT_FALSE(wakes.empty());  // probes
  for (Instant wake : wakes) {
    EXPECT_NE((wake - first[0]) % interval, absl::ZeroDuration())
        << "woken for a gossip round with nothing to tell";
  }
  // Quiet for 5 s and a fraction of an interval, then news.
  h.Advance(interval / 3);
  const Instant queued = h.now();
  ASSERT_TRUE(h.Broadcast("news").ok());
  const std::vector<Instant> second = gossip_rounds(h.now() + absl::Seconds(5));
  ASSERT_FALSE(second.empty());
  EXPECT_GE(second[0], queued);
  EXPECT_LT(second[0] - queued, interval);
  for (Instant round : second) {
    EXPECT_EQ((round - first[0]) % interval, absl::ZeroDuration())
        << "off the grid";
  }
}

// Bytes are counted by channel as well as in total: datagrams (UDP) and
// stream chunks (TCP) apart, so an operator can tell state exchanges from
// probing and gossip.
TEST(NodeStatsTest, BytesAreCountedByChannel) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  h.Datagram(Addr(2), {Ping{7, kSelf}});
  PushPull request;
  request.reply_wanted = true;
  request.sender = kPeerA;
  h.Stream(Addr(2, 40000), {request});
  h.Advance(absl::Seconds(3));
  const Stats& stats = h.node().stats();
  EXPECT_GT(stats.datagram_bytes_sent, 0u);
  EXPECT_GT(stats.datagram_bytes_received, 0u);
  EXPECT_GT(stats.stream_bytes_sent, 0u);
  EXPECT_GT(stats.stream_bytes_received, 0u);
  EXPECT_EQ(stats.datagram_bytes_sent + stats.stream_bytes_sent,
            stats.bytes_sent);
  EXPECT_EQ(stats.datagram_bytes_received + stats.stream_bytes_received,
            stats.bytes_received);
  uint64_t sent_on_stream = 0;
  for (const Sent& sent : h.sent()) {
    if (sent.channel == Channel::kStream) sent_on_stream += sent.sealed.size();
  }
  EXPECT_EQ(stats.stream_bytes_sent, sent_on_stream);
}

// A member whose view grew exchanges state with a random member once the
// view has stopped growing for as long as news in flight takes to arrive
// (join_settle.h, ExchangeSchedule; docs/protocol.md, "Join bursts"); a
// burst that goes on earns another, a settle spacing later, up to
// kMaxBurstExchanges between two regular exchanges.
bool IsStateRequest(const Sent& sent) {
  if (sent.channel != Channel::kStream) return false;
  for (const PushPull& state : MessagesOf<PushPull>(sent)) {
    if (state.reply_wanted) return true;
  }
  return false;
}

TEST(NodeJoinBurstTest, ALoneNewcomerIsLeftToGossip) {
  Harness h;
  const Config& config = h.node().config();
  h.Learn(kPeerA, Addr(2));
  h.Advance(config.gossip_interval * RetransmitLimit(config, 2) * 2);
  h.Learn(kPeerB, Addr(3));
  EXPECT_FALSE(
      h.AdvanceUntil(IsStateRequest, h.now() + absl::Seconds(5)).has_value());
}

TEST(NodeJoinBurstTest, AGrownViewIsExchangedOnceItHasSettled) {
  Harness h;
  const Config& config = h.node().config();
  const absl::Duration settle =
      config.gossip_interval * RetransmitLimit(config, 2);
  ASSERT_LT(settle * 3, config.push_pull_interval);
  const Instant first = h.now();
  h.Learn(kPeerA, Addr(2));
  // One newcomer is no burst; a second within `settle` of it is.
  h.AdvanceTo(first + settle / 2);
  EXPECT_EQ(h.node().stats().push_pulls_sent, 0u);
  h.Learn(kPeerB, Addr(3));
  const absl::Duration settle3 =
      config.gossip_interval * RetransmitLimit(config, 3);
  std::optional<size_t> exchange =
      h.AdvanceUntil(IsStateRequest, first + settle / 2 + settle3);
  ASSERT_TRUE(exchange.has_value());
  EXPECT_EQ(h.sent()[*exchange].at, first + settle / 2 + settle3);
  EXPECT_EQ(h.node().stats().push_pulls_sent, 1u);
  // One more newcomer, once the burst is over, is no burst.
  h.Advance(config.gossip_interval * RetransmitLimit(config, 4) * 2);
  h.Learn(kPeerC, Addr(4));
  h.TakeSent();
  EXPECT_FALSE(
      h.AdvanceUntil(IsStateRequest, h.now() + settle * 2).has_value());
}

// A joiner exchanges state again after its join is answered: first with
// the member that answered, one probe interval and timeout later, at the
// address it listens on; then with random members, the same spacing
// apart, until three in a row were answered with nothing new
// (docs/protocol.md, "Join bursts").
// Nobody answers the node's probes here: suspicions last long enough
// that every member stays available to exchange with.
Config PatientConfig() {
  Config config = TestConfig();
  config.suspicion_mult = 100;
  return config;
}

TEST(NodeJoinBurstTest, ABurstThatGoesOnEarnsMoreExchangesUpToACap) {
  Config config = PatientConfig();
  config.push_pull_interval = absl::Minutes(10);
  Harness h(config);
  const absl::Duration settle =
      config.gossip_interval * RetransmitLimit(config, 2);
  const absl::Duration spacing = config.probe_interval + config.probe_timeout;
  ASSERT_LT(settle, spacing);
  // Two newcomers at once: a burst, exchanged once it has settled.
  int next = 0;
  auto learn_two = [&] {
    for (int i = 0; i < 2; ++i, ++next) {
      h.Learn(absl::StrCat("late-", next), Addr(10 + next));
    }
  };
  learn_two();
  std::vector<Instant> exchanges;
  for (int burst = 0; burst < 6; ++burst) {
    // The burst goes on right after each exchange.
    if (burst > 0) learn_two();
    const Instant grew = h.now();
    h.TakeSent();
    std::optional<size_t> exchange =
        h.AdvanceUntil(IsStateRequest, grew + spacing * 2);
    if (!exchange.has_value()) break;
    exchanges.push_back(h.sent()[*exchange].at);
    h.AdvanceTo(exchanges.back());
    if (burst == 0) {
      EXPECT_EQ(exchanges[0],
                grew + RetransmitLimit(config, 3) * config.gossip_interval);
    } else {
      // No sooner than a spacing after the last.
      EXPECT_EQ(exchanges[burst], exchanges[burst - 1] + spacing);
    }
  }
  EXPECT_EQ(exchanges.size(), static_cast<size_t>(kMaxBurstExchanges));
}

// The seed's answer to a join: itself and kPeerA.
PushPull SeedReply() {
  PushPull reply;
  reply.reply_wanted = false;
  reply.sender = "seed";
  reply.members = {Online("seed", Addr(5), {9, 0}),
                   Online(kPeerA, Addr(2), {9, 0})};
  return reply;
}

// Joins through the seed at Addr(5), which answers with `reply` from its
// stream's source port; returns when.
Instant JoinAndHear(Harness& h, const PushPull& reply) {
  EXPECT_TRUE(h.Join({Addr(5)}).ok());
  h.TakeSent();
  h.Stream(Addr(5, 40001), {reply});
  h.TakeSent();
  return h.now();
}

TEST(NodeJoinBurstTest, AJoinerSettlesUntilThreeExchangesBringNothing) {
  Harness h(PatientConfig());
  const Config& config = h.node().config();
  const absl::Duration spacing = config.probe_interval + config.probe_timeout;
  ASSERT_LT(spacing * 8, config.push_pull_interval);
  const PushPull reply = SeedReply();
  const Instant answered = JoinAndHear(h, reply);

  // Each exchange is answered with nothing new.
  std::vector<Instant> times;
  std::vector<Address> targets;
  while (h.now() < answered + 10 * spacing) {
    std::optional<size_t> exchange =
        h.AdvanceUntil(IsStateRequest, answered + 10 * spacing);
    if (!exchange.has_value()) break;
    const Address to = h.sent()[*exchange].to;
    times.push_back(h.sent()[*exchange].at);
    targets.push_back(to);
    PushPull again = reply;
    again.sender = to == Addr(5) ? absl::string_view("seed") : kPeerA;
    h.Stream(Addr(6, 40002), {again});
    h.TakeSent();
  }
  // The first to the seed's listening address; three in all, each
  // answered with nothing new.
  ASSERT_EQ(times.size(), static_cast<size_t>(JoinSettle::kQuietExchanges));
  EXPECT_EQ(targets[0], Addr(5));
  for (size_t i = 0; i < times.size(); ++i) {
    EXPECT_EQ(times[i], answered + static_cast<int64_t>(i + 1) * spacing) << i;
  }
  EXPECT_EQ(h.node().stats().push_pulls_sent, 4u);  // with the join
}

// A settle exchange not answered within two probe timeouts (a lost
// handshake packet costs TCP a second) is followed by one more at once,
// and that one, not answered in time either, by another; the regular ones
// keep their time.
TEST(NodeJoinBurstTest, ASettleExchangeNotAnsweredInTimeIsFollowedByTwoMore) {
  Harness h(PatientConfig());
  const Config& config = h.node().config();
  const absl::Duration spacing = config.probe_interval + config.probe_timeout;
  const absl::Duration wait = 2 * config.probe_timeout;
  ASSERT_LT(JoinSettle::kRetriesPerExchange * wait, spacing);
  const Instant answered = JoinAndHear(h, SeedReply());
  std::vector<Instant> times;
  while (std::optional<size_t> exchange =
             h.AdvanceUntil(IsStateRequest, answered + 2 * spacing)) {
    times.push_back(h.sent()[*exchange].at);
    h.TakeSent();
  }
  // None is answered: the regular one, two more each two probe timeouts
  // after the last, and the next regular one on its time.
  ASSERT_EQ(times.size(), 4u);
  EXPECT_EQ(times[0], answered + spacing);
  EXPECT_EQ(times[1], answered + spacing + wait);
  EXPECT_EQ(times[2], answered + spacing + 2 * wait);
  EXPECT_EQ(times[3], answered + 2 * spacing);
}

TEST(NodeJoinBurstTest, AJoinerSettlesOnWhileExchangesBringMembers) {
  Harness h(PatientConfig());
  const Config& config = h.node().config();
  const absl::Duration spacing = config.probe_interval + config.probe_timeout;
  ASSERT_TRUE(h.Join({Addr(5)}).ok());
  PushPull reply;
  reply.reply_wanted = false;
  reply.sender = "seed";
  reply.members = {Online("seed", Addr(5), {9, 0})};
  h.Stream(Addr(5, 40001), {reply});
  const Instant answered = h.now();
  h.TakeSent();
  // Every answer brings one more member: the exchanges go on, one a
  // spacing, up to JoinSettle::kMaxExchanges.
  int made = 0;
  std::deque<std::string> names;  // the claims' names point here
  for (int i = 0; i < 20; ++i) {
    std::optional<size_t> exchange =
        h.AdvanceUntil(IsStateRequest, answered + 20 * spacing);
    if (!exchange.has_value()) break;
    ++made;
    EXPECT_EQ(h.sent()[*exchange].at, answered + (i + 1) * spacing);
    names.push_back(absl::StrCat("grown-", i));
    reply.members.push_back(Online(names.back(), Addr(20 + i), {9, 0}));
    h.Stream(Addr(6, 40002), {reply});
    h.TakeSent();
  }
  EXPECT_EQ(made, JoinSettle::kMaxExchanges);
}

// A member whose own join is answered late (its seed's reply was lost) may
// have answered joiners meanwhile, with the little it knew; once its view
// more than doubles in one exchange it sends them its state at once
// (JoinHandoff; docs/protocol.md, "Join bursts").
struct Handoff {
  explicit Handoff(const Config& config = PatientConfig()) : h(config) {}

  static constexpr char kJoiner[] = "joiner";

  // A join request from kJoiner at Addr(7), answered now.
  void JoinerJoins() {
    PushPull join;
    join.reply_wanted = true;
    join.joining = true;
    join.sender = kJoiner;
    join.members = {Online(kJoiner, Addr(7), {9, 0})};
    h.Stream(Addr(7, 40003), {join});
    ASSERT_EQ(h.node().StatusOf(kJoiner), MemberStatus::kOnline);
  }
  // A state reply from the seed at Addr(5) that brings `members`.
  void SeedAnswers(std::vector<Claim> members) {
    PushPull reply;
    reply.reply_wanted = false;
    reply.sender = "seed";
    reply.members = std::move(members);
    reply.members.push_back(Online("seed", Addr(5), {9, 0}));
    h.Stream(Addr(5, 40001), {reply});
  }
  void SeedAnswersWithThree() {
    SeedAnswers({Online(kPeerA, Addr(2), {9, 0}),
                 Online(kPeerB, Addr(3), {9, 0}),
                 Online(kPeerC, Addr(4), {9, 0})});
  }
  // The state requests sent to the joiner now: how many members each held.
  std::vector<size_t> RequestsToTheJoiner() {
    std::vector<size_t> held;
    for (const Sent& sent : h.TakeSent()) {
      if (sent.to != Addr(7) || sent.at != h.now()) continue;
      for (const PushPull& state : MessagesOf<PushPull>(sent)) {
        if (state.reply_wanted) held.push_back(state.members.size());
      }
    }
    return held;
  }

  Harness h;
};

TEST(NodeJoinHandoffTest, AViewThatGrewAtOnceIsSentToTheJoinersAnswered) {
  Handoff handoff;
  ASSERT_TRUE(handoff.h.Join({Addr(5)}).ok());
  handoff.JoinerJoins();
  handoff.h.TakeSent();
  // Its seed answers at last, with three more members: the joiner is sent
  // all of them, and itself and this member.
  handoff.SeedAnswersWithThree();
  EXPECT_THAT(handoff.RequestsToTheJoiner(), ElementsAre(6u));
  // One more member is no such growth.
  handoff.h.Advance(absl::Milliseconds(10));
  handoff.SeedAnswers({Online("one-more", Addr(8), {9, 0})});
  EXPECT_THAT(handoff.RequestsToTheJoiner(), IsEmpty());
}

TEST(NodeJoinHandoffTest, NothingIsOwedToAJoinerAnsweredLongAgo) {
  Handoff handoff;
  ASSERT_TRUE(handoff.h.Join({Addr(5)}).ok());
  handoff.JoinerJoins();
  handoff.h.Advance(handoff.h.node().config().push_pull_interval +
                    absl::Milliseconds(1));
  handoff.h.TakeSent();
  handoff.SeedAnswersWithThree();
  EXPECT_THAT(handoff.RequestsToTheJoiner(), IsEmpty());
}

TEST(NodeJoinHandoffTest, NoneWithoutStateExchanges) {
  Config config = PatientConfig();
  config.push_pull_interval = absl::ZeroDuration();
  Handoff handoff(config);
  ASSERT_TRUE(handoff.h.Join({Addr(5)}).ok());
  handoff.JoinerJoins();
  handoff.h.TakeSent();
  handoff.SeedAnswersWithThree();
  EXPECT_THAT(handoff.RequestsToTheJoiner(), IsEmpty());
}

}  // namespace
}  // namespace swim::testing

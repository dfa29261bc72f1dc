// Regression tests for Node's defences against replayed and hostile input.
// Each test models one attack (or one misuse) and checks what the node must
// do. Most drive one Node in exact virtual time with sealed hand-made
// packets: the test plays every peer, seals its packets with the cluster's
// envelope, and opens and decodes everything the node sends.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/envelope.h"
#include "swim/core/event.h"
#include "swim/core/incarnation.h"
#include "swim/core/instant.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/member_table.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/stats.h"
#include "swim/core/wire.h"
#include "swim/testing/node_harness.h"
#include "swim/testing/test_cluster.h"

// In swim::testing, beside the harness (swim/testing/node_harness.h).
namespace swim::testing {
namespace {

using ::testing::HasSubstr;

// This suite's cluster label, so its packets are its own.
constexpr absl::string_view kHostileLabel = "node-hostile-test";

// The harness's test config under this suite's label.
Config HostileConfig() { return TestConfig(kHostileLabel); }

// Full-state replies (push-pulls not asking for one back) sent to `to`.
size_t StateRepliesTo(const std::vector<Sent>& sent, const Address& to) {
  size_t replies = 0;
  for (const Sent& one : sent) {
    if (one.channel == Channel::kStream && one.to == to &&
        FirstIs<PushPull>(one) && !First<PushPull>(one).reply_wanted) {
      ++replies;
    }
  }
  return replies;
}

// Pings (probes or relayed probes) sent to `to`.
// Pings in datagrams to `to` (a stream fallback ping repeats a probe's).
size_t PingsTo(const std::vector<Sent>& sent, const Address& to) {
  size_t pings = 0;
  for (const Sent& one : sent) {
    if (one.to == to && one.channel == Channel::kDatagram) {
      pings += MessagesOf<Ping>(one).size();
    }
  }
  return pings;
}

// --- 1. Replayed push-pull requests -----------------------------------------

// Attack: an eavesdropper captures one sealed push-pull request (reply
// wanted) and replays it, hoping each copy makes the node send its whole
// state (the most expensive transmit there is), and holds a connection.
// Must happen: the stream message is answered once; every replay of it
// (the same message) closes its connection at once as kStreamReplay,
// however late. The same state in new messages (captured from the
// sender's later exchanges) earns one reply per sender life per probe
// interval, the rest dropped as kPushPullRateLimited; and a real restart
// of the sender (a higher incarnation) is answered at once.
TEST(NodeHostileTest, ReplayedPushPullGetsOneReplyPerProbeInterval) {
  Harness h(NoPeriodicPushPull(HostileConfig()));
  const absl::Duration interval = h.node().config().probe_interval;
  ASSERT_EQ(interval, absl::Seconds(1));
  PushPull request;
  request.reply_wanted = true;
  request.sender = kPeerA;
  request.members = {Online(kPeerA, Addr(2), {5, 0})};
  const std::vector<uint8_t> captured = h.SealStream({request});

  // 1000 copies spread over 999 ms.
  const Instant t0 = h.now();
  int closed = 0;
  for (int i = 0; i < 1000; ++i) {
    h.AdvanceTo(t0 + absl::Microseconds(999) * i);
    closed += h.StreamBytes(Addr(2, 40000), captured) == StreamVerdict::kClose;
  }
  EXPECT_EQ(StateRepliesTo(h.sent(), Addr(2, 40000)), 1u);
  EXPECT_EQ(closed, 999);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kStreamReplay), 999u);
  EXPECT_EQ(h.node().stats().push_pulls_received, 1u);
  // Much later, still a replay.
  h.AdvanceTo(t0 + absl::Minutes(10));
  EXPECT_EQ(h.StreamBytes(Addr(2, 40000), captured), StreamVerdict::kClose);
  EXPECT_EQ(StateRepliesTo(h.sent(), Addr(2, 40000)), 1u);

  // The same state in fresh messages: one reply per probe interval.
  const Instant t1 = h.now();
  h.Stream(Addr(2, 40000), {request});
  EXPECT_EQ(StateRepliesTo(h.sent(), Addr(2, 40000)), 2u);
  h.AdvanceTo(t1 + interval - absl::Nanoseconds(1));
  h.Stream(Addr(2, 40000), {request});
  EXPECT_EQ(StateRepliesTo(h.sent(), Addr(2, 40000)), 2u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kPushPullRateLimited), 1u);
  h.AdvanceTo(t1 + interval);
  h.Stream(Addr(2, 40000), {request});
  EXPECT_EQ(StateRepliesTo(h.sent(), Addr(2, 40000)), 3u);

  // peer-a restarts (new generation) and joins within the same interval:
  // its request is a new life's and gets a reply.
  PushPull restarted;
  restarted.reply_wanted = true;
  restarted.sender = kPeerA;
  restarted.members = {Online(kPeerA, Addr(2), {6, 0})};
  h.Stream(Addr(2, 40001), {restarted});
  EXPECT_EQ(StateRepliesTo(h.sent(), Addr(2, 40001)), 1u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kPushPullRateLimited), 1u);
  // The old life's state, even in a fresh message, is refused.
  h.Stream(Addr(2, 40000), {request});
  EXPECT_EQ(StateRepliesTo(h.sent(), Addr(2, 40000)), 3u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kPushPullRateLimited), 2u);
}

// --- 2. Replayed acks -------------------------------------------------------

// Attack: a member dies; an attacker replays acks captured earlier (an ack
// of one of its earlier probes, and an ack captured from another member's
// probes) to keep it looking alive. Must happen: probe sequence numbers
// start at a seeded random value (so two nodes do not share them), an ack
// whose seq is not the outstanding probe's does not count (probes_acked
// unchanged, kUnknownAck counted), and the target is suspected at the end
// of the probe.
TEST(NodeHostileTest, ReplayedAckDoesNotVouchForADeadMember) {
  Config other_config = HostileConfig();
  other_config.seed = 43;
  Harness other(other_config);
  other.Learn(kPeerA, Addr(2));
  std::optional<Ping> other_ping = other.AdvanceToNextPing();
  ASSERT_TRUE(other_ping.has_value());

  Harness h(HostileConfig());
  h.Learn(kPeerA, Addr(2));
  std::optional<Ping> first = h.AdvanceToNextPing();
  ASSERT_TRUE(first.has_value());
  EXPECT_NE(first->seq, other_ping->seq)
      << "two nodes with different seeds start at the same sequence number";

  // peer-a answers its first probe; the attacker records the sealed ack.
  const std::vector<uint8_t> captured_ack = h.Seal({Ack{first->seq}});
  h.DatagramBytes(Addr(2), captured_ack);
  ASSERT_EQ(h.node().stats().probes_acked, 1u);

  // peer-a dies. The next probe is answered only by replays.
  std::optional<Ping> second = h.AdvanceToNextPing();
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->target, kPeerA);
  ASSERT_NE(second->seq, first->seq);
  ASSERT_NE(second->seq, other_ping->seq);
  const Instant probed_at = h.now();
  h.DatagramBytes(Addr(2), captured_ack);
  h.Datagram(Addr(2), {Ack{other_ping->seq}});
  h.Datagram(Addr(2), {Ack{second->seq + 1}});
  EXPECT_EQ(h.node().stats().probes_acked, 1u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kUnknownAck), 3u);

  h.AdvanceTo(probed_at + ProbeVerdictAfter(h.node().config()));
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kSuspect);
  EXPECT_EQ(h.node().stats().suspicions, 1u);
}

// --- 3. Timer heap bound ----------------------------------------------------

// Attack: a peer floods claims about a few members — ONLINE and LEFT at the
// same rising incarnation, and SUSPECT above it — 20 000 datagrams at
// irregular intervals (0-6 ms) for about a minute, each arming a suspicion
// or reaping deadline. Must happen: the queued per-member timers stay a
// small multiple of the members involved (at most 4 each) however long the
// flood lasts and whatever state a member is in when its timer fires; and
// the timers still work: once the claims stop at LEFT, every member is
// reaped exactly tombstone_timeout later and the timer heap empties.
TEST(NodeHostileTest, ClaimFloodCannotGrowTheTimerHeap) {
  Harness h(NoPeriodicPushPull(HostileConfig()));
  const std::vector<std::string> names = {
      std::string(kPeerA), std::string(kPeerB), std::string(kPeerC)};
  for (size_t i = 0; i < names.size(); ++i) {
    h.Learn(names[i], Addr(static_cast<uint8_t>(2 + i)), {5, 0});
  }
  std::vector<uint64_t> versions(names.size(), 0);
  const size_t bound = 4 * names.size();
  size_t most = 0;
  const Instant flood_start = h.now();
  uint64_t lcg = 12345;  // irregular gaps, so timers fire in every state
  for (int i = 0; i < 20000; ++i) {
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    h.Advance(absl::Microseconds(static_cast<int64_t>((lcg >> 33) % 6000)));
    const size_t member = static_cast<size_t>(i) % names.size();
    const int step = (i / static_cast<int>(names.size())) % 3;
    const Address address = Addr(static_cast<uint8_t>(2 + member));
    uint64_t& version = versions[member];
    Claim claim;
    switch (step) {
      case 0:
        claim = Online(names[member], address, {5, version + 1});
        break;
      case 1:
        claim = MakeClaim(MemberStatus::kLeft, names[member], address,
                          {5, version + 1});
        break;
      default:
        claim = MakeClaim(MemberStatus::kSuspect, names[member], address,
                          {5, version + 2}, kPeerC);
        version += 2;
        break;
    }
    h.Datagram(Addr(9), {claim});
    const size_t before = most;
    most = std::max(most, h.node().queued_member_timers());
    if (before <= bound && most > bound) {
      ADD_FAILURE() << "after " << i + 1 << " claims (" << h.now() - flood_start
                    << " into the flood) " << h.node().queued_member_timers()
                    << " member timers are queued for " << names.size()
                    << " members (first overflow)";
    }
    h.TakeSent();
    h.TakeEvents();
  }
  EXPECT_LE(most, bound);
  EXPECT_GT(h.now() - flood_start, absl::Seconds(50));

  // The flood ends with every member LEFT at a fresh incarnation.
  h.Advance(absl::Milliseconds(1));
  for (size_t member = 0; member < names.size(); ++member) {
    h.Datagram(Addr(9), {MakeClaim(MemberStatus::kLeft, names[member],
                                   Addr(static_cast<uint8_t>(2 + member)),
                                   {5, versions[member] + 10})});
    ASSERT_EQ(h.node().Find(names[member])->status, MemberStatus::kLeft);
    ASSERT_EQ(h.node().Find(names[member])->last_change, h.now());
  }
  h.TakeEvents();
  const Instant left_at = h.now();
  const absl::Duration reap_after = h.node().config().tombstone_timeout;
  h.AdvanceTo(left_at + reap_after - absl::Nanoseconds(1));
  EXPECT_EQ(h.node().size(), names.size());
  h.AdvanceTo(left_at + reap_after);
  EXPECT_EQ(h.node().size(), 0u);
  EXPECT_EQ(CountEvents<MemberReaped>(h.TakeEvents()), names.size());
  h.Advance(h.node().config().probe_interval * 10);
  EXPECT_EQ(h.node().queued_member_timers(), 0u);
}

// --- 4. Version overflow ----------------------------------------------------

// Attack: a forged SUSPECT claim about the node at the last version of its
// generation (UINT64_MAX), which no refutation within the generation can
// beat. Must happen: the node refutes at (generation + 1, 0) — never a
// wrapped (generation, 0) that would lose to the claim for good — and the
// refutation outranks the claim at other members.
TEST(NodeHostileTest, RefutingTheLastVersionMovesToTheNextGeneration) {
  Harness h(HostileConfig());
  const Incarnation claimed = {kGeneration, UINT64_MAX};
  const Claim forged =
      MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1), claimed, kPeerA);
  h.Datagram(Addr(2), {forged});
  const Incarnation refuted = h.node().local().incarnation;
  EXPECT_EQ(refuted, (Incarnation{kGeneration + 1, 0}));
  EXPECT_EQ(h.node().local().status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().refutations, 1u);
  EXPECT_EQ(ComparePrecedence(MemberStatus::kSuspect, claimed,
                              MemberStatus::kOnline, refuted),
            Precedence::kNewer);

  std::vector<Sent> keep;
  std::optional<Claim> news = SelfNewsOnNextDatagram(h, keep);
  ASSERT_TRUE(news.has_value());
  EXPECT_EQ(news->status, MemberStatus::kOnline);
  EXPECT_EQ(news->incarnation, (Incarnation{kGeneration + 1, 0}));

  // Another member that heard the forgery first takes the refutation.
  Config observer_config = HostileConfig();
  observer_config.name = "observer";
  observer_config.address = Addr(20);
  observer_config.seed = 7;
  Harness observer(observer_config);
  observer.Datagram(Addr(2), {forged});
  ASSERT_NE(observer.node().Find(kSelf), std::nullopt);
  ASSERT_EQ(observer.node().Find(kSelf)->status, MemberStatus::kSuspect);
  observer.Datagram(Addr(1), {*news});
  EXPECT_EQ(observer.node().Find(kSelf)->status, MemberStatus::kOnline);
  EXPECT_EQ(observer.node().Find(kSelf)->incarnation,
            (Incarnation{kGeneration + 1, 0}));
}

// --- 5. Relay replay --------------------------------------------------------

// Attack: a captured ping-req is replayed to fill the node's relay table
// (64 slots), which would switch off its help with indirect probes. Must
// happen: copies of one ping-req (same requester address and seq) take one
// relay (one Ping to the target), the rest are dropped as kRelayLimit; a
// different requester is still served; one requesting host holds at most 16
// relays, and gets slots back when they expire.
TEST(NodeHostileTest, ReplayedPingReqTakesOneRelaySlot) {
  Harness h(HostileConfig());
  h.Learn(kPeerB, Addr(3));
  h.Learn(kPeerC, Addr(5));
  h.TakeSent();
  const std::vector<uint8_t> captured =
      h.Seal({PingReq{900, kPeerB, Addr(3), /*want_nack=*/true}});
  for (int i = 0; i < 64; ++i) h.DatagramBytes(Addr(2), captured);
  EXPECT_EQ(PingsTo(h.sent(), Addr(3)), 1u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kRelayLimit), 63u);

  // Another requester's ping-req for the same target is relayed.
  h.Datagram(Addr(4), {PingReq{31, kPeerB, Addr(3), /*want_nack=*/true}});
  EXPECT_EQ(PingsTo(h.sent(), Addr(3)), 2u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kRelayLimit), 63u);

  // peer-a's host (10.0.0.2) already holds one relay; of twenty more
  // distinct ping-reqs from it, from any source port, only fifteen are
  // relayed: the cap is per host, so new ports do not help.
  for (uint32_t seq = 901; seq <= 920; ++seq) {
    h.Datagram(Addr(2, static_cast<uint16_t>(40000 + seq)),
               {PingReq{seq, kPeerC, Addr(5), /*want_nack=*/false}});
  }
  EXPECT_EQ(PingsTo(h.sent(), Addr(5)), 15u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kRelayLimit), 68u);

  // Relays expire after a probe interval, and the requester is served
  // again.
  h.Advance(h.node().config().probe_interval + absl::Milliseconds(1));
  h.Datagram(Addr(2), {PingReq{921, kPeerC, Addr(5), /*want_nack=*/false}});
  EXPECT_EQ(PingsTo(h.sent(), Addr(5)), 16u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kRelayLimit), 68u);
}

// --- 6. Ghost after reap ----------------------------------------------------

// Attack: member X joined, left and was reaped (forgotten); an attacker
// replays X's old claims to bring a ghost back. Must happen: ONLINE or
// SUSPECT claims at or below the incarnation X was reaped at — by datagram
// or inside a push-pull — are dropped as kTombstoned with no MemberJoined
// event; a claim at a higher incarnation (X really restarts) is accepted.
TEST(NodeHostileTest, ReplayCannotResurrectAReapedMember) {
  constexpr absl::string_view kX = "member-x";
  Harness h(NoPeriodicPushPull(HostileConfig()));
  const std::vector<uint8_t> joined = h.Seal({Online(kX, Addr(7), {5, 0})});
  h.DatagramBytes(Addr(7), joined);
  ASSERT_NE(h.node().Find(kX), std::nullopt);
  h.Datagram(Addr(7), {MakeClaim(MemberStatus::kLeft, kX, Addr(7), {5, 1})});
  ASSERT_EQ(h.node().Find(kX)->status, MemberStatus::kLeft);
  h.Advance(h.node().config().tombstone_timeout + absl::Seconds(1));
  ASSERT_EQ(h.node().Find(kX), std::nullopt);
  ASSERT_EQ(h.node().stats().reaped, 1u);
  h.TakeEvents();

  h.DatagramBytes(Addr(7), joined);  // the old join, verbatim
  h.Datagram(Addr(7), {Online(kX, Addr(7), {5, 1})});
  h.Datagram(Addr(3),
             {MakeClaim(MemberStatus::kSuspect, kX, Addr(7), {5, 1}, kPeerB)});
  PushPull state;
  state.sender = kPeerB;
  state.members = {Online(kPeerB, Addr(3), {5, 0}),
                   Online(kX, Addr(7), {5, 0})};
  h.Stream(Addr(3, 40000), {state});
  EXPECT_EQ(h.node().Find(kX), std::nullopt);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kTombstoned), 4u);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);  // peer-b only
  ASSERT_NE(EventMember(events[0]), nullptr);
  EXPECT_EQ(EventMember(events[0])->name, kPeerB);

  // X restarts: a newer life is welcome.
  h.Datagram(Addr(17), {Online(kX, Addr(17), {6, 0})});
  ASSERT_NE(h.node().Find(kX), std::nullopt);
  EXPECT_EQ(h.node().Find(kX)->status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().Find(kX)->address, Addr(17));
  events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<MemberJoined>(events[0]));
  EXPECT_EQ(std::get<MemberJoined>(events[0]).member.name, kX);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kTombstoned), 4u);
}

// --- 7. Broadcast flood -----------------------------------------------------

// Attack: a peer floods 70 000 user broadcasts (in large streams) while the
// node has a refutation queued, hoping to push the refutation out of the
// dissemination queue or starve it, so the node is declared OFFLINE. Must
// happen: the overflow is dropped and counted (kBroadcastQueueFull), and
// the refutation still goes out: the node's next datagram carries ONLINE
// about itself at the refuting incarnation.
TEST(NodeHostileTest, BroadcastFloodCannotDelayARefutation) {
  Harness h(NoPeriodicPushPull(HostileConfig()));
  h.Learn(kPeerA, Addr(2));
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                 {kGeneration, 0}, kPeerB)});
  ASSERT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 1}));
  h.TakeEvents();

  constexpr int kStreams = 7;
  constexpr int kPerStream = 10000;
  size_t delivered = 0;
  for (int s = 0; s < kStreams; ++s) {
    std::vector<Message> flood;
    flood.reserve(kPerStream);
    for (int i = 0; i < kPerStream; ++i) {
      flood.push_back(UserBroadcast{
          kPeerA, 5, static_cast<uint64_t>(s) * kPerStream + i + 1, "spam"});
    }
    h.Stream(Addr(2, 40000), flood);
    delivered += CountEvents<UserMessage>(h.TakeEvents());
  }
  EXPECT_EQ(delivered, static_cast<size_t>(kStreams * kPerStream));
  EXPECT_GT(h.node().stats().Drops(DropReason::kBroadcastQueueFull), 0u);
  EXPECT_LE(h.node().queued_broadcasts(), 65536u);

  std::vector<Sent> keep;
  std::optional<Claim> news = SelfNewsOnNextDatagram(h, keep);
  ASSERT_TRUE(news.has_value())
      << "the ack carries no refutation but "
      << MessagesOf<UserBroadcast>(keep[0]).size() << " user broadcasts";
  EXPECT_EQ(news->status, MemberStatus::kOnline);
  EXPECT_EQ(news->incarnation, (Incarnation{kGeneration, 1}));
}

// --- 8. Claims about a newer life -------------------------------------------

// Attack (or a real duplicate): a LEFT or OFFLINE claim about this node's
// name at a newer generation and another address. It is not about this
// life (a life has one address), and members refuse claims naming another
// address than the one they hold, so the claim cannot expel this node.
// Must happen: a NameConflict event naming that address, at most once per
// probe interval, no refutation, the incarnation unchanged.
TEST(NodeHostileTest, DeathClaimAboutAnotherLifeRaisesANameConflict) {
  Harness h(HostileConfig());
  const Address other = Addr(9);
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kLeft, kSelf, other,
                                 {2 * kGeneration, 0})});
  EXPECT_EQ(h.node().stats().name_conflicts, 1u);
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<NameConflict>(events[0]));
  const NameConflict& conflict = std::get<NameConflict>(events[0]);
  EXPECT_EQ(conflict.address, other);

  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kOffline, kSelf, other,
                                 {2 * kGeneration, 1}, kPeerA)});
  EXPECT_EQ(h.node().stats().name_conflicts, 2u);
  EXPECT_TRUE(h.TakeEvents().empty());  // reported once per interval
  h.Advance(h.node().config().probe_interval);
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kOffline, kSelf, other,
                                 {2 * kGeneration, 2}, kPeerA)});
  EXPECT_EQ(CountEvents<NameConflict>(h.TakeEvents()), 1u);

  EXPECT_EQ(h.node().stats().refutations, 0u);
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 0}));
  EXPECT_EQ(h.node().local().status, MemberStatus::kOnline);
  std::vector<Sent> keep;
  EXPECT_FALSE(SelfNewsOnNextDatagram(h, keep).has_value())
      << "a refutation was queued";
}

// Attack 7 (an insider): expel a member for good with a LEFT claim about
// it at its own address, at generation + 1 or at the largest generation
// there is. Must happen: the claim beyond any live process's start is
// refused by everyone (kFutureGeneration); the one within reach is
// outranked by the member at once, at the claim's generation.
TEST(NodeHostileTest, ALeftClaimCannotExpelAMemberForGood) {
  Harness h(HostileConfig());
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kLeft, kSelf, Addr(1),
                                 {UINT64_MAX, UINT64_MAX})});
  EXPECT_EQ(h.node().stats().Drops(DropReason::kFutureGeneration), 1u);
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 0}));
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kLeft, kSelf, Addr(1),
                                 {kGeneration + 1, UINT64_MAX})});
  EXPECT_EQ(h.node().local().status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration + 2, 0}));
  // About another member: the far-future claim is refused too.
  h.Learn(kPeerA, Addr(2), {5, 0});
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kLeft, kPeerA, Addr(2),
                                 {UINT64_MAX / 2, 0})});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kFutureGeneration), 2u);
}

// The bound follows the node's clock: a generation an hour (the default
// max_clock_skew) past this node's start plus its run time is accepted,
// one microsecond more is not.
TEST(NodeHostileTest, TheGenerationBoundIsTheClockPlusTheSkew) {
  Harness h(HostileConfig());
  h.Advance(absl::Seconds(10));
  const uint64_t bound = kGeneration + absl::ToInt64Microseconds(
                                           absl::Seconds(10) + absl::Hours(1));
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {bound + 1, 0})});
  EXPECT_EQ(h.node().Find(kPeerA), std::nullopt);
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {bound, 0})});
  ASSERT_NE(h.node().Find(kPeerA), std::nullopt);
  EXPECT_EQ(h.node().Find(kPeerA)->incarnation.generation, bound);
}

// A host that was suspended does not count the time in the monotonic
// clock; the wall clock the driver reports (ObserveWallClock) moves the
// bound on. Must happen: a generation within the skew of the reported
// wall clock is accepted although the monotonic clock has not moved, and
// an earlier report never moves the bound back.
TEST(NodeHostileTest, TheReportedWallClockMovesTheGenerationBound) {
  Harness h(HostileConfig());
  const absl::Time wall = absl::FromUnixMicros(kGeneration) + absl::Hours(5);
  const uint64_t bound =
      absl::ToUnixMicros(wall) + absl::ToInt64Microseconds(absl::Hours(1));
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {bound, 0})});
  EXPECT_EQ(h.node().Find(kPeerA), std::nullopt);
  h.node().ObserveWallClock(wall);
  h.node().ObserveWallClock(wall - absl::Hours(3));  // never backwards
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {bound + 1, 0})});
  EXPECT_EQ(h.node().Find(kPeerA), std::nullopt);
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {bound, 0})});
  ASSERT_NE(h.node().Find(kPeerA), std::nullopt);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kFutureGeneration), 2u);
}

// Two processes given the same name and address (a misconfiguration) or
// an insider forging ONLINE claims at this member's address: each later
// claim would be outranked at once, and two such processes would outrank
// each other as fast as gossip goes. Must happen: one refutation per
// probe interval; claims in between are reported as name conflicts, and
// the next interval refutes again.
TEST(NodeHostileTest, OnlineClaimsAtTheOwnAddressAreRefutedOncePerInterval) {
  Harness h(HostileConfig());
  h.Datagram(Addr(2), {Online(kSelf, Addr(1), {kGeneration, 1})});
  EXPECT_EQ(h.node().stats().refutations, 1u);
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 2}));
  h.Datagram(Addr(2), {Online(kSelf, Addr(1), {kGeneration, 3})});
  h.Datagram(Addr(2), {Online(kSelf, Addr(1), {kGeneration, 4})});
  EXPECT_EQ(h.node().stats().refutations, 1u);
  EXPECT_EQ(h.node().stats().name_conflicts, 2u);
  EXPECT_EQ(CountEvents<NameConflict>(h.TakeEvents()), 1u);
  h.Advance(h.node().config().probe_interval);
  h.Datagram(Addr(2), {Online(kSelf, Addr(1), {kGeneration, 5})});
  EXPECT_EQ(h.node().stats().refutations, 2u);
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 6}));
  EXPECT_EQ(h.node().local().status, MemberStatus::kOnline);
}

// --- 9. Broadcasts across a restart -----------------------------------------

// Misuse of ids across lives: a member broadcasts, restarts (new
// generation) and broadcasts again. Its new life must not reuse the old
// life's broadcast ids, or the others drop its messages as duplicates. Must
// happen: both broadcasts are delivered to node 0, once each.
TEST(NodeHostileTest, BroadcastsFromARestartedMemberAreDelivered) {
  swim::testing::TestCluster::Options options;
  options.seed = 5;
  swim::testing::TestCluster cluster(options);
  cluster.AddAndJoin(2);
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); }, absl::Seconds(30)));
  auto delivered = [&](absl::string_view payload) {
    size_t count = 0;
    for (const Event& event : cluster.events(0)) {
      const auto* message = std::get_if<UserMessage>(&event);
      if (message != nullptr && message->origin == "node-1" &&
          message->payload == payload) {
        ++count;
      }
    }
    return count;
  };

  ASSERT_TRUE(cluster.node(1).Broadcast("first life", cluster.now()).ok());
  ASSERT_TRUE(cluster.RunUntil([&] { return delivered("first life") > 0; },
                               absl::Seconds(10)));

  cluster.Restart(1);
  ASSERT_TRUE(cluster.RunUntil(
      [&] {
        const std::optional<Member> member = cluster.node(0).Find("node-1");
        return member.has_value() && member->incarnation.generation == 2 &&
               member->status == MemberStatus::kOnline;
      },
      absl::Seconds(30)));
  ASSERT_TRUE(cluster.node(1).Broadcast("second life", cluster.now()).ok());
  EXPECT_TRUE(cluster.RunUntil([&] { return delivered("second life") > 0; },
                               absl::Seconds(10)));
  cluster.RunFor(absl::Seconds(5));
  EXPECT_EQ(delivered("first life"), 1u);
  EXPECT_EQ(delivered("second life"), 1u);
}

// --- 10. Buddy system -------------------------------------------------------

// Scenario: a prober tells a suspected member it is suspected in the probe
// itself (the buddy system), so it can refute before the suspicion times
// out. The claim must come before the ping in the packet, so the target
// refutes first and its refutation rides on the ack. Must happen: the
// prober puts the SUSPECT claim first; the target's ack carries its ONLINE
// refutation.
TEST(NodeHostileTest, BuddyRefutationRidesOnTheAck) {
  // The target's side, with a hand-made packet.
  {
    Harness h(HostileConfig());
    h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                   {kGeneration, 0}, kPeerA),
                         Ping{7, kSelf}});
    std::vector<Sent> sent = h.TakeSent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].to, Addr(2));
    EXPECT_EQ(First<Ack>(sent[0]), Ack{7});
    std::optional<Claim> news = UpdateAbout(sent[0], kSelf);
    ASSERT_TRUE(news.has_value()) << "the ack carries no refutation";
    EXPECT_EQ(news->status, MemberStatus::kOnline);
    EXPECT_EQ(news->incarnation, (Incarnation{kGeneration, 1}));
  }

  // End to end: a prober suspecting peer-a probes it; peer-a (a real Node)
  // answers the prober's packet.
  Config prober_config = HostileConfig();
  prober_config.name = "prober";
  prober_config.address = Addr(30);
  Harness prober(prober_config);
  prober.Learn(kPeerA, Addr(2), {kGeneration, 0});
  prober.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                      {kGeneration, 0}, kPeerB)});
  ASSERT_EQ(prober.node().Find(kPeerA)->status, MemberStatus::kSuspect);
  std::optional<size_t> probe = prober.AdvanceUntil(
      [](const Sent& sent) { return !MessagesOf<Ping>(sent).empty(); },
      prober.now() + prober_config.probe_interval);
  ASSERT_TRUE(probe.has_value());
  const Sent& packet = prober.sent()[*probe];
  EXPECT_EQ(packet.to, Addr(2));
  ASSERT_GE(packet.messages.size(), 2u);
  ASSERT_TRUE(FirstIs<Claim>(packet));
  const Claim hint = First<Claim>(packet);
  EXPECT_EQ(hint.name, kPeerA);
  EXPECT_EQ(hint.status, MemberStatus::kSuspect);
  ASSERT_TRUE(std::holds_alternative<Ping>(packet.messages[1]));
  const Ping ping = std::get<Ping>(packet.messages[1]);

  Config target_config = HostileConfig();
  target_config.name = std::string(kPeerA);
  target_config.address = Addr(2);
  target_config.seed = 9;
  Harness target(target_config);
  target.DatagramBytes(Addr(30), target.SealRaw(packet.packet));
  std::vector<Sent> answer = target.TakeSent();
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0].to, Addr(30));
  EXPECT_EQ(First<Ack>(answer[0]), Ack{ping.seq});
  std::optional<Claim> refutation = UpdateAbout(answer[0], kPeerA);
  ASSERT_TRUE(refutation.has_value()) << "the ack carries no refutation";
  EXPECT_EQ(refutation->status, MemberStatus::kOnline);
  EXPECT_EQ(refutation->incarnation, (Incarnation{kGeneration, 1}));
}

// --- 11. Addresses --------------------------------------------------------

// Attack: another member's (or a replayed, or forged-by-a-buggy-peer)
// SUSPECT, OFFLINE or LEFT claim names a different address for a known
// member, to redirect probes and gossip (and have it declared dead by
// probing the wrong host), or carries metadata to rewrite what the member
// published. Must happen: a claim naming another address is refused
// whole (kAddressConflict); one naming the held address applies, without
// its metadata; what the node passes on names the member's own address;
// and the member's own ONLINE claim at a later life moves it only once the
// life held here is gone.
TEST(NodeHostileTest, OnlyTheMembersOwnLaterLifeMovesIt) {
  Harness h(HostileConfig());
  h.Learn(kPeerA, Addr(2), {5, 0});
  const Address elsewhere = Addr(66);
  for (MemberStatus status :
       {MemberStatus::kSuspect, MemberStatus::kOffline, MemberStatus::kLeft}) {
    h.Datagram(Addr(3), {MakeClaim(status, kPeerA, elsewhere, {5, 1}, kPeerB)});
  }
  std::optional<Member> member = h.node().Find(kPeerA);
  EXPECT_EQ(member->status, MemberStatus::kOnline);
  EXPECT_EQ(member->address, Addr(2));
  EXPECT_EQ(member->incarnation, (Incarnation{5, 0}));
  EXPECT_EQ(h.node().stats().Drops(DropReason::kAddressConflict), 3u);

  // Metadata on a SUSPECT claim at the right address is ignored.
  absl::StatusOr<std::string> evil = EncodeMetadata({{"role", "evil"}});
  ASSERT_TRUE(evil.ok());
  absl::StatusOr<MetadataView> evil_view = MetadataView::Parse(*evil);
  ASSERT_TRUE(evil_view.ok());
  Claim with_metadata =
      MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2), {5, 2}, kPeerB);
  with_metadata.has_metadata = true;
  with_metadata.metadata = *evil_view;
  h.Datagram(Addr(3), {with_metadata});
  member = h.node().Find(kPeerA);
  EXPECT_EQ(member->status, MemberStatus::kSuspect);
  EXPECT_EQ(member->incarnation, (Incarnation{5, 2}));
  EXPECT_TRUE(member->metadata.empty());

  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                 {5, 3}, kPeerB)});
  member = h.node().Find(kPeerA);
  ASSERT_EQ(member->status, MemberStatus::kOffline);
  // What the node passes on names the member's own address.
  h.Learn(kPeerC, Addr(5));
  h.TakeSent();
  std::optional<size_t> index = h.AdvanceUntil(
      [](const Sent& sent) { return UpdateAbout(sent, kPeerA).has_value(); },
      h.now() + absl::Seconds(1));
  ASSERT_TRUE(index.has_value());
  std::optional<Claim> gossip = UpdateAbout(h.sent()[*index], kPeerA);
  ASSERT_TRUE(gossip.has_value());
  EXPECT_EQ(gossip->status, MemberStatus::kOffline);
  EXPECT_EQ(gossip->address, Addr(2));

  // The member itself, restarted elsewhere, once its old life has been
  // gone a suspicion timeout: now the address changes.
  h.Advance(h.node().config().probe_interval * 30);
  h.Datagram(Addr(12), {Online(kPeerA, Addr(12), {6, 0})});
  member = h.node().Find(kPeerA);
  EXPECT_EQ(member->status, MemberStatus::kOnline);
  EXPECT_EQ(member->address, Addr(12));
}

// --- 13. Replayed packets ---------------------------------------------------

// Attack: an eavesdropper records sealed packets (a member's ONLINE claims,
// a suspicion of it, its declaration) and replays all of them after the
// member moved on. Must happen: nothing changes — no event, the same table
// — and every replayed claim counts as stale.
TEST(NodeHostileTest, ReplayedPacketsNeverRollStateBack) {
  Harness h(HostileConfig());
  std::vector<std::vector<uint8_t>> recorded = {
      h.Seal({Online(kPeerA, Addr(2), {5, 0})}),
      h.Seal(
          {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2), {5, 0}, kPeerB)}),
      h.Seal({Online(kPeerA, Addr(2), {5, 1})}),
      h.Seal(
          {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2), {5, 1}, kPeerB)}),
      h.Seal({Online(kPeerA, Addr(2), {5, 2})}),
  };
  for (const std::vector<uint8_t>& packet : recorded) {
    h.DatagramBytes(Addr(3), packet);
  }
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 3})});
  h.TakeEvents();
  const Snapshot before = h.Snap();
  const uint64_t stale = h.node().stats().updates_stale;
  for (int round = 0; round < 3; ++round) {
    for (const std::vector<uint8_t>& packet : recorded) {
      h.DatagramBytes(Addr(3), packet);
    }
  }
  EXPECT_TRUE(h.Snap() == before) << Describe(h.Snap());
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_EQ(h.node().stats().updates_stale, stale + 3 * recorded.size());
}

// --- 14. A forged claim about another member --------------------------------

// Attack 8 (an insider): take over peer-a's name by claiming it ONLINE at
// a higher incarnation from the attacker's address, in peer-a's own
// generation or a later one (a "restart"). Must happen: while peer-a is
// alive nothing moves (kAddressConflict), a replay changes nothing either,
// and peer-a's own word is still taken.
TEST(NodeHostileTest, ANameCannotBeMovedWhileItsHolderIsAlive) {
  Harness h(HostileConfig());
  h.Learn(kPeerA, Addr(2), {5, 0});
  const std::vector<uint8_t> same_life =
      h.Seal({Online(kPeerA, Addr(66), {5, 7})});
  const std::vector<uint8_t> new_life =
      h.Seal({Online(kPeerA, Addr(66), {kGeneration, 0})});
  for (int i = 0; i < 3; ++i) {
    h.DatagramBytes(Addr(66), same_life);
    h.DatagramBytes(Addr(66), new_life);
  }
  EXPECT_EQ(h.node().Find(kPeerA)->address, Addr(2));
  EXPECT_EQ(h.node().Find(kPeerA)->incarnation, (Incarnation{5, 0}));
  EXPECT_EQ(h.node().stats().Drops(DropReason::kAddressConflict), 6u);
  // Suspected, it is still alive: no move.
  h.Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                 {5, 1}, kPeerB)});
  h.DatagramBytes(Addr(66), new_life);
  EXPECT_EQ(h.node().Find(kPeerA)->address, Addr(2));
  h.Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 8})});
  EXPECT_EQ(h.node().Find(kPeerA)->status, MemberStatus::kOnline);
  EXPECT_EQ(h.node().Find(kPeerA)->incarnation, (Incarnation{5, 8}));
}

// The member itself hears a forged ONLINE claim about it from another
// address, at its own generation or a later one. Must happen: a
// NameConflict event naming that address; the member keeps its name, its
// address and its incarnation (nobody moved it), and goes on.
TEST(NodeHostileTest, AForgedClaimAboutItselfIsReportedAndChangesNothing) {
  Harness h(HostileConfig());
  h.Learn(kPeerA, Addr(2));
  h.TakeEvents();
  h.Datagram(Addr(2), {Online(kSelf, Addr(0), {kGeneration, 9})});
  h.Datagram(Addr(2), {Online(kSelf, Addr(0), {kGeneration + 5, 0})});
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<NameConflict>(events[0]));
  const NameConflict& conflict = std::get<NameConflict>(events[0]);
  EXPECT_EQ(conflict.address, Addr(0));
  EXPECT_EQ(h.node().local().incarnation, (Incarnation{kGeneration, 0}));
  EXPECT_EQ(h.node().local().address, Addr(1));
  EXPECT_EQ(h.node().stats().name_conflicts, 2u);
}

// --- 15. Update flood -------------------------------------------------------

// Attack: a peer invents 20 000 members in a stream of datagrams. Must
// happen: the table stops at max_members (the rest dropped as kTableFull),
// the dissemination queue stays within its bound, known members keep their
// state, and the node still answers pings.
TEST(NodeHostileTest, AFloodOfInventedMembersIsBounded) {
  Config config = HostileConfig();
  config.max_members = 500;
  Harness h(config);
  h.Learn(kPeerA, Addr(2), {5, 3});
  for (int i = 0; i < 20000; i += 20) {
    std::vector<Message> claims;
    std::vector<std::string> names;
    names.reserve(20);
    for (int j = 0; j < 20; ++j) names.push_back(absl::StrCat("ghost-", i + j));
    for (const std::string& name : names) {
      claims.push_back(Online(name, Addr(77), {1, 0}));
    }
    h.Datagram(Addr(77), claims);
    h.TakeSent();
    h.TakeEvents();
  }
  EXPECT_EQ(h.node().size(), 500u);
  EXPECT_EQ(h.node().stats().Drops(DropReason::kTableFull), 20000u - 499u);
  EXPECT_LE(h.node().queued_broadcasts(), 501u);
  EXPECT_EQ(h.node().Find(kPeerA)->incarnation, (Incarnation{5, 3}));
  h.Datagram(Addr(2), {Ping{42, kSelf}});
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{42});
}

// --- 15b. The state budget -------------------------------------------------

// What the node sends when peer-a asks for its state.
std::vector<Sent> RequestState(Harness& h) {
  h.TakeSent();
  PushPull request;
  request.reply_wanted = true;
  request.sender = kPeerA;
  request.members = {Online(kPeerA, Addr(2), {5, 0})};
  h.Stream(Addr(2, 40000), {request});
  return h.TakeSent();
}

// Attack (an insider): members with the largest metadata allowed, more
// than one state exchange can carry. They used to be admitted until every
// state exchange exceeded the stream limit and failed. Must happen: a
// member is admitted only while the whole state, at the most each entry
// can take, fits Config::max_stream_message; the rest are dropped as
// kTableFull; a state reply fits and carries everyone held.
TEST(NodeHostileTest, NewMembersStopWhereAStateExchangeWouldOverflow) {
  Config config = HostileConfig();
  config.max_stream_message = 64 << 10;
  config.max_metadata_size = 1024;
  Harness h(NoPeriodicPushPull(config));
  const std::string metadata =
      *EncodeMetadata({{"blob", std::string(900, 'm')}});
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) names.push_back(absl::StrCat("big-", i));
  for (int i = 0; i < 200; ++i) {
    Claim update = Online(names[i], Addr(100), {5, 0});
    update.metadata = *MetadataView::Parse(metadata);
    h.Datagram(Addr(100), {update});
  }
  const size_t admitted = h.node().size();
  EXPECT_GT(admitted, 50u);
  EXPECT_LT(admitted, 70u);  // 64 KiB / ~960 bytes at the most each
  EXPECT_EQ(h.node().stats().Drops(DropReason::kTableFull), 200 - admitted);
  std::vector<Sent> sent = RequestState(h);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_LE(sent[0].packet.size(), config.max_stream_message);
  EXPECT_EQ(First<PushPull>(sent[0]).members.size(), h.node().size() + 1);
  EXPECT_EQ(h.node().stats().push_pulls_truncated, 0u);
}

// Members admitted small may grow their metadata afterwards (up to
// max_metadata_size each). Must happen: the state exchange is sent in part
// (what fits, counted as truncated), never above the limit.
TEST(NodeHostileTest, AStateThatOutgrowsTheLimitIsSentInPart) {
  Config config = HostileConfig();
  config.max_stream_message = 64 << 10;
  config.max_metadata_size = 4096;
  Harness h(NoPeriodicPushPull(config));
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back(absl::StrCat("grows-", i));
  for (const std::string& name : names) {
    h.Datagram(Addr(100), {Online(name, Addr(100), {5, 0})});
  }
  ASSERT_EQ(h.node().size(), 100u);
  const std::string metadata =
      *EncodeMetadata({{"blob", std::string(4000, 'm')}});
  for (const std::string& name : names) {
    Claim update = Online(name, Addr(100), {5, 1});
    update.metadata = *MetadataView::Parse(metadata);
    h.Stream(Addr(100, 4000), {update});
  }
  std::vector<Sent> sent = RequestState(h);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_LE(sent[0].packet.size(), config.max_stream_message);
  EXPECT_EQ(h.node().stats().push_pulls_truncated, 1u);
  const PushPull reply = First<PushPull>(sent[0]);
  EXPECT_EQ(reply.members.front().name, kSelf);  // always itself
  EXPECT_GT(reply.members.size(), 10u);
  EXPECT_LT(reply.members.size(), 20u);
}

// --- 16. Oversized and repetitive push-pull states ---------------------------

// Attack: a push-pull state whose record count claims 1 000 000 members
// with two records behind it. Must happen: rejected whole as malformed
// before anything is allocated for the claimed count; nothing changes.
TEST(NodeHostileTest, APushPullClaimingAMillionMembersIsRejected) {
  Harness h(HostileConfig());
  PushPull state;
  state.sender = kPeerA;
  state.members = {Online(kPeerA, Addr(2), {5, 0}),
                   Online(kPeerB, Addr(3), {5, 0})};
  std::vector<uint8_t> packet = EncodeMessages({state});
  // The count follows the header, the type, the flags and the sender name.
  const size_t at = kWireHeaderSize + 1 + 1 + 1 + kPeerA.size();
  ASSERT_EQ(packet[at], 2);
  const uint8_t million[] = {0xc0, 0x84, 0x3d};  // varint 1 000 000
  packet.erase(packet.begin() + at);
  packet.insert(packet.begin() + at, std::begin(million), std::end(million));
  const Snapshot before = h.Snap();
  h.StreamBytes(Addr(2), h.SealStreamRaw(packet));
  EXPECT_EQ(h.node().stats().Drops(DropReason::kMalformed), 1u);
  EXPECT_TRUE(h.Snap() == before);
  EXPECT_TRUE(h.TakeEvents().empty());
}

// Attack: a genuine push-pull state of 100 000 records, all about the same
// name, then one of 100 000 distinct invented names. Must happen: the
// first leaves one member (the newest claim), the second stops at
// max_members; both are handled in one call without a reply storm (one
// state reply).
TEST(NodeHostileTest, HugePushPullStatesAreBounded) {
  Config config = HostileConfig();
  config.max_members = 1000;
  Harness h(config);
  PushPull same;
  same.sender = kPeerA;
  same.reply_wanted = true;
  same.members.push_back(Online(kPeerA, Addr(2), {5, 0}));
  for (uint64_t i = 0; i < 100000; ++i) {
    same.members.push_back(Online(kPeerB, Addr(3), {5, i % 7}));
  }
  h.Stream(Addr(2), {same});
  EXPECT_EQ(h.node().size(), 2u);
  EXPECT_EQ(h.node().Find(kPeerB)->incarnation, (Incarnation{5, 6}));
  EXPECT_EQ(StateRepliesTo(h.TakeSent(), Addr(2)), 1u);

  PushPull many;
  many.sender = kPeerC;
  many.members.push_back(Online(kPeerC, Addr(4), {5, 0}));
  std::vector<std::string> names;
  names.reserve(100000);
  for (int i = 0; i < 100000; ++i) names.push_back(absl::StrCat("m", i));
  for (const std::string& name : names) {
    many.members.push_back(Online(name, Addr(5), {1, 0}));
  }
  h.Stream(Addr(4), {many});
  EXPECT_EQ(h.node().size(), 1000u);
  EXPECT_GT(h.node().stats().Drops(DropReason::kTableFull), 0u);
}

// Attack (an insider): a state of more records than any member's table can
// hold at this max_stream_message, each a valid claim at its smallest
// (about 17 bytes on the wire, a hundred decoded; compressed, far less).
// Must happen: malformed, its records not decoded past the limit, nothing
// changes; a state at the limit is taken.
TEST(NodeHostileTest, AStateOfMoreRecordsThanAnyTableIsMalformed) {
  Config config = HostileConfig();
  config.max_stream_message = 1 << 20;
  config.max_members = 1000;
  Harness h(NoPeriodicPushPull(config));
  // The sender's own record, its table (an entry takes at least 44 bytes
  // of the state budget, docs/security.md "Budgets") and the claims about
  // members it forgot (at most its 4 096 tombstones).
  constexpr size_t kLimit = 1 + (1 << 20) / 44 + 4096;
  std::vector<std::string> names;
  names.reserve(kLimit);
  for (size_t i = 0; i < kLimit; ++i) names.push_back(absl::StrCat("m", i));
  PushPull state;
  state.sender = kPeerA;
  state.members.push_back(Online(kPeerA, Addr(2), {5, 0}));
  for (const std::string& name : names) {
    state.members.push_back(Online(name, Addr(5), {1, 0}));
  }
  ASSERT_EQ(state.members.size(), kLimit + 1);
  const Snapshot before = h.Snap();
  h.Stream(Addr(2, 40000), {state});
  EXPECT_EQ(h.node().stats().Drops(DropReason::kMalformed), 1u);
  EXPECT_TRUE(h.Snap() == before);
  EXPECT_TRUE(h.TakeEvents().empty());

  state.members.pop_back();
  h.Stream(Addr(2, 40001), {state});
  EXPECT_EQ(h.node().stats().Drops(DropReason::kMalformed), 1u);
  EXPECT_EQ(h.node().size(), 1000u);
}

// --- 17. Replies: one per datagram, never larger, no one's news -------------

// A node with plenty to say: 60 members learned (their news queued) and
// metadata of its own worth 600 bytes, just changed.
Config BusyConfig() {
  Config config = HostileConfig();
  config.max_metadata_size = 4096;
  return config;
}

void MakeBusy(Harness& h) {
  for (int i = 0; i < 60; ++i) {
    const std::string name = absl::StrCat("member-", i);
    h.Datagram(Addr(100),
               {Online(name, Addr(static_cast<uint8_t>(100 + i)), {5, 0})});
  }
  EXPECT_TRUE(h.SetMetadata({{"blob", std::string(600, 'b')}}).ok());
  h.TakeSent();
  EXPECT_GT(h.node().queued_broadcasts(), 50u);
}

// Attack: a datagram packed with pings (from a spoofed source, in the
// insecure mode a reflector) hoping for one ack per ping. Must happen: one
// reply, holding one ack, no larger than the datagram; the other pings
// dropped as kExtraRequest.
TEST(NodeHostileTest, ADatagramOfPingsEarnsOneAck) {
  Harness h(HostileConfig());
  std::vector<Message> pings;
  for (uint32_t seq = 1; seq <= 150; ++seq) pings.push_back(Ping{seq, kSelf});
  const std::vector<uint8_t> datagram = h.Seal(pings);
  ASSERT_LE(datagram.size(), h.node().config().datagram_budget);
  h.DatagramBytes(Addr(44), datagram);
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(MessagesOf<Ack>(sent[0]).size(), 1u);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{1});
  EXPECT_LE(sent[0].sealed.size(), datagram.size());
  EXPECT_EQ(h.node().stats().Drops(DropReason::kExtraRequest), 149u);
  // Ping-reqs count as requests too.
  h.Datagram(Addr(44), {PingReq{7, kSelf, Addr(1), false}, Ping{8, kSelf}});
  sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(First<Ack>(sent[0]), Ack{7});
  EXPECT_EQ(h.node().stats().Drops(DropReason::kExtraRequest), 150u);
}

// Attack: small pings (replayed, or spoofed in the insecure mode) at a
// busy member, whose acks used to be filled with its news: an amplifier,
// and a drain of its retransmit budget. Must happen: every reply is at
// most the size of the ping it answers, carries nothing but the ack (the
// member's own claim only when it fits), and spends no budget.
TEST(NodeHostileTest, RepliesAreNeverLargerThanWhatTheyAnswer) {
  Harness h(BusyConfig());
  MakeBusy(h);
  const size_t queued = h.node().queued_broadcasts();
  const std::vector<uint8_t> ping = h.Seal({Ping{77, kSelf}});
  for (int i = 0; i < 300; ++i) h.DatagramBytes(Addr(44, 5000), ping);
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 300u);
  for (const Sent& reply : sent) {
    EXPECT_EQ(reply.to, Addr(44, 5000));
    EXPECT_LE(reply.sealed.size(), ping.size());
    ASSERT_EQ(reply.messages.size(), 1u);
    EXPECT_EQ(First<Ack>(reply), Ack{77});
  }
  EXPECT_EQ(h.node().queued_broadcasts(), queued);  // no budget spent
  // A large request may carry this member's own word back, nothing else.
  std::vector<Sent> keep;
  std::optional<Claim> own = SelfNewsOnNextDatagram(h, keep);
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(MessagesOf<Claim>(keep[0]).size(), 1u);
  EXPECT_EQ(h.node().queued_broadcasts(), queued);
}

// --- 12. Config -------------------------------------------------------------

absl::Status Validate(const std::function<void(Config&)>& mutate) {
  Config config = HostileConfig();
  mutate(config);
  return config.Validate();
}

// Misconfiguration: intervals under a millisecond (a busy loop of probes or
// gossip), and a datagram budget too small to carry a ping to a member
// with a 255-byte name next to the envelope (that member could then never
// be probed, and would be suspected forever). Must happen: Validate rejects
// them naming the field; the smallest budget it accepts does carry such a
// ping, in every security mode, with the largest label.
TEST(NodeHostileTest, ConfigRejectsSubMillisecondIntervalsAndTinyBudgets) {
  absl::Status status = Validate([](Config& c) {
    c.probe_interval = absl::Microseconds(999);
    c.probe_timeout = absl::Microseconds(500);
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("probe_interval"));
  EXPECT_TRUE(Validate([](Config& c) {
                c.probe_interval = absl::Milliseconds(1);
                c.probe_timeout = absl::Microseconds(500);
              }).ok());

  status =
      Validate([](Config& c) { c.gossip_interval = absl::Microseconds(999); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("gossip_interval"));
  EXPECT_TRUE(Validate([](Config& c) {
                c.gossip_interval = absl::Milliseconds(1);
              }).ok());

  // The longest ping there is: a 255-byte name and a 5-byte seq.
  const std::string longest_name(kMaxNameLength, 'n');
  absl::StatusOr<size_t> ping_size =
      EncodedSize(Ping{UINT32_MAX, longest_name});
  ASSERT_TRUE(ping_size.ok());
  const std::string longest_label(Envelope::kMaxLabelLength, 'l');
  for (SecurityMode mode :
       {SecurityMode::kPlaintext, SecurityMode::kAuthenticated,
        SecurityMode::kEncrypted}) {
    SCOPED_TRACE(SecurityModeName(mode));
    auto with_budget = [&](size_t budget) {
      return [&, budget](Config& c) {
        c.security_mode = mode;
        c.label = longest_label;
        c.datagram_budget = budget;
      };
    };
    size_t smallest = 512;
    while (!Validate(with_budget(smallest)).ok() && smallest < 2048) {
      ++smallest;
    }
    ASSERT_LT(smallest, 2048u);
    ASSERT_GT(smallest, 512u) << "a 255-byte label needs more than 512";
    status = Validate(with_budget(smallest - 1));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("datagram_budget"));

    const size_t overhead = MakeEnvelope(mode,
                                         mode == SecurityMode::kPlaintext
                                             ? std::vector<std::string>{}
                                             : std::vector<std::string>{Key()},
                                         longest_label, 3)
                                .Overhead();
    EXPECT_LE(overhead + kWireHeaderSize + *ping_size, smallest)
        << "the smallest accepted budget, " << smallest
        << ", cannot carry a ping to a 255-byte name";
  }
}

// The same end to end: at the smallest budget Config accepts (largest
// label, the mode with the largest envelope), a member with a 255-byte
// name is probed: its first probe period sends it a ping. (Several seeds,
// as the probe's seq starts at a random value and its size varies.)
TEST(NodeHostileTest, MemberWithTheLongestNameIsProbedAtTheSmallestBudget) {
  const std::string longest_name(kMaxNameLength, 'n');
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Config config = NoPeriodicPushPull(HostileConfig());
    config.seed = seed;
    config.security_mode = SecurityMode::kAuthenticated;
    config.label = std::string(Envelope::kMaxLabelLength, 'l');
    config.datagram_budget = 512;
    while (!config.Validate().ok() && config.datagram_budget < 2048) {
      ++config.datagram_budget;
    }
    ASSERT_TRUE(config.Validate().ok());
    Harness h(config);
    h.Learn(longest_name, Addr(2));
    h.Advance(config.probe_interval);
    EXPECT_EQ(h.node().stats().probes, 1u);
    EXPECT_EQ(PingsTo(h.sent(), Addr(2)), 1u);
    EXPECT_EQ(h.node().stats().Drops(DropReason::kMessageTooLarge), 0u);
  }
}

}  // namespace
}  // namespace swim::testing

// Lifeguard's rules, each exact in virtual time: the local health score
// (awareness) and how it stretches probing, nacks from helpers, the dynamic
// suspicion timeout after 0, 1 and k confirmations, the buddy system, and
// the cost of refuting. The harness plays every peer.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/core/stats.h"
#include "swim/core/verdict.h"
#include "swim/core/wire.h"
#include "swim/testing/node_harness.h"

namespace swim {
namespace {

using ::swim::testing::Addr;
using ::swim::testing::First;
using ::swim::testing::FirstIs;
using ::swim::testing::Harness;
using ::swim::testing::kPeerA;
using ::swim::testing::kPeerB;
using ::swim::testing::kPeerC;
using ::swim::testing::kSelf;
using ::swim::testing::Led;
using ::swim::testing::MakeClaim;
using ::swim::testing::MessagesOf;
using ::swim::testing::Online;
using ::swim::testing::Sent;
using ::swim::testing::TestConfig;

constexpr absl::string_view kPeerD = "peer-d";
// Harness::Learn's default incarnation for peers.
constexpr Incarnation kPeerIncarnation = {5, 0};

// These tests time Lifeguard's accounting against the probe period, so
// they probe as plain SWIM does: with the stream fallback a failed probe's
// verdict (and its cost) comes after its wait instead (node_test's
// NodeStreamFallbackTest).
Config LifeguardConfig() {
  Config config = TestConfig();
  config.stream_fallback = false;
  return config;
}

// A probe's ping (a datagram; the stream fallback repeats it on a stream
// at the probe timeout).
bool SendsPing(const Sent& sent) {
  return sent.channel == Channel::kDatagram && !MessagesOf<Ping>(sent).empty();
}

// Fires timers until the node's next probe (or `limit`); returns when it
// was sent and where to.
struct ProbeSent {
  Instant at;
  Address to;
  uint32_t seq = 0;
};
std::optional<ProbeSent> NextProbe(Harness& h, Instant limit) {
  std::optional<size_t> index = h.AdvanceUntil(SendsPing, limit);
  if (!index) return std::nullopt;
  const Sent& sent = h.sent()[*index];
  return ProbeSent{sent.at, sent.to, MessagesOf<Ping>(sent).front().seq};
}

// Runs the node until `until`, acking every ping it sends except those to
// `silent`, as a healthy cluster would: answered probes neither raise the
// node's health score nor confirm suspicions.
void RunAnswering(Harness& h, Instant until,
                  std::optional<Address> silent = std::nullopt) {
  while (std::optional<ProbeSent> probe = NextProbe(h, until)) {
    if (probe->to != silent) h.Datagram(probe->to, {Ack{probe->seq}});
  }
}

// A suspicion of this node at its current incarnation, which it refutes.
void SuspectSelf(Harness& h) {
  h.Datagram(Addr(2), {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1),
                                 h.node().local().incarnation, kPeerA)});
}

// --- Awareness: the local health score ---------------------------------------

// Only peer-a, no helpers: every probe goes to peer-a, and a failed probe
// has no nacks to expect. Suspicions last 20 s, so peer-a stays a probe
// target (SUSPECT) while the tests watch the probes.
Config OnePeerConfig() {
  Config config = LifeguardConfig();
  config.indirect_checks = 0;
  config.suspicion_mult = 20;
  return config;
}

TEST(LifeguardAwarenessTest, EachFailedProbeCostsOneAndStretchesTheInterval) {
  Harness h(OnePeerConfig());
  h.Learn(kPeerA, Addr(2));
  const absl::Duration interval = h.node().config().probe_interval;
  std::optional<ProbeSent> first = NextProbe(h, h.now() + interval);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(h.node().stats().awareness, 0);

  // Unanswered. It ends one interval later with the score at 1, so the
  // probe then sent arms the next tick two intervals ahead, and so on.
  const Instant t1 = first->at;
  std::optional<ProbeSent> second = NextProbe(h, t1 + 10 * interval);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->at, t1 + interval);
  EXPECT_EQ(h.node().stats().awareness, 1);
  std::optional<ProbeSent> third = NextProbe(h, t1 + 10 * interval);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->at, t1 + interval + 2 * interval);
  EXPECT_EQ(h.node().stats().awareness, 2);

  // Answered at once: -1 straight away (the tick was armed at 3 intervals).
  h.Datagram(third->to, {Ack{third->seq}});
  EXPECT_EQ(h.node().stats().awareness, 1);
  std::optional<ProbeSent> fourth = NextProbe(h, t1 + 20 * interval);
  ASSERT_TRUE(fourth.has_value());
  EXPECT_EQ(fourth->at, third->at + 3 * interval);
  h.Datagram(fourth->to, {Ack{fourth->seq}});
  EXPECT_EQ(h.node().stats().awareness, 0);
  std::optional<ProbeSent> fifth = NextProbe(h, t1 + 20 * interval);
  ASSERT_TRUE(fifth.has_value());
  EXPECT_EQ(fifth->at, fourth->at + 2 * interval);
  std::optional<ProbeSent> sixth = NextProbe(h, t1 + 20 * interval);
  ASSERT_TRUE(sixth.has_value());
  EXPECT_EQ(sixth->at, fifth->at + interval);
}

TEST(LifeguardAwarenessTest, RefutingCostsOneAndTheScoreStopsAtMaxMinusOne) {
  Config config = LifeguardConfig();
  config.lifeguard.awareness_max = 4;
  Harness h(config);
  h.Learn(kPeerA, Addr(2));
  for (int i = 1; i <= 6; ++i) {
    SuspectSelf(h);
    EXPECT_EQ(h.node().stats().refutations, static_cast<uint64_t>(i));
    EXPECT_EQ(h.node().stats().awareness, std::min(i, 3));
  }
  // Probes now come every 4 intervals.
  const absl::Duration interval = config.probe_interval;
  std::optional<ProbeSent> first = NextProbe(h, h.now() + 4 * interval);
  ASSERT_TRUE(first.has_value());
  std::optional<ProbeSent> second = NextProbe(h, first->at + 10 * interval);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->at, first->at + 4 * interval);
}

TEST(LifeguardAwarenessTest, AnOnlineClaimAboutItselfIsRefutedForFree) {
  Harness h;
  Incarnation newer = h.node().local().incarnation;
  ++newer.version;
  h.Datagram(Addr(2),
             {MakeClaim(MemberStatus::kOnline, kSelf, Addr(1), newer)});
  EXPECT_EQ(h.node().stats().refutations, 1u);
  EXPECT_EQ(h.node().stats().awareness, 0);
}

TEST(LifeguardAwarenessTest, ProbeTimeoutStretchesToo) {
  Config config = LifeguardConfig();
  config.indirect_checks = 1;
  Harness h(config);
  h.Learn(kPeerA, Addr(2));
  h.Learn(kPeerB, Addr(3));
  SuspectSelf(h);
  SuspectSelf(h);
  ASSERT_EQ(h.node().stats().awareness, 2);
  std::optional<ProbeSent> probe =
      NextProbe(h, h.now() + config.probe_interval);
  ASSERT_TRUE(probe.has_value());
  h.TakeSent();
  h.AdvanceTo(probe->at + 3 * config.probe_timeout - absl::Nanoseconds(1));
  EXPECT_TRUE(Led<PingReq>(h.sent()).empty());
  h.AdvanceTo(probe->at + 3 * config.probe_timeout);
  std::vector<const Sent*> reqs = Led<PingReq>(h.sent());
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]->at, probe->at + 3 * config.probe_timeout);
}

TEST(LifeguardAwarenessTest, SwitchedOffTheScoreStaysZero) {
  Config config = OnePeerConfig();
  config.lifeguard.awareness = false;
  Harness h(config);
  h.Learn(kPeerA, Addr(2));
  SuspectSelf(h);
  EXPECT_EQ(h.node().stats().refutations, 1u);
  EXPECT_EQ(h.node().stats().awareness, 0);
  // Unanswered probes, every plain interval.
  std::optional<ProbeSent> previous =
      NextProbe(h, h.now() + config.probe_interval);
  ASSERT_TRUE(previous.has_value());
  for (int i = 0; i < 3; ++i) {
    std::optional<ProbeSent> next =
        NextProbe(h, previous->at + 10 * config.probe_interval);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->at, previous->at + config.probe_interval);
    EXPECT_EQ(h.node().stats().awareness, 0);
    previous = next;
  }
}

// --- Nacks -------------------------------------------------------------------

// Three peers and two helpers per failed probe.
class LifeguardNackTest : public ::testing::TestWithParam<int> {
 protected:
  void StartProbe(Config config) {
    config.indirect_checks = 2;
    h_ = std::make_unique<Harness>(config);
    h_->Learn(kPeerA, Addr(2));
    h_->Learn(kPeerB, Addr(3));
    h_->Learn(kPeerC, Addr(4));
    std::optional<ProbeSent> probe =
        NextProbe(*h_, h_->now() + config.probe_interval);
    ASSERT_TRUE(probe.has_value());
    probe_ = *probe;
    h_->TakeSent();
    h_->AdvanceTo(probe_.at + config.probe_timeout);
  }

  std::unique_ptr<Harness> h_;
  ProbeSent probe_;
};

TEST_P(LifeguardNackTest, EachMissingNackCostsOne) {
  const int nacks = GetParam();
  StartProbe(LifeguardConfig());
  std::vector<const Sent*> reqs = Led<PingReq>(h_->sent());
  ASSERT_EQ(reqs.size(), 2u);
  for (const Sent* req : reqs) EXPECT_TRUE(First<PingReq>(*req).want_nack);
  std::vector<Address> helpers;
  for (const Sent* req : reqs) helpers.push_back(req->to);
  for (int i = 0; i < nacks; ++i) {
    h_->Datagram(helpers[i], {Nack{probe_.seq}});
  }
  const Config& config = h_->node().config();
  h_->AdvanceTo(probe_.at + config.probe_interval);
  EXPECT_EQ(h_->node().stats().nacks_received, static_cast<uint64_t>(nacks));
  EXPECT_EQ(h_->node().stats().awareness, 2 - nacks);
  EXPECT_EQ(h_->node().stats().suspicions, 1u);  // the target, either way
}

INSTANTIATE_TEST_SUITE_P(Nacks, LifeguardNackTest, ::testing::Values(0, 1, 2));

TEST_F(LifeguardNackTest, EachHelperCountsOnceAndOnlyHelpersCount) {
  StartProbe(LifeguardConfig());
  std::vector<const Sent*> reqs = Led<PingReq>(h_->sent());
  ASSERT_EQ(reqs.size(), 2u);
  // One helper's duplicates (or replays) cannot excuse the other's
  // silence, and nobody else's nack counts.
  for (int i = 0; i < 5; ++i) h_->Datagram(reqs[0]->to, {Nack{probe_.seq}});
  h_->Datagram(Addr(99), {Nack{probe_.seq}});
  EXPECT_EQ(h_->node().stats().nacks_received, 1u);
  h_->AdvanceTo(probe_.at + h_->node().config().probe_interval);
  EXPECT_EQ(h_->node().stats().awareness, 1);
}

TEST(LifeguardRelayTest, NacksBeforeTheRequestersProbeEndsEvenOnWanTiming) {
  // WAN timing: 3 s timeout in a 5 s period. A requester asks at 3 s and
  // ends its probe at 5 s, so the nack must come within 2 s: at 80 % of
  // that, 1.6 s, rather than 80 % of the timeout (2.4 s, too late).
  Config config = LifeguardConfig();
  config.probe_interval = absl::Seconds(5);
  config.probe_timeout = absl::Seconds(3);
  Harness h(config);
  h.Learn(kPeerB, Addr(3));
  h.Datagram(Addr(2), {PingReq{900, kPeerB, Addr(3), /*want_nack=*/true}});
  const Instant asked = h.now();
  h.TakeSent();
  h.AdvanceTo(asked + absl::Milliseconds(1600) - absl::Nanoseconds(1));
  EXPECT_TRUE(Led<Nack>(h.sent()).empty());
  h.AdvanceTo(asked + absl::Milliseconds(1600));
  std::vector<const Sent*> nacks = Led<Nack>(h.sent());
  ASSERT_EQ(nacks.size(), 1u);
  EXPECT_EQ(nacks[0]->to, Addr(2));
  EXPECT_EQ(First<Nack>(*nacks[0]).seq, 900u);
}

TEST_F(LifeguardNackTest, SwitchedOffNoNackIsAskedAndAFailureCostsOne) {
  Config config = LifeguardConfig();
  config.lifeguard.nacks = false;
  StartProbe(config);
  std::vector<const Sent*> reqs = Led<PingReq>(h_->sent());
  ASSERT_EQ(reqs.size(), 2u);
  for (const Sent* req : reqs) EXPECT_FALSE(First<PingReq>(*req).want_nack);
  h_->AdvanceTo(probe_.at + config.probe_interval);
  EXPECT_EQ(h_->node().stats().awareness, 1);
}

TEST_F(LifeguardNackTest, AnAnsweredProbeEarnsOneWhateverTheNacks) {
  StartProbe(LifeguardConfig());
  std::vector<const Sent*> reqs = Led<PingReq>(h_->sent());
  ASSERT_EQ(reqs.size(), 2u);
  SuspectSelf(*h_);
  ASSERT_EQ(h_->node().stats().awareness, 1);
  h_->Datagram(reqs[0]->to, {Nack{probe_.seq}});
  h_->Datagram(reqs[1]->to, {Ack{probe_.seq}});  // relayed
  EXPECT_EQ(h_->node().stats().awareness, 0);
  h_->AdvanceTo(probe_.at + h_->node().config().probe_interval);
  EXPECT_EQ(h_->node().stats().awareness, 0);
  EXPECT_EQ(h_->node().stats().suspicions, 0u);
}

// A helper's side (the relay) is covered by NodeRelayTest in node_test.cc:
// it nacks a silent target at exactly 80 % of its probe timeout, only when
// asked, and not once the target answered.

// --- Dynamic suspicion -------------------------------------------------------

// Five members (this node and peers a-d), suspicion_mult 4 on a 1 s probe
// interval: the plain timeout is 4 * max(1, log10 5) * 1 s = 4 s, Lifeguard
// starts at 6 * 4 s = 24 s and expects k = 4 - 2 = 2 confirmations.
constexpr absl::Duration kMinTimeout = absl::Seconds(4);
constexpr absl::Duration kMaxTimeout = absl::Seconds(24);

class LifeguardSuspicionTest : public ::testing::Test {
 protected:
  void Start(Config config, int peers = 4) {
    config.suspicion_mult = 4;
    config.probe_interval = absl::Seconds(1);
    h_ = std::make_unique<Harness>(config);
    const absl::string_view names[] = {kPeerA, kPeerB, kPeerC, kPeerD};
    for (int i = 0; i < peers; ++i) {
      h_->Learn(names[i], Addr(static_cast<uint8_t>(2 + i)));
    }
    h_->TakeEvents();
  }
  void Start() { Start(LifeguardConfig()); }

  // `origin` claims peer-a is suspect.
  void Suspect(absl::string_view origin) {
    h_->Datagram(Addr(3), {MakeClaim(MemberStatus::kSuspect, kPeerA, Addr(2),
                                     kPeerIncarnation, origin)});
  }
  MemberStatus StatusOfA() const { return h_->node().Find(kPeerA)->status; }

  // Runs (answering every probe, peer-a's too unless `a_silent`) until just
  // before `deadline`, checks peer-a is still SUSPECT, then until
  // `deadline` and checks it is OFFLINE.
  void ExpectOfflineAt(Instant deadline, bool a_silent = false) {
    const std::optional<Address> silent =
        a_silent ? std::optional<Address>(Addr(2)) : std::nullopt;
    RunAnswering(*h_, deadline - absl::Nanoseconds(1), silent);
    EXPECT_EQ(StatusOfA(), MemberStatus::kSuspect);
    RunAnswering(*h_, deadline, silent);
    EXPECT_EQ(StatusOfA(), MemberStatus::kOffline);
  }

  std::unique_ptr<Harness> h_;
};

TEST_F(LifeguardSuspicionTest, WithoutConfirmationsItLastsTheMaximum) {
  Start();
  Suspect(kPeerB);
  ASSERT_EQ(StatusOfA(), MemberStatus::kSuspect);
  ExpectOfflineAt(h_->now() + kMaxTimeout);
}

TEST_F(LifeguardSuspicionTest, OneConfirmationShortensItLogarithmically) {
  Start();
  Suspect(kPeerB);
  const Instant start = h_->now();
  RunAnswering(*h_, start + absl::Seconds(1));
  Suspect(kPeerC);
  // max - (max - min) * log(1 + 1) / log(k + 1) with k = 2: 24 s - 20 s *
  // 0.6309... = 11.3814... s, kept to whole milliseconds.
  ExpectOfflineAt(start + absl::Milliseconds(11381));
}

TEST_F(LifeguardSuspicionTest, KConfirmationsBringItToTheMinimum) {
  Start();
  Suspect(kPeerB);
  const Instant start = h_->now();
  RunAnswering(*h_, start + absl::Seconds(1));
  Suspect(kPeerC);
  Suspect(kPeerD);
  ExpectOfflineAt(start + kMinTimeout);
}

TEST_F(LifeguardSuspicionTest, RepeatsAndTheOriginalSuspecterDoNotConfirm) {
  Start();
  Suspect(kPeerB);
  const Instant start = h_->now();
  const uint64_t stale = h_->node().stats().updates_stale;
  const size_t queued = h_->node().queued_broadcasts();
  Suspect(kPeerB);  // the original suspecter again
  Suspect(kPeerC);
  Suspect(kPeerC);  // a repeat
  // Every one is stale news; only peer-c's first claim was new, and it
  // was re-gossiped (replacing the queued claim about peer-a).
  EXPECT_EQ(h_->node().stats().updates_stale, stale + 3);
  EXPECT_EQ(h_->node().queued_broadcasts(), queued);
  ExpectOfflineAt(start + absl::Milliseconds(11381));
}

TEST_F(LifeguardSuspicionTest, ItsOwnFailedProbeIsAConfirmation) {
  Start();
  Suspect(kPeerB);
  const Instant start = h_->now();
  // Peer-a never answers: the node's own probe of it fails within two
  // probe rounds (at most 7 ticks of 1 s) and counts as one confirmation.
  RunAnswering(*h_, start + absl::Seconds(6), Addr(2));
  ExpectOfflineAt(start + absl::Milliseconds(11381), /*a_silent=*/true);
}

// --- Verdicts: why a member became SUSPECT, OFFLINE or LEFT ------------------

// The causes of the MemberStatusChanged events about `name` among `events`.
std::vector<Verdict> CausesAbout(const std::vector<Event>& events,
                                 absl::string_view name) {
  std::vector<Verdict> causes;
  for (const Event& event : events) {
    const auto* changed = std::get_if<MemberStatusChanged>(&event);
    if (changed == nullptr || changed->member.name != name) continue;
    EXPECT_EQ(changed->cause.has_value(),
              changed->member.status != MemberStatus::kOnline);
    if (changed->cause) causes.push_back(*changed->cause);
  }
  return causes;
}

TEST_F(LifeguardSuspicionTest, TheVerdictNamesAccuserConfirmationsAndTimeout) {
  Start();
  Suspect(kPeerB);
  const Instant start = h_->now();
  std::vector<Verdict> causes = CausesAbout(h_->TakeEvents(), kPeerA);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].reason, Verdict::Reason::kSuspected);
  EXPECT_EQ(causes[0].accuser, kPeerB);
  EXPECT_EQ(causes[0].suspected_at, start);
  EXPECT_EQ(causes[0].timeout, kMaxTimeout);
  EXPECT_FALSE(causes[0].probe.has_value());
  EXPECT_TRUE(causes[0].confirmations.empty());

  RunAnswering(*h_, start + absl::Seconds(1));
  const Instant confirmed = h_->now();
  Suspect(kPeerC);
  ExpectOfflineAt(start + absl::Milliseconds(11381));
  causes = CausesAbout(h_->TakeEvents(), kPeerA);
  ASSERT_EQ(causes.size(), 1u);
  const Verdict& offline = causes[0];
  EXPECT_EQ(offline.reason, Verdict::Reason::kTimedOut);
  EXPECT_EQ(VerdictReasonName(offline.reason), "timed-out");
  EXPECT_EQ(offline.accuser, kPeerB);
  EXPECT_EQ(offline.declared_by, kSelf);
  EXPECT_EQ(offline.suspected_at, start);
  ASSERT_EQ(offline.confirmations.size(), 1u);
  EXPECT_EQ(offline.confirmations[0].member, kPeerC);
  EXPECT_EQ(offline.confirmations[0].at, confirmed);
  EXPECT_EQ(offline.timeout, absl::Milliseconds(11381));
  EXPECT_EQ(offline.health, 0);
  const Histogram& lasted = h_->node().stats().suspicion_to_offline;
  EXPECT_EQ(lasted.count(), 1u);
  EXPECT_EQ(lasted.sum(), absl::Milliseconds(11381));
  EXPECT_EQ(h_->node().stats().suspicion_to_refuted.count(), 0u);
}

TEST_F(LifeguardSuspicionTest, ItsOwnFailedProbeIsAVerdictWithItsHelpers) {
  Start();
  // Peer-a never answers, nor do the helpers report (no nacks): the probe
  // that fails makes this node the accuser.
  RunAnswering(*h_, h_->now() + absl::Seconds(8), Addr(2));
  ASSERT_EQ(StatusOfA(), MemberStatus::kSuspect);
  const std::vector<Verdict> causes = CausesAbout(h_->TakeEvents(), kPeerA);
  ASSERT_EQ(causes.size(), 1u);
  const Verdict& suspect = causes[0];
  EXPECT_EQ(suspect.reason, Verdict::Reason::kProbeFailed);
  EXPECT_EQ(suspect.accuser, kSelf);
  ASSERT_TRUE(suspect.probe.has_value());
  ASSERT_TRUE(suspect.suspected_at.has_value());
  EXPECT_LT(suspect.probe->sent_at, *suspect.suspected_at);
  const int helpers = h_->node().config().indirect_checks;
  ASSERT_EQ(suspect.probe->helpers.size(), static_cast<size_t>(helpers));
  for (const std::string& helper : suspect.probe->helpers) {
    EXPECT_TRUE(helper == kPeerB || helper == kPeerC || helper == kPeerD)
        << helper;
  }
  EXPECT_EQ(suspect.probe->nacks_expected, helpers);
  EXPECT_EQ(suspect.probe->nacks, 0);
  // Each missing nack cost one (Lifeguard), before the verdict was made.
  EXPECT_EQ(suspect.health, helpers);
}

TEST_F(LifeguardSuspicionTest, DeclarationsLeavesAndRemovalsSayWhatTheyKnow) {
  Start();
  h_->Datagram(Addr(3), {MakeClaim(MemberStatus::kOffline, kPeerA, Addr(2),
                                   kPeerIncarnation, kPeerB)});
  // A LEFT claim names no origin on the wire (a leave and a removal
  // elsewhere look alike).
  h_->Datagram(Addr(4), {MakeClaim(MemberStatus::kLeft, kPeerC, Addr(4),
                                   kPeerIncarnation)});
  ASSERT_TRUE(h_->Remove(kPeerD).ok());
  const std::vector<Event> events = h_->TakeEvents();
  const std::vector<Verdict> a = CausesAbout(events, kPeerA);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].reason, Verdict::Reason::kDeclared);
  EXPECT_EQ(a[0].accuser, kPeerB);
  EXPECT_EQ(a[0].declared_by, kPeerB);
  EXPECT_FALSE(a[0].suspected_at.has_value());  // never SUSPECT here
  const std::vector<Verdict> c = CausesAbout(events, kPeerC);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].reason, Verdict::Reason::kLeft);
  EXPECT_EQ(c[0].accuser, "?");
  EXPECT_FALSE(c[0].from_state_exchange);
  const std::vector<Verdict> d = CausesAbout(events, kPeerD);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reason, Verdict::Reason::kRemoved);
  EXPECT_EQ(d[0].accuser, kSelf);
}

TEST_F(LifeguardSuspicionTest, ARefutationEndsTheSuspicionInTheHistogram) {
  Start();
  Suspect(kPeerB);
  const Instant start = h_->now();
  RunAnswering(*h_, start + absl::Seconds(3));
  h_->Datagram(Addr(2), {Online(kPeerA, Addr(2), {5, 1})});
  ASSERT_EQ(StatusOfA(), MemberStatus::kOnline);
  const Histogram& refuted = h_->node().stats().suspicion_to_refuted;
  EXPECT_EQ(refuted.count(), 1u);
  EXPECT_EQ(refuted.sum(), h_->now() - start);
  EXPECT_EQ(h_->node().stats().suspicion_to_offline.count(), 0u);
  EXPECT_TRUE(CausesAbout(h_->TakeEvents(), kPeerA).size() == 1u);
}

TEST_F(LifeguardSuspicionTest, TooSmallAClusterExpectsNoConfirmations) {
  // Three members: only one could confirm (not the suspect, not this
  // node), fewer than k = 2, so the plain timeout applies:
  // 4 * max(1, log10 3) * 1 s = 4 s.
  Start(LifeguardConfig(), /*peers=*/2);
  Suspect(kPeerB);
  ExpectOfflineAt(h_->now() + kMinTimeout);
}

TEST_F(LifeguardSuspicionTest, SwitchedOffTheTimeoutIsFixed) {
  Config config = LifeguardConfig();
  config.lifeguard.dynamic_suspicion = false;
  Start(config);
  Suspect(kPeerB);
  ExpectOfflineAt(h_->now() + kMinTimeout);
}

// --- Buddy system ------------------------------------------------------------

// Runs until the node's next probe of peer-a.
const Sent* ProbeOfSuspectA(Harness& h) {
  h.TakeSent();
  std::optional<size_t> index = h.AdvanceUntil(
      [](const Sent& sent) {
        return sent.to == Addr(2) && !MessagesOf<Ping>(sent).empty();
      },
      h.now() + absl::Seconds(10));
  return index ? &h.sent()[*index] : nullptr;
}

TEST_F(LifeguardSuspicionTest, AProbeOfASuspectCarriesTheSuspicionFirst) {
  Start();
  Suspect(kPeerB);
  const Sent* found = ProbeOfSuspectA(*h_);
  ASSERT_NE(found, nullptr);
  const Sent& probe = *found;
  ASSERT_TRUE(FirstIs<Claim>(probe));
  const Claim claim = First<Claim>(probe);
  EXPECT_EQ(claim.name, kPeerA);
  EXPECT_EQ(claim.status, MemberStatus::kSuspect);
  EXPECT_EQ(claim.incarnation, kPeerIncarnation);
}

TEST_F(LifeguardSuspicionTest, WithoutTheBuddySystemTheProbeIsAPlainPing) {
  Config config = LifeguardConfig();
  config.lifeguard.buddy_system = false;
  Start(config);
  Suspect(kPeerB);
  const Sent* probe = ProbeOfSuspectA(*h_);
  ASSERT_NE(probe, nullptr);
  EXPECT_TRUE(FirstIs<Ping>(*probe));
}

TEST(LifeguardBuddyTest, TheSuspectRefutesInTheAck) {
  Harness h;
  h.Learn(kPeerA, Addr(2));
  const Incarnation before = h.node().local().incarnation;
  h.Datagram(Addr(2),
             {MakeClaim(MemberStatus::kSuspect, kSelf, Addr(1), before, kPeerA),
              Ping{77, kSelf}});
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  const std::vector<Ack> acks = MessagesOf<Ack>(sent[0]);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].seq, 77u);
  bool refuted = false;
  for (const Claim& update : MessagesOf<Claim>(sent[0])) {
    if (update.name == kSelf && update.status == MemberStatus::kOnline &&
        update.incarnation > before) {
      refuted = true;
    }
  }
  EXPECT_TRUE(refuted);
  EXPECT_EQ(h.node().stats().awareness, 1);
}

}  // namespace
}  // namespace swim

#include "swim/core/probe.h"

#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"

namespace swim {
namespace {

const Instant kT = Instant(absl::Seconds(1700000000));

Instant At(int64_t ms) { return kT + absl::Milliseconds(ms); }

Address Helper(int i) {
  return *Address::Parse("10.0.0." + std::to_string(i) + ":7946");
}

constexpr Incarnation kIncarnation{5, 2};

// A probe started at 0 ms: timeout at 500 ms, end at 1000 ms.
Probe Started(uint32_t seq = 7) {
  Probe probe;
  probe.Start(seq, "target", kIncarnation, At(0), At(500), At(1000));
  return probe;
}

TEST(ProbeTest, IdleProbeHasNoDeadlineAndNoOutcome) {
  Probe probe;
  EXPECT_FALSE(probe.active());
  EXPECT_EQ(probe.NextExpiry(), std::nullopt);
  EXPECT_EQ(probe.OnAck(0), Probe::AckResult::kNotThisProbe);
  EXPECT_FALSE(probe.OnNack(Helper(1), 0));
  EXPECT_EQ(probe.Finish(), std::nullopt);
  const Probe::Expiry expiry = probe.HandleExpiry(Instant::InfiniteFuture());
  EXPECT_FALSE(expiry.ask_helpers);
  EXPECT_FALSE(expiry.ended.has_value());
}

TEST(ProbeTest, StartArmsTheTimeoutThenTheEnd) {
  Probe probe = Started();
  EXPECT_TRUE(probe.active());
  EXPECT_EQ(probe.seq(), 7u);
  EXPECT_EQ(probe.target(), "target");
  EXPECT_EQ(probe.target_incarnation(), kIncarnation);
  EXPECT_EQ(probe.NextExpiry(), At(500));
  // Nothing due before it.
  Probe::Expiry early = probe.HandleExpiry(At(499));
  EXPECT_FALSE(early.ask_helpers);
  EXPECT_FALSE(early.ended.has_value());
  EXPECT_EQ(probe.NextExpiry(), At(500));
}

TEST(ProbeTest, SilentTargetAsksHelpersOnceThenFails) {
  Probe probe = Started();
  Probe::Expiry timeout = probe.HandleExpiry(At(500));
  EXPECT_TRUE(timeout.ask_helpers);
  EXPECT_FALSE(timeout.ended.has_value());
  EXPECT_EQ(probe.NextExpiry(), At(1000));
  probe.AddHelper(Helper(1));
  probe.AddHelper(Helper(2));
  probe.AddHelper(Helper(3));
  // One helper nacks, twice (a duplicate), and a stranger nacks: one counts.
  EXPECT_TRUE(probe.OnNack(Helper(2), 7));
  EXPECT_FALSE(probe.OnNack(Helper(2), 7));
  EXPECT_FALSE(probe.OnNack(Helper(9), 7));
  EXPECT_FALSE(probe.OnNack(Helper(1), 8));  // another probe's
  Probe::Expiry end = probe.HandleExpiry(At(1000));
  EXPECT_FALSE(end.ask_helpers);
  ASSERT_TRUE(end.ended.has_value());
  EXPECT_FALSE(end.ended->acked);
  EXPECT_EQ(end.ended->expected_nacks, 3);
  EXPECT_EQ(end.ended->nacks, 1);
  EXPECT_FALSE(probe.active());
  EXPECT_EQ(probe.NextExpiry(), std::nullopt);
  // The target stays readable for the verdict.
  EXPECT_EQ(probe.target(), "target");
}

TEST(ProbeTest, NacksBeforeTheIndirectStageDoNotCount) {
  Probe probe = Started();
  probe.AddHelper(Helper(1));
  EXPECT_FALSE(probe.OnNack(Helper(1), 7));
}

TEST(ProbeTest, AckDisarmsTheTimeoutAndCountsOnce) {
  Probe probe = Started();
  EXPECT_EQ(probe.OnAck(8), Probe::AckResult::kNotThisProbe);
  EXPECT_EQ(probe.OnAck(7), Probe::AckResult::kFirst);
  EXPECT_EQ(probe.OnAck(7), Probe::AckResult::kRepeat);
  EXPECT_EQ(probe.NextExpiry(), At(1000));
  std::optional<Probe::Outcome> outcome = probe.Finish();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->acked);
  // Once finished, acks are no longer its own.
  EXPECT_EQ(probe.OnAck(7), Probe::AckResult::kNotThisProbe);
}

TEST(ProbeTest, AckAfterHelpersWereAskedStillCounts) {
  Probe probe = Started();
  ASSERT_TRUE(probe.HandleExpiry(At(600)).ask_helpers);
  EXPECT_EQ(probe.OnAck(7), Probe::AckResult::kFirst);
  Probe::Expiry end = probe.HandleExpiry(At(1000));
  ASSERT_TRUE(end.ended.has_value());
  EXPECT_TRUE(end.ended->acked);
}

TEST(ProbeTest, EndFiresBeforeTimeoutAtOneInstant) {
  Probe probe;
  probe.Start(1, "t", kIncarnation, At(0), At(100), At(100));
  EXPECT_EQ(probe.NextExpiry(), At(100));
  Probe::Expiry expiry = probe.HandleExpiry(At(100));
  EXPECT_FALSE(expiry.ask_helpers);
  EXPECT_TRUE(expiry.ended.has_value());
  EXPECT_EQ(probe.NextExpiry(), std::nullopt);
}

TEST(ProbeTest, LateHandlingRunsTheEarliestFirst) {
  Probe probe = Started();
  // Both deadlines passed: the timeout (earlier) runs first, then the end.
  EXPECT_TRUE(probe.HandleExpiry(At(5000)).ask_helpers);
  EXPECT_TRUE(probe.HandleExpiry(At(5000)).ended.has_value());
}

TEST(ProbeTest, RestartReusesTheProbe) {
  Probe probe = Started();
  ASSERT_TRUE(probe.HandleExpiry(At(500)).ask_helpers);
  probe.AddHelper(Helper(1));
  ASSERT_TRUE(probe.Finish().has_value());
  probe.Start(9, "other", {6, 0}, At(0), At(1500), At(2000));
  EXPECT_EQ(probe.target(), "other");
  EXPECT_FALSE(probe.OnNack(Helper(1), 9));  // helpers were forgotten
  std::optional<Probe::Outcome> outcome = probe.Finish();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->expected_nacks, 0);
  EXPECT_EQ(probe.Finish(), std::nullopt);
}

TEST(ProbeTest, HelpersBeyondTheBoundAreIgnored) {
  Probe probe = Started();
  ASSERT_TRUE(probe.HandleExpiry(At(500)).ask_helpers);
  for (int i = 1; i <= Probe::kMaxHelpers + 4; ++i) probe.AddHelper(Helper(i));
  EXPECT_FALSE(probe.OnNack(Helper(Probe::kMaxHelpers + 1), 7));
  EXPECT_TRUE(probe.OnNack(Helper(Probe::kMaxHelpers), 7));
  EXPECT_EQ(probe.Finish()->expected_nacks, Probe::kMaxHelpers);
}

// --- RelayTable --------------------------------------------------------------

Address Requester(int host, int port = 7946) {
  return *Address::Parse("10.1.0." + std::to_string(host) + ":" +
                         std::to_string(port));
}
const Address kTarget = *Address::Parse("10.2.0.1:7946");

TEST(ProbeTest, AnUnansweredFallbackTravelsInTheOutcome) {
  Probe probe = Started();
  probe.HandleExpiry(At(500));
  probe.MarkFallback(At(2000));
  const std::optional<Probe::Outcome> outcome =
      probe.HandleExpiry(At(1000)).ended;
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(outcome->acked);
  EXPECT_EQ(outcome->fallback_until, At(2000));
  // Answered in time: nothing to wait for.
  Probe answered = Started();
  answered.HandleExpiry(At(500));
  answered.MarkFallback(At(2000));
  EXPECT_EQ(answered.OnAck(7), Probe::AckResult::kFirst);
  EXPECT_EQ(answered.HandleExpiry(At(1000)).ended->fallback_until,
            std::nullopt);
  // The next probe starts without one.
  probe.Start(8, "target", kIncarnation, At(0), At(1500), At(2000));
  EXPECT_EQ(probe.Finish()->fallback_until, std::nullopt);
}

TEST(ProbeTest, AProbeSentWhileIsolatedSaysSoInItsOutcome) {
  Probe probe = Started();
  probe.MarkSentIsolated();
  EXPECT_TRUE(probe.Finish()->sent_isolated);
  probe.Start(8, "target", kIncarnation, At(0), At(1500), At(2000));
  EXPECT_FALSE(probe.Finish()->sent_isolated);
}

Probe::Outcome Unanswered(int64_t until_ms) {
  Probe::Outcome outcome;
  outcome.fallback_until = At(until_ms);
  return outcome;
}

TEST(FallbackWaitsTest, AVerdictIsDueAtItsDeadlineUnlessAnswered) {
  FallbackWaits waits;
  EXPECT_EQ(waits.NextExpiry(), std::nullopt);
  EXPECT_FALSE(waits.Park(7, "a", kIncarnation, Unanswered(1900)).has_value());
  EXPECT_FALSE(waits.Park(8, "b", kIncarnation, Unanswered(2900)).has_value());
  EXPECT_EQ(waits.NextExpiry(), At(1900));
  EXPECT_FALSE(waits.HandleExpiry(At(1899)).has_value());
  // b answers late: its verdict is dropped.
  std::optional<FallbackWaits::Waiting> answered = waits.OnAck(8);
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->target, "b");
  EXPECT_FALSE(waits.OnAck(8).has_value()) << "answered once";
  EXPECT_FALSE(waits.OnAck(99).has_value());
  std::optional<FallbackWaits::Waiting> due = waits.HandleExpiry(At(1900));
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->seq, 7u);
  EXPECT_EQ(due->target, "a");
  EXPECT_EQ(due->incarnation, kIncarnation);
  EXPECT_EQ(waits.size(), 0u);
  EXPECT_EQ(waits.NextExpiry(), std::nullopt);
}

TEST(FallbackWaitsTest, EarliestFirstAndBounded) {
  FallbackWaits waits;
  // Parked out of deadline order: the earliest is due first.
  waits.Park(1, "late", kIncarnation, Unanswered(3000));
  waits.Park(2, "early", kIncarnation, Unanswered(2000));
  EXPECT_EQ(waits.HandleExpiry(At(5000))->target, "early");
  EXPECT_EQ(waits.HandleExpiry(At(5000))->target, "late");
  // At the bound the oldest is handed back, to be given at once.
  for (uint32_t i = 0; i < FallbackWaits::kMaxWaiting; ++i) {
    EXPECT_FALSE(waits.Park(10 + i, "m", kIncarnation, Unanswered(4000 + i))
                     .has_value());
  }
  std::optional<FallbackWaits::Waiting> evicted =
      waits.Park(99, "m", kIncarnation, Unanswered(9000));
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(evicted->seq, 10u);
  EXPECT_EQ(waits.size(), FallbackWaits::kMaxWaiting);
  waits.Clear();
  EXPECT_EQ(waits.NextExpiry(), std::nullopt);
}

TEST(RelayTableTest, RelaysAnAckOnceAndForgetsTheSlot) {
  RelayTable relays;
  ASSERT_EQ(relays.Admit(Requester(1), 40, kTarget),
            RelayTable::Admission::kAdmitted);
  relays.Start(100, Requester(1), std::nullopt, 40, kTarget, /*want_nack=*/true,
               At(400), At(1000));
  EXPECT_EQ(relays.size(), 1u);
  EXPECT_EQ(relays.NextExpiry(), At(400));
  EXPECT_EQ(relays.OnAck(99), std::nullopt);
  std::optional<RelayTable::Relayed> relayed = relays.OnAck(100);
  ASSERT_TRUE(relayed.has_value());
  EXPECT_EQ(relayed->requester, Requester(1));
  EXPECT_EQ(relayed->requester_seq, 40u);
  EXPECT_EQ(relays.OnAck(100), std::nullopt);
  EXPECT_EQ(relays.size(), 0u);
  // The deadline is not moved by an ack: at it, nothing is due, and it is
  // recomputed.
  EXPECT_EQ(relays.NextExpiry(), At(400));
  int nacks = 0;
  relays.HandleExpiry(At(400), [&](const RelayTable::Relayed&) { ++nacks; });
  EXPECT_EQ(nacks, 0);
  EXPECT_EQ(relays.NextExpiry(), std::nullopt);
}

TEST(RelayTableTest, SilentTargetEarnsOneNackThenTheSlotExpires) {
  RelayTable relays;
  relays.Start(1, Requester(1), std::nullopt, 40, kTarget, /*want_nack=*/true,
               At(400), At(1000));
  relays.Start(2, Requester(2), std::nullopt, 41, kTarget, /*want_nack=*/false,
               At(400), At(900));
  EXPECT_EQ(relays.NextExpiry(), At(400));
  std::vector<uint32_t> nacked;
  auto record = [&](const RelayTable::Relayed& r) {
    nacked.push_back(r.requester_seq);
  };
  relays.HandleExpiry(At(400), record);
  EXPECT_EQ(nacked, std::vector<uint32_t>{40});
  EXPECT_EQ(relays.NextExpiry(), At(900));
  relays.HandleExpiry(At(900), record);
  EXPECT_EQ(relays.size(), 1u);
  EXPECT_EQ(relays.NextExpiry(), At(1000));
  relays.HandleExpiry(At(1000), record);
  EXPECT_EQ(nacked, std::vector<uint32_t>{40});  // never a second nack
  EXPECT_EQ(relays.size(), 0u);
  EXPECT_EQ(relays.NextExpiry(), std::nullopt);
}

TEST(RelayTableTest, RepeatsTakeNoSecondSlotFromAnyAddress) {
  RelayTable relays;
  relays.Start(1, Requester(1), std::nullopt, 40, kTarget, true, At(400),
               At(1000));
  EXPECT_EQ(relays.Admit(Requester(1), 40, kTarget),
            RelayTable::Admission::kRepeat);
  EXPECT_EQ(relays.Admit(Requester(7, 1234), 40, kTarget),
            RelayTable::Admission::kRepeat);
  // Another sequence number or target is another request.
  EXPECT_EQ(relays.Admit(Requester(1), 41, kTarget),
            RelayTable::Admission::kAdmitted);
  EXPECT_EQ(relays.Admit(Requester(1), 40, Requester(9)),
            RelayTable::Admission::kAdmitted);
}

TEST(RelayTableTest, OneHostHoldsAtMostItsShare) {
  RelayTable relays;
  for (int i = 0; i < RelayTable::kMaxRelaysPerHost; ++i) {
    // Any port of the host counts against it.
    ASSERT_EQ(relays.Admit(Requester(1, 1000 + i), i, kTarget),
              RelayTable::Admission::kAdmitted);
    relays.Start(i, Requester(1, 1000 + i), std::nullopt, i, kTarget, true,
                 At(400), At(1000));
  }
  EXPECT_EQ(relays.Admit(Requester(1, 9999), 500, kTarget),
            RelayTable::Admission::kFull);
  EXPECT_EQ(relays.Admit(Requester(2), 500, kTarget),
            RelayTable::Admission::kAdmitted);
}

TEST(RelayTableTest, TheTableIsBounded) {
  RelayTable relays;
  for (size_t i = 0; i < RelayTable::kMaxRelays; ++i) {
    const Address requester = Requester(static_cast<int>(i / 8) + 1);
    ASSERT_EQ(relays.Admit(requester, i, kTarget),
              RelayTable::Admission::kAdmitted);
    relays.Start(i, requester, std::nullopt, i, kTarget, true, At(400),
                 At(1000));
  }
  EXPECT_EQ(relays.Admit(Requester(200), 9999, kTarget),
            RelayTable::Admission::kFull);
  // Slots come back when relays expire.
  relays.HandleExpiry(At(1000), [](const RelayTable::Relayed&) {});
  EXPECT_EQ(relays.Admit(Requester(200), 9999, kTarget),
            RelayTable::Admission::kAdmitted);
}

}  // namespace
}  // namespace swim

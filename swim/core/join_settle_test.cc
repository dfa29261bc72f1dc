#include "swim/core/join_settle.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"

namespace swim {
namespace {

constexpr absl::Duration kSpacing = absl::Milliseconds(1200);
constexpr absl::Duration kWait = absl::Milliseconds(400);

constexpr char kSeed[] = "seed";
constexpr char kPeer[] = "peer";

Instant At(absl::Duration since) { return Instant() + since; }

// A join sent at 0 and answered by kSeed at `answered`.
JoinSettle Answered(absl::Duration answered) {
  JoinSettle settle(kSpacing, kWait);
  settle.Await();
  settle.OnReply(kSeed, At(answered));
  return settle;
}

TEST(JoinSettleTest, IdleUntilTheJoinIsAnswered) {
  JoinSettle settle(kSpacing, kWait);
  EXPECT_FALSE(settle.active());
  // A reply before any join (to a regular exchange) starts nothing.
  settle.OnReply(kSeed, At(absl::ZeroDuration()));
  EXPECT_FALSE(settle.active());
  EXPECT_EQ(settle.NextExpiry(), std::nullopt);
  EXPECT_EQ(settle.HandleExpiry(At(absl::Hours(1))), std::nullopt);
  // Sent, not answered yet: still nothing due.
  settle.Await();
  EXPECT_FALSE(settle.active());
  EXPECT_EQ(settle.HandleExpiry(At(absl::Hours(2))), std::nullopt);
}

TEST(JoinSettleTest, TheFirstExchangeGoesToWhoAnsweredOneSpacingLater) {
  JoinSettle settle(kSpacing, kWait);
  settle.Await();
  // The first reply after the join requests may come from another seed,
  // or from a seed asked again: whoever answered first.
  settle.OnReply(kPeer, At(absl::Seconds(1)));
  settle.OnReply(kSeed, At(absl::Seconds(1)));
  EXPECT_TRUE(settle.active());
  EXPECT_EQ(settle.NextExpiry(), At(absl::Seconds(1) + kSpacing));
  // Not due yet: nothing, and the deadline stays.
  EXPECT_EQ(settle.HandleExpiry(At(absl::Seconds(2))), std::nullopt);
  EXPECT_EQ(settle.NextExpiry(), At(absl::Seconds(1) + kSpacing));
  // Due: made even though nothing grew (the answer may have been the
  // little its sender knew).
  std::optional<JoinSettle::Exchange> exchange =
      settle.HandleExpiry(At(absl::Seconds(1) + kSpacing));
  ASSERT_TRUE(exchange.has_value());
  EXPECT_EQ(exchange->to, kPeer);
  EXPECT_EQ(settle.exchanges(), 1);
  // Its answer is due first; once answered, the next regular one.
  EXPECT_EQ(settle.NextExpiry(), At(absl::Seconds(1) + kSpacing + kWait));
  settle.OnReply(kPeer, At(absl::Seconds(1) + kSpacing));
  EXPECT_EQ(settle.NextExpiry(), At(absl::Seconds(1) + 2 * kSpacing));
}

TEST(JoinSettleTest, ItStopsAfterkQuietExchangesAnsweredWithNothingNew) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing)).has_value());
  // The answer brought members: again, with a random member.
  settle.OnGrowth();
  settle.OnReply(kSeed, At(kSpacing));
  std::optional<JoinSettle::Exchange> exchange =
      settle.HandleExpiry(At(2 * kSpacing));
  ASSERT_TRUE(exchange.has_value());
  EXPECT_EQ(exchange->to, std::nullopt);
  // Answered with nothing new, kQuietExchanges times in a row: settled.
  int i = 2;
  for (int quiet = 1; quiet < JoinSettle::kQuietExchanges; ++quiet, ++i) {
    settle.OnReply(kPeer, At(i * kSpacing));
    ASSERT_TRUE(settle.HandleExpiry(At((i + 1) * kSpacing)).has_value())
        << quiet;
  }
  settle.OnReply(kPeer, At(i * kSpacing));
  EXPECT_EQ(settle.HandleExpiry(At((i + 1) * kSpacing)), std::nullopt);
  EXPECT_FALSE(settle.active());
  EXPECT_EQ(settle.exchanges(), 1 + JoinSettle::kQuietExchanges);
  // Later growth (gossip, a later joiner) is the regular exchanges' job.
  settle.OnGrowth();
  settle.OnReply(kPeer, At((i + 2) * kSpacing));
  EXPECT_FALSE(settle.active());
}

TEST(JoinSettleTest, GrowthBetweenQuietExchangesStartsTheCountOver) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing)).has_value());
  settle.OnReply(kSeed, At(kSpacing));
  ASSERT_TRUE(settle.HandleExpiry(At(2 * kSpacing)).has_value());  // quiet
  settle.OnReply(kPeer, At(2 * kSpacing));
  settle.OnGrowth();  // gossip after the answer
  // Not quiet: the count starts over, and kQuietExchanges more follow.
  int made = 2;
  for (int i = 3; settle.HandleExpiry(At(i * kSpacing)).has_value(); ++i) {
    ++made;
    settle.OnReply(kPeer, At(i * kSpacing));
  }
  EXPECT_EQ(made, 3 + JoinSettle::kQuietExchanges - 1);
  EXPECT_EQ(settle.exchanges(), made);
}

TEST(JoinSettleTest, AnUnansweredExchangeIsMadeAgain) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  // More than kQuietExchanges in a row: an unanswered one is not quiet.
  constexpr int kTicks = JoinSettle::kQuietExchanges + 2;
  static_assert(kTicks <= JoinSettle::kMaxExchanges);
  for (int i = 1; i <= kTicks; ++i) {
    // No reply (lost, or refused as too soon), nothing grew: once more.
    std::optional<JoinSettle::Exchange> exchange =
        settle.HandleExpiry(At(i * kSpacing));
    ASSERT_TRUE(exchange.has_value()) << i;
  }
  EXPECT_EQ(settle.exchanges(), kTicks);
}

TEST(JoinSettleTest, AnExchangeNotAnsweredInTimeIsMadeAgainUpToTwice) {
  static_assert(JoinSettle::kRetriesPerExchange == 2);
  JoinSettle settle = Answered(absl::ZeroDuration());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing)).has_value());
  EXPECT_EQ(settle.NextExpiry(), At(kSpacing + kWait));
  // Not yet.
  EXPECT_EQ(settle.HandleExpiry(At(kSpacing + kWait / 2)), std::nullopt);
  // No answer in time: one more at once, to a member chosen at random.
  std::optional<JoinSettle::Exchange> again =
      settle.HandleExpiry(At(kSpacing + kWait));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->to, std::nullopt);
  EXPECT_EQ(settle.exchanges(), 2);
  // That one is not answered in time either: another.
  EXPECT_EQ(settle.NextExpiry(), At(kSpacing + 2 * kWait));
  EXPECT_EQ(settle.HandleExpiry(At(kSpacing + kWait + kWait / 2)),
            std::nullopt);
  again = settle.HandleExpiry(At(kSpacing + 2 * kWait));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->to, std::nullopt);
  EXPECT_EQ(settle.exchanges(), 3);
  // No more: the regular one keeps its time.
  EXPECT_EQ(settle.NextExpiry(), At(2 * kSpacing));
  EXPECT_EQ(settle.HandleExpiry(At(kSpacing + 2 * kWait + kWait / 2)),
            std::nullopt);
  EXPECT_TRUE(settle.HandleExpiry(At(2 * kSpacing)).has_value());
  EXPECT_EQ(settle.exchanges(), 4);
  // Each regular exchange may be made again as often.
  EXPECT_TRUE(settle.HandleExpiry(At(2 * kSpacing + kWait)).has_value());
  EXPECT_TRUE(settle.HandleExpiry(At(2 * kSpacing + 2 * kWait)).has_value());
  EXPECT_EQ(settle.exchanges(), 6);
}

TEST(JoinSettleTest, NoneMadeAgainOnceTheNextRegularOneIsDue) {
  // A wait of more than a third of the spacing (a probe timeout of half
  // the probe interval, as in the LAN preset): the second would be due
  // after the next regular exchange, which goes instead.
  constexpr absl::Duration kLongWait = absl::Milliseconds(700);
  JoinSettle settle(kSpacing, kLongWait);
  settle.Await();
  settle.OnReply(kSeed, At(absl::ZeroDuration()));
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing)).has_value());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing + kLongWait)).has_value());
  EXPECT_EQ(settle.NextExpiry(), At(2 * kSpacing));
  std::optional<JoinSettle::Exchange> regular =
      settle.HandleExpiry(At(2 * kSpacing));
  ASSERT_TRUE(regular.has_value());
  EXPECT_EQ(settle.exchanges(), 3);
  // It may be made again in turn.
  EXPECT_EQ(settle.NextExpiry(), At(2 * kSpacing + kLongWait));
}

TEST(JoinSettleTest, StopOrARejoinEndsTheRetries) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing)).has_value());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing + kWait)).has_value());
  settle.Stop();
  EXPECT_EQ(settle.NextExpiry(), std::nullopt);
  EXPECT_EQ(settle.HandleExpiry(At(kSpacing + 2 * kWait)), std::nullopt);

  settle = Answered(absl::ZeroDuration());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing)).has_value());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing + kWait)).has_value());
  settle.Await();
  EXPECT_EQ(settle.NextExpiry(), std::nullopt);
  EXPECT_EQ(settle.HandleExpiry(At(kSpacing + 2 * kWait)), std::nullopt);
}

TEST(JoinSettleTest, AnAnswerToTheExchangeMadeAgainEndsTheRetries) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing)).has_value());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing + kWait)).has_value());
  // Any answer (the late first one, or the one made again) will do.
  settle.OnReply(kPeer, At(kSpacing + kWait + kWait / 2));
  EXPECT_EQ(settle.NextExpiry(), At(2 * kSpacing));
  EXPECT_EQ(settle.HandleExpiry(At(kSpacing + 2 * kWait)), std::nullopt);
  EXPECT_EQ(settle.exchanges(), 2);
}

TEST(JoinSettleTest, AnAnswerInTimeMakesNoneAgain) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  ASSERT_TRUE(settle.HandleExpiry(At(kSpacing)).has_value());
  settle.OnReply(kSeed, At(kSpacing + kWait / 2));
  EXPECT_EQ(settle.NextExpiry(), At(2 * kSpacing));
  EXPECT_EQ(settle.HandleExpiry(At(kSpacing + kWait)), std::nullopt);
  EXPECT_EQ(settle.exchanges(), 1);
}

TEST(JoinSettleTest, ExchangesMadeAgainDoNotUseUpTheRegularOnes) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  int regular = 0;
  int again = 0;
  for (int i = 1; i <= 3 * JoinSettle::kMaxExchanges; ++i) {
    settle.OnGrowth();
    if (settle.HandleExpiry(At(i * kSpacing)).has_value()) ++regular;
    // Never answered.
    for (int retry = 1; retry <= JoinSettle::kRetriesPerExchange; ++retry) {
      if (settle.HandleExpiry(At(i * kSpacing + retry * kWait)).has_value()) {
        ++again;
      }
    }
    // No more before the next regular one.
    EXPECT_EQ(settle.HandleExpiry(At(i * kSpacing +
                                     JoinSettle::kRetriesPerExchange * kWait +
                                     kWait / 2)),
              std::nullopt);
  }
  EXPECT_EQ(regular, JoinSettle::kMaxExchanges);
  EXPECT_EQ(again, JoinSettle::kRetriesPerExchange * JoinSettle::kMaxExchanges);
  EXPECT_EQ(settle.exchanges(),
            (1 + JoinSettle::kRetriesPerExchange) * JoinSettle::kMaxExchanges);
  EXPECT_FALSE(settle.active());
  EXPECT_EQ(settle.NextExpiry(), std::nullopt);
}

TEST(JoinSettleTest, AtMostkMaxExchanges) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  int made = 0;
  for (int i = 1; i <= 3 * JoinSettle::kMaxExchanges; ++i) {
    settle.OnGrowth();
    if (settle.HandleExpiry(At(i * kSpacing)).has_value()) ++made;
  }
  EXPECT_EQ(made, JoinSettle::kMaxExchanges);
  EXPECT_FALSE(settle.active());
}

TEST(JoinSettleTest, StopAndStartOver) {
  JoinSettle settle = Answered(absl::ZeroDuration());
  settle.Stop();
  EXPECT_FALSE(settle.active());
  EXPECT_EQ(settle.HandleExpiry(At(kSpacing)), std::nullopt);
  // A reply after the stop starts nothing.
  settle.OnReply(kSeed, At(kSpacing));
  EXPECT_FALSE(settle.active());
  // A rejoin starts over: whoever answers it first, first.
  settle.Await();
  settle.OnReply(kPeer, At(absl::Seconds(10)));
  std::optional<JoinSettle::Exchange> exchange =
      settle.HandleExpiry(At(absl::Seconds(10) + kSpacing));
  ASSERT_TRUE(exchange.has_value());
  EXPECT_EQ(exchange->to, kPeer);
  EXPECT_EQ(settle.exchanges(), 1);
}

// ExchangeSchedule: the regular exchange and the burst exchanges between.

constexpr absl::Duration kSettle = absl::Milliseconds(800);
constexpr absl::Duration kInterval = absl::Seconds(30);

TEST(ExchangeScheduleTest, TheRegularExchangeKeepsItsInterval) {
  ExchangeSchedule schedule(kSpacing);
  EXPECT_EQ(schedule.Start(At(kInterval)), At(kInterval));
  EXPECT_EQ(schedule.regular_due(), At(kInterval));
  EXPECT_EQ(schedule.OnTick(At(kInterval), kInterval), At(2 * kInterval));
  // The interval may change with the cluster's size.
  EXPECT_EQ(schedule.OnTick(At(2 * kInterval), 2 * kInterval),
            At(4 * kInterval));
  EXPECT_EQ(schedule.burst_exchanges(), 0);
}

TEST(ExchangeScheduleTest, OneNewcomerNowAndThenIsLeftToGossip) {
  ExchangeSchedule schedule(kSpacing);
  schedule.Start(At(kInterval));
  EXPECT_EQ(schedule.OnGrowth(At(absl::Seconds(1)), kSettle, true),
            std::nullopt);
  EXPECT_EQ(
      schedule.OnGrowth(At(absl::Seconds(1)) + kSettle + absl::Milliseconds(1),
                        kSettle, true),
      std::nullopt);
}

TEST(ExchangeScheduleTest, ABurstCallsForAnExchangeOnceTheViewStopsGrowing) {
  ExchangeSchedule schedule(kSpacing);
  schedule.Start(At(kInterval));
  const Instant first = At(absl::Seconds(1));
  EXPECT_EQ(schedule.OnGrowth(first, kSettle, true), std::nullopt);
  // A second newcomer within kSettle: a burst.
  EXPECT_EQ(schedule.OnGrowth(first + kSettle, kSettle, true),
            first + 2 * kSettle);
  // Each newcomer moves it.
  EXPECT_EQ(schedule.OnGrowth(first + 2 * kSettle - absl::Milliseconds(1),
                              kSettle, true),
            first + 3 * kSettle - absl::Milliseconds(1));
  // A burst exchange: the regular one keeps its time.
  EXPECT_EQ(schedule.OnTick(first + 3 * kSettle, kInterval), At(kInterval));
  EXPECT_EQ(schedule.burst_exchanges(), 1);
}

TEST(ExchangeScheduleTest, NoneWhenNotAllowedButTheGrowthCounts) {
  ExchangeSchedule schedule(kSpacing);
  schedule.Start(At(kInterval));
  const Instant first = At(absl::Seconds(1));
  EXPECT_EQ(schedule.OnGrowth(first, kSettle, false), std::nullopt);
  EXPECT_EQ(schedule.OnGrowth(first + kSettle / 2, kSettle, false),
            std::nullopt);
  // Allowed again (a joiner's settle exchanges ended): the burst goes on.
  EXPECT_EQ(schedule.OnGrowth(first + kSettle, kSettle, true),
            first + 2 * kSettle);
}

TEST(ExchangeScheduleTest, ABurstThatGoesOnEarnsMoreSpacedAndCapped) {
  ExchangeSchedule schedule(kSpacing);
  schedule.Start(At(kInterval));
  constexpr absl::Duration kStep = absl::Milliseconds(10);
  Instant now = At(absl::Seconds(1));
  std::optional<Instant> last;
  for (int made = 0; made < kMaxBurstExchanges; ++made) {
    // Two newcomers kStep apart: a burst.
    schedule.OnGrowth(now, kSettle, true);
    now += kStep;
    const std::optional<Instant> at = schedule.OnGrowth(now, kSettle, true);
    ASSERT_TRUE(at.has_value()) << made;
    // Once the view is still, and no sooner than a spacing after the last.
    EXPECT_EQ(*at, last ? *last + kSpacing : now + kSettle) << made;
    EXPECT_EQ(schedule.OnTick(*at, kInterval), At(kInterval));
    EXPECT_EQ(schedule.burst_exchanges(), made + 1);
    last = at;
    now = *at + kStep;
  }
  // kMaxBurstExchanges made: no more until the regular one.
  schedule.OnGrowth(now, kSettle, true);
  EXPECT_EQ(schedule.OnGrowth(now + kStep, kSettle, true), std::nullopt);
  EXPECT_EQ(schedule.OnTick(At(kInterval), kInterval), At(2 * kInterval));
  EXPECT_EQ(schedule.burst_exchanges(), 0);
  // After it, a burst earns them again.
  const Instant later = At(kInterval + absl::Seconds(1));
  schedule.OnGrowth(later, kSettle, true);
  EXPECT_EQ(schedule.OnGrowth(later + kStep, kSettle, true),
            later + kStep + kSettle);
}

TEST(ExchangeScheduleTest, NoneAtOrAfterTheRegularOne) {
  ExchangeSchedule schedule(kSpacing);
  schedule.Start(At(kInterval));
  const Instant first = At(kInterval) - kSettle;
  schedule.OnGrowth(first, kSettle, true);
  // Due at first + kSettle / 2 + kSettle, past the regular exchange.
  EXPECT_EQ(schedule.OnGrowth(first + kSettle / 2, kSettle, true),
            std::nullopt);
  // Due exactly with it: the regular one goes alone.
  ExchangeSchedule exact(kSpacing);
  exact.Start(At(kInterval));
  exact.OnGrowth(At(kInterval) - 2 * kSettle, kSettle, true);
  EXPECT_EQ(exact.OnGrowth(At(kInterval) - kSettle, kSettle, true),
            std::nullopt);
  // A millisecond sooner, it goes.
  ExchangeSchedule sooner(kSpacing);
  sooner.Start(At(kInterval));
  const Instant before = At(kInterval) - absl::Milliseconds(1);
  sooner.OnGrowth(before - 2 * kSettle, kSettle, true);
  EXPECT_EQ(sooner.OnGrowth(before - kSettle, kSettle, true), before);
}

// JoinHandoff: the joiners a member answered get its view again when it
// more than doubles in one exchange.
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr absl::Duration kKeep = absl::Seconds(15);

TEST(JoinHandoffTest, AViewThatMoreThanDoublesIsOwedToTheJoiners) {
  JoinHandoff handoff(kKeep);
  handoff.OnAnswered("a", At(absl::Seconds(1)));
  handoff.OnAnswered("b", At(absl::Seconds(2)));
  // The joiners themselves, one by one, are no such growth.
  EXPECT_THAT(handoff.OnExchange(2, 3, At(absl::Seconds(2))), IsEmpty());
  // Doubling is not enough; more is.
  EXPECT_THAT(handoff.OnExchange(3, 6, At(absl::Seconds(3))), IsEmpty());
  EXPECT_THAT(handoff.OnExchange(3, 7, At(absl::Seconds(3))),
              ElementsAre("a", "b"));
  // They stay remembered: the view may double again.
  EXPECT_THAT(handoff.OnExchange(7, 243, At(absl::Seconds(4))),
              ElementsAre("a", "b"));
}

TEST(JoinHandoffTest, GrowthByOneIsNotEnough) {
  JoinHandoff handoff(kKeep);
  handoff.OnAnswered("a", At(absl::ZeroDuration()));
  // From nothing to one member is more than double, but one member.
  EXPECT_THAT(handoff.OnExchange(0, 1, At(absl::ZeroDuration())), IsEmpty());
  EXPECT_THAT(handoff.OnExchange(0, 2, At(absl::ZeroDuration())),
              ElementsAre("a"));
  // A shrinking or unchanged view owes nothing.
  EXPECT_THAT(handoff.OnExchange(5, 5, At(absl::ZeroDuration())), IsEmpty());
  EXPECT_THAT(handoff.OnExchange(5, 2, At(absl::ZeroDuration())), IsEmpty());
}

TEST(JoinHandoffTest, JoinersAreKeptForAWhileAndAtMostSoMany) {
  JoinHandoff handoff(kKeep);
  handoff.OnAnswered("early", At(absl::ZeroDuration()));
  for (size_t i = 0; i < JoinHandoff::kMaxJoiners; ++i) {
    handoff.OnAnswered(absl::StrCat("j", i), At(absl::Seconds(10)));
  }
  // The earliest made room for the latest.
  EXPECT_EQ(handoff.size(), JoinHandoff::kMaxJoiners);
  std::vector<std::string> owed =
      handoff.OnExchange(1, 100, At(absl::Seconds(10)));
  ASSERT_EQ(owed.size(), JoinHandoff::kMaxJoiners);
  EXPECT_EQ(owed.front(), "j0");
  // Exactly `keep` after they were answered they are still owed, and not
  // after that.
  EXPECT_EQ(handoff.OnExchange(1, 100, At(absl::Seconds(10) + kKeep)).size(),
            JoinHandoff::kMaxJoiners);
  EXPECT_THAT(
      handoff.OnExchange(1, 100, At(absl::Seconds(25) + absl::Nanoseconds(1))),
      IsEmpty());
  EXPECT_EQ(handoff.size(), 0u);
}

TEST(JoinHandoffTest, AJoinerThatAsksAgainIsOneJoiner) {
  JoinHandoff handoff(kKeep);
  handoff.OnAnswered("a", At(absl::ZeroDuration()));
  handoff.OnAnswered("b", At(absl::Seconds(1)));
  handoff.OnAnswered("a", At(absl::Seconds(2)));
  EXPECT_EQ(handoff.size(), 2u);
  // Kept from its latest join.
  EXPECT_THAT(handoff.OnExchange(1, 10, At(absl::Milliseconds(16500))),
              ElementsAre("a"));
}

}  // namespace
}  // namespace swim

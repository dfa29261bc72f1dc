#include "swim/core/join_settle.h"

#include <optional>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"

namespace swim {
namespace {

constexpr absl::Duration kSpacing = absl::Milliseconds(1200);

constexpr char kSeed[] = "seed";
constexpr char kPeer[] = "peer";

Instant At(absl::Duration since) { return Instant() + since; }

// A join sent at 0 and answered by kSeed at `answered`.
JoinSettle Answered(absl::Duration answered) {
  JoinSettle settle(kSpacing);
  settle.Await();
  settle.OnReply(kSeed, At(answered));
  return settle;
}

TEST(JoinSettleTest, IdleUntilTheJoinIsAnswered) {
  JoinSettle settle(kSpacing);
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
  JoinSettle settle(kSpacing);
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
  for (int i = 1; i <= 3; ++i) {
    // No reply (lost, or refused as too soon), nothing grew: once more.
    std::optional<JoinSettle::Exchange> exchange =
        settle.HandleExpiry(At(i * kSpacing));
    ASSERT_TRUE(exchange.has_value()) << i;
  }
  EXPECT_EQ(settle.exchanges(), 3);
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

}  // namespace
}  // namespace swim

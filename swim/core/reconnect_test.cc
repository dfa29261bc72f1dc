#include "swim/core/reconnect.h"

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"
#include "swim/core/isolation.h"

namespace swim {
namespace {

const Instant kStart = Instant(absl::Seconds(1000));
constexpr absl::Duration kWindow = absl::Seconds(3);

TEST(ReconnectTest, DisabledNeverTicks) {
  Reconnect reconnect(absl::ZeroDuration());
  EXPECT_FALSE(reconnect.enabled());
  reconnect.Start(kStart);
  EXPECT_EQ(reconnect.NextExpiry(), std::nullopt);
  EXPECT_FALSE(reconnect.HandleExpiry(kStart + absl::Hours(1)));
}

TEST(ReconnectTest, TicksOnceAnIntervalFromWhenItRan) {
  Reconnect reconnect(absl::Seconds(10));
  reconnect.Start(kStart + absl::Seconds(3));
  EXPECT_EQ(reconnect.NextExpiry(), kStart + absl::Seconds(3));
  EXPECT_FALSE(reconnect.HandleExpiry(kStart + absl::Seconds(2)));
  // Late is fine: the next tick is an interval after this one ran.
  EXPECT_TRUE(reconnect.HandleExpiry(kStart + absl::Seconds(4)));
  EXPECT_EQ(reconnect.NextExpiry(), kStart + absl::Seconds(14));
  EXPECT_FALSE(reconnect.HandleExpiry(kStart + absl::Seconds(4)));
  reconnect.Stop();
  EXPECT_EQ(reconnect.NextExpiry(), std::nullopt);
}

TEST(ReconnectTest, AnAckNamesItsTargetOnceAndOnlyForItsSequence) {
  Reconnect reconnect(absl::Seconds(10));
  reconnect.Start(kStart);
  ASSERT_TRUE(reconnect.HandleExpiry(kStart));
  reconnect.Attempt(77, "b");
  EXPECT_EQ(reconnect.OnAck(76), std::nullopt);
  EXPECT_EQ(reconnect.OnAck(77), std::optional<std::string>("b"));
  EXPECT_EQ(reconnect.OnAck(77), std::nullopt);  // a repeat
}

TEST(ReconnectTest, TheNextTickGivesUpAnUnansweredAttempt) {
  Reconnect reconnect(absl::Seconds(10));
  reconnect.Start(kStart);
  ASSERT_TRUE(reconnect.HandleExpiry(kStart));
  reconnect.Attempt(5, "b");
  ASSERT_TRUE(reconnect.HandleExpiry(kStart + absl::Seconds(10)));
  EXPECT_EQ(reconnect.OnAck(5), std::nullopt);
  reconnect.Attempt(6, "c");
  reconnect.Stop();
  EXPECT_EQ(reconnect.OnAck(6), std::nullopt);
}

TEST(ReconnectTest, ChanceSpreadsOneAttemptPerOfflineMemberPerInterval) {
  Reconnect reconnect(absl::Seconds(10));
  const absl::Duration fresh = absl::Minutes(1);
  EXPECT_EQ(reconnect.Chance(0, 10, fresh), 0);
  EXPECT_DOUBLE_EQ(reconnect.Chance(100, 900, fresh), 100.0 / 900.0);
  EXPECT_EQ(reconnect.Chance(500, 499, fresh), 1);
  EXPECT_EQ(reconnect.Chance(3, 0, fresh), 1);  // isolated: always tries
}

TEST(ReconnectTest, ChanceBacksOffForMembersGoneLong) {
  Reconnect reconnect(absl::Seconds(10));
  const absl::Duration after =
      absl::Seconds(10) * Reconnect::kBackoffAfter;  // 5 minutes
  EXPECT_EQ(reconnect.Chance(1, 0, after), 1);
  EXPECT_DOUBLE_EQ(reconnect.Chance(1, 0, 2 * after), 0.5);
  EXPECT_DOUBLE_EQ(reconnect.Chance(1, 0, 4 * after),
                   1.0 / Reconnect::kMaxBackoff);
  EXPECT_DOUBLE_EQ(reconnect.Chance(1, 0, absl::Hours(100)),
                   1.0 / Reconnect::kMaxBackoff);
}

constexpr int kProbes = 3;

TEST(IsolationTest, ProbesWithoutContactIsolateUntilContact) {
  Isolation isolation(kStart);
  isolation.OnProbe();
  isolation.OnProbe();
  EXPECT_FALSE(isolation.Check(kStart + absl::Seconds(2), 5, kProbes).isolated);
  isolation.OnProbe();
  Isolation::State state =
      isolation.Check(kStart + absl::Seconds(3), 5, kProbes);
  EXPECT_TRUE(state.isolated);
  EXPECT_FALSE(state.ended);
  isolation.OnContact();
  state = isolation.Check(kStart + absl::Seconds(20), 5, kProbes);
  EXPECT_FALSE(state.isolated);
  EXPECT_TRUE(state.ended);
  // Reported once.
  EXPECT_FALSE(isolation.Check(kStart + absl::Seconds(21), 5, kProbes).ended);
}

// Lifeguard stretches the probe period as an isolated member's probes
// fail: however long its probes take, a count of them still isolates it,
// and nothing but contact ends it.
TEST(IsolationTest, ProbesCountWhateverTheirPeriod) {
  Isolation isolation(kStart);
  for (int i = 0; i < kProbes; ++i) isolation.OnProbe();
  EXPECT_TRUE(isolation.Check(kStart + absl::Hours(1), 5, kProbes).isolated);
  for (int i = 0; i < 100; ++i) isolation.OnProbe();
  EXPECT_TRUE(isolation.Check(kStart + absl::Hours(9), 5, kProbes).isolated);
  // Contact between probes resets the count.
  isolation.OnContact();
  isolation.OnProbe();
  isolation.OnProbe();
  isolation.OnContact();
  isolation.OnProbe();
  isolation.OnProbe();
  EXPECT_FALSE(isolation.Check(kStart + absl::Hours(10), 5, kProbes).isolated);
}

TEST(IsolationTest, TooFewPeersToTellNeverIsolates) {
  // With one other member, its silence cannot be told from this member's.
  Isolation isolation(kStart);
  for (int i = 0; i < 10; ++i) isolation.OnProbe();
  EXPECT_FALSE(isolation.Check(kStart + absl::Hours(1), 1, kProbes).isolated);
  EXPECT_FALSE(isolation.Check(kStart + absl::Hours(1), 0, kProbes).isolated);
}

TEST(IsolationTest, APauseIsolatesForOneWindowWhateverArrives) {
  Isolation isolation(kStart);
  isolation.OnRun(kStart + absl::Seconds(1), kWindow);
  isolation.OnContact();
  // Not run for 60 seconds: the first input after the pause is contact,
  // yet what fell due meanwhile is held for a window.
  const Instant resumed = kStart + absl::Seconds(61);
  isolation.OnRun(resumed, kWindow);
  isolation.OnContact();
  EXPECT_TRUE(isolation.Check(resumed, 1, kProbes).isolated);
  EXPECT_TRUE(
      isolation
          .Check(resumed + absl::Seconds(3) - absl::Nanoseconds(1), 1, kProbes)
          .isolated);
  const Isolation::State state =
      isolation.Check(resumed + absl::Seconds(3), 1, kProbes);
  EXPECT_FALSE(state.isolated);
  EXPECT_TRUE(state.ended);
}

TEST(IsolationTest, ZeroProbesIsOff) {
  Isolation isolation(kStart);
  isolation.OnRun(kStart + absl::Hours(1), absl::ZeroDuration());
  for (int i = 0; i < 10; ++i) isolation.OnProbe();
  EXPECT_FALSE(isolation.Check(kStart + absl::Hours(2), 100, 0).isolated);
}

}  // namespace
}  // namespace swim

#include "swim/core/timer_queue.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"
#include "swim/core/random.h"

namespace swim {
namespace {

using Kind = TimerQueue::Kind;

const Instant kT = Instant(absl::Seconds(1700000000));

Instant At(int64_t ms) { return kT + absl::Milliseconds(ms); }

constexpr Kind kSingletons[] = {
    Kind::kProbeTick,
    Kind::kGossip,
    Kind::kPushPull,
    Kind::kJoinRetry,
};

// "kind:key@ms" for each timer due at `now`, in the order they pop.
std::vector<std::string> DrainDue(TimerQueue& timers, Instant now) {
  std::vector<std::string> fired;
  while (std::optional<TimerQueue::Fired> timer = timers.PopDue(now)) {
    fired.push_back(absl::StrCat(static_cast<int>(timer->kind), ":", timer->key,
                                 "@",
                                 absl::ToInt64Milliseconds(timer->at - kT)));
    if (fired.size() > 1000) break;
  }
  return fired;
}

std::string Singleton(Kind kind, int64_t ms) {
  return absl::StrCat(static_cast<int>(kind), ":@", ms);
}

std::string Keyed(Kind kind, const std::string& key, int64_t ms) {
  return absl::StrCat(static_cast<int>(kind), ":", key, "@", ms);
}

TEST(TimerQueueTest, EmptyQueue) {
  TimerQueue timers;
  EXPECT_EQ(timers.Next(), std::nullopt);
  EXPECT_EQ(timers.PopDue(Instant::InfiniteFuture()), std::nullopt);
  EXPECT_EQ(timers.keyed_size(), 0u);
  for (Kind kind : kSingletons) EXPECT_EQ(timers.Get(kind), std::nullopt);
}

TEST(TimerQueueTest, NothingDueYet) {
  TimerQueue timers;
  timers.Set(Kind::kProbeTick, At(10));
  timers.Add(Kind::kSuspicion, "m", At(20));
  EXPECT_EQ(timers.PopDue(At(9)), std::nullopt);
  EXPECT_EQ(timers.PopDue(kT), std::nullopt);
  EXPECT_EQ(timers.PopDue(Instant::InfinitePast()), std::nullopt);
  // Nothing was consumed.
  EXPECT_EQ(timers.Get(Kind::kProbeTick), At(10));
  EXPECT_EQ(timers.keyed_size(), 1u);
  EXPECT_EQ(timers.Next(), At(10));
}

TEST(TimerQueueTest, NextIsTheEarliestOfAll) {
  TimerQueue timers;
  timers.Set(Kind::kGossip, At(50));
  EXPECT_EQ(timers.Next(), At(50));
  timers.Add(Kind::kSuspicion, "a", At(70));
  EXPECT_EQ(timers.Next(), At(50));
  timers.Add(Kind::kReap, "b", At(30));
  EXPECT_EQ(timers.Next(), At(30));
  timers.Set(Kind::kJoinRetry, At(40));
  EXPECT_EQ(timers.Next(), At(30));
  timers.Set(Kind::kProbeTick, At(10));
  EXPECT_EQ(timers.Next(), At(10));
  timers.Cancel(Kind::kProbeTick);
  EXPECT_EQ(timers.Next(), At(30));
  // Popping moves Next on.
  EXPECT_EQ(DrainDue(timers, At(30)),
            std::vector<std::string>{Keyed(Kind::kReap, "b", 30)});
  EXPECT_EQ(timers.Next(), At(40));
  EXPECT_EQ(DrainDue(timers, At(50)),
            (std::vector<std::string>{Singleton(Kind::kJoinRetry, 40),
                                      Singleton(Kind::kGossip, 50)}));
  EXPECT_EQ(timers.Next(), At(70));
  EXPECT_EQ(DrainDue(timers, At(1000)),
            std::vector<std::string>{Keyed(Kind::kSuspicion, "a", 70)});
  EXPECT_EQ(timers.Next(), std::nullopt);
}

// NextExcept leaves one singleton out of the deadline; it still fires once
// due.
TEST(TimerQueueTest, NextExceptLeavesOneSingletonOut) {
  TimerQueue timers;
  EXPECT_EQ(timers.NextExcept(Kind::kJoinRetry), std::nullopt);
  timers.Set(Kind::kJoinRetry, At(10));
  EXPECT_EQ(timers.Next(), At(10));
  EXPECT_EQ(timers.NextExcept(Kind::kJoinRetry), std::nullopt);
  timers.Set(Kind::kProbeTick, At(30));
  timers.Add(Kind::kSuspicion, "a", At(20));
  EXPECT_EQ(timers.NextExcept(Kind::kJoinRetry), At(20));
  EXPECT_EQ(timers.NextExcept(Kind::kProbeTick), At(10));
  EXPECT_EQ(DrainDue(timers, At(30)),
            (std::vector<std::string>{Singleton(Kind::kJoinRetry, 10),
                                      Keyed(Kind::kSuspicion, "a", 20),
                                      Singleton(Kind::kProbeTick, 30)}));
  EXPECT_EQ(timers.NextExcept(Kind::kJoinRetry), std::nullopt);
}

TEST(TimerQueueTest, NextWithEachSingletonAlone) {
  for (Kind kind : kSingletons) {
    TimerQueue timers;
    timers.Add(Kind::kSuspicion, "k", At(100));
    timers.Set(kind, At(99));
    EXPECT_EQ(timers.Next(), At(99)) << static_cast<int>(kind);
    timers.Set(kind, At(101));
    EXPECT_EQ(timers.Next(), At(100)) << static_cast<int>(kind);
  }
}

TEST(TimerQueueTest, SetReplaces) {
  TimerQueue timers;
  timers.Set(Kind::kGossip, At(50));
  timers.Set(Kind::kGossip, At(20));
  EXPECT_EQ(timers.Get(Kind::kGossip), At(20));
  EXPECT_EQ(timers.Next(), At(20));
  // Later again: the earlier time is gone.
  timers.Set(Kind::kGossip, At(80));
  EXPECT_EQ(timers.Get(Kind::kGossip), At(80));
  EXPECT_EQ(timers.Next(), At(80));
  EXPECT_EQ(timers.PopDue(At(50)), std::nullopt);
  // Only one fires.
  EXPECT_EQ(DrainDue(timers, At(100)),
            std::vector<std::string>{Singleton(Kind::kGossip, 80)});
  EXPECT_EQ(timers.Get(Kind::kGossip), std::nullopt);
}

TEST(TimerQueueTest, Cancel) {
  TimerQueue timers;
  timers.Set(Kind::kProbeTick, At(5));
  timers.Set(Kind::kPushPull, At(6));
  timers.Cancel(Kind::kProbeTick);
  EXPECT_EQ(timers.Get(Kind::kProbeTick), std::nullopt);
  EXPECT_EQ(timers.Get(Kind::kPushPull), At(6));
  EXPECT_EQ(timers.Next(), At(6));
  // Cancelling what is not set is harmless.
  timers.Cancel(Kind::kProbeTick);
  timers.Cancel(Kind::kJoinRetry);
  EXPECT_EQ(DrainDue(timers, At(10)),
            std::vector<std::string>{Singleton(Kind::kPushPull, 6)});
  timers.Cancel(Kind::kPushPull);
  EXPECT_EQ(timers.Next(), std::nullopt);
  EXPECT_EQ(timers.PopDue(Instant::InfiniteFuture()), std::nullopt);
  // A cancelled timer can be set again.
  timers.Set(Kind::kProbeTick, At(7));
  EXPECT_EQ(DrainDue(timers, At(7)),
            std::vector<std::string>{Singleton(Kind::kProbeTick, 7)});
}

TEST(TimerQueueTest, FiredCarriesTheScheduledTime) {
  TimerQueue timers;
  timers.Set(Kind::kProbeTick, At(3));
  timers.Add(Kind::kReap, "r", At(4));
  std::optional<TimerQueue::Fired> first = timers.PopDue(At(100));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->kind, Kind::kProbeTick);
  EXPECT_EQ(first->key, "");
  EXPECT_EQ(first->at, At(3));
  std::optional<TimerQueue::Fired> second = timers.PopDue(At(100));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->kind, Kind::kReap);
  EXPECT_EQ(second->key, "r");
  EXPECT_EQ(second->at, At(4));
  EXPECT_EQ(timers.keyed_size(), 0u);
}

TEST(TimerQueueTest, EarlierFiresFirstWhateverItsKind) {
  TimerQueue timers;
  timers.Set(Kind::kProbeTick, At(5));
  timers.Add(Kind::kSuspicion, "early", At(4));
  timers.Set(Kind::kJoinRetry, At(3));
  timers.Add(Kind::kReap, "late", At(6));
  EXPECT_EQ(DrainDue(timers, At(10)), (std::vector<std::string>{
                                          Singleton(Kind::kJoinRetry, 3),
                                          Keyed(Kind::kSuspicion, "early", 4),
                                          Singleton(Kind::kProbeTick, 5),
                                          Keyed(Kind::kReap, "late", 6),
                                      }));
}

TEST(TimerQueueTest, EqualInstantsFireSingletonsInKindOrderThenKeyed) {
  TimerQueue timers;
  // Keyed first and singletons in reverse, so neither insertion order nor
  // kind order of the calls explains the result.
  timers.Add(Kind::kReap, "k1", At(0));
  timers.Add(Kind::kSuspicion, "k2", At(0));
  timers.Add(Kind::kReap, "k3", At(0));
  for (int i = TimerQueue::kSingletonCount - 1; i >= 0; --i) {
    timers.Set(kSingletons[i], At(0));
  }
  EXPECT_EQ(DrainDue(timers, At(0)), (std::vector<std::string>{
                                         Singleton(Kind::kProbeTick, 0),
                                         Singleton(Kind::kGossip, 0),
                                         Singleton(Kind::kPushPull, 0),
                                         Singleton(Kind::kJoinRetry, 0),
                                         Keyed(Kind::kReap, "k1", 0),
                                         Keyed(Kind::kSuspicion, "k2", 0),
                                         Keyed(Kind::kReap, "k3", 0),
                                     }));
  EXPECT_EQ(timers.PopDue(At(0)), std::nullopt);
}

TEST(TimerQueueTest, NextSingletonAndNextKeyedSplitNext) {
  TimerQueue timers;
  EXPECT_EQ(timers.NextSingleton(), std::nullopt);
  EXPECT_EQ(timers.NextKeyed(), std::nullopt);
  timers.Set(Kind::kPushPull, At(8));
  timers.Set(Kind::kGossip, At(9));
  timers.Add(Kind::kReap, "r", At(3));
  timers.Add(Kind::kSuspicion, "s", At(5));
  EXPECT_EQ(timers.NextSingleton(), At(8));
  EXPECT_EQ(timers.NextKeyed(), At(3));
  EXPECT_EQ(timers.Next(), At(3));
  timers.Cancel(Kind::kPushPull);
  EXPECT_EQ(timers.NextSingleton(), At(9));
  ASSERT_TRUE(timers.PopDue(At(3)).has_value());
  EXPECT_EQ(timers.NextKeyed(), At(5));
}

TEST(TimerQueueTest, KeyedTimersAreNotDeduplicated) {
  TimerQueue timers;
  timers.Add(Kind::kSuspicion, "m", At(5));
  timers.Add(Kind::kSuspicion, "m", At(5));
  timers.Add(Kind::kSuspicion, "m", At(2));
  EXPECT_EQ(timers.keyed_size(), 3u);
  EXPECT_EQ(DrainDue(timers, At(5)), (std::vector<std::string>{
                                         Keyed(Kind::kSuspicion, "m", 2),
                                         Keyed(Kind::kSuspicion, "m", 5),
                                         Keyed(Kind::kSuspicion, "m", 5),
                                     }));
  EXPECT_EQ(timers.keyed_size(), 0u);
}

// Many keyed timers over a few instants, added in a scrambled order: they
// pop by time, and at one instant in the order they were added (a heap is
// not stable on its own).
TEST(TimerQueueTest, KeyedTimersAtOneInstantPopInInsertionOrder) {
  struct Added {
    int64_t ms;
    int order;
    std::string key;
  };
  Random random(17);
  TimerQueue timers;
  std::vector<Added> added;
  for (int i = 0; i < 300; ++i) {
    const int64_t ms = static_cast<int64_t>(random.Uniform(5)) * 10;
    const Kind kind = random.Uniform(2) == 0 ? Kind::kSuspicion : Kind::kReap;
    const std::string key = absl::StrCat(static_cast<int>(kind), "-", i);
    timers.Add(kind, key, At(ms));
    added.push_back({ms, i, key});
  }
  EXPECT_EQ(timers.keyed_size(), 300u);
  std::stable_sort(added.begin(), added.end(),
                   [](const Added& a, const Added& b) { return a.ms < b.ms; });
  std::vector<std::string> expected;
  for (const Added& a : added) expected.push_back(a.key);

  std::vector<std::string> popped;
  // Pop in two steps, so "due" is honoured part way.
  for (Instant now : {At(20), At(40)}) {
    while (std::optional<TimerQueue::Fired> timer = timers.PopDue(now)) {
      EXPECT_LE(timer->at, now);
      popped.push_back(timer->key);
    }
    EXPECT_EQ(timers.Next(),
              now == At(20) ? std::optional(At(30)) : std::optional<Instant>());
  }
  EXPECT_EQ(popped, expected);
}

TEST(TimerQueueTest, KeyedAddedWhileDrainingAtTheSameInstant) {
  TimerQueue timers;
  timers.Add(Kind::kReap, "first", At(1));
  timers.Set(Kind::kGossip, At(1));
  std::optional<TimerQueue::Fired> fired = timers.PopDue(At(1));
  ASSERT_TRUE(fired.has_value());
  EXPECT_EQ(fired->kind, Kind::kGossip);
  // A handler schedules more work for the same instant: singletons still
  // go before keyed timers, and the new keyed one after the one already
  // due there.
  timers.Add(Kind::kReap, "second", At(1));
  timers.Set(Kind::kGossip, At(1));
  EXPECT_EQ(DrainDue(timers, At(1)), (std::vector<std::string>{
                                         Singleton(Kind::kGossip, 1),
                                         Keyed(Kind::kReap, "first", 1),
                                         Keyed(Kind::kReap, "second", 1),
                                     }));
}

}  // namespace
}  // namespace swim

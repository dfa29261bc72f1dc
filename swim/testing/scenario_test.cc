#include "swim/testing/scenario.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "swim/core/event.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/testing/test_cluster.h"

namespace swim::testing {
namespace {

constexpr int kMembers = 4;

// Runs `sim` for `duration`, calling `each` after every instant.
void RunCalling(sim::Simulator& sim, absl::Duration duration,
                const std::function<void()>& each) {
  sim.RunUntil(
      [&] {
        each();
        return false;
      },
      duration);
}

// A converged cluster of kMembers.
class ScenarioGoalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.AddAndJoin(kMembers);
    ASSERT_TRUE(cluster_.RunUntil([&] { return cluster_.Converged(); },
                                  absl::Seconds(30)));
  }

  TestCluster cluster_{TestCluster::Options{}};
};

TEST(ScenarioSidesTest, HalvesAndAllBut) {
  EXPECT_EQ(Halves(5),
            (std::pair<std::vector<int>, std::vector<int>>{{0, 1}, {2, 3, 4}}));
  EXPECT_EQ(Halves(1),
            (std::pair<std::vector<int>, std::vector<int>>{{}, {0}}));
  EXPECT_EQ(AllBut(4, 2), (std::vector<int>{0, 1, 3}));
}

TEST_F(ScenarioGoalsTest, AllSeeCurrentWaitsForARestartToBeNoticed) {
  EXPECT_TRUE(AllSeeCurrent(cluster_.sim()));
  cluster_.Restart(2);
  // The others still hold its previous life.
  EXPECT_FALSE(AllSeeCurrent(cluster_.sim()));
  EXPECT_TRUE(cluster_.RunUntil([&] { return AllSeeCurrent(cluster_.sim()); },
                                absl::Seconds(30)));
}

TEST_F(ScenarioGoalsTest, MetadataEverywhereWaitsForEveryLiveMember) {
  EXPECT_FALSE(MetadataEverywhere(cluster_.sim(), 1, "zone", "a"));
  ASSERT_TRUE(cluster_.sim()
                  .Command(1,
                           [](Node& node, Instant now) {
                             return node.SetMetadata({{"zone", "a"}}, now);
                           })
                  .ok());
  EXPECT_FALSE(MetadataEverywhere(cluster_.sim(), 1, "zone", "a"));
  EXPECT_TRUE(cluster_.RunUntil(
      [&] { return MetadataEverywhere(cluster_.sim(), 1, "zone", "a"); },
      absl::Seconds(30)));
  EXPECT_FALSE(MetadataEverywhere(cluster_.sim(), 1, "zone", "b"));
}

TEST_F(ScenarioGoalsTest, HoldAcrossChecksBothDirections) {
  const std::pair<std::vector<int>, std::vector<int>> sides = Halves(kMembers);
  const std::vector<int>& a = sides.first;
  const std::vector<int>& b = sides.second;
  EXPECT_TRUE(HoldAcross(cluster_.sim(), a, b, MemberStatus::kOnline));
  EXPECT_FALSE(HoldAcross(cluster_.sim(), a, b, MemberStatus::kOffline));
  EXPECT_FALSE(HoldAcross(cluster_.sim(), a, b, std::nullopt));
  // Cut: each side ends up holding the other OFFLINE.
  cluster_.sim().Partition(a, b);
  EXPECT_TRUE(cluster_.RunUntil(
      [&] { return HoldAcross(cluster_.sim(), a, b, MemberStatus::kOffline); },
      absl::Minutes(5)));
  EXPECT_FALSE(HoldAcross(cluster_.sim(), a, b, MemberStatus::kOnline));
}

TEST_F(ScenarioGoalsTest, AllKnowEachOtherToleratesSuspicionNotOffline) {
  EXPECT_TRUE(AllKnowEachOther(cluster_.sim()));
  // Member 3 is cut off: it is suspected (still known), then declared.
  cluster_.sim().Partition({3}, AllBut(kMembers, 3));
  bool seen_while_suspected = false;
  ASSERT_TRUE(cluster_.RunUntil(
      [&] {
        bool suspect = false;
        bool not_alive = false;
        for (int viewer = 0; viewer < kMembers; ++viewer) {
          for (int subject = 0; subject < kMembers; ++subject) {
            if (viewer == subject) continue;
            const std::optional<MemberStatus> status =
                cluster_.sim().StatusOf(viewer, subject);
            suspect |= status == MemberStatus::kSuspect;
            not_alive |= status != MemberStatus::kOnline &&
                         status != MemberStatus::kSuspect;
          }
        }
        if (suspect && !not_alive) {
          seen_while_suspected = true;
          EXPECT_TRUE(AllKnowEachOther(cluster_.sim()));
        }
        return cluster_.sim().StatusOf(0, 3) == MemberStatus::kOffline;
      },
      absl::Minutes(2)));
  EXPECT_TRUE(seen_while_suspected);
  EXPECT_FALSE(AllKnowEachOther(cluster_.sim()));
  // A crashed member is nobody's business.
  cluster_.sim().Crash(3);
  cluster_.sim().Heal();
  EXPECT_TRUE(cluster_.RunUntil(
      [&] { return AllKnowEachOther(cluster_.sim()); }, absl::Minutes(2)));
}

// The watch answers as the full scan does at every instant of a join, a
// cut (pairs read long ago go missing behind where it starts), a crash and
// a restart (a table emptied).
TEST(KnowEachOtherWatchTest, AnswersAsTheFullScanThroughJoinCutAndRestart) {
  constexpr int kN = 5;
  TestCluster cluster{TestCluster::Options{}};
  sim::Simulator& sim = cluster.sim();
  KnowEachOtherWatch watch;
  int instants = 0;
  int known = 0;
  int mismatches = 0;
  auto compare = [&] {
    const bool full = AllKnowEachOther(sim);
    const bool watched = watch.Check(sim);
    // Asked twice in a row it answers the same.
    const bool again = watch.Check(sim);
    ++instants;
    if (full) ++known;
    if (watched != full || again != full) ++mismatches;
  };
  auto run = [&](absl::Duration duration) {
    RunCalling(sim, duration, compare);
  };
  for (int i = 0; i < kN; ++i) cluster.Add();
  compare();  // nobody knows anybody
  for (int i = 1; i < kN; ++i) ASSERT_TRUE(sim.Join(i, {0}).ok());
  run(absl::Seconds(20));
  EXPECT_TRUE(watch.Check(sim));
  sim.Partition({0, 1}, {2, 3, 4});
  run(absl::Minutes(2));
  EXPECT_FALSE(watch.Check(sim));
  sim.Heal();
  run(absl::Minutes(2));
  EXPECT_TRUE(watch.Check(sim));
  sim.Crash(2);
  compare();
  run(absl::Seconds(10));
  ASSERT_TRUE(sim.Restart(2, {0}).ok());
  compare();
  run(absl::Minutes(1));
  EXPECT_TRUE(watch.Check(sim));
  EXPECT_EQ(mismatches, 0);
  // Both answers were seen many times.
  EXPECT_GT(known, 100);
  EXPECT_GT(instants - known, 100);
}

TEST_F(ScenarioGoalsTest, NothingQueuedUntilTheNewsIsSpent) {
  EXPECT_TRUE(cluster_.RunUntil([&] { return NothingQueued(cluster_.sim()); },
                                absl::Minutes(1)));
  ASSERT_TRUE(cluster_.sim()
                  .Command(1,
                           [](Node& node, Instant now) {
                             return node.SetMetadata({{"zone", "a"}}, now);
                           })
                  .ok());
  EXPECT_FALSE(NothingQueued(cluster_.sim()));
  EXPECT_TRUE(cluster_.RunUntil([&] { return NothingQueued(cluster_.sim()); },
                                absl::Minutes(1)));
}

// The counts follow every table exactly: compared with a full scan after
// every instant of a join, a partition, a crash and a restart.
TEST(ViewCountsTest, FollowTheTablesThroughJoinCutCrashAndRestart) {
  constexpr int kN = 5;
  TestCluster cluster{TestCluster::Options{}};
  ViewCounts views;
  sim::Simulator& sim = cluster.sim();
  for (int i = 0; i < kN; ++i) {
    cluster.Add();
    views.Added();
  }
  sim.OnEvent([&](int viewer, const Event& event) {
    views.Observe(sim, viewer, event);
  });
  int mismatches = 0;
  auto scan = [&] {
    std::array<int64_t, 4> held = {};
    const MemberStatus statuses[] = {
        MemberStatus::kOnline, MemberStatus::kSuspect, MemberStatus::kOffline,
        MemberStatus::kLeft};
    int64_t live = 0;
    for (int viewer = 0; viewer < kN; ++viewer) {
      if (!sim.alive(viewer)) continue;
      ++live;
      for (int subject = 0; subject < kN; ++subject) {
        if (subject == viewer) continue;
        const std::optional<MemberStatus> status =
            sim.StatusOf(viewer, subject);
        for (int s = 0; s < 4; ++s) {
          if (status == statuses[s]) ++held[s];
        }
      }
    }
    bool same = live == views.live();
    for (int s = 0; s < 4; ++s)
      same = same && held[s] == views.Held(statuses[s]);
    if (!same) ++mismatches;
    return same;
  };
  auto run = [&](absl::Duration duration) {
    RunCalling(sim, duration, [&] { scan(); });
  };
  EXPECT_FALSE(views.AllOnline());
  for (int i = 1; i < kN; ++i) ASSERT_TRUE(sim.Join(i, {0}).ok());
  run(absl::Seconds(20));
  EXPECT_TRUE(views.AllOnline());
  EXPECT_TRUE(views.AllAlive());
  EXPECT_EQ(views.Held(MemberStatus::kOnline), kN * (kN - 1));

  const std::pair<std::vector<int>, std::vector<int>> sides = Halves(kN);
  sim.Partition(sides.first, sides.second);
  run(absl::Minutes(2));
  EXPECT_EQ(views.Held(MemberStatus::kOffline),
            2 * static_cast<int64_t>(sides.first.size() * sides.second.size()));
  EXPECT_FALSE(views.AllAlive());
  sim.Heal();
  run(absl::Minutes(2));
  EXPECT_TRUE(views.AllOnline());

  sim.Crash(2);
  views.Crashed(2);
  scan();
  run(absl::Minutes(1));
  ASSERT_TRUE(sim.Restart(2, {0}).ok());
  views.Restarted(2);
  run(absl::Minutes(1));
  EXPECT_TRUE(views.AllOnline());
  EXPECT_TRUE(AllSeeCurrent(sim));
  EXPECT_EQ(mismatches, 0);
}

TEST_F(ScenarioGoalsTest, GoalWaiterReportsHowLongAGoalTook) {
  GoalWaiter waiter(cluster_.sim());
  const Instant start = cluster_.now();
  const Instant due = start + absl::Milliseconds(2500);
  cluster_.sim().At(due, [&] { waiter.MarkDirty(); });
  const std::optional<absl::Duration> took =
      waiter.RunUntil([&] { return cluster_.now() >= due; },
                      [] { return true; }, absl::Seconds(10));
  ASSERT_TRUE(took.has_value());
  EXPECT_EQ(*took, absl::Milliseconds(2500));
}

TEST_F(ScenarioGoalsTest, GoalWaiterMissesAfterExactlyTheBudget) {
  GoalWaiter waiter(cluster_.sim());
  const Instant start = cluster_.now();
  int checks = 0;
  int instants = 0;
  const std::optional<absl::Duration> took = waiter.RunUntil(
      [&] {
        ++checks;
        return false;
      },
      // Never worth a look: only the safety net checks the goal.
      [] { return false; }, absl::Seconds(10), [&] { ++instants; });
  EXPECT_FALSE(took.has_value());
  EXPECT_EQ(cluster_.now(), start + absl::Seconds(10));
  // Once at the start, at most once a virtual second, once at the end;
  // far fewer than the instants the members were busy at.
  EXPECT_GE(checks, 2);
  EXPECT_LE(checks, 12);
  EXPECT_GT(instants, 10 * checks);
}

}  // namespace
}  // namespace swim::testing

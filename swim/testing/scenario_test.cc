#include "swim/testing/scenario.h"

#include <optional>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "swim/core/node.h"
#include "swim/testing/test_cluster.h"

namespace swim::testing {
namespace {

constexpr int kMembers = 4;

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

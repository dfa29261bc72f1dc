// The invariant checkers themselves: each stays quiet on a healthy run and
// reports, with what, where, when and the seed, the violation it exists to
// catch — made real with a fault the checker was not told about, or made
// up with TraceRecorder::Replay where no honest Node can produce it.

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/event.h"
#include "swim/core/incarnation.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/checked_cluster.h"
#include "swim/testing/cluster_bounds.h"
#include "swim/testing/test_cluster.h"
#include "swim/testing/trace_recorder.h"
#include "swim/testing/violation_log.h"

namespace swim::testing {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kSeed = 17;

CheckedCluster::Options Options(int members) {
  CheckedCluster::Options options;
  options.seed = kSeed;
  options.members = members;
  return options;
}

std::string Lines(const ViolationLog& log) {
  return absl::StrJoin(log.lines(), "\n");
}

// Starts `members` members and waits until they agree.
void StartAndConverge(CheckedCluster& cluster, int members) {
  ASSERT_TRUE(cluster.Start(members).ok());
  const Config& config = cluster.options().config;
  ASSERT_TRUE(cluster.convergence().AwaitWithin(
      DisseminationTime(config, members, cluster.latency()), "the join"))
      << cluster.Report();
}

TEST(TraceRecorderTest, FansEventsOutAndKeepsTheTail) {
  sim::Simulator sim({});
  TraceRecorder trace(sim, /*capacity=*/5);
  int first = 0;
  int second = 0;
  trace.Subscribe([&](int, const Event&) { ++first; });
  const int handle = trace.Subscribe([&](int, const Event&) { ++second; });
  MemberJoined joined;
  joined.member.name = "node-9";
  const Event event = joined;
  trace.Replay(0, event);
  trace.Unsubscribe(handle);
  trace.Replay(0, event);
  EXPECT_EQ(first, 2);
  EXPECT_EQ(second, 1);
  EXPECT_EQ(trace.events(), 2u);
  for (int i = 0; i < 10; ++i) trace.Note("note " + std::to_string(i));
  const std::string tail = trace.Tail();
  EXPECT_THAT(tail, HasSubstr("t=0.000s ** note 9"));
  EXPECT_THAT(tail, HasSubstr("note 5"));
  EXPECT_THAT(tail, ::testing::Not(HasSubstr("note 4")));
}

TEST(TraceRecorderTest, SharesTheSimulatorWithTestCluster) {
  TestCluster::Options options;
  options.seed = kSeed;
  TestCluster cluster(options);
  int seen = 0;
  cluster.trace().Subscribe([&](int, const Event&) { ++seen; });
  cluster.AddAndJoin(3);
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); }, absl::Minutes(1)));
  size_t logged = 0;
  for (int i = 0; i < cluster.size(); ++i) logged += cluster.events(i).size();
  EXPECT_GT(seen, 0);
  EXPECT_EQ(static_cast<size_t>(seen), logged);
}

TEST(IncarnationCheckerTest, QuietOnAHealthyRunWithRestarts) {
  CheckedCluster cluster(Options(5));
  StartAndConverge(cluster, 5);
  cluster.sim().Crash(2);
  ASSERT_TRUE(cluster.sim().Restart(2, {0}).ok());
  ASSERT_TRUE(
      cluster.convergence().AwaitWithin(cluster.heal_bound(), "the restart"));
  cluster.incarnations().Snapshot();
  EXPECT_GT(cluster.incarnations().checks(), 0u);
  EXPECT_TRUE(cluster.ok()) << cluster.Report();
}

TEST(IncarnationCheckerTest, ReportsAnEventThatGoesBackwards) {
  CheckedCluster cluster(Options(3));
  StartAndConverge(cluster, 3);
  const Member held = *cluster.sim().node(1).Find("node-2");
  MemberStatusChanged changed{held, held.status, std::nullopt};
  changed.member.status = MemberStatus::kSuspect;
  changed.member.incarnation.version += 5;
  cluster.trace().Replay(1, changed);
  EXPECT_TRUE(cluster.incarnations().violations().empty());
  changed.member.incarnation.version -= 1;
  cluster.trace().Replay(1, changed);
  const std::string lines = Lines(cluster.incarnations().violations());
  EXPECT_THAT(lines, HasSubstr("node-1 (#1) holds node-2 at incarnation"));
  EXPECT_THAT(lines, HasSubstr("(seed 17)"));
  EXPECT_THAT(lines, HasSubstr("at t="));
  // The table still holds the real, older incarnation: a snapshot sees
  // it behind what the made-up event claimed.
  cluster.incarnations().Snapshot();
  EXPECT_EQ(cluster.incarnations().violations().count(), 2u);
  EXPECT_THAT(Lines(cluster.incarnations().violations()),
              HasSubstr("(snapshot)"));
}

TEST(AccuracyCheckerTest, ReportsAnOfflineDeclarationOfALiveMember) {
  CheckedCluster cluster(Options(4));
  StartAndConverge(cluster, 4);
  // Cut member 3 off without disarming the checker: to it the network
  // looks fault-free, and 3 is alive, so declaring it OFFLINE is wrong.
  cluster.sim().Partition({3}, {0, 1, 2});
  cluster.sim().RunFor(cluster.detection_bound());
  const std::string lines = Lines(cluster.accuracy().violations());
  EXPECT_THAT(lines, HasSubstr("declared node-3 (#3) OFFLINE"));
  EXPECT_THAT(lines, HasSubstr("(seed 17)"));
  EXPECT_GT(cluster.accuracy().checked(), 0u);
}

TEST(AccuracyCheckerTest, QuietWhileDisarmedAndOnACrash) {
  CheckedCluster::Options options = Options(4);
  options.forbidden = kUnavailable;
  CheckedCluster cluster(options);
  StartAndConverge(cluster, 4);
  cluster.accuracy().Disarm();
  cluster.sim().Partition({3}, {0, 1, 2});
  cluster.sim().RunFor(cluster.detection_bound());
  cluster.sim().Heal();
  ASSERT_TRUE(
      cluster.convergence().AwaitWithin(cluster.heal_bound(), "the heal"));
  cluster.accuracy().Arm(cluster.sim().now());
  cluster.completeness().Crash(2);
  cluster.sim().RunFor(cluster.detection_bound());
  EXPECT_GT(cluster.accuracy().checked(), 0u);  // node-2's, all fine
  EXPECT_TRUE(cluster.ok()) << cluster.Report();
}

TEST(AccuracyCheckerTest, ReportsLeftForAMemberThatNeverLeft) {
  CheckedCluster cluster(Options(3));
  StartAndConverge(cluster, 3);
  cluster.accuracy().Disarm();  // LEFT is checked regardless
  MemberStatusChanged changed{*cluster.sim().node(0).Find("node-1"),
                              MemberStatus::kOnline, std::nullopt};
  changed.member.status = MemberStatus::kLeft;
  cluster.trace().Replay(0, changed);
  EXPECT_THAT(Lines(cluster.accuracy().violations()),
              HasSubstr("holds node-1 (#1) LEFT at 1.0, but it never left"));
}

TEST(CompletenessCheckerTest, ChecksEveryCrashWithinTheBound) {
  CheckedCluster cluster(Options(6));
  StartAndConverge(cluster, 6);
  cluster.completeness().Crash(4);
  cluster.completeness().Crash(1);
  EXPECT_EQ(cluster.completeness().pending(), 2);
  cluster.sim().RunFor(cluster.detection_bound());
  cluster.completeness().Finish();
  EXPECT_EQ(cluster.completeness().pending(), 0);
  EXPECT_EQ(cluster.completeness().checked(), 2);
  EXPECT_GT(cluster.completeness().slowest(), absl::ZeroDuration());
  EXPECT_LE(cluster.completeness().slowest(), cluster.detection_bound());
  EXPECT_TRUE(cluster.ok()) << cluster.Report();
}

TEST(CompletenessCheckerTest, ReportsAMemberStillNotDeclaredAtTheDeadline) {
  sim::Simulator::Options sim_options;
  sim_options.seed = kSeed;
  sim::Simulator sim(sim_options);
  TraceRecorder trace(sim);
  // Shorter than any suspicion timeout: nobody can have declared it.
  CompletenessChecker checker(trace, absl::Seconds(1));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(sim.AddNode(CheckedCluster::DefaultConfig()).ok());
  }
  ASSERT_TRUE(sim.Join(1, {0}).ok());
  ASSERT_TRUE(sim.Join(2, {0}).ok());
  ASSERT_TRUE(sim.RunUntil([&] { return sim.Converged(); }, absl::Minutes(1)));
  checker.Crash(2);
  sim.RunFor(absl::Seconds(2));
  EXPECT_EQ(checker.violations().count(), 2u);
  EXPECT_THAT(Lines(checker.violations()),
              HasSubstr("holds node-2 (#2) ONLINE@1.0, not OFFLINE, 1s after "
                        "its crash at t="));
  // A crash whose deadline the run never reaches is reported too.
  checker.Crash(1);
  checker.Finish();
  EXPECT_THAT(Lines(checker.violations()),
              HasSubstr("the run ended before the check of the crash of "
                        "node-1 (#1)"));
}

TEST(ConvergenceCheckerTest, ReportsAPartitionThatNeverHeals) {
  CheckedCluster cluster(Options(4));
  StartAndConverge(cluster, 4);
  cluster.accuracy().Disarm();
  cluster.sim().Partition({0, 1}, {2, 3});
  cluster.sim().RunFor(cluster.detection_bound());
  EXPECT_FALSE(
      cluster.convergence().AwaitWithin(absl::Minutes(2), "the partition"));
  const std::string lines = Lines(cluster.convergence().violations());
  EXPECT_THAT(lines, HasSubstr("members still disagree 2m after the "
                               "partition"));
  EXPECT_THAT(lines, HasSubstr("expected ONLINE@"));
  cluster.sim().Heal();
  EXPECT_TRUE(
      cluster.convergence().AwaitWithin(cluster.heal_bound(), "the heal"));
}

TEST(ConvergenceCheckerTest, NoticesStaleMetadata) {
  CheckedCluster cluster(Options(3));
  StartAndConverge(cluster, 3);
  ASSERT_TRUE(cluster.sim()
                  .node(1)
                  .SetMetadata({{"k", "v"}}, cluster.sim().now())
                  .ok());
  // node-1 itself moved on; the others still hold the old incarnation.
  EXPECT_THAT(cluster.convergence().Disagreements(), HasSubstr("node-1 (#1)"));
  EXPECT_TRUE(cluster.convergence().AwaitWithin(
      DisseminationTime(cluster.options().config, 3, cluster.latency()),
      "the metadata change"));
}

}  // namespace
}  // namespace swim::testing

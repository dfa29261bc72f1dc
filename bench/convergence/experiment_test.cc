#include "bench/convergence/experiment.h"

#include <algorithm>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace swim::convergence {
namespace {

RunSpec SmallSpec(uint64_t seed = 1) {
  RunSpec spec;
  spec.members = 20;
  spec.preset = *PresetByName("lan");
  spec.seed = seed;
  spec.metadata_changes = 2;
  spec.crashes = 2;
  spec.steady = absl::Seconds(20);
  return spec;
}

TEST(ExperimentTest, MeasuresEveryPhase) {
  absl::StatusOr<RunResult> run = RunExperiment(SmallSpec());
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_TRUE(run->join_s.has_value());
  EXPECT_GT(*run->join_s, 0);
  EXPECT_GT(run->join.datagrams, 0u);
  EXPECT_TRUE(run->settled);
  // The steady window: every member probes once a second, so at least one
  // ping a member a second goes out, and nothing like a storm.
  // 20 s rounded up to whole push-pull intervals (30 s below 33
  // members), in which each member starts its periodic state exchange
  // once: a request and a reply each.
  EXPECT_EQ(run->steady.duration, absl::Seconds(30));
  EXPECT_EQ(run->steady.streams, 2u * 20);
  EXPECT_GE(run->steady.DatagramsPerMemberSecond(), 1.0);
  EXPECT_LT(run->steady.DatagramsPerMemberSecond(),
            run->join.DatagramsPerMemberSecond());

  ASSERT_EQ(run->spreads.size(), 2u);
  for (const Spread& spread : run->spreads) {
    EXPECT_EQ(spread.members, 20);
    ASSERT_EQ(spread.informed_s.size(), 20u);  // everyone learned it
    EXPECT_EQ(spread.informed_s.front(), 0);   // the origin, at once
    EXPECT_TRUE(
        std::is_sorted(spread.informed_s.begin(), spread.informed_s.end()));
    const double half = *spread.TimeToFraction(0.5);
    const double all = *spread.TimeToFraction(1);
    EXPECT_LE(half, *spread.TimeToFraction(0.99));
    EXPECT_LE(*spread.TimeToFraction(0.99), all);
    EXPECT_GT(all, 0);
    EXPECT_LT(all, 10);  // a LAN cluster of 20 spreads news in seconds
  }

  ASSERT_EQ(run->detections.size(), 2u);
  for (const Detection& detection : run->detections) {
    ASSERT_TRUE(detection.first_suspect_s.has_value());
    ASSERT_TRUE(detection.all_offline_s.has_value());
    EXPECT_LE(*detection.first_suspect_s, *detection.all_offline_s);
    // Every live member probes every other once per round of its table
    // (19 periods of 1 s here), so someone suspects the crashed member
    // within a round; how soon is random (DetectionIsTypicallyQuick). The
    // suspicion then lasts at least its timeout of 4 * max(1, log10 20) s.
    EXPECT_LT(*detection.first_suspect_s, 20);
    EXPECT_GT(*detection.all_offline_s - *detection.first_suspect_s, 4);
  }
  EXPECT_EQ(run->false_offline, 0u);  // no loss, no pauses
  EXPECT_GT(run->virtual_s, 20);
  EXPECT_NE(run->trace_hash, 0u);
}

TEST(ExperimentTest, DetectionIsTypicallyQuick) {
  // With 19 live members each probing one member a second, the chance
  // that nobody probes the crashed one in a given period is about
  // (1 - 1/19)^19 = 0.36: the first suspicion comes in a couple of
  // periods as a rule, but any single crash may take several more.
  std::vector<double> first_suspect_s;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RunSpec spec = SmallSpec(seed);
    spec.metadata_changes = 0;
    absl::StatusOr<RunResult> run = RunExperiment(spec);
    ASSERT_TRUE(run.ok()) << run.status();
    for (const Detection& detection : run->detections) {
      ASSERT_TRUE(detection.first_suspect_s.has_value());
      first_suspect_s.push_back(*detection.first_suspect_s);
    }
  }
  ASSERT_EQ(first_suspect_s.size(), 20u);
  std::sort(first_suspect_s.begin(), first_suspect_s.end());
  EXPECT_LT(first_suspect_s[10], 3.5);  // the median
}

TEST(ExperimentTest, SameSeedSameRun) {
  absl::StatusOr<RunResult> a = RunExperiment(SmallSpec(7));
  absl::StatusOr<RunResult> b = RunExperiment(SmallSpec(7));
  absl::StatusOr<RunResult> c = RunExperiment(SmallSpec(8));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->trace_hash, b->trace_hash);
  EXPECT_EQ(a->join_s, b->join_s);
  EXPECT_EQ(a->spreads[0].informed_s, b->spreads[0].informed_s);
  EXPECT_EQ(a->detections[1].all_offline_s, b->detections[1].all_offline_s);
  EXPECT_EQ(a->steady.bytes, b->steady.bytes);
  EXPECT_NE(a->trace_hash, c->trace_hash);
}

TEST(ExperimentTest, LossSlowsNothingIntoFailure) {
  RunSpec spec = SmallSpec();
  spec.loss = 0.1;
  absl::StatusOr<RunResult> run = RunExperiment(spec);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_TRUE(run->join_s.has_value());
  for (const Spread& spread : run->spreads) {
    EXPECT_TRUE(spread.TimeToFraction(1).has_value());
  }
  for (const Detection& detection : run->detections) {
    EXPECT_TRUE(detection.all_offline_s.has_value());
  }
}

TEST(ExperimentTest, RejectsImpossibleSpecs) {
  RunSpec spec = SmallSpec();
  spec.members = 2;
  EXPECT_EQ(RunExperiment(spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  spec = SmallSpec();
  spec.loss = 1;
  EXPECT_EQ(RunExperiment(spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PresetByName("moon").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SpreadTest, FractionsAndQuantiles) {
  Spread spread;
  spread.members = 4;
  spread.informed_s = {0, 1, 2};  // one member never learned it
  EXPECT_EQ(spread.TimeToFraction(0.25), 0);
  EXPECT_EQ(spread.TimeToFraction(0.5), 1);
  EXPECT_EQ(spread.TimeToFraction(0.75), 2);
  EXPECT_FALSE(spread.TimeToFraction(1).has_value());
  EXPECT_EQ(spread.FractionAt(-1), 0);
  EXPECT_EQ(spread.FractionAt(0), 0.25);
  EXPECT_EQ(spread.FractionAt(1.5), 0.5);
  EXPECT_EQ(spread.FractionAt(100), 0.75);
}

TEST(CostTest, PerMemberPerSecond) {
  Cost cost;
  cost.duration = absl::Seconds(10);
  cost.members = 5;
  cost.datagrams = 100;
  cost.bytes = 5000;
  EXPECT_EQ(cost.DatagramsPerMemberSecond(), 2);
  EXPECT_EQ(cost.BytesPerMemberSecond(), 100);
  cost.duration = absl::ZeroDuration();
  EXPECT_EQ(cost.BytesPerMemberSecond(), 0);
}

}  // namespace
}  // namespace swim::convergence

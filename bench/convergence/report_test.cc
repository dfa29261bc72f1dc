#include "bench/convergence/report.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace swim::convergence {
namespace {

using ::testing::HasSubstr;

// A run as the experiment would report it, without running one.
RunResult FakeRun(const std::string& preset, int members, double loss,
                  uint64_t seed) {
  RunResult run;
  run.spec.preset = *PresetByName(preset);
  run.spec.members = members;
  run.spec.loss = loss;
  run.spec.seed = seed;
  run.join_s = 2.0 + seed;
  run.join = {absl::Seconds(2), members, 1000, 10, 100000};
  run.steady = {absl::Seconds(10), members, 20u * members, 0, 2000u * members};
  Spread spread;
  spread.members = members;
  for (int i = 0; i < members; ++i) spread.informed_s.push_back(0.1 * i);
  run.spreads = {spread, spread};
  run.detections = {{1.0, 9.0}, {std::nullopt, std::nullopt}};
  run.false_offline = 1;
  run.wall_s = 0.5;
  run.peak_rss_bytes = 10 << 20;
  run.trace_hash = 0xabc;
  return run;
}

size_t Lines(const std::string& text) {
  return std::vector<std::string>(absl::StrSplit(text, '\n', absl::SkipEmpty()))
      .size();
}

Report TwoCells() {
  Report report;
  report.Add(FakeRun("lan", 10, 0, 1));
  report.Add(FakeRun("lan", 10, 0, 2));
  report.Add(FakeRun("lan", 10, 0.1, 1));
  report.Add(FakeRun("wan", 10, 0, 1));
  return report;
}

TEST(QuantileTest, InterpolatesOrderStatistics) {
  EXPECT_FALSE(Quantile({}, 0.5).has_value());
  EXPECT_EQ(Quantile({3}, 0.9), 3);
  EXPECT_EQ(Quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_EQ(Quantile({1, 2, 3, 4, 5}, 0.9), 4.6);
  EXPECT_EQ(Quantile({1, 2}, 1), 2);
}

TEST(ReportTest, CsvRowsPerMeasurement) {
  const Report report = TwoCells();
  EXPECT_EQ(Lines(report.RunsCsv()), 1 + 4u);
  EXPECT_EQ(Lines(report.DisseminationCsv()), 1 + 4 * 2u);
  EXPECT_EQ(Lines(report.DetectionCsv()), 1 + 4 * 2u);
  EXPECT_TRUE(absl::StartsWith(report.RunsCsv(), "preset,members,loss,seed,"));
  // A missed detection is an empty field, not a zero.
  EXPECT_THAT(report.DetectionCsv(), HasSubstr("lan,10,0,1,2,,\n"));
  // 10 members, the n-th learning at 0.1 (n - 1) s: 50 % at 0.4 s.
  EXPECT_THAT(report.DisseminationCsv(),
              HasSubstr("lan,10,0,1,1,0.4,0.9,0.9,"));
  // Three cells, 121 points each.
  EXPECT_EQ(Lines(report.CurvesCsv()), 1 + 3 * 121u);
}

TEST(ReportTest, SummaryHasARowPerCell) {
  const std::string md = TwoCells().SummaryMarkdown();
  EXPECT_THAT(md, HasSubstr("### Dissemination"));
  EXPECT_THAT(md, HasSubstr("### Failure detection"));
  EXPECT_THAT(md, HasSubstr("### Cost per member"));
  EXPECT_THAT(md, HasSubstr("### Simulator"));
  // lan/10/0 %: four changes, 50 % at 0.4 s, 100 % at 0.9 s.
  EXPECT_THAT(md, HasSubstr("| lan | 10 | 0 % | 4 | 0.40 | 0.90 | 0.90 |"));
  // Detection: two of its four crashes missed, two false marks in all.
  EXPECT_THAT(md,
              HasSubstr("| 1.00 | 1.00 | 1.58 | 9.00 | 9.00 | 4.00 | 2 | 2 |"));
  // Steady: 200 datagrams and 20 000 bytes from 10 members in 10 s: 2
  // datagrams and 200 bytes (1.6 kbit) a member a second.
  EXPECT_THAT(md, HasSubstr("| lan | 10 | 0 % | 2.00 | 200 | 1.60 |"));
}

TEST(ReportTest, FiguresPerPresetAndCost) {
  std::vector<std::string> names;
  for (const auto& [name, svg] : TwoCells().Figures()) {
    names.push_back(name);
    EXPECT_TRUE(absl::StartsWith(svg, "<svg")) << name;
  }
  EXPECT_THAT(names, ::testing::ElementsAre(
                         "dissemination-lan.svg", "dissemination-loss-lan.svg",
                         "detection-lan.svg", "dissemination-wan.svg",
                         "dissemination-loss-wan.svg", "detection-wan.svg",
                         "cost.svg"));
}

}  // namespace
}  // namespace swim::convergence

// A randomized fault campaign: for seed after seed, a small cluster (3-12
// members) lives through a random schedule of faults and every invariant
// is checked (swim/testing/fault_campaign.h).
//
// Seeds run until a wall-clock budget is spent (SWIM_CAMPAIGN_SECONDS,
// default 50 s, 15 s in sanitizer builds), starting at
// SWIM_CAMPAIGN_FIRST_SEED (default 1). SWIM_CAMPAIGN_SEED=<n> runs that
// one seed only, with its whole trace: every failure prints the command
// that replays it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/random.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/choices.h"
#include "swim/testing/fault_campaign.h"

namespace swim::sim {
namespace {

using ::swim::testing::FaultCampaign;
using ::swim::testing::RandomChoices;

constexpr char kTarget[] = "//swim/drivers/sim:campaign_test";

#if defined(SWIM_ASAN_BUILD) || defined(SWIM_UBSAN_BUILD)
constexpr double kDefaultBudgetSeconds = 15;
#else
constexpr double kDefaultBudgetSeconds = 50;
#endif

std::optional<uint64_t> EnvNumber(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::strtoull(value, nullptr, 10);
}

std::string Replay(uint64_t seed) {
  return absl::StrCat("bazel test ", kTarget,
                      " --test_env=SWIM_CAMPAIGN_SEED=", seed,
                      " --test_output=all (CMake: SWIM_CAMPAIGN_SEED=", seed,
                      " ctest --test-dir build -R campaign_test -V)");
}

// One seed's run (swim/testing/fault_campaign.h), with the command that
// replays it.
struct SeedRun {
  SeedRun(uint64_t seed, size_t trace_lines)
      : choices(seed), campaign(CampaignOptions(seed, trace_lines), choices) {}

  static FaultCampaign::Options CampaignOptions(uint64_t seed,
                                                size_t trace_lines) {
    FaultCampaign::Options options;
    options.seed = seed;
    options.trace_lines = trace_lines;
    options.replay = Replay(seed);
    return options;
  }

  RandomChoices choices;
  FaultCampaign campaign;
};

TEST(CampaignTest, RandomFaultSchedulesKeepEveryInvariant) {
  if (const std::optional<uint64_t> only = EnvNumber("SWIM_CAMPAIGN_SEED")) {
    SeedRun run(*only, /*trace_lines=*/4000);
    FaultCampaign& campaign = run.campaign;
    const std::string failure = campaign.Run();
    std::printf("[campaign] seed %llu (%d members): %s\nschedule:\n  %s\n",
                static_cast<unsigned long long>(*only), campaign.members(),
                failure.empty() ? "every invariant held" : "FAILED",
                absl::StrJoin(campaign.schedule(), "\n  ").c_str());
    EXPECT_EQ(failure, "");
    return;
  }
  const std::optional<uint64_t> seconds = EnvNumber("SWIM_CAMPAIGN_SECONDS");
  const double budget =
      seconds ? static_cast<double>(*seconds) : kDefaultBudgetSeconds;
  const uint64_t first = EnvNumber("SWIM_CAMPAIGN_FIRST_SEED").value_or(1);
  const absl::Time start = absl::Now();
  uint64_t seed = first;
  int failed = 0;
  // The slowest agreement after a heal and the slowest crash detection,
  // against their bounds, with the seeds that took them.
  absl::Duration slowest_heal, slowest_detection;
  uint64_t slowest_heal_seed = 0, slowest_detection_seed = 0;
  while (absl::ToDoubleSeconds(absl::Now() - start) < budget) {
    SeedRun run(seed, /*trace_lines=*/80);
    FaultCampaign& campaign = run.campaign;
    const std::string failure = campaign.Run();
    if (!failure.empty()) {
      ++failed;
      ADD_FAILURE() << "seed " << seed << " (" << campaign.members()
                    << " members):\n"
                    << failure;
    }
    if (campaign.heal_time() > slowest_heal) {
      slowest_heal = campaign.heal_time();
      slowest_heal_seed = seed;
    }
    if (campaign.detection_time() > slowest_detection) {
      slowest_detection = campaign.detection_time();
      slowest_detection_seed = seed;
    }
    ++seed;
  }
  const uint64_t ran = seed - first;
  const std::string summary = absl::StrFormat(
      "%d seeds (%d..%d) in %.1fs wall (budget %.0fs), %d failed; slowest "
      "agreement after the heal %.1fs (seed %d), slowest crash detection "
      "%.1fs (seed %d)",
      ran, first, seed - 1, absl::ToDoubleSeconds(absl::Now() - start), budget,
      failed, absl::ToDoubleSeconds(slowest_heal), slowest_heal_seed,
      absl::ToDoubleSeconds(slowest_detection), slowest_detection_seed);
  std::printf("[campaign] %s\n", summary.c_str());
  ::testing::Test::RecordProperty("campaign", summary);
  EXPECT_GT(ran, 0u);
}

}  // namespace
}  // namespace swim::sim

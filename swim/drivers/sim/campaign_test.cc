// A randomized fault campaign: for seed after seed, a small cluster (3-12
// members) lives through a random schedule of faults — crashes and
// restarts, pauses, partitions (some one-way) and heals, loss bursts, slow
// members, a flapping link, metadata changes, a graceful leave — then
// every fault is lifted and every invariant is checked: incarnations never
// went backwards, nobody was declared LEFT who did not leave, the members
// agree again within HealTime, and in the fault-free quiet that follows a
// fresh crash is detected within DetectionTime while no live member is
// even suspected.
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
#include "swim/testing/checked_cluster.h"
#include "swim/testing/cluster_bounds.h"

namespace swim::sim {
namespace {

using ::swim::testing::CheckedCluster;
using ::swim::testing::DisseminationTime;

constexpr char kTarget[] = "//swim/drivers/sim:campaign_test";
// The most a slow member's input is delayed.
constexpr absl::Duration kMaxSlow = absl::Milliseconds(1500);

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
                      " --test_output=all");
}

// One seed's run: builds the schedule from the seed, plays it, heals, and
// checks. The schedule and the checkers' findings go in the failure
// message.
class Campaign {
 public:
  // A failure report shows the last `trace_lines` trace entries.
  Campaign(uint64_t seed, size_t trace_lines)
      : seed_(seed), trace_lines_(trace_lines), random_(seed) {}

  // Returns an empty string if every invariant held, else the report.
  std::string Run() {
    members_ = 3 + static_cast<int>(random_.Uniform(10));
    CheckedCluster::Options options;
    options.seed = seed_;
    options.members = members_;
    options.link.min_delay = absl::Milliseconds(1 + random_.Uniform(5));
    options.link.mean_tail = absl::Microseconds(random_.Uniform(3000));
    if (random_.Uniform(2) == 0) {
      // Duplicated and reordered datagrams are no fault: they stay on,
      // through the quiet phase too.
      options.link.duplicate = 0.05 * random_.UniformDouble();
      options.link.reorder = 0.1 * random_.UniformDouble();
    }
    // Once every fault is lifted, even a suspicion of a live member is
    // wrong (the join and the quiet phase).
    options.forbidden = static_cast<StatusMask>(MemberStatus::kSuspect) |
                        static_cast<StatusMask>(MemberStatus::kOffline);
    base_link_ = options.link;
    cluster_.emplace(options);
    Log(absl::StrFormat(
        "%d members, links %s + exp(%s), %.1f%% duplicated, %.1f%% reordered",
        members_, absl::FormatDuration(base_link_.min_delay),
        absl::FormatDuration(base_link_.mean_tail), 100 * base_link_.duplicate,
        100 * base_link_.reorder));

    if (!cluster_->Start(members_).ok()) return "start failed";
    const Config& config = options.config;
    const absl::Duration join_bound =
        2 * cluster_->latency() +
        DisseminationTime(config, members_, cluster_->latency());
    if (!cluster_->convergence().AwaitWithin(join_bound, "the join")) {
      return Finish();
    }

    // Chaos.
    cluster_->accuracy().Disarm();
    const absl::Duration chaos = absl::Seconds(30 + random_.Uniform(61));
    start_ = sim().now();
    const int faults = 2 + static_cast<int>(random_.Uniform(7));
    for (int i = 0; i < faults; ++i) ScheduleFault(chaos);
    sim().RunFor(chaos);

    // Lift everything: partitions, loss, slowness (pauses have ended);
    // restart about half of the crashed members.
    sim().Heal();
    sim().SetAllLinks(base_link_);
    for (int i = 0; i < members_; ++i) sim().Slow(i, absl::ZeroDuration());
    for (int i = 0; i < members_; ++i) {
      if (!sim().alive(i) && random_.Uniform(2) == 0) Restart(i);
    }
    Log("heal everything");
    // Packets a slow member was sent may still arrive up to its delay
    // late.
    const std::optional<absl::Duration> healed =
        cluster_->Settle("the heal", kMaxSlow + cluster_->latency());
    if (!healed) return Finish();
    heal_time_ = *healed;

    // Fault-free quiet: nobody live is even suspected, and a fresh crash
    // is detected in time.
    std::vector<int> candidates;
    for (int i = 0; i < members_; ++i) {
      if (sim().alive(i) && !sim().node(i).has_left()) candidates.push_back(i);
    }
    if (candidates.size() >= 3) {
      const int victim = candidates[random_.Uniform(candidates.size())];
      Log(absl::StrCat("quiet crash ", victim));
      cluster_->completeness().Crash(victim);
    }
    sim().RunFor(cluster_->detection_bound() + config.probe_interval);
    cluster_->convergence().AwaitWithin(cluster_->heal_bound(),
                                        "the quiet crash");
    return Finish();
  }

  int members() const { return members_; }
  // How long the members took to agree after the heal, and the slowest
  // detection of the quiet crash (zero if none ran).
  absl::Duration heal_time() const { return heal_time_; }
  absl::Duration detection_time() const {
    return cluster_ ? cluster_->completeness().slowest() : absl::ZeroDuration();
  }
  const std::vector<std::string>& schedule() const { return schedule_; }

 private:
  Simulator& sim() { return cluster_->sim(); }

  // A line of the schedule, also noted in the trace.
  void Log(const std::string& line) {
    const std::string when =
        cluster_ ? cluster_->trace().Now() : std::string("t=0.000s");
    schedule_.push_back(absl::StrCat(when, " ", line));
    if (cluster_) cluster_->trace().Note(line);
  }

  // Runs `action` at `offset` into the chaos window.
  void At(absl::Duration offset, std::function<void()> action) {
    sim().At(start_ + offset, std::move(action));
  }

  absl::Duration RandomDuration(absl::Duration min, absl::Duration max) {
    const int64_t span = absl::ToInt64Milliseconds(max - min);
    return min + absl::Milliseconds(random_.Uniform(span + 1));
  }

  int RandomMember() { return static_cast<int>(random_.Uniform(members_)); }

  int AliveCount() {
    int alive = 0;
    for (int i = 0; i < members_; ++i) alive += sim().alive(i) ? 1 : 0;
    return alive;
  }

  void Restart(int index) {
    std::vector<int> seeds;
    for (int i = 0; i < members_; ++i) {
      if (i != index) seeds.push_back(i);
    }
    if (!sim().Restart(index, seeds).ok()) {
      Log(absl::StrCat("restart ", index, " FAILED"));
      return;
    }
    Log(absl::StrCat("restart ", index));
  }

  void ScheduleFault(absl::Duration chaos) {
    const absl::Duration at = RandomDuration(absl::ZeroDuration(), chaos);
    // How long it lasts, ending within the chaos window.
    const absl::Duration left = chaos - at;
    const absl::Duration length =
        std::min(left, RandomDuration(absl::Seconds(1), absl::Seconds(30)));
    const int x = RandomMember();
    switch (random_.Uniform(9)) {
      case 0:
      case 1: {  // crash, perhaps restarted later
        const bool restart = random_.Uniform(3) != 0;
        At(at, [this, x] {
          if (!sim().alive(x) || AliveCount() <= 2) return;
          sim().Crash(x);
          Log(absl::StrCat("crash ", x));
        });
        if (restart) {
          At(at + length, [this, x] {
            if (!sim().alive(x)) Restart(x);
          });
        }
        break;
      }
      case 2: {  // pause (a GC or VM stall)
        At(at, [this, x, length] {
          sim().Pause(x, length);
          Log(absl::StrCat("pause ", x, " for ", absl::FormatDuration(length)));
        });
        break;
      }
      case 3: {  // partition, sometimes one-way, healed later
        std::vector<int> a, b;
        for (int i = 0; i < members_; ++i) {
          (random_.Uniform(2) == 0 ? a : b).push_back(i);
        }
        if (a.empty() || b.empty()) break;
        const bool symmetric = random_.Uniform(4) != 0;
        At(at, [this, a, b, symmetric] {
          sim().Partition(a, b, symmetric);
          Log(absl::StrCat("partition ", absl::StrJoin(a, ","),
                           symmetric ? " | " : " -> ", absl::StrJoin(b, ",")));
        });
        At(at + length, [this] {
          sim().Heal();
          Log("heal partitions");
        });
        break;
      }
      case 4: {  // loss burst, perhaps with duplicates and reordering
        LinkModel lossy = base_link_;
        lossy.loss = 0.05 + 0.45 * random_.UniformDouble();
        lossy.duplicate = 0.05 * random_.UniformDouble();
        lossy.reorder = 0.1 * random_.UniformDouble();
        At(at, [this, lossy] {
          sim().SetAllLinks(lossy);
          Log(absl::StrFormat("loss %.0f%%", lossy.loss * 100));
        });
        At(at + length, [this] {
          sim().SetAllLinks(base_link_);
          Log("loss over");
        });
        break;
      }
      case 5: {  // a slow (overloaded) member
        const absl::Duration extra =
            RandomDuration(absl::Milliseconds(10), kMaxSlow);
        At(at, [this, x, extra] {
          sim().Slow(x, extra);
          Log(absl::StrCat("slow ", x, " by ", absl::FormatDuration(extra)));
        });
        At(at + length, [this, x] {
          sim().Slow(x, absl::ZeroDuration());
          Log(absl::StrCat("slow ", x, " over"));
        });
        break;
      }
      case 6: {  // one link flapping every second or few
        const int y =
            (x + 1 + static_cast<int>(random_.Uniform(members_ - 1))) %
            members_;
        const absl::Duration period =
            RandomDuration(absl::Seconds(1), absl::Seconds(5));
        bool down = true;
        for (absl::Duration t = at; t < at + length; t += period) {
          At(t, [this, x, y, down] {
            LinkModel link = base_link_;
            link.blocked = down;
            sim().SetLink(x, y, link);
            sim().SetLink(y, x, link);
            Log(absl::StrCat("link ", x, "-", y, down ? " down" : " up"));
          });
          down = !down;
        }
        At(at + length, [this, x, y] {
          sim().SetLink(x, y, base_link_);
          sim().SetLink(y, x, base_link_);
          Log(absl::StrCat("link ", x, "-", y, " steady"));
        });
        break;
      }
      case 7: {  // metadata change
        const uint64_t value = random_.Uniform(1000);
        At(at, [this, x, value] {
          if (!sim().alive(x)) return;
          const Metadata metadata = {{"value", absl::StrCat(value)}};
          const absl::Status status =
              sim().Command(x, [&metadata](Node& node, absl::Time now) {
                return node.SetMetadata(metadata, now);
              });
          if (status.ok()) Log(absl::StrCat("metadata ", x, " value=", value));
        });
        break;
      }
      case 8: {  // graceful leave (rarely), the process exiting later
        if (random_.Uniform(3) != 0) break;
        At(at, [this, x] {
          if (!sim().alive(x) || sim().node(x).has_left()) return;
          const absl::Status status = sim().Command(
              x, [](Node& node, absl::Time now) { return node.Leave(now); });
          if (status.ok()) Log(absl::StrCat("leave ", x));
        });
        At(at + length, [this, x] {
          if (!sim().alive(x) || !sim().node(x).has_left()) return;
          sim().Crash(x);
          Log(absl::StrCat("exit ", x, " after leaving"));
        });
        break;
      }
    }
  }

  std::string Finish() {
    cluster_->completeness().Finish();
    if (cluster_->ok()) return "";
    return absl::StrCat(cluster_->Report(trace_lines_), "schedule:\n  ",
                        absl::StrJoin(schedule_, "\n  "),
                        "\nreplay: ", Replay(seed_), "\n");
  }

  const uint64_t seed_;
  const size_t trace_lines_;
  Random random_;
  int members_ = 0;
  LinkModel base_link_;
  std::optional<CheckedCluster> cluster_;
  absl::Duration heal_time_ = absl::ZeroDuration();
  absl::Time start_;
  std::vector<std::string> schedule_;
};

TEST(CampaignTest, RandomFaultSchedulesKeepEveryInvariant) {
  if (const std::optional<uint64_t> only = EnvNumber("SWIM_CAMPAIGN_SEED")) {
    Campaign campaign(*only, /*trace_lines=*/4000);
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
    Campaign campaign(seed, /*trace_lines=*/80);
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

#include "bench/convergence/experiment.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "swim/core/instant.h"
#include "swim/core/random.h"
#include "swim/testing/cluster_bounds.h"
#include "swim/testing/scenario.h"

namespace swim::convergence {
namespace {

constexpr absl::string_view kKey = "swim-convergence:fixed-key:32-by";
static_assert(kKey.size() == 32, "AES-256 needs a 32-byte key");
constexpr absl::string_view kVersionKey = "version";

// Peak resident memory since the last ResetPeakRss(). Linux keeps it as
// VmHWM in /proc/self/status, and writing 5 to clear_refs resets it; where
// either is unavailable the figure is the process's peak so far.
void ResetPeakRss() {
  // Hand memory freed by earlier runs back first, or the peak could not
  // fall below what the allocator kept.
  malloc_trim(0);
  std::ofstream clear("/proc/self/clear_refs");
  if (clear) clear << "5";
}

uint64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, "VmHWM:")) continue;
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, "kB");
    uint64_t kib = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &kib)) {
      return kib * 1024;
    }
  }
  return 0;
}

// Drives one RunSpec on a Simulator with the scenario kit's goals and
// waiter. Views are followed through events so that the goals' filters
// ("everyone knows", "everyone has it OFFLINE") cost O(1) per event; each
// goal is confirmed on the real tables when the counts say it may hold.
class Experiment {
 public:
  explicit Experiment(const RunSpec& spec, const ProgressFn& progress)
      : spec_(spec),
        sim_(Options(spec)),
        // The benchmark's own choices draw from their own stream so they do
        // not disturb the simulator's.
        random_(spec.seed ^ 0x434f4e5645524745ULL),
        budgets_(testing::PhaseBudgetsFor(spec.preset.config, spec.members)),
        progress_(progress),
        phases_(3 + spec.metadata_changes + spec.crashes) {}

  absl::StatusOr<RunResult> Run() {
    RunResult result;
    result.spec = spec_;
    const absl::Time wall_start = absl::Now();
    ResetPeakRss();
    if (absl::Status status = AddMembers(); !status.ok()) return status;
    sim_.OnEvent(
        [this](int viewer, const Event& event) { Observe(viewer, event); });
    start_ = sim_.now();
    const Config& config = spec_.preset.config;

    // Join: a rolling start through member 0, the seed every member is
    // configured with. (Joining through a random earlier member instead
    // makes the join time bimodal: a member that joins through one whose
    // own join is still in flight learns only that one, and the rest at
    // the next push-pull, which is minutes away at WAN settings.)
    Report("join");
    for (int i = 1; i < spec_.members; ++i) {
      sim_.At(start_ + testing::kJoinStagger * i, [this, i] {
        absl::Status status = sim_.Join(i, {0});
        if (!status.ok() && error_.ok()) error_ = status;
      });
    }
    Snapshot before = Take();
    result.join_s =
        RunUntil([this] { return testing::AllKnowEachOther(sim_); },
                 [this] { return views_.AllAlive(); }, budgets_.join);
    if (!error_.ok()) return error_;
    result.join = Since(before);

    // Settle: until no member has news left to gossip.
    Report("settle");
    const Instant settle_start = sim_.now();
    // Queues drain without events: checked once a virtual second.
    std::optional<double> settled =
        RunUntil([this] { return testing::NothingQueued(sim_); },
                 [] { return false; }, budgets_.settle);
    result.settled = settled.has_value();
    // And until every member's periodic push-pull runs on its steady
    // schedule: a member's first exchange comes one to two (unscaled)
    // intervals after it starts, the next ones a scaled interval apart.
    const Instant schedules_steady = start_ + 2 * config.push_pull_interval;
    if (sim_.now() < schedules_steady)
      sim_.RunFor(schedules_steady - sim_.now());
    result.settle_s = absl::ToDoubleSeconds(sim_.now() - settle_start);

    // The steady window spans whole push-pull intervals, so each member
    // makes its periodic state exchanges in it exactly as often as on
    // average: members that joined together exchange state in step, and a
    // window of any other length would catch a wave of exchanges or none.
    Report("steady state");
    const absl::Duration push_pull =
        ScaledPushPullInterval(config, static_cast<uint64_t>(spec_.members));
    absl::Duration window = spec_.steady;
    if (push_pull > absl::ZeroDuration()) {
      window =
          push_pull * std::ceil(absl::FDivDuration(spec_.steady, push_pull));
    }
    before = Take();
    in_steady_ = true;
    sim_.RunFor(window);
    in_steady_ = false;
    result.steady = Since(before);
    result.steady_false_suspicions = steady_suspected_.size();

    for (int i = 0; i < spec_.metadata_changes; ++i) {
      Report("metadata");
      absl::StatusOr<Spread> spread = MeasureSpread(i);
      if (!spread.ok()) return spread.status();
      result.spreads.push_back(*std::move(spread));
    }
    for (int i = 0; i < spec_.crashes && views_.live() > 2; ++i) {
      Report("crash");
      result.detections.push_back(MeasureDetection());
    }
    if (!error_.ok()) return error_;
    result.false_offline = false_offline_;
    result.virtual_s = absl::ToDoubleSeconds(sim_.now() - start_);
    result.wall_s = absl::ToDoubleSeconds(absl::Now() - wall_start);
    result.peak_rss_bytes = PeakRssBytes();
    result.trace_hash = sim_.trace_hash();
    return result;
  }

 private:
  struct Snapshot {
    Instant at;
    sim::Simulator::Totals totals;
  };

  static sim::Simulator::Options Options(const RunSpec& spec) {
    sim::Simulator::Options options;
    options.seed = spec.seed;
    options.link = spec.preset.link;
    options.link.loss = spec.loss;
    return options;
  }

  absl::Status AddMembers() {
    Config config = spec_.preset.config;
    config.security_mode = SecurityMode::kEncrypted;
    config.keys = {std::string(kKey)};
    config.metadata = {{std::string(kVersionKey), "0"}};
    for (int i = 0; i < spec_.members; ++i) {
      absl::StatusOr<int> index = sim_.AddNode(config);
      if (!index.ok()) return index.status();
      index_[sim_.node(*index).local().name] = *index;
      views_.Added();
    }
    return absl::OkStatus();
  }

  Snapshot Take() const { return {sim_.now(), sim_.totals()}; }

  Cost Since(const Snapshot& before) const {
    Cost cost;
    cost.duration = sim_.now() - before.at;
    cost.members = static_cast<int>(views_.live());
    cost.datagrams =
        sim_.totals().datagrams_sent - before.totals.datagrams_sent;
    cost.streams = sim_.totals().streams_sent - before.totals.streams_sent;
    cost.bytes = sim_.totals().bytes_sent - before.totals.bytes_sent;
    cost.stream_bytes =
        sim_.totals().stream_bytes_sent - before.totals.stream_bytes_sent;
    return cost;
  }

  // Runs until `goal` holds or `budget` passes (testing::GoalWaiter:
  // `filter` is the cheap necessary condition); returns the seconds it
  // took.
  std::optional<double> RunUntil(const std::function<bool()>& goal,
                                 const std::function<bool()>& filter,
                                 absl::Duration budget) {
    const std::optional<absl::Duration> took =
        waiter_.RunUntil(goal, filter, budget);
    if (!took) return std::nullopt;
    return absl::ToDoubleSeconds(*took);
  }

  absl::StatusOr<Spread> MeasureSpread(int round) {
    const int origin = RandomLive();
    const std::string value = absl::StrCat(round + 1);
    spread_origin_ = sim_.node(origin).local().name;
    spread_value_ = value;
    informed_.assign(sim_.size(), false);
    informed_[origin] = true;
    spread_ = Spread();
    spread_.members = static_cast<int>(views_.live());
    spread_.informed_s.push_back(0);
    spread_start_ = sim_.now();
    Metadata metadata = sim_.node(origin).local().metadata;
    metadata[std::string(kVersionKey)] = value;
    if (absl::Status status =
            sim_.Command(origin,
                         [&metadata](Node& node, Instant now) {
                           return node.SetMetadata(std::move(metadata), now);
                         });
        !status.ok()) {
      return status;
    }
    RunUntil(
        [this] {
          return static_cast<int64_t>(spread_.informed_s.size()) >=
                 views_.live();
        },
        [] { return true; }, budgets_.spread);
    spread_origin_.clear();
    return std::move(spread_);
  }

  Detection MeasureDetection() {
    victim_ = RandomLive();
    sim_.Crash(victim_);
    views_.Crashed(victim_);
    offline_views_ = 0;
    holds_offline_.assign(sim_.size(), false);
    crash_at_ = sim_.now();
    detection_ = Detection();
    detection_.all_offline_s = RunUntil(
        [this] { return sim_.AllSee(victim_, MemberStatus::kOffline); },
        [this] { return offline_views_ >= views_.live(); }, budgets_.detection);
    victim_ = -1;
    return detection_;
  }

  // A random live member other than member 0.
  int RandomLive() {
    while (true) {
      const int index = 1 + static_cast<int>(random_.Uniform(sim_.size() - 1));
      if (sim_.alive(index)) return index;
    }
  }

  void Observe(int viewer, const Event& event) {
    waiter_.MarkDirty();
    views_.Observe(sim_, viewer, event);
    const Member* member = EventMember(event);
    if (member == nullptr) return;
    auto it = index_.find(member->name);
    if (it == index_.end() || it->second == viewer) return;
    const int subject = it->second;
    const MemberStatus status = member->status;
    if (std::holds_alternative<MemberReaped>(event)) return;
    const auto* changed = std::get_if<MemberStatusChanged>(&event);
    if (changed != nullptr && status == MemberStatus::kOffline &&
        sim_.alive(subject)) {
      ++false_offline_;
    }
    if (in_steady_ && changed != nullptr && status == MemberStatus::kSuspect &&
        sim_.alive(subject)) {
      steady_suspected_.insert({subject, member->incarnation.generation,
                                member->incarnation.version});
    }
    if (!spread_origin_.empty() && !informed_[viewer] &&
        member->name == spread_origin_) {
      auto version = member->metadata.find(kVersionKey);
      if (version != member->metadata.end() &&
          version->second == spread_value_) {
        informed_[viewer] = true;
        spread_.informed_s.push_back(
            absl::ToDoubleSeconds(sim_.now() - spread_start_));
      }
    }
    if (subject == victim_ && changed != nullptr) {
      if (!detection_.first_suspect_s && (status == MemberStatus::kSuspect ||
                                          status == MemberStatus::kOffline)) {
        detection_.first_suspect_s =
            absl::ToDoubleSeconds(sim_.now() - crash_at_);
      }
      const bool offline = status == MemberStatus::kOffline;
      if (offline != holds_offline_[viewer]) {
        holds_offline_[viewer] = offline;
        offline_views_ += offline ? 1 : -1;
      }
    }
  }

  void Report(absl::string_view phase) {
    if (progress_) {
      progress_(static_cast<double>(phase_) / phases_, phase);
    }
    ++phase_;
  }

  const RunSpec& spec_;
  sim::Simulator sim_;
  testing::GoalWaiter waiter_{sim_};
  // What the live members hold, from their events: the goals' filters.
  testing::ViewCounts views_;
  Random random_;
  const testing::PhaseBudgets budgets_;
  const ProgressFn& progress_;
  const int phases_;
  int phase_ = 0;
  absl::Status error_;
  Instant start_;
  absl::flat_hash_map<std::string, int> index_;  // name -> member index
  uint64_t false_offline_ = 0;
  // Suspicions of live members in the steady window: (member, generation,
  // version).
  bool in_steady_ = false;
  absl::flat_hash_set<std::tuple<int, uint64_t, uint64_t>> steady_suspected_;

  // The metadata change being followed.
  std::string spread_origin_;  // empty: none
  std::string spread_value_;
  Instant spread_start_;
  std::vector<bool> informed_;
  Spread spread_;

  // The crash being followed.
  int victim_ = -1;
  Instant crash_at_;
  std::vector<bool> holds_offline_;
  int64_t offline_views_ = 0;
  Detection detection_;
};

}  // namespace

namespace {

double PerMemberSecond(uint64_t count, int members, absl::Duration duration) {
  const double seconds = absl::ToDoubleSeconds(duration);
  if (members <= 0 || seconds <= 0) return 0;
  return static_cast<double>(count) / members / seconds;
}

}  // namespace

double Cost::DatagramsPerMemberSecond() const {
  return PerMemberSecond(datagrams, members, duration);
}

double Cost::BytesPerMemberSecond() const {
  return PerMemberSecond(bytes, members, duration);
}

double Cost::StreamBytesPerMemberSecond() const {
  return PerMemberSecond(stream_bytes, members, duration);
}

std::optional<double> Spread::TimeToFraction(double fraction) const {
  if (members <= 0) return std::nullopt;
  const size_t needed =
      static_cast<size_t>(std::max(1.0, std::ceil(fraction * members - 1e-9)));
  if (informed_s.size() < needed) return std::nullopt;
  return informed_s[needed - 1];
}

double Spread::FractionAt(double seconds) const {
  if (members <= 0) return 0;
  const auto known =
      std::upper_bound(informed_s.begin(), informed_s.end(), seconds) -
      informed_s.begin();
  return static_cast<double>(known) / members;
}

absl::StatusOr<Preset> PresetByName(absl::string_view name) {
  Preset preset;
  preset.name = std::string(name);
  if (name == "lan") {
    preset.config = Config::Lan();
    preset.link.min_delay = absl::Microseconds(500);
    preset.link.mean_tail = absl::Microseconds(500);
  } else if (name == "wan") {
    preset.config = Config::Wan();
    preset.link.min_delay = absl::Milliseconds(40);
    preset.link.mean_tail = absl::Milliseconds(20);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown preset \"", name, "\" (expected lan or wan)"));
  }
  return preset;
}

absl::StatusOr<RunResult> RunExperiment(const RunSpec& spec,
                                        const ProgressFn& progress) {
  if (spec.members < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("members: ", spec.members, " (need at least 3)"));
  }
  if (!(spec.loss >= 0 && spec.loss < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("loss: ", spec.loss, " (need 0 <= loss < 1)"));
  }
  if (spec.metadata_changes < 0 || spec.crashes < 0) {
    return absl::InvalidArgumentError("negative count of changes or crashes");
  }
  Experiment experiment(spec, progress);
  return experiment.Run();
}

}  // namespace swim::convergence

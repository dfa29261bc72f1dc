// Lifeguard on and off, on the simulator: false OFFLINE declarations per
// member-hour and the time to detect real crashes, under loss, pauses and
// slow members (docs/lifeguard.md has the figures and how to read them).
//
//   bazel run -c opt //bench:lifeguard_study -- --nodes=100,1000 --seeds=5
//
// Every run: N members (LAN preset, AES-256-GCM) join over the first
// virtual second, each through a random earlier member, and converge; then
// for --duration_s virtual seconds a random healthy member crashes every
// 60 s (from 45 s in, none in the last minute), while the condition's fault
// runs. Lifeguard on and
// off see the same seeds, so the same crashes and faults.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/core/instant.h"
#include "swim/core/random.h"
#include "swim/core/suspicion.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/scenario.h"

ABSL_FLAG(std::string, nodes, "100,1000", "Cluster sizes, comma-separated.");
ABSL_FLAG(int, seeds, 5, "Runs per size, condition and mode (seeds 1..S).");
ABSL_FLAG(int, seeds_at_1000, 1,
          "Runs per condition and mode for sizes of 1000 and more (they "
          "cost ~100x more).");
ABSL_FLAG(double, duration_s, 600,
          "Virtual seconds measured per run, after the join.");

namespace swim {
namespace {

// How long a slow member's input is late: above the LAN probe timeout
// (500 ms), so its probes time out before the ack gets through to it.
constexpr absl::Duration kSlowBy = absl::Milliseconds(600);
constexpr absl::Duration kCrashEvery = absl::Seconds(60);
constexpr absl::Duration kFirstCrash = absl::Seconds(45);
constexpr absl::Duration kPauseEvery = absl::Seconds(60);
constexpr absl::Duration kFirstPause = absl::Seconds(20);
// The join's budget. Not cluster_bounds' join budget: that one is for a
// rolling start through one seed, and here each member joins through a
// random earlier one, which can leave it waiting for a push-pull.
constexpr absl::Duration kJoinBudget = absl::Seconds(300);

struct Condition {
  const char* name;
  double loss = 0;
  bool pauses = false;  // a member paused for 2 S now and then
  bool slow = false;    // 10 % of members get their input kSlowBy late
};

const Condition kConditions[] = {
    {"no loss", 0, false, false},         {"5% loss", 0.05, false, false},
    {"10% loss", 0.10, false, false},     {"pauses (2 S)", 0, true, false},
    {"10% slow members", 0, false, true},
};

struct Tally {
  double member_hours = 0;
  uint64_t false_marks = 0;     // OFFLINE marks about a live member
  uint64_t false_episodes = 0;  // distinct (member, incarnation) so marked
  std::vector<double> detect_first_s;
  std::vector<double> detect_all_s;
  int undetected = 0;  // crashes not OFFLINE everywhere by the run's end
  int pauses = 0;
  int pauses_declared = 0;  // pauses during which someone declared the
                            // paused member OFFLINE
  int runs = 0;
  int unconverged_joins = 0;

  void Add(const Tally& other) {
    member_hours += other.member_hours;
    false_marks += other.false_marks;
    false_episodes += other.false_episodes;
    detect_first_s.insert(detect_first_s.end(), other.detect_first_s.begin(),
                          other.detect_first_s.end());
    detect_all_s.insert(detect_all_s.end(), other.detect_all_s.begin(),
                        other.detect_all_s.end());
    undetected += other.undetected;
    pauses += other.pauses;
    pauses_declared += other.pauses_declared;
    runs += other.runs;
    unconverged_joins += other.unconverged_joins;
  }
};

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const size_t index = std::min(
      values.size() - 1, static_cast<size_t>(q * (values.size() - 1) + 0.5));
  return values[index];
}

Tally RunOnce(int n, uint64_t seed, const Condition& condition, bool lifeguard,
              absl::Duration duration) {
  sim::Simulator::Options options;
  options.seed = seed;
  sim::Simulator sim(options);
  Config config = Config::Lan();
  config.keys = {std::string(32, 'k')};
  if (!lifeguard) config.lifeguard = Config::Lifeguard::Off();
  absl::flat_hash_map<std::string, int> index_of;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<int> index = sim.AddNode(config);
    if (!index.ok()) std::abort();
    index_of[sim.node(*index).local().name] = *index;
  }
  Random random(seed * 7919 + 17);
  const Instant join_start = sim.now();
  for (int i = 1; i < n; ++i) {
    const int through = static_cast<int>(random.Uniform(i));
    sim.At(join_start + absl::Seconds(1) * i / n,
           [&sim, i, through] { (void)sim.Join(i, {through}); });
  }
  Tally tally;
  tally.runs = 1;
  testing::GoalWaiter waiter(sim);
  testing::ViewCounts views;
  for (int i = 0; i < n; ++i) views.Added();
  sim.OnEvent([&](int viewer, const Event& event) {
    waiter.MarkDirty();
    views.Observe(sim, viewer, event);
  });
  if (!waiter.RunUntil([&] { return testing::AllSeeCurrent(sim); },
                       [&] { return views.AllOnline(); }, kJoinBudget)) {
    ++tally.unconverged_joins;
  }

  // Loss starts after the join, so every run measures the same cluster.
  sim::LinkModel link = options.link;
  link.loss = condition.loss;
  sim.SetAllLinks(link);
  const Instant t0 = sim.now();
  const Instant end = t0 + duration;

  std::vector<bool> faulty(n, false);  // slow or paused: never crashed
  // Whether the current pause of each member has been declared yet.
  std::vector<bool> pause_declared(n, true);
  if (condition.slow) {
    for (int i = 1; i < n; ++i) {
      if (random.Uniform(10) == 0) {
        faulty[i] = true;
        sim.Slow(i, kSlowBy);
      }
    }
  }
  const absl::Duration pause =
      2 * SuspicionTimeout(config.suspicion_mult, n, config.probe_interval);
  if (condition.pauses) {
    for (Instant at = t0 + kFirstPause; at < end; at += kPauseEvery) {
      sim.At(at, [&, pause] {
        for (int tries = 0; tries < 100; ++tries) {
          const int i = 1 + static_cast<int>(random.Uniform(n - 1));
          if (sim.alive(i) && !sim.paused(i)) {
            faulty[i] = true;
            sim.Pause(i, pause);
            ++tally.pauses;
            pause_declared[i] = false;
            return;
          }
        }
      });
    }
  }

  std::vector<Instant> crashed_at(n, Instant::InfiniteFuture());
  std::vector<bool> first_seen(n, false);
  std::vector<bool> all_seen(n, false);
  // No crash in the last minute: each must have time to be detected.
  for (Instant at = t0 + kFirstCrash; at < end - absl::Seconds(60);
       at += kCrashEvery) {
    sim.At(at, [&] {
      for (int tries = 0; tries < 100; ++tries) {
        const int i = 1 + static_cast<int>(random.Uniform(n - 1));
        if (sim.alive(i) && !faulty[i]) {
          sim.Crash(i);
          crashed_at[i] = sim.now();
          return;
        }
      }
    });
  }

  // (name, generation, version) of each live member falsely declared.
  absl::flat_hash_set<std::tuple<std::string, uint64_t, uint64_t>> episodes;
  sim.OnEvent([&](int, const Event& event) {
    const auto* changed = std::get_if<MemberStatusChanged>(&event);
    if (changed == nullptr ||
        changed->member.status != MemberStatus::kOffline || sim.now() < t0) {
      return;
    }
    auto it = index_of.find(changed->member.name);
    if (it == index_of.end()) return;
    const int subject = it->second;
    if (crashed_at[subject] != Instant::InfiniteFuture()) {
      const double after =
          absl::ToDoubleSeconds(sim.now() - crashed_at[subject]);
      if (!first_seen[subject]) {
        first_seen[subject] = true;
        tally.detect_first_s.push_back(after);
      }
      if (!all_seen[subject] && sim.AllSee(subject, MemberStatus::kOffline)) {
        all_seen[subject] = true;
        tally.detect_all_s.push_back(after);
      }
      return;
    }
    if (sim.paused(subject)) {
      if (!pause_declared[subject]) {
        pause_declared[subject] = true;
        ++tally.pauses_declared;
      }
      return;
    }
    if (sim.alive(subject) &&
        changed->member.incarnation.generation ==
            sim.node(subject).local().incarnation.generation) {
      ++tally.false_marks;
      episodes.insert({changed->member.name,
                       changed->member.incarnation.generation,
                       changed->member.incarnation.version});
    }
  });
  sim.RunFor(duration);
  tally.false_episodes = episodes.size();
  for (int i = 0; i < n; ++i) {
    const Instant until = std::min(crashed_at[i], end);
    tally.member_hours += absl::ToDoubleHours(until - t0);
    if (crashed_at[i] != Instant::InfiniteFuture() && !all_seen[i]) {
      ++tally.undetected;
    }
  }
  return tally;
}

// Seconds with one decimal, or a dash when there was nothing to measure.
std::string SecondsOrDash(const std::vector<double>& values, double q) {
  if (values.empty()) return "—";
  return absl::StrFormat("%.1f", Quantile(values, q));
}

std::string Row(const char* mode, const Tally& t) {
  return absl::StrFormat(
      "| %s | %.3f | %.3f | %s | %s | %s | %s | %s | %d |", mode,
      t.false_marks / t.member_hours, t.false_episodes / t.member_hours,
      t.pauses == 0 ? std::string("—")
                    : absl::StrCat(t.pauses_declared, " of ", t.pauses),
      SecondsOrDash(t.detect_first_s, 0.5), SecondsOrDash(t.detect_all_s, 0.5),
      SecondsOrDash(t.detect_all_s, 0.99), SecondsOrDash(t.detect_all_s, 1.0),
      t.undetected);
}

int Main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::vector<int> sizes;
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_nodes), ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(part, &n) || n < 3) {
      std::fprintf(stderr, "--nodes: \"%s\" is not a size of 3 or more\n",
                   std::string(part).c_str());
      return 2;
    }
    sizes.push_back(n);
  }
  const absl::Duration duration =
      absl::Seconds(absl::GetFlag(FLAGS_duration_s));
  const absl::Time wall_start = absl::Now();
  std::printf(
      "Lifeguard study: LAN preset, AES-256-GCM, %g virtual s per run, a "
      "crash every 60 s.\n",
      absl::ToDoubleSeconds(duration));
  for (int n : sizes) {
    const int seeds = n >= 1000 ? absl::GetFlag(FLAGS_seeds_at_1000)
                                : absl::GetFlag(FLAGS_seeds);
    std::printf(
        "\n### N = %d (%d seeds per row)\n\n"
        "| condition / Lifeguard | false OFFLINE marks per member-hour | "
        "false OFFLINE members per member-hour | paused members declared "
        "OFFLINE | first detection, median s | full detection, median s | "
        "p99 s | max s | undetected |\n"
        "|---|---|---|---|---|---|---|---|---|\n",
        n, seeds);
    for (const Condition& condition : kConditions) {
      for (bool lifeguard : {false, true}) {
        Tally total;
        for (int seed = 1; seed <= seeds; ++seed) {
          total.Add(RunOnce(n, static_cast<uint64_t>(seed), condition,
                            lifeguard, duration));
        }
        const std::string mode =
            absl::StrCat(condition.name, " / ", lifeguard ? "on" : "off");
        std::printf("%s\n", Row(mode.c_str(), total).c_str());
        if (total.unconverged_joins > 0) {
          std::printf("(%d joins did not converge in %s)\n",
                      total.unconverged_joins,
                      absl::FormatDuration(kJoinBudget).c_str());
        }
        std::fflush(stdout);
      }
    }
  }
  std::printf("\nwall time: %.0f s\n",
              absl::ToDoubleSeconds(absl::Now() - wall_start));
  return 0;
}

}  // namespace
}  // namespace swim

int main(int argc, char** argv) { return swim::Main(argc, argv); }

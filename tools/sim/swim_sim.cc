// swim-sim: runs one SWIM scenario on the simulator (many swim::Nodes in one
// process, in virtual time) and reports how long the cluster took to reach
// the scenario's goal, what it cost, and a trace hash that proves a replay
// with the same flags behaved identically. See kUsage for the flags.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/random.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/cluster_bounds.h"
#include "swim/testing/scenario.h"
#include "tools/common/command_line.h"
#include "tools/common/json_writer.h"
#include "tools/common/progress_bar.h"
#include "tools/sim/replay_command.h"

ABSL_FLAG(int, nodes, 10, "Members in the simulated cluster, 2-100000.");
ABSL_FLAG(std::optional<uint64_t>, seed, std::nullopt,
          "Seed of the run (network faults, node PRNGs, the scenario's "
          "choices). Default: a random one, printed so the run replays.");
ABSL_FLAG(std::string, preset, "lan",
          "Config preset: lan, wan or local (memberlist's numbers).");
ABSL_FLAG(std::string, scenario, "join",
          "join, metadata, failure, partition, long-partition, isolate, "
          "churn, restart, replace or dns-seeds (see above).");
ABSL_FLAG(std::optional<double>, cut_s, std::nullopt,
          "How long the cut of partition, long-partition, isolate and "
          "dns-seeds lasts, "
          "or the restarted member is down, in virtual seconds (default: "
          "each scenario's, see above). Also spelled --cut-s.");
ABSL_FLAG(double, replace_every_s, 30,
          "replace: a member is replaced this often, in virtual seconds. "
          "Also spelled --replace-every-s.");
ABSL_FLAG(double, churn_s, 86400,
          "replace: how long members are replaced, in virtual seconds "
          "(default a day). Also spelled --churn-s.");
ABSL_FLAG(std::string, snapshot, "on",
          "restart: on (the member restarts from the view it saved, with no "
          "seed) or off (a cold join through node 0).");
ABSL_FLAG(double, refresh_s, 300,
          "dns-seeds: how often members resolve the seed name again, in "
          "virtual seconds (the drivers' seed_refresh_interval; 0: resolved "
          "once, at the start). Also spelled --refresh-s.");
ABSL_FLAG(std::optional<double>, reconnect_timeout_s, std::nullopt,
          "Overrides the preset's reconnect_timeout (how long OFFLINE "
          "members are remembered), in seconds. Also spelled "
          "--reconnect-timeout-s.");
ABSL_FLAG(double, loss, 0,
          "Chance that each datagram on every link is lost, in [0, 1). "
          "Streams (push-pull) are reliable, like TCP.");
ABSL_FLAG(double, latency_ms, 1,
          "One-way delay of every link (LinkModel::min_delay) in "
          "milliseconds, 0-10000. Also spelled --latency-ms.");
ABSL_FLAG(double, duration_s, 0,
          "Keep running this many virtual seconds after the goal is reached "
          "(or its budget runs out), e.g. to count steady-state false "
          "OFFLINE declarations under --loss. 0-1000000. Also spelled "
          "--duration-s.");
ABSL_FLAG(double, down, 0,
          "With --duration-s: this fraction of the members (not node 0) "
          "crashes first, and the window starts once every live member holds "
          "them OFFLINE (e.g. to measure what reconnecting to them costs). "
          "In [0, 1).");
ABSL_FLAG(std::optional<double>, reconnect_interval_s, std::nullopt,
          "Overrides the preset's reconnect_interval, in seconds (0: never "
          "reconnect). Also spelled --reconnect-interval-s.");
ABSL_FLAG(std::string, lifeguard, "on",
          "on or off: Lifeguard (local health, nacks, dynamic suspicion, "
          "buddy system) or plain SWIM, to compare the two.");
ABSL_FLAG(std::string, transport, "udp",
          "udp (datagrams, and streams for state exchanges and the probe "
          "fallback) or tcp (Config::tcp_only: every message by stream).");
ABSL_FLAG(bool, json, false,
          "Print exactly one JSON object on stdout instead of the summary.");

namespace swim::tools {
namespace {

constexpr absl::string_view kUsage =
    R"(Runs one SWIM scenario on the simulator and reports how it went.

  swim-sim replay FILE [--member=NAME]

re-runs a member recorded with --record (swim-demo, swim-sync) or
DriverOptions::recording_file and checks that it reproduces its
transmits and events exactly (the key: SWIM_SECRET or SWIM_SECRET_FILE);
--member prints the timeline of one member's status as it saw it
(docs/operations.md, "Record and replay"). Otherwise:

  swim-sim --nodes=N --seed=S --preset=lan|wan|local
           --scenario=join|metadata|failure|partition|long-partition|
                      isolate|churn|restart|replace|dns-seeds
           [--cut-s=C] [--reconnect-timeout-s=R] [--snapshot=on|off]
           [--churn-s=D] [--replace-every-s=E] [--refresh-s=H]
           [--loss=F] [--latency-ms=M] [--duration-s=T] [--down=F]
           [--reconnect-interval-s=I]
           [--lifeguard=on|off] [--transport=udp|tcp] [--json]

Every node is a full swim::Node in encrypted mode (AES-256-GCM) with the
fixed test key "swim-sim:fixed-test-key:32-bytes" (32 ASCII bytes), so the
cost is realistic. Everything runs in virtual time; the same flags give the
same trace_hash.

Scenarios (P = the preset's probe interval, S = its longest suspicion
timeout suspicion_mult * max(1, log10(N)) * P, times
suspicion_max_timeout_mult with Lifeguard on, Q = its push-pull interval scaled
for N like the core does, I = its reconnect interval, R = its reconnect
timeout). Each starts by joining node i through node 0 (dns-seeds:
nodes 0-2) at i * 10 ms, until every member sees every other ONLINE
(budget: N * 10 ms + 60 s + 30 P). The goal and the budget of the measured phase:

  join       the join itself: full membership everywhere.
  metadata   one random member (not node 0) changes metadata "version"
             from "1" to "2"; until every live member sees "2".
             Budget 60 s + 30 P.
  failure    one random member (not node 0) crashes; until every live
             member holds it OFFLINE (also reports the first SUSPECT).
             Budget 60 s + 10 P + 3 S.
  partition  the cluster splits in halves (nodes [0, N/2) and [N/2, N)) for
             10 P + 3 S, long enough for each side to declare the other
             OFFLINE; then it heals: until every live member sees every
             other ONLINE (Simulator::Converged), timed from the heal.
             Budget 60 s + 4 Q. --cut-s sets the cut's length.
  long-partition
             the same, with a cut of R + 10 P + 3 S: both sides forget
             (reap) each other, and heal through the seed (node 0, on the
             first side) once it is reachable. Budget 60 s + 4 Q + 8 I.
  isolate    one random member (not node 0) is cut off from everyone for
             --cut-s (default 300 s); then until every live member sees
             every other ONLINE, timed from the heal. Also reports the
             OFFLINE declarations the cut-off member made (it should make
             none: it holds itself isolated) and those about it.
             Budget 60 s + 4 Q + 8 I.
  churn      for 30 P, random members (not node 0; at most max(1, N/10) at
             once) crash at random (mean gap 2 P) and restart after
             P + U(0, 2 S), rejoining through node 0, all restarted by the
             end; then until every live member sees every other ONLINE at
             its current generation, timed from the end of the churn.
             Budget 60 s + 4 Q.
  restart    one random member (not node 0) saves its view (its ONLINE
             members, as a driver's view file does), crashes, and after
             --cut-s (default 5 s) restarts: with --snapshot=on from that
             view and no seed (Node::Rejoin), with --snapshot=off by a
             cold join through node 0. Until every live member sees every
             other ONLINE at its current generation, timed from the
             restart; also reports the bytes sent meanwhile and when the
             restarted member knew every live member (knows_all_s).
             Budget 60 s + 4 Q.
  replace    a day of churn with new identities (containers that come
             back under new names): for --churn-s (default 86400 s),
             every --replace-every-s (default 30 s) a random member (not
             node 0) goes for good, alternately crashing and leaving
             gracefully, and a member with a new name joins through node
             0. Every minute it samples what the members remember: the
             most any live member holds (max_known) against the bound
             live - 1 + the crashed within R + the left within the
             tombstone timeout T (known_bound). Then until every live
             member sees every other ONLINE. Budget 60 s + 4 Q after the
             churn.
  dns-seeds  seeds behind a name that changes while members cannot reach
             the cluster. Members join through a name that resolves to
             nodes 0, 1 and 2 (N >= 6). A tenth of the members (at least 2,
             none of nodes 0-2, drawn at random) is cut off for --cut-s
             (default R + 20 P + 6 S, so both sides forget each other;
             reconnecting must be on); meanwhile the seed hosts are
             replaced: nodes 0-2 crash and three new members join, and the
             name resolves to them. Every member resolves the name again
             every H = --refresh-s (default 300 s, the drivers' default;
             at its first refresh after the change it joins the new seeds,
             as a driver does). Then until every live member sees every
             other ONLINE, timed from the heal (refreshed: the members
             that took the new seeds). With --refresh-s=0 (resolved once)
             and a cut past everyone's memory (the default) the cut-off
             members never find the cluster again. Budget 60 s + 4 Q + 8 I
             + H.

If a budget runs out the run stops and reports converged=false (exit status
still 0). With --duration-s=T the run then continues T more virtual seconds
(the window; window_bytes is what was sent in it); with --down=F a fraction
F of the members crashes first and the window starts once they are held
OFFLINE everywhere.

Output: a summary on stdout (with --json one JSON object instead: nodes,
seed, scenario, converged, converged_s, first_suspect_s, all_offline_s,
false_offline, offline_by_isolated, offline_about_isolated, reaped,
datagrams, bytes, wall_s, peak_rss_bytes, trace_hash, ...;
absent numbers are null). converged_s is virtual seconds from the measured
phase's start (the first join, the metadata change, the crash, the heal,
the end of the churn) until its goal held. false_offline counts
MemberStatusChanged events marking a member OFFLINE while that very process
(same generation) was alive and not paused; in the partition,
long-partition and dns-seeds scenarios it includes the expected
declarations across the cut, also counted in false_offline_cut. A progress bar (virtual time against the budgets) is
drawn on stderr when stderr is a terminal.

Flag names may be spelled with - or _ (--latency-ms is --latency_ms).
Exit status: 0 after a run (converged or not), 2 for a bad flag, 1 if the
simulation could not be set up (and 1 after --help, as Abseil does).)";

// The key every node seals with.
constexpr absl::string_view kTestKey = "swim-sim:fixed-test-key:32-bytes";
static_assert(kTestKey.size() == 32, "AES-256 needs a 32-byte key");

constexpr int kMinNodes = 2;
// dns-seeds: three seed hosts, at least two cut off, one more member.
constexpr int kMinDnsSeedsNodes = 6;
constexpr int kMaxNodes = 100000;
constexpr int kMaxLatencyMs = 10000;
constexpr int kMaxDurationS = 1000000;
constexpr absl::string_view kMetadataKey = "version";

enum class Scenario {
  kJoin,
  kMetadata,
  kFailure,
  kPartition,
  kLongPartition,
  kIsolate,
  kChurn,
  kRestart,
  kReplace,
  kDnsSeeds
};

struct Settings {
  int nodes = 0;
  uint64_t seed = 0;
  std::string preset;
  Config config;
  std::string scenario_name;
  Scenario scenario = Scenario::kJoin;
  double loss = 0;
  double latency_ms = 0;
  double duration_s = 0;
  double down = 0;
  std::optional<double> reconnect_interval_s;
  std::optional<double> cut_s;
  std::optional<double> reconnect_timeout_s;
  bool snapshot = true;  // restart: from the saved view
  double replace_every_s = 30;
  double churn_s = 86400;
  double refresh_s = 300;  // dns-seeds: the seed name's refresh interval
  bool lifeguard = true;
  bool tcp_only = false;
  bool json = false;
};

// Virtual-time budgets, all derived from the preset and N (see kUsage).
struct Budgets {
  absl::Duration join;
  absl::Duration metadata;
  absl::Duration failure;
  absl::Duration split;  // how long the partition lasts
  absl::Duration long_split;
  absl::Duration isolation;
  absl::Duration heal;
  absl::Duration rejoin;  // after a long partition or an isolation
  absl::Duration churn;   // how long members crash and restart
  absl::Duration reconverge;
  absl::Duration downtime;   // restart: how long the member is down
  absl::Duration replacing;  // replace: how long members are replaced
  absl::Duration refresh;    // dns-seeds: the seed name's refresh interval
  absl::Duration dns_split;  // dns-seeds: how long the group is cut off

  // The whole run's budget for `scenario`, for the progress bar.
  absl::Duration Total(Scenario scenario) const {
    switch (scenario) {
      case Scenario::kJoin:
        return join;
      case Scenario::kMetadata:
        return join + metadata;
      case Scenario::kFailure:
        return join + failure;
      case Scenario::kPartition:
        return join + split + heal;
      case Scenario::kLongPartition:
        return join + long_split + rejoin;
      case Scenario::kIsolate:
        return join + isolation + rejoin;
      case Scenario::kChurn:
        return join + churn + reconverge;
      case Scenario::kRestart:
        return join + downtime + reconverge;
      case Scenario::kReplace:
        return join + replacing + reconverge;
      case Scenario::kDnsSeeds:
        return join + dns_split + rejoin + refresh;
    }
    return join;
  }
};

Budgets ComputeBudgets(const Config& config, int n,
                       std::optional<absl::Duration> cut,
                       absl::Duration replacing, absl::Duration refresh) {
  const testing::PhaseBudgets phase = testing::PhaseBudgetsFor(config, n);
  Budgets budgets;
  budgets.join = phase.join;
  budgets.metadata = phase.spread;
  budgets.failure = phase.detection;
  budgets.split = cut.value_or(phase.split);
  budgets.long_split = cut.value_or(phase.long_split);
  budgets.isolation = cut.value_or(absl::Seconds(300));
  budgets.heal = phase.heal;
  budgets.rejoin = phase.rejoin;
  budgets.churn = phase.churn;
  budgets.reconverge = phase.heal;
  budgets.downtime = cut.value_or(absl::Seconds(5));
  budgets.replacing = replacing;
  budgets.refresh = refresh;
  // Past the time every member has forgotten the other side: declarations
  // take up to a split, and some members hear of them a split late.
  budgets.dns_split = cut.value_or(phase.long_split + phase.split);
  return budgets;
}

// What a run found. Durations are virtual.
struct Result {
  bool converged = false;
  // From the measured phase's start until its goal held.
  std::optional<absl::Duration> converged_after;
  std::optional<absl::Duration> join;  // the join phase
  std::optional<absl::Duration> first_suspect;
  std::optional<absl::Duration> all_offline;
  std::optional<absl::Duration> partition;  // how long the cut lasted
  // Until each side held the whole other side OFFLINE.
  std::optional<absl::Duration> partition_split;
  std::string failed_phase;  // empty when every phase before the goal held
  std::string subject;       // the member acted on (metadata, failure)
  uint64_t false_offline = 0;
  uint64_t false_offline_cut = 0;
  // isolate: OFFLINE declarations the cut-off member made, and those about
  // it made by the others.
  uint64_t offline_by_isolated = 0;
  uint64_t offline_about_isolated = 0;
  uint64_t reaped = 0;  // MemberReaped events
  int churn_crashes = 0;
  int churn_restarts = 0;
  // restart: members the restarted one restored from its view, and the
  // bytes every member sent from the restart until the goal held.
  std::optional<uint64_t> restored;
  std::optional<uint64_t> restart_bytes;
  // restart: until the restarted member knew every live member.
  std::optional<absl::Duration> knows_all;
  // replace: members replaced; the most members any live member held at a
  // sample, and the bound it should stay within; samples taken.
  std::optional<uint64_t> replaced;
  std::optional<uint64_t> max_known;
  std::optional<uint64_t> known_bound;
  uint64_t samples = 0;
  // --duration-s: bytes sent in the window; --down: members crashed first.
  std::optional<uint64_t> window_bytes;
  std::optional<uint64_t> crashed;
  // dns-seeds: members cut off, and members that took the new seeds.
  std::optional<uint64_t> cut_members;
  std::optional<uint64_t> refreshed;
  absl::Duration virtual_time;
};

std::optional<double> Seconds(const std::optional<absl::Duration>& duration) {
  if (!duration) return std::nullopt;
  return absl::ToDoubleSeconds(*duration);
}

// Drives one scenario on a Simulator and records what happened.
class Runner {
 public:
  Runner(const Settings& settings, ProgressBar& bar)
      : settings_(settings),
        budgets_(ComputeBudgets(
            settings.config, settings.nodes,
            settings.cut_s
                ? std::optional<absl::Duration>(absl::Seconds(*settings.cut_s))
                : std::nullopt,
            absl::Seconds(settings.churn_s),
            absl::Seconds(settings.refresh_s))),
        sim_(SimOptions(settings)),
        // The tool's own choices (victim, churn) draw from their own stream
        // so they do not disturb the simulator's.
        random_(settings.seed ^ 0x5357494d2d53494dULL),
        bar_(bar) {}

  absl::Status Run(Result& result) {
    start_ = sim_.now();
    remaining_s_ = absl::ToDoubleSeconds(budgets_.Total(settings_.scenario)) +
                   settings_.duration_s;
    if (absl::Status status = Setup(); !status.ok()) return status;
    sim_.OnEvent(
        [this](int viewer, const Event& event) { Observe(viewer, event); });

    BeginPhase(budgets_.join);
    result.join = RunUntilGoal([this] { return sim_.Converged(); },
                               [this] { return views_.AllOnline(); },
                               budgets_.join, "join");
    if (!error_.ok()) return error_;
    if (settings_.scenario == Scenario::kJoin) {
      result.converged_after = result.join;
    } else if (!result.join) {
      result.failed_phase = "join";
    } else {
      switch (settings_.scenario) {
        case Scenario::kJoin:
          break;
        case Scenario::kMetadata:
          if (absl::Status status = RunMetadata(result); !status.ok()) {
            return status;
          }
          break;
        case Scenario::kFailure:
          RunFailure(result);
          break;
        case Scenario::kPartition:
          RunPartition(result, budgets_.split, budgets_.heal);
          break;
        case Scenario::kLongPartition:
          RunPartition(result, budgets_.long_split, budgets_.rejoin);
          break;
        case Scenario::kIsolate:
          RunIsolate(result);
          break;
        case Scenario::kChurn:
          RunChurn(result);
          break;
        case Scenario::kRestart:
          RunRestart(result);
          break;
        case Scenario::kReplace:
          if (absl::Status status = RunReplace(result); !status.ok()) {
            return status;
          }
          break;
        case Scenario::kDnsSeeds:
          if (absl::Status status = RunDnsSeeds(result); !status.ok()) {
            return status;
          }
          break;
      }
    }
    if (!error_.ok()) return error_;
    result.converged = result.converged_after.has_value();
    if (settings_.duration_s > 0) {
      if (settings_.down > 0) CrashFraction(result);
      const uint64_t before = sim_.totals().bytes_sent;
      BeginPhase(absl::Seconds(settings_.duration_s));
      RunFor(absl::Seconds(settings_.duration_s), "steady state");
      result.window_bytes = sim_.totals().bytes_sent - before;
    }
    if (!error_.ok()) return error_;
    result.false_offline = false_offline_;
    result.false_offline_cut = false_offline_cut_;
    result.offline_by_isolated = offline_by_isolated_;
    result.offline_about_isolated = offline_about_isolated_;
    result.reaped = reaped_;
    result.virtual_time = sim_.now() - start_;
    return absl::OkStatus();
  }

  const sim::Simulator& sim() const { return sim_; }

 private:
  static sim::Simulator::Options SimOptions(const Settings& settings) {
    sim::Simulator::Options options;
    options.seed = settings.seed;
    options.link.min_delay = absl::Milliseconds(settings.latency_ms);
    options.link.loss = settings.loss;
    return options;
  }

  // A member with the run's config and the next name, not joined yet.
  absl::StatusOr<int> AddMember() {
    Config config = settings_.config;
    config.security_mode = SecurityMode::kEncrypted;
    config.keys = {std::string(kTestKey)};
    config.metadata = {{std::string(kMetadataKey), "1"}};
    const int next = sim_.size();
    absl::StatusOr<int> index = sim_.AddNode(config);
    if (!index.ok()) {
      return absl::Status(
          index.status().code(),
          absl::StrCat("adding node ", next, ": ", index.status().message()));
    }
    index_[sim_.node(*index).local().name] = *index;
    views_.Added();
    return index;
  }

  absl::Status Setup() {
    for (int i = 0; i < settings_.nodes; ++i) {
      if (absl::StatusOr<int> index = AddMember(); !index.ok()) {
        return index.status();
      }
    }
    // dns-seeds: the name resolves to nodes 0-2; otherwise node 0 is the
    // seed.
    std::vector<int> seeds = {0};
    if (settings_.scenario == Scenario::kDnsSeeds) seeds = {0, 1, 2};
    for (int i = 1; i < settings_.nodes; ++i) {
      std::vector<int> own = seeds;
      own.erase(std::remove(own.begin(), own.end(), i), own.end());
      sim_.At(start_ + testing::kJoinStagger * i, [this, i, own] {
        absl::Status status = sim_.Join(i, own);
        if (!status.ok() && error_.ok()) {
          error_ = absl::Status(
              status.code(),
              absl::StrCat("node ", i, " joining: ", status.message()));
        }
        waiter_.MarkDirty();
      });
    }
    return absl::OkStatus();
  }

  // --- Scenarios -----------------------------------------------------------

  absl::Status RunMetadata(Result& result) {
    const int changer = RandomMember();
    const std::string name = sim_.node(changer).local().name;
    result.subject = name;
    Metadata metadata = sim_.node(changer).local().metadata;
    metadata[std::string(kMetadataKey)] = "2";
    if (absl::Status status =
            sim_.Command(changer,
                         [&metadata](Node& node, Instant now) {
                           return node.SetMetadata(std::move(metadata), now);
                         });
        !status.ok()) {
      return status;
    }
    waiter_.MarkDirty();
    BeginPhase(budgets_.metadata);
    result.converged_after = RunUntilGoal(
        [this, changer] {
          return testing::MetadataEverywhere(sim_, changer, kMetadataKey, "2");
        },
        [] { return true; }, budgets_.metadata, "metadata");
    return absl::OkStatus();
  }

  void RunFailure(Result& result) {
    victim_ = RandomMember();
    result.subject = sim_.node(victim_).local().name;
    crash_at_ = sim_.now();
    Crash(victim_);
    BeginPhase(budgets_.failure);
    result.converged_after = RunUntilGoal(
        [this] { return sim_.AllSee(victim_, MemberStatus::kOffline); },
        [] { return true; }, budgets_.failure, "failure");
    result.all_offline = result.converged_after;
    result.first_suspect = first_suspect_;
  }

  void RunPartition(Result& result, absl::Duration cut, absl::Duration heal) {
    const std::pair<std::vector<int>, std::vector<int>> sides =
        testing::Halves(sim_.size());
    const std::vector<int>& a = sides.first;
    const std::vector<int>& b = sides.second;
    side_.assign(sim_.size(), 0);
    for (int i : b) side_[i] = 1;
    const Instant cut_at = sim_.now();
    sim_.Partition(a, b);
    waiter_.MarkDirty();
    BeginPhase(cut);
    result.partition_split = RunUntilGoal(
        [this, &a, &b] {
          return testing::HoldAcross(sim_, a, b, MemberStatus::kOffline);
        },
        [this, &a, &b] {
          return views_.Held(MemberStatus::kOffline) >=
                 2 * static_cast<int64_t>(a.size()) *
                     static_cast<int64_t>(b.size());
        },
        cut, "partition");
    const absl::Duration left = cut_at + cut - sim_.now();
    if (left > absl::ZeroDuration()) RunFor(left, "partition");
    sim_.Heal();
    side_.clear();
    waiter_.MarkDirty();
    result.partition = sim_.now() - cut_at;
    BeginPhase(heal);
    result.converged_after =
        RunUntilGoal([this] { return sim_.Converged(); },
                     [this] { return views_.AllOnline(); }, heal, "heal");
  }

  void RunIsolate(Result& result) {
    victim_ = RandomMember();
    result.subject = sim_.node(victim_).local().name;
    const Instant cut_at = sim_.now();
    sim_.Partition({victim_}, testing::AllBut(sim_.size(), victim_));
    waiter_.MarkDirty();
    BeginPhase(budgets_.isolation);
    RunFor(budgets_.isolation, "isolation");
    sim_.Heal();
    waiter_.MarkDirty();
    result.partition = sim_.now() - cut_at;
    BeginPhase(budgets_.rejoin);
    result.converged_after = RunUntilGoal([this] { return sim_.Converged(); },
                                          [this] { return views_.AllOnline(); },
                                          budgets_.rejoin, "rejoin");
  }

  void RunChurn(Result& result) {
    const absl::Duration probe = settings_.config.probe_interval;
    const absl::Duration suspicion =
        testing::SuspicionTime(settings_.config, settings_.nodes);
    const Instant end = sim_.now() + budgets_.churn;
    const int max_down = std::max(1, settings_.nodes / 10);
    BeginPhase(budgets_.churn);
    // Crash times: a Poisson process with mean gap 2 P, drawn up front.
    Instant at = sim_.now();
    while (true) {
      at += 2 * probe * -std::log(1.0 - random_.UniformDouble());
      if (at >= end) break;
      sim_.At(at, [this, end, max_down, probe, suspicion, &result] {
        if (down_ >= max_down) return;
        std::vector<int> candidates;
        for (int i = 1; i < sim_.size(); ++i) {
          if (sim_.alive(i)) candidates.push_back(i);
        }
        if (candidates.empty()) return;
        const int member = candidates[random_.Uniform(candidates.size())];
        Crash(member);
        ++down_;
        ++result.churn_crashes;
        waiter_.MarkDirty();
        const absl::Duration downtime =
            probe + 2 * suspicion * random_.UniformDouble();
        sim_.At(std::min(sim_.now() + downtime, end), [this, member, &result] {
          absl::Status status = Restart(member);
          if (!status.ok() && error_.ok()) {
            error_ = absl::Status(status.code(),
                                  absl::StrCat("restarting node ", member, ": ",
                                               status.message()));
          }
          --down_;
          ++result.churn_restarts;
          waiter_.MarkDirty();
        });
      });
    }
    RunFor(end - sim_.now(), "churn");
    BeginPhase(budgets_.reconverge);
    result.converged_after =
        RunUntilGoal([this] { return testing::AllSeeCurrent(sim_); },
                     [this] { return views_.AllOnline(); }, budgets_.reconverge,
                     "re-converge");
  }

  void RunRestart(Result& result) {
    victim_ = RandomMember();
    result.subject = sim_.node(victim_).local().name;
    // What a driver's view file holds at the crash (saved whenever the view
    // changed, and this one has been settled since the join).
    const std::vector<Member> saved =
        sim_.node(victim_).Members(MemberStatus::kOnline);
    Crash(victim_);
    BeginPhase(budgets_.downtime);
    RunFor(budgets_.downtime, "down");
    const uint64_t bytes_before = sim_.totals().bytes_sent;
    restarted_at_ = sim_.now();
    absl::Status status = settings_.snapshot ? Restart(victim_, {}, saved)
                                             : Restart(victim_, {0});
    if (!status.ok()) {
      error_ = absl::Status(
          status.code(),
          absl::StrCat("restarting node ", victim_, ": ", status.message()));
      return;
    }
    result.restored = settings_.snapshot ? sim_.node(victim_).size() : 0;
    BeginPhase(budgets_.reconverge);
    result.converged_after = RunUntilGoal(
        [this] { return testing::AllSeeCurrent(sim_); },
        [this] { return views_.AllOnline(); }, budgets_.reconverge, "restart");
    result.restart_bytes = sim_.totals().bytes_sent - bytes_before;
    result.knows_all = knows_all_;
  }

  absl::Status RunReplace(Result& result) {
    const absl::Duration every = absl::Seconds(settings_.replace_every_s);
    const Instant end = sim_.now() + budgets_.replacing;
    BeginPhase(budgets_.replacing);
    uint64_t replaced = 0;
    uint64_t max_known = 0;
    bool graceful = false;
    for (Instant at = sim_.now() + every; at < end; at += every) {
      sim_.At(at, [this, &replaced, &graceful] {
        if (!error_.ok()) return;
        const int gone = RandomMember();
        if (graceful) {
          // It leaves, and its process ends once the news went out.
          (void)sim_.Command(
              gone, [](Node& node, Instant now) { return node.Leave(now); });
          sim_.At(sim_.now() + absl::Seconds(5), [this, gone] { Crash(gone); });
        } else {
          Crash(gone);
        }
        graceful = !graceful;
        absl::StatusOr<int> added = AddMember();
        if (!added.ok()) {
          error_ = added.status();
          return;
        }
        if (absl::Status status = sim_.Join(*added, {0}); !status.ok()) {
          error_ = status;
          return;
        }
        ++replaced;
        waiter_.MarkDirty();
      });
    }
    for (Instant at = sim_.now() + absl::Minutes(1); at < end;
         at += absl::Minutes(1)) {
      sim_.At(at, [this, &max_known, &result] {
        ++result.samples;
        for (int i = 0; i < sim_.size(); ++i) {
          if (!sim_.alive(i)) continue;
          max_known = std::max<uint64_t>(max_known, sim_.node(i).size());
        }
      });
    }
    RunFor(end - sim_.now(), "replacing");
    if (!error_.ok()) return error_;
    result.replaced = replaced;
    result.max_known = max_known;
    // Members gone are remembered for R (crashed) or T (left), counted
    // from when the cluster declared them; one goes every `every`,
    // alternately crashing and leaving: at most ceil(R / 2E) + 1 crashed
    // and ceil(T / 2E) + 1 left ones at once (one more of each on the
    // window's edges), besides the N - 1 others alive, one of which may be
    // still leaving while its successor joins.
    const Config& config = settings_.config;
    const double two_every = 2 * absl::ToDoubleSeconds(every);
    result.known_bound =
        static_cast<uint64_t>(settings_.nodes) +
        static_cast<uint64_t>(std::ceil(
            absl::ToDoubleSeconds(config.reconnect_timeout) / two_every)) +
        static_cast<uint64_t>(std::ceil(
            absl::ToDoubleSeconds(config.tombstone_timeout) / two_every)) +
        2;
    BeginPhase(budgets_.reconverge);
    result.converged_after =
        RunUntilGoal([this] { return testing::AllSeeCurrent(sim_); },
                     [this] { return views_.AllOnline(); }, budgets_.reconverge,
                     "re-converge");
    return absl::OkStatus();
  }

  // dns-seeds (see kUsage): the seed name changes while a group of members
  // is cut off from the cluster for longer than it remembers them.
  absl::Status RunDnsSeeds(Result& result) {
    const int n = sim_.size();
    // The group: a tenth of the members (at least 2, so it is not an
    // isolated member, which keeps its view), drawn from those that are not
    // seed hosts.
    std::vector<int> candidates;
    for (int i = 3; i < n; ++i) candidates.push_back(i);
    const size_t count = std::clamp<size_t>(static_cast<size_t>(n / 10), 2,
                                            candidates.size() - 1);
    std::vector<int> group;
    for (size_t k = 0; k < count; ++k) {
      const size_t pick = random_.Uniform(candidates.size());
      group.push_back(candidates[pick]);
      candidates.erase(candidates.begin() + static_cast<ptrdiff_t>(pick));
    }
    std::sort(group.begin(), group.end());
    std::vector<int> rest;
    side_.assign(n, 0);
    for (int i = 0; i < n; ++i) {
      if (std::binary_search(group.begin(), group.end(), i)) {
        side_[i] = 1;
      } else {
        rest.push_back(i);
      }
    }
    result.cut_members = group.size();
    const Instant cut_at = sim_.now();
    sim_.Partition(group, rest);
    waiter_.MarkDirty();
    BeginPhase(budgets_.dns_split);
    // A quarter into the cut the seed hosts are replaced: nodes 0-2 crash,
    // three new members join the cluster through a member that is not cut
    // off, and the name resolves to them.
    const int through = rest[3];
    sim_.At(cut_at + budgets_.dns_split / 4, [this, group, through] {
      for (int seed = 0; seed < 3; ++seed) Crash(seed);
      dns_seeds_.clear();
      for (int k = 0; k < 3; ++k) {
        absl::StatusOr<int> added = AddMember();
        if (!added.ok()) {
          if (error_.ok()) error_ = added.status();
          return;
        }
        side_.push_back(0);  // on the cluster's side of the cut
        if (absl::Status status = sim_.Join(*added, {through}); !status.ok()) {
          if (error_.ok()) error_ = status;
          return;
        }
        dns_seeds_.push_back(*added);
      }
      sim_.Partition(group, dns_seeds_);
      waiter_.MarkDirty();
      if (budgets_.refresh <= absl::ZeroDuration()) return;
      // Each member resolves the name every refresh interval from its
      // start; at its first refresh after the change it joins the new
      // seeds (what a driver does when the addresses change).
      const Instant changed = sim_.now();
      for (int i = 0; i < settings_.nodes; ++i) {
        const Instant started = start_ + testing::kJoinStagger * i;
        absl::Duration remainder;
        const int64_t periods =
            absl::IDivDuration(changed - started, budgets_.refresh,
                               &remainder) +
            1;
        sim_.At(started + periods * budgets_.refresh, [this, i] {
          if (!sim_.alive(i)) return;
          if (absl::Status status = sim_.Join(i, dns_seeds_); !status.ok()) {
            if (error_.ok()) {
              error_ =
                  absl::Status(status.code(), absl::StrCat("node ", i,
                                                           " joining the new "
                                                           "seeds: ",
                                                           status.message()));
            }
            return;
          }
          ++refreshed_;
          waiter_.MarkDirty();
        });
      }
    });
    RunFor(budgets_.dns_split, "cut");
    if (!error_.ok()) return error_;
    sim_.Heal();
    side_.clear();
    waiter_.MarkDirty();
    result.partition = sim_.now() - cut_at;
    const absl::Duration budget = budgets_.rejoin + budgets_.refresh;
    BeginPhase(budget);
    result.converged_after =
        RunUntilGoal([this] { return testing::AllSeeCurrent(sim_); },
                     [this] { return views_.AllOnline(); }, budget, "rejoin");
    result.refreshed = refreshed_;
    return absl::OkStatus();
  }

  // --down: every k-th member (not node 0) crashes, k = round(1 / F), and
  // the run waits until every live member holds them all OFFLINE.
  void CrashFraction(Result& result) {
    const int step =
        std::max(1, static_cast<int>(std::lround(1 / settings_.down)));
    std::vector<int> crashed;
    for (int i = step; i < sim_.size(); i += step) {
      if (!sim_.alive(i)) continue;
      Crash(i);
      crashed.push_back(i);
    }
    result.crashed = crashed.size();
    const absl::Duration budget = budgets_.failure;
    BeginPhase(budget);
    (void)RunUntilGoal(
        [this, &crashed] {
          for (int i : crashed) {
            if (!sim_.AllSee(i, MemberStatus::kOffline)) return false;
          }
          return true;
        },
        [] { return true; }, budget, "crashes detected");
  }

  // --- Running ---------------------------------------------------------------

  // Runs until `goal` holds or `budget` passes; returns how long it took
  // (testing::GoalWaiter: `filter` is a cheap necessary condition from the
  // view counts).
  std::optional<absl::Duration> RunUntilGoal(
      const std::function<bool()>& goal, const std::function<bool()>& filter,
      absl::Duration budget, absl::string_view label) {
    return waiter_.RunUntil(goal, filter, budget,
                            [this, label] { Progress(label); });
  }

  void RunFor(absl::Duration duration, absl::string_view label) {
    sim_.RunUntil(
        [&] {
          Progress(label);
          return false;
        },
        duration);
  }

  // Starts a phase that may take up to `budget`: the progress bar's total
  // becomes the time spent so far plus the budgets still ahead.
  void BeginPhase(absl::Duration budget) {
    total_s_ = absl::ToDoubleSeconds(sim_.now() - start_) + remaining_s_;
    remaining_s_ -= absl::ToDoubleSeconds(budget);
  }

  void Progress(absl::string_view label) {
    if ((++ticks_ & 255) != 0) return;
    bar_.Update(absl::ToDoubleSeconds(sim_.now() - start_), total_s_, label);
  }

  // --- Observation -----------------------------------------------------------

  void Observe(int viewer, const Event& event) {
    waiter_.MarkDirty();
    views_.Observe(sim_, viewer, event);
    if (restarted_at_ && viewer == victim_ && !knows_all_ &&
        sim_.node(victim_).available() + 1 >=
            static_cast<size_t>(views_.live())) {
      knows_all_ = sim_.now() - *restarted_at_;
    }
    const Member* member = EventMember(event);
    if (member == nullptr) return;
    auto it = index_.find(member->name);
    if (it == index_.end() || it->second == viewer) return;
    const int subject = it->second;
    if (std::holds_alternative<MemberReaped>(event)) ++reaped_;
    const auto* changed = std::get_if<MemberStatusChanged>(&event);
    if (changed == nullptr) return;
    if (subject == victim_ && member->status == MemberStatus::kSuspect &&
        !first_suspect_) {
      first_suspect_ = sim_.now() - crash_at_;
    }
    // Only a declaration about the live process itself is false: a
    // restarted member's previous life really is gone.
    if (member->status == MemberStatus::kOffline && sim_.alive(subject) &&
        !sim_.paused(subject) &&
        member->incarnation.generation ==
            sim_.node(subject).local().incarnation.generation) {
      ++false_offline_;
      if (!side_.empty() && side_[viewer] != side_[subject]) {
        ++false_offline_cut_;
      }
      if (settings_.scenario == Scenario::kIsolate) {
        if (viewer == victim_) ++offline_by_isolated_;
        if (subject == victim_) ++offline_about_isolated_;
      }
    }
  }

  // A crashed node's views stop counting; a restarted one starts empty.
  void Crash(int index) {
    if (!sim_.alive(index)) return;
    sim_.Crash(index);
    views_.Crashed(index);
    waiter_.MarkDirty();
  }

  absl::Status Restart(int index, const std::vector<int>& seeds = {0},
                       absl::Span<const Member> saved = {}) {
    views_.Restarted(index);
    waiter_.MarkDirty();
    return sim_.Restart(index, seeds, saved);
  }

  // A random member other than node 0 (the seed everyone joins through).
  // (replace: a live one; members gone for good are never picked again.)
  int RandomMember() {
    while (true) {
      const int member = 1 + static_cast<int>(random_.Uniform(sim_.size() - 1));
      if (settings_.scenario != Scenario::kReplace ||
          (sim_.alive(member) &&
           sim_.node(member).lifecycle() == Lifecycle::kActive)) {
        return member;
      }
    }
  }

  const Settings& settings_;
  const Budgets budgets_;
  sim::Simulator sim_;
  testing::GoalWaiter waiter_{sim_};
  Random random_;
  ProgressBar& bar_;
  Instant start_;
  double total_s_ = 0;      // the progress bar's total, virtual seconds
  double remaining_s_ = 0;  // budgets of the phases not yet started
  uint64_t ticks_ = 0;
  absl::Status error_;  // the first failure inside a scheduled action

  absl::flat_hash_map<std::string, int> index_;  // name -> node index
  int victim_ = -1;
  Instant crash_at_;
  std::optional<absl::Duration> first_suspect_;
  std::vector<int> side_;  // partition side per node while cut
  // dns-seeds: what the seed name resolves to after the change, and the
  // members that took it.
  std::vector<int> dns_seeds_;
  uint64_t refreshed_ = 0;
  // What the live members hold, from their events: the goals' filters.
  testing::ViewCounts views_;
  uint64_t false_offline_ = 0;
  uint64_t false_offline_cut_ = 0;
  uint64_t offline_by_isolated_ = 0;
  uint64_t offline_about_isolated_ = 0;
  uint64_t reaped_ = 0;
  int down_ = 0;
  // restart: when the member restarted, and how long until it knew every
  // live member (its view restored, or its join answered).
  std::optional<Instant> restarted_at_;
  std::optional<absl::Duration>
      knows_all_;  // churn: members crashed and not yet restarted
};

// --- Flags -------------------------------------------------------------------

absl::Status BadFlag(absl::string_view flag, absl::string_view value,
                     absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, "=", value, ": ", why));
}

// OK if `value` is a number of seconds in [0, kMaxDurationS].
absl::Status CheckSeconds(absl::string_view flag, double value) {
  if (value >= 0 && value <= kMaxDurationS) return absl::OkStatus();
  return BadFlag(
      flag, ShortestNumber(value),
      absl::StrCat("must be between 0 and ", kMaxDurationS, " seconds"));
}

absl::StatusOr<Settings> ReadFlags() {
  Settings settings;
  settings.nodes = absl::GetFlag(FLAGS_nodes);
  if (settings.nodes < kMinNodes || settings.nodes > kMaxNodes) {
    return BadFlag(
        "nodes", absl::StrCat(settings.nodes),
        absl::StrCat("must be between ", kMinNodes, " and ", kMaxNodes));
  }
  settings.preset = absl::GetFlag(FLAGS_preset);
  if (settings.preset == "lan") {
    settings.config = Config::Lan();
  } else if (settings.preset == "wan") {
    settings.config = Config::Wan();
  } else if (settings.preset == "local") {
    settings.config = Config::Local();
  } else {
    return BadFlag("preset", settings.preset,
                   "unknown preset; use lan, wan or local");
  }
  const std::string lifeguard = absl::GetFlag(FLAGS_lifeguard);
  if (lifeguard == "on") {
    settings.lifeguard = true;
  } else if (lifeguard == "off") {
    settings.lifeguard = false;
    settings.config.lifeguard = Config::Lifeguard::Off();
  } else {
    return BadFlag("lifeguard", lifeguard, "use on or off");
  }
  const std::string transport = absl::GetFlag(FLAGS_transport);
  if (transport == "tcp") {
    settings.tcp_only = true;
    settings.config.tcp_only = true;
  } else if (transport != "udp") {
    return BadFlag("transport", transport, "use udp or tcp");
  }
  settings.scenario_name = absl::GetFlag(FLAGS_scenario);
  const absl::string_view scenario = settings.scenario_name;
  if (scenario == "join") {
    settings.scenario = Scenario::kJoin;
  } else if (scenario == "metadata") {
    settings.scenario = Scenario::kMetadata;
  } else if (scenario == "failure") {
    settings.scenario = Scenario::kFailure;
  } else if (scenario == "partition") {
    settings.scenario = Scenario::kPartition;
  } else if (scenario == "long-partition") {
    settings.scenario = Scenario::kLongPartition;
  } else if (scenario == "isolate") {
    settings.scenario = Scenario::kIsolate;
  } else if (scenario == "churn") {
    settings.scenario = Scenario::kChurn;
  } else if (scenario == "restart") {
    settings.scenario = Scenario::kRestart;
  } else if (scenario == "replace") {
    settings.scenario = Scenario::kReplace;
  } else if (scenario == "dns-seeds") {
    settings.scenario = Scenario::kDnsSeeds;
    if (settings.nodes < kMinDnsSeedsNodes) {
      return BadFlag("nodes", absl::StrCat(settings.nodes),
                     absl::StrCat("dns-seeds needs at least ",
                                  kMinDnsSeedsNodes, " members"));
    }
  } else {
    return BadFlag("scenario", scenario,
                   "unknown scenario; use join, metadata, failure, "
                   "partition, long-partition, isolate, churn, restart, "
                   "replace or dns-seeds");
  }
  settings.refresh_s = absl::GetFlag(FLAGS_refresh_s);
  if (absl::Status status = CheckSeconds("refresh-s", settings.refresh_s);
      !status.ok()) {
    return status;
  }
  settings.replace_every_s = absl::GetFlag(FLAGS_replace_every_s);
  if (!(settings.replace_every_s >= 1 &&
        settings.replace_every_s <= kMaxDurationS)) {
    return BadFlag(
        "replace-every-s", ShortestNumber(settings.replace_every_s),
        absl::StrCat("must be between 1 and ", kMaxDurationS, " seconds"));
  }
  settings.churn_s = absl::GetFlag(FLAGS_churn_s);
  if (!(settings.churn_s > 0 && settings.churn_s <= kMaxDurationS)) {
    return BadFlag("churn-s", ShortestNumber(settings.churn_s),
                   absl::StrCat("must be above 0 and at most ", kMaxDurationS,
                                " seconds"));
  }
  const std::string snapshot = absl::GetFlag(FLAGS_snapshot);
  if (snapshot == "on") {
    settings.snapshot = true;
  } else if (snapshot == "off") {
    settings.snapshot = false;
  } else {
    return BadFlag("snapshot", snapshot, "use on or off");
  }
  settings.cut_s = absl::GetFlag(FLAGS_cut_s);
  if (settings.cut_s &&
      !(*settings.cut_s > 0 && *settings.cut_s <= kMaxDurationS)) {
    return BadFlag("cut-s", ShortestNumber(*settings.cut_s),
                   absl::StrCat("must be above 0 and at most ", kMaxDurationS,
                                " seconds"));
  }
  if (std::optional<double> reconnect_timeout_s =
          absl::GetFlag(FLAGS_reconnect_timeout_s)) {
    if (!(*reconnect_timeout_s > 0 && *reconnect_timeout_s <= kMaxDurationS)) {
      return BadFlag("reconnect-timeout-s",
                     ShortestNumber(*reconnect_timeout_s),
                     absl::StrCat("must be above 0 and at most ", kMaxDurationS,
                                  " seconds"));
    }
    settings.config.reconnect_timeout = absl::Seconds(*reconnect_timeout_s);
    settings.reconnect_timeout_s = reconnect_timeout_s;
  }
  settings.loss = absl::GetFlag(FLAGS_loss);
  if (!(settings.loss >= 0 && settings.loss < 1)) {
    return BadFlag("loss", ShortestNumber(settings.loss),
                   "must be at least 0 and below 1");
  }
  settings.latency_ms = absl::GetFlag(FLAGS_latency_ms);
  if (!(settings.latency_ms >= 0 && settings.latency_ms <= kMaxLatencyMs)) {
    return BadFlag(
        "latency-ms", ShortestNumber(settings.latency_ms),
        absl::StrCat("must be between 0 and ", kMaxLatencyMs, " milliseconds"));
  }
  settings.down = absl::GetFlag(FLAGS_down);
  if (!(settings.down >= 0 && settings.down < 1)) {
    return BadFlag("down", ShortestNumber(settings.down),
                   "must be at least 0 and below 1");
  }
  if (std::optional<double> interval =
          absl::GetFlag(FLAGS_reconnect_interval_s)) {
    if (absl::Status status = CheckSeconds("reconnect-interval-s", *interval);
        !status.ok()) {
      return status;
    }
    settings.config.reconnect_interval = absl::Seconds(*interval);
    settings.reconnect_interval_s = interval;
    // The new seeds are asked, and asked again after the heal, at
    // reconnect intervals (docs/protocol.md, "Healing").
    if (*interval == 0 && settings.scenario == Scenario::kDnsSeeds) {
      return BadFlag("reconnect-interval-s", "0",
                     "dns-seeds needs reconnecting on: a member asks new "
                     "seeds again at reconnect intervals");
    }
  }
  settings.duration_s = absl::GetFlag(FLAGS_duration_s);
  if (absl::Status status = CheckSeconds("duration-s", settings.duration_s);
      !status.ok()) {
    return status;
  }
  if (std::optional<uint64_t> seed = absl::GetFlag(FLAGS_seed)) {
    settings.seed = *seed;
  } else {
    // Below 2^53, so it survives JSON readers that use doubles.
    std::random_device device;
    settings.seed = ((static_cast<uint64_t>(device()) << 32) | device()) &
                    ((1ULL << 53) - 1);
  }
  settings.json = absl::GetFlag(FLAGS_json);
  return settings;
}

// --- Output ------------------------------------------------------------------

std::string ReplayCommand(const Settings& settings) {
  std::string command = absl::StrCat(
      "swim-sim --nodes=", settings.nodes, " --seed=", settings.seed,
      " --preset=", settings.preset, " --scenario=", settings.scenario_name);
  if (!settings.lifeguard) absl::StrAppend(&command, " --lifeguard=off");
  if (settings.tcp_only) absl::StrAppend(&command, " --transport=tcp");
  if (settings.cut_s) {
    absl::StrAppend(&command, " --cut-s=", ShortestNumber(*settings.cut_s));
  }
  if (settings.reconnect_timeout_s) {
    absl::StrAppend(&command, " --reconnect-timeout-s=",
                    ShortestNumber(*settings.reconnect_timeout_s));
  }
  if (!settings.snapshot) absl::StrAppend(&command, " --snapshot=off");
  if (settings.scenario == Scenario::kReplace) {
    absl::StrAppend(
        &command, " --churn-s=", ShortestNumber(settings.churn_s),
        " --replace-every-s=", ShortestNumber(settings.replace_every_s));
  }
  if (settings.scenario == Scenario::kDnsSeeds) {
    absl::StrAppend(&command,
                    " --refresh-s=", ShortestNumber(settings.refresh_s));
  }
  if (settings.loss > 0) {
    absl::StrAppend(&command, " --loss=", ShortestNumber(settings.loss));
  }
  if (settings.latency_ms != 1) {
    absl::StrAppend(&command,
                    " --latency-ms=", ShortestNumber(settings.latency_ms));
  }
  if (settings.duration_s > 0) {
    absl::StrAppend(&command,
                    " --duration-s=", ShortestNumber(settings.duration_s));
  }
  if (settings.down > 0) {
    absl::StrAppend(&command, " --down=", ShortestNumber(settings.down));
  }
  if (settings.reconnect_interval_s) {
    absl::StrAppend(&command, " --reconnect-interval-s=",
                    ShortestNumber(*settings.reconnect_interval_s));
  }
  return command;
}

struct Measurements {
  double wall_s = 0;
  uint64_t peak_rss_bytes = 0;
};

uint64_t PeakRssBytes() {
  struct rusage usage = {};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux: KiB
}

std::string TraceHash(const sim::Simulator& sim) {
  return absl::StrFormat("%016x", sim.trace_hash());
}

std::string Json(const Settings& settings, const Result& result,
                 const sim::Simulator& sim, const Measurements& measured) {
  const sim::Simulator::Totals& totals = sim.totals();
  const bool partition = settings.scenario == Scenario::kPartition ||
                         settings.scenario == Scenario::kLongPartition ||
                         settings.scenario == Scenario::kDnsSeeds;
  const bool isolate = settings.scenario == Scenario::kIsolate;
  const bool churn = settings.scenario == Scenario::kChurn;
  const bool restart = settings.scenario == Scenario::kRestart;
  JsonObject json;
  json.Add("nodes", settings.nodes)
      .Add("seed", settings.seed)
      .Add("preset", settings.preset)
      .Add("scenario", settings.scenario_name)
      .Add("loss", settings.loss)
      .Add("latency_ms", settings.latency_ms)
      .Add("duration_s", settings.duration_s)
      .Add("lifeguard", settings.lifeguard)
      .Add("transport", settings.tcp_only ? "tcp" : "udp")
      .Add("security", "aes-256-gcm")
      .Add("converged", result.converged)
      .Add("converged_s", Seconds(result.converged_after))
      .Add("join_s", Seconds(result.join))
      .Add("first_suspect_s", Seconds(result.first_suspect))
      .Add("all_offline_s", Seconds(result.all_offline))
      .Add("partition_s", Seconds(result.partition))
      .Add("partition_split_s", Seconds(result.partition_split));
  if (result.failed_phase.empty()) {
    json.AddNull("failed_phase");
  } else {
    json.Add("failed_phase", result.failed_phase);
  }
  if (result.subject.empty()) {
    json.AddNull("subject");
  } else {
    json.Add("subject", result.subject);
  }
  json.Add("false_offline", result.false_offline);
  if (partition) {
    json.Add("false_offline_cut", result.false_offline_cut);
  } else {
    json.AddNull("false_offline_cut");
  }
  if (isolate) {
    json.Add("offline_by_isolated", result.offline_by_isolated)
        .Add("offline_about_isolated", result.offline_about_isolated);
  } else {
    json.AddNull("offline_by_isolated").AddNull("offline_about_isolated");
  }
  json.Add("reaped", result.reaped);
  if (churn) {
    json.Add("churn_crashes", result.churn_crashes)
        .Add("churn_restarts", result.churn_restarts);
  } else {
    json.AddNull("churn_crashes").AddNull("churn_restarts");
  }
  if (restart) {
    json.Add("snapshot", settings.snapshot);
  } else {
    json.AddNull("snapshot");
  }
  json.Add("knows_all_s", Seconds(result.knows_all));
  for (const auto& [key, value] :
       {std::pair{"restored", result.restored},
        std::pair{"restart_bytes", result.restart_bytes},
        std::pair{"replaced", result.replaced},
        std::pair{"max_known", result.max_known},
        std::pair{"known_bound", result.known_bound},
        std::pair{"window_bytes", result.window_bytes},
        std::pair{"crashed", result.crashed},
        std::pair{"cut_members", result.cut_members},
        std::pair{"refreshed", result.refreshed}}) {
    if (value.has_value()) {
      json.Add(key, *value);
    } else {
      json.AddNull(key);
    }
  }
  json.Add("virtual_s", absl::ToDoubleSeconds(result.virtual_time))
      .Add("datagrams", totals.datagrams_sent)
      .Add("streams", totals.streams_sent)
      .Add("bytes", totals.bytes_sent)
      .Add("delivered", totals.delivered)
      .Add("lost", totals.lost)
      .Add("events", totals.events)
      .Add("wall_s", measured.wall_s)
      .Add("peak_rss_bytes", measured.peak_rss_bytes)
      .Add("trace_hash", TraceHash(sim))
      .Add("replay", ReplayCommand(settings));
  return json.Finish();
}

std::string FormatSeconds(const std::optional<absl::Duration>& duration) {
  if (!duration) return "-";
  return absl::StrFormat("%.3f s", absl::ToDoubleSeconds(*duration));
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes >= (1ULL << 30)) {
    return absl::StrFormat("%.2f GiB", bytes / static_cast<double>(1ULL << 30));
  }
  if (bytes >= (1ULL << 20)) {
    return absl::StrFormat("%.2f MiB", bytes / static_cast<double>(1ULL << 20));
  }
  if (bytes >= (1ULL << 10)) {
    return absl::StrFormat("%.2f KiB", bytes / static_cast<double>(1ULL << 10));
  }
  return absl::StrCat(bytes, " B");
}

// The phase whose start converged_s is measured from.
absl::string_view MeasuredFrom(Scenario scenario) {
  switch (scenario) {
    case Scenario::kJoin:
      return "after the first join";
    case Scenario::kMetadata:
      return "after the metadata change";
    case Scenario::kFailure:
      return "after the crash";
    case Scenario::kPartition:
    case Scenario::kLongPartition:
    case Scenario::kIsolate:
    case Scenario::kDnsSeeds:
      return "after the heal";
    case Scenario::kChurn:
      return "after the churn stopped";
    case Scenario::kRestart:
      return "after the restart";
    case Scenario::kReplace:
      return "after the replacing stopped";
  }
  return "";
}

std::string Summary(const Settings& settings, const Result& result,
                    const sim::Simulator& sim, const Measurements& measured) {
  const sim::Simulator::Totals& totals = sim.totals();
  std::string out = absl::StrFormat(
      "swim-sim: scenario %s, %d nodes, preset %s, seed %d\n"
      "  network:        loss %g, latency %g ms, AES-256-GCM\n"
      "  lifeguard:      %s\n"
      "  transport:      %s\n",
      settings.scenario_name, settings.nodes, settings.preset, settings.seed,
      settings.loss, settings.latency_ms, settings.lifeguard ? "on" : "off",
      settings.tcp_only ? "tcp only" : "udp and tcp");
  if (result.converged) {
    absl::StrAppend(&out, "  converged:      yes, ",
                    FormatSeconds(result.converged_after), " ",
                    MeasuredFrom(settings.scenario), " (virtual)\n");
  } else if (!result.failed_phase.empty()) {
    absl::StrAppend(&out, "  converged:      NO: the ", result.failed_phase,
                    " phase did not converge within its budget\n");
  } else {
    absl::StrAppend(&out,
                    "  converged:      NO: the goal did not hold within the "
                    "scenario's budget\n");
  }
  if (settings.scenario != Scenario::kJoin) {
    absl::StrAppend(&out, "  join:           ", FormatSeconds(result.join),
                    "\n");
  }
  if (!result.subject.empty()) {
    absl::StrAppend(&out, "  subject:        ", result.subject, "\n");
  }
  if (settings.scenario == Scenario::kFailure) {
    absl::StrAppend(
        &out, "  first suspect:  ", FormatSeconds(result.first_suspect), "\n",
        "  all offline:    ", FormatSeconds(result.all_offline), "\n");
  }
  if (settings.scenario == Scenario::kPartition ||
      settings.scenario == Scenario::kLongPartition) {
    absl::StrAppend(&out, "  partition:      ", FormatSeconds(result.partition),
                    ", each side held the other OFFLINE after ",
                    FormatSeconds(result.partition_split), "\n");
  }
  if (settings.scenario == Scenario::kIsolate) {
    absl::StrAppend(&out, "  isolation:      ", FormatSeconds(result.partition),
                    "; OFFLINE declarations by the isolated member ",
                    result.offline_by_isolated, ", about it ",
                    result.offline_about_isolated, "\n");
  }
  if (settings.scenario == Scenario::kDnsSeeds) {
    absl::StrAppend(
        &out, "  dns seeds:      ", result.cut_members.value_or(0),
        " members cut off for ", FormatSeconds(result.partition),
        "; the seed hosts replaced meanwhile; ", result.refreshed.value_or(0),
        " members took the new seeds",
        settings.refresh_s > 0
            ? absl::StrCat(" (refresh every ",
                           ShortestNumber(settings.refresh_s), " s)")
            : std::string(" (the name resolved once: no refresh)"),
        "\n");
  }
  if (settings.scenario == Scenario::kChurn) {
    absl::StrAppend(&out, "  churn:          ", result.churn_crashes,
                    " crashes, ", result.churn_restarts, " restarts\n");
  }
  if (settings.scenario == Scenario::kReplace) {
    absl::StrAppend(&out, "  replaced:       ", result.replaced.value_or(0),
                    " members; the most any member remembered: ",
                    result.max_known.value_or(0), " (bound ",
                    result.known_bound.value_or(0), ", ", result.samples,
                    " samples)\n");
  }
  if (settings.scenario == Scenario::kRestart) {
    absl::StrAppend(
        &out, "  restart:        ",
        settings.snapshot
            ? absl::StrCat("from its saved view (", result.restored.value_or(0),
                           " members restored), no seed")
            : std::string("cold, through node 0"),
        "; it knew every live member after ", FormatSeconds(result.knows_all),
        ", ", FormatBytes(result.restart_bytes.value_or(0)),
        " sent until converged\n");
  }
  absl::StrAppend(&out, "  reaped:         ", result.reaped, "\n");
  absl::StrAppend(&out, "  false offline:  ", result.false_offline);
  if (settings.scenario == Scenario::kPartition ||
      settings.scenario == Scenario::kLongPartition ||
      settings.scenario == Scenario::kDnsSeeds) {
    absl::StrAppend(&out, " (", result.false_offline_cut, " across the cut)");
  }
  absl::StrAppend(
      &out, "\n",
      absl::StrFormat(
          "  traffic:        %d datagrams, %d streams, %s sent, %d lost\n"
          "  virtual time:   %.3f s\n"
          "  wall time:      %.3f s, peak RSS %s\n"
          "  trace hash:     %s\n"
          "  replay:         %s\n",
          totals.datagrams_sent, totals.streams_sent,
          FormatBytes(totals.bytes_sent), totals.lost,
          absl::ToDoubleSeconds(result.virtual_time), measured.wall_s,
          FormatBytes(measured.peak_rss_bytes), TraceHash(sim),
          ReplayCommand(settings)));
  return out;
}

int Main(int argc, char** argv) {
  if (argc >= 2 && absl::string_view(argv[1]) == "replay") {
    return RunReplay(std::vector<std::string>(argv + 2, argv + argc));
  }
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig usage;
  // --help lists this file's flags (absl looks for swim-sim.cc by default).
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "tools/sim/swim_sim.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.version_string = [] { return VersionText("swim-sim"); };
  absl::SetFlagsUsageConfig(usage);
  // Checked first so that a bad flag exits with 2 and our message.
  absl::StatusOr<std::vector<std::string>> args = CheckCommandLine(argc, argv);
  if (!args.ok()) {
    absl::FPrintF(stderr, "swim-sim: %s\n", args.status().message());
    return 2;
  }
  std::vector<char*> pointers;
  for (std::string& arg : *args) pointers.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(pointers.size()), pointers.data());

  absl::StatusOr<Settings> settings = ReadFlags();
  if (!settings.ok()) {
    absl::FPrintF(stderr, "swim-sim: %s (see --help)\n",
                  settings.status().message());
    return 2;
  }

  const absl::Time wall_start = absl::Now();
  ProgressBar bar(stderr, isatty(STDERR_FILENO) != 0);
  Runner runner(*settings, bar);
  Result result;
  const absl::Status status = runner.Run(result);
  bar.Clear();
  if (!status.ok()) {
    absl::FPrintF(stderr, "swim-sim: %s (seed %d)\n", status.ToString(),
                  settings->seed);
    return 1;
  }
  Measurements measured;
  measured.wall_s = absl::ToDoubleSeconds(absl::Now() - wall_start);
  measured.peak_rss_bytes = PeakRssBytes();
  const std::string out =
      settings->json ? Json(*settings, result, runner.sim(), measured) + "\n"
                     : Summary(*settings, result, runner.sim(), measured);
  std::fputs(out.c_str(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace
}  // namespace swim::tools

int main(int argc, char** argv) { return swim::tools::Main(argc, argv); }

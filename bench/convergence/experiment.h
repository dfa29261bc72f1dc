#ifndef BENCH_CONVERGENCE_EXPERIMENT_H_
#define BENCH_CONVERGENCE_EXPERIMENT_H_

// One measured run of the convergence benchmark on the simulator: N members
// join and converge; the cluster settles; a steady-state window measures
// what membership costs; a few metadata changes measure how fast news
// spreads; a few crashes measure how fast failures are found. Everything
// is in virtual time and a deterministic function of the spec (the wall
// time and memory figures aside).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/drivers/sim/simulator.h"

namespace swim::convergence {

// A named configuration and the network it is meant for.
struct Preset {
  std::string name;
  Config config;
  sim::LinkModel link;
};

// "lan": Config::Lan() over links of 0.5 ms plus an exponential tail of
// mean 0.5 ms. "wan": Config::Wan() over 40 ms plus a tail of mean 20 ms.
absl::StatusOr<Preset> PresetByName(absl::string_view name);

struct RunSpec {
  int members = 10;
  Preset preset;
  double loss = 0;  // every datagram's chance of being lost, all the run
  uint64_t seed = 1;
  int metadata_changes = 5;
  int crashes = 3;
  // The steady-state window over which cost is measured, rounded up to
  // whole push-pull intervals.
  absl::Duration steady = absl::Seconds(60);
};

// What traffic a phase cost the whole cluster.
struct Cost {
  absl::Duration duration;
  int members = 0;
  uint64_t datagrams = 0;
  uint64_t streams = 0;
  uint64_t bytes = 0;         // datagrams and streams, as sent (before loss)
  uint64_t stream_bytes = 0;  // the streams' part (state exchanges)

  double DatagramsPerMemberSecond() const;
  double BytesPerMemberSecond() const;
  double StreamBytesPerMemberSecond() const;
};

// How one metadata change spread.
struct Spread {
  int members = 0;  // live members when it happened, the origin included
  // Seconds from the change until each member that learned it did (the
  // origin at 0), ascending. Shorter than `members` if the budget ran out.
  std::vector<double> informed_s;

  // Seconds until at least `fraction` of the members knew (nullopt: never
  // within the budget).
  std::optional<double> TimeToFraction(double fraction) const;
  // Fraction of the members that knew `seconds` after the change.
  double FractionAt(double seconds) const;
};

// How one crash was found.
struct Detection {
  // Until some member first marked the crashed one SUSPECT (or OFFLINE).
  std::optional<double> first_suspect_s;
  // Until every live member held it OFFLINE.
  std::optional<double> all_offline_s;
};

struct RunResult {
  RunSpec spec;
  // First join until every member knew every other (ONLINE or SUSPECT).
  std::optional<double> join_s;
  Cost join;  // the join storm, over join_s
  // After the join, until no member had news queued (settled; otherwise
  // the budget ran out) and every member's periodic push-pull ran on its
  // steady schedule.
  double settle_s = 0;
  bool settled = false;
  Cost steady;
  // Live members suspected during the steady window: distinct (member,
  // incarnation) suspicions, each refuted or declared in the end.
  uint64_t steady_false_suspicions = 0;
  std::vector<Spread> spreads;
  std::vector<Detection> detections;
  // OFFLINE marks against members that were alive: false declarations.
  uint64_t false_offline = 0;
  double virtual_s = 0;
  double wall_s = 0;
  uint64_t peak_rss_bytes = 0;  // this run's peak, where Linux can tell
  uint64_t trace_hash = 0;      // the simulator's digest of the run
};

// Called now and then with the run's progress (0-1) and its phase.
using ProgressFn = std::function<void(double fraction, absl::string_view)>;

// Runs `spec`. Errors only when the simulation cannot be set up; a phase
// that misses its budget is reported in the result (nullopt times).
absl::StatusOr<RunResult> RunExperiment(const RunSpec& spec,
                                        const ProgressFn& progress = nullptr);

}  // namespace swim::convergence

#endif  // BENCH_CONVERGENCE_EXPERIMENT_H_

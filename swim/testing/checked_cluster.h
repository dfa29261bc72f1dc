#ifndef SWIM_TESTING_CHECKED_CLUSTER_H_
#define SWIM_TESTING_CHECKED_CLUSTER_H_

// A simulator run under every invariant checker: the Simulator, the trace
// they share, and the four checkers (incarnation monotonicity, accuracy,
// completeness, convergence) with bounds derived from the members' config
// and the cluster's size. Report() gathers every violation with the seed,
// then the end of the trace, for a test's failure message.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/core/member_status.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/accuracy_checker.h"
#include "swim/testing/completeness_checker.h"
#include "swim/testing/convergence_checker.h"
#include "swim/testing/incarnation_checker.h"
#include "swim/testing/trace_recorder.h"

namespace swim::testing {

class CheckedCluster {
 public:
  struct Options {
    uint64_t seed = 1;
    // Every member's config (identity fields are the simulator's).
    Config config = DefaultConfig();
    // The most members the run will have (the bounds grow with it).
    int members = 3;
    // Every link's model until the test changes it.
    sim::LinkModel link;
    // Statuses the accuracy checker forbids for live members while armed.
    StatusMask forbidden = MemberStatus::kOffline;
    // How often the incarnation checker reads every table (zero: never;
    // events are checked regardless).
    absl::Duration snapshot_every = absl::Seconds(1);
    // Trace entries kept for the report.
    size_t trace_capacity = 4096;
  };

  // Config::Local() with a fixed AES-256-GCM key.
  static Config DefaultConfig();

  explicit CheckedCluster(Options options);

  CheckedCluster(const CheckedCluster&) = delete;
  CheckedCluster& operator=(const CheckedCluster&) = delete;

  // Adds `count` members with the config and joins each but the very
  // first through member 0.
  absl::Status Start(int count);

  sim::Simulator& sim() { return sim_; }
  TraceRecorder& trace() { return trace_; }
  IncarnationChecker& incarnations() { return incarnations_; }
  AccuracyChecker& accuracy() { return accuracy_; }
  CompletenessChecker& completeness() { return completeness_; }
  const CompletenessChecker& completeness() const { return completeness_; }
  ConvergenceChecker& convergence() { return convergence_; }
  const Options& options() const { return options_; }

  // The largest one-way link delay the bounds assume: the minimum plus ten
  // mean tails plus the reordering hold-back.
  absl::Duration latency() const;
  // DetectionTime and HealTime (cluster_bounds.h) for this run.
  absl::Duration detection_bound() const;
  absl::Duration heal_bound() const;

  // After every fault is lifted: waits until the members agree (within
  // heal_bound(), counted from now, which `after` names in a violation),
  // then lets what the faults set in motion play out — a probe begun
  // during them ends within one probe period (which Lifeguard stretches
  // for a member whose health suffered), a packet they delayed
  // arrives within `in_flight` — and waits until the members agree again,
  // so that a suspicion begun in the meantime has been resolved; then arms
  // the accuracy checker. A suspicion can outlive the faults that caused
  // it, and even end in a wrong OFFLINE when the refutation misses a
  // member (dissemination is random), so the checker must not be armed
  // before. Returns how long the first agreement took, or nullopt (and a
  // convergence violation is recorded) if either did not come in time.
  std::optional<absl::Duration> Settle(
      absl::string_view after, absl::Duration in_flight = absl::ZeroDuration(),
      absl::Duration poll = absl::ZeroDuration());

  // True if no checker found a violation.
  bool ok() const;
  // Every violation (with the seed), then the last `trace_lines` entries
  // of the trace; empty if ok().
  std::string Report(size_t trace_lines = 60) const;

 private:
  Options options_;
  sim::Simulator sim_;
  TraceRecorder trace_;
  IncarnationChecker incarnations_;
  AccuracyChecker accuracy_;
  CompletenessChecker completeness_;
  ConvergenceChecker convergence_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_CHECKED_CLUSTER_H_

#ifndef SWIM_TESTING_CLUSTER_H_
#define SWIM_TESTING_CLUSTER_H_

// The simulator's cluster fixture, for every test that runs members on
// the simulator (swim/drivers/sim): the Simulator, the trace the checkers
// share, members added and joined, faults (the simulator's, plus a packet
// filter that sees whole packets), and, when asked for, the four invariant
// checkers (incarnation monotonicity, accuracy, completeness, convergence)
// with bounds derived from the members' config and the cluster's size, and
// a log of every event each member reported. Everything that moves bytes
// and time is the Simulator's; this class sets it up and keeps the books.
// Deterministic: the same options and calls give the same run.
//
// TestCluster (the core's tests: a log, no checkers) and CheckedCluster
// (the scenario tests and the fault campaign: every checker) are this
// class with their own defaults.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/accuracy_checker.h"
#include "swim/testing/completeness_checker.h"
#include "swim/testing/convergence_checker.h"
#include "swim/testing/incarnation_checker.h"
#include "swim/testing/trace_recorder.h"

namespace swim::testing {

class Cluster {
 public:
  struct Options {
    // The simulator's seed (every node's PRNG and the network's).
    uint64_t seed = 1;
    // Every member's config. Identity fields (name "node-<index>", address,
    // generation, seeds) are the simulator's. A config without keys, and
    // not plaintext, gets `default_key`.
    Config config = Config::Local();
    std::string default_key = std::string(32, 'c');
    // Every link's model until the test changes it.
    sim::LinkModel link;
    // Run the invariant checkers (the accessors below need them).
    bool checked = false;
    // Keep every event each member reports (events()).
    bool log_events = false;
    // The most members the run will have (the bounds grow with it).
    int members = 3;
    // Statuses the accuracy checker forbids for live members while armed.
    StatusMask forbidden = MemberStatus::kOffline;
    // How often the incarnation checker reads every table (zero: never;
    // events are checked regardless).
    absl::Duration snapshot_every = absl::Seconds(1);
    // Trace entries kept for the report.
    size_t trace_capacity = 4096;
  };

  // A packet leaving a member (after loss); a filter returning false drops
  // it. `bytes` is valid only during the call.
  struct Packet {
    int from = 0;
    int to = 0;
    Channel channel = Channel::kDatagram;
    const std::vector<uint8_t>* bytes = nullptr;
  };
  using Filter = std::function<bool(const Packet&)>;

  explicit Cluster(Options options);
  virtual ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // --- Members ------------------------------------------------------------
  // Adds a member with the config, after `customize` had its say; returns
  // its index, or the simulator's error (an invalid config, say).
  absl::StatusOr<int> TryAdd(std::function<void(Config&)> customize = nullptr);
  // Adds `count` members and joins each but the very first member of the
  // cluster through member 0, at once.
  absl::Status Start(int count);
  // TryAdd and Start for a test's set-up, which cannot go on after an
  // error: they print it and abort.
  int Add(std::function<void(Config&)> customize = nullptr);
  void AddAndJoin(int count);
  // A new process with the same name and address and a larger generation,
  // joined through `seed`, with the config it was added with (so the same
  // initial metadata). Aborts on an error, as Add.
  void Restart(int index, int seed = 0);

  // --- The simulator ------------------------------------------------------
  sim::Simulator& sim() { return sim_; }
  const sim::Simulator& sim() const { return sim_; }
  sim::Simulator& simulator() { return sim_; }
  TraceRecorder& trace() { return trace_; }
  Node& node(int index) { return sim_.node(index); }
  const Node& node(int index) const { return sim_.node(index); }
  int size() const { return sim_.size(); }
  Instant now() const { return sim_.now(); }
  bool alive(int index) const { return sim_.alive(index); }
  // Stops a member dead: no more input, timers or output.
  void Crash(int index) { sim_.Crash(index); }
  // Drops packets for which `filter` returns false (null: deliver all).
  void SetFilter(Filter filter);
  void RunFor(absl::Duration duration) { sim_.RunFor(duration); }
  // Runs until `done` holds (checked after every instant at which anything
  // happened) or `timeout` of virtual time passes; returns whether it held.
  bool RunUntil(const std::function<bool()>& done, absl::Duration timeout) {
    return sim_.RunUntil(done, timeout);
  }
  // Status of `subject` as member `viewer` sees it (nullopt if unknown).
  std::optional<MemberStatus> StatusOf(int viewer, int subject) const {
    return sim_.StatusOf(viewer, subject);
  }
  // True if every live member other than `subject` sees it with `status`.
  bool AllSee(int subject, MemberStatus status) const {
    return sim_.AllSee(subject, status);
  }
  // True if every live member knows every other live member as ONLINE.
  bool Converged() const { return sim_.Converged(); }
  // A hash of every transmit (destination, channel, bytes) and event, in
  // order: equal for two runs exactly when they behaved identically.
  uint64_t fingerprint() const { return sim_.trace_hash(); }
  uint64_t delivered() const { return sim_.totals().delivered; }
  // Every event member `index` reported, across its restarts (log_events).
  const std::vector<Event>& events(int index) const;

  // --- Bounds and checkers ------------------------------------------------
  const Options& options() const { return options_; }
  // The largest one-way link delay the bounds assume: the minimum plus ten
  // mean tails plus the reordering hold-back.
  absl::Duration latency() const;
  // DetectionTime and HealTime (cluster_bounds.h) for this run.
  absl::Duration detection_bound() const;
  absl::Duration heal_bound() const;
  // The checkers (`checked` only).
  IncarnationChecker& incarnations();
  AccuracyChecker& accuracy();
  CompletenessChecker& completeness();
  const CompletenessChecker& completeness() const;
  ConvergenceChecker& convergence();
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
  // True if no checker found a violation (always, unchecked).
  bool ok() const;
  // Every violation (with the seed), then the last `trace_lines` entries
  // of the trace; empty if ok().
  std::string Report(size_t trace_lines = 60) const;

 private:
  // The checkers, built together when `checked`.
  struct Checkers {
    explicit Checkers(const Options& options, TraceRecorder& trace,
                      absl::Duration detection);
    IncarnationChecker incarnations;
    AccuracyChecker accuracy;
    CompletenessChecker completeness;
    ConvergenceChecker convergence;
  };
  Checkers& checkers();
  const Checkers& checkers() const;

  Options options_;
  sim::Simulator sim_;
  TraceRecorder trace_;
  std::optional<Checkers> checkers_;
  std::vector<std::vector<Event>> events_;
  std::vector<uint8_t> filter_bytes_;  // what Packet::bytes points to
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_CLUSTER_H_

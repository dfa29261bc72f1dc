#ifndef SWIM_TESTING_TEST_CLUSTER_H_
#define SWIM_TESTING_TEST_CLUSTER_H_

// A small cluster fixture for the core's tests: a few Nodes on the
// simulator (swim/drivers/sim) with one latency and loss rate on every
// link, a packet filter for surgical faults, crashes and restarts, and a
// log of every event each member reported. Everything that moves bytes and
// time is the Simulator's; this class only sets it up and keeps the log.
// Deterministic: the same options and calls give the same run.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/trace_recorder.h"

namespace swim::testing {

class TestCluster {
 public:
  struct Options {
    Config base = Config::Local();
    uint64_t seed = 1;
    absl::Duration latency = absl::Milliseconds(1);
    // Chance that a datagram is lost (streams are reliable).
    double loss = 0;
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

  explicit TestCluster(Options options);
  ~TestCluster();

  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  // Adds a member named "node-<index>" with `base` (keyed with a fixed
  // secret if it has none), after `customize` had its say, at
  // 10.0.0.<index + 1>:7946. Its address, generation, seed and nonce seed
  // are the simulator's (derived from the seed and index). Returns its
  // index.
  int Add(std::function<void(Config&)> customize = nullptr);
  // Adds `count` members and joins each through member 0.
  void AddAndJoin(int count);

  Node& node(int index) { return sim_.node(index); }
  const Node& node(int index) const { return sim_.node(index); }
  int size() const { return sim_.size(); }
  Instant now() const { return sim_.now(); }
  bool alive(int index) const { return sim_.alive(index); }

  // Stops a member dead: no more input, timers or output.
  void Crash(int index) { sim_.Crash(index); }
  // A new process with the same name and address and a larger generation,
  // joined through `seed`, with the config it was added with (so the same
  // initial metadata).
  void Restart(int index, int seed = 0);

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

  // Every event member `index` reported, across its restarts.
  const std::vector<Event>& events(int index) const { return events_[index]; }
  // A hash of every transmit (destination, channel, bytes) and event, in
  // order: equal for two runs exactly when they behaved identically.
  uint64_t fingerprint() const { return sim_.trace_hash(); }
  uint64_t delivered() const { return sim_.totals().delivered; }

  // The simulator underneath, for its fault model, and its trace, for the
  // invariant checkers (swim/testing/*_checker.h).
  sim::Simulator& simulator() { return sim_; }
  TraceRecorder& trace() { return trace_; }

 private:
  Options options_;
  sim::Simulator sim_;
  TraceRecorder trace_;
  std::vector<std::vector<Event>> events_;
  std::vector<uint8_t> filter_bytes_;  // what Packet::bytes points to
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_TEST_CLUSTER_H_

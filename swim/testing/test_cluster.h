#ifndef SWIM_TESTING_TEST_CLUSTER_H_
#define SWIM_TESTING_TEST_CLUSTER_H_

// A small in-process cluster for the core's tests: moves bytes between a
// few Nodes in virtual time with a fixed latency and optional loss,
// crashes and restarts members, and records every event. Deterministic:
// the same options and calls give the same run. (The full simulator, with
// its fault model and scale, lives in swim/drivers/sim.)

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "swim/core/node.h"

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

  // A packet in flight; a filter returning false drops it.
  struct Packet {
    int from = 0;
    int to = 0;
    Channel channel = Channel::kDatagram;
    const std::vector<uint8_t>* bytes = nullptr;
  };
  using Filter = std::function<bool(const Packet&)>;

  explicit TestCluster(Options options);
  ~TestCluster();

  // Adds a member named "node-<index>" at 10.0.0.<index + 1>:7946 (or
  // `config`'s overrides applied by `customize`). Returns its index.
  int Add(std::function<void(Config&)> customize = nullptr);
  // Adds `count` members and joins each through member 0.
  void AddAndJoin(int count);

  Node& node(int index) { return *members_[index]->node; }
  const Node& node(int index) const { return *members_[index]->node; }
  int size() const { return static_cast<int>(members_.size()); }
  absl::Time now() const { return now_; }
  bool alive(int index) const { return members_[index]->alive; }

  // Stops a member dead: no more input, timers or output.
  void Crash(int index);
  // A new process with the same name and address and a larger generation,
  // joined through `seed`.
  void Restart(int index, int seed = 0);

  // Drops packets for which `filter` returns false (null: deliver all).
  void SetFilter(Filter filter) { filter_ = std::move(filter); }

  void RunFor(absl::Duration duration);
  // Runs until `done` holds (checked after every step) or `timeout` of
  // virtual time passes; returns whether it held.
  bool RunUntil(const std::function<bool()>& done, absl::Duration timeout);

  // Status of `name` as member `viewer` sees it (nullopt if unknown).
  std::optional<MemberStatus> StatusOf(int viewer, int subject) const;
  // True if every live member other than `subject` sees it with `status`.
  bool AllSee(int subject, MemberStatus status) const;
  // True if every live member knows every other live member as ONLINE.
  bool Converged() const;

  const std::vector<Event>& events(int index) const {
    return members_[index]->events;
  }
  // A hash of every transmit (destination, channel, bytes) and event, in
  // order: equal for two runs exactly when they behaved identically.
  uint64_t fingerprint() const { return fingerprint_; }
  uint64_t delivered() const { return delivered_; }

 private:
  struct Slot {
    std::unique_ptr<Node> node;
    bool alive = true;
    uint64_t generation = 1;
    std::vector<Event> events;
  };
  struct InFlight;

  void Drain(int index);
  int IndexOf(const Address& address) const;
  void Step(absl::Time until);
  void Mix(uint64_t value);
  Config MakeConfig(int index, uint64_t generation) const;

  Options options_;
  absl::Time now_;
  Random random_;
  std::vector<std::unique_ptr<Slot>> members_;
  std::vector<InFlight> in_flight_;  // a heap
  uint64_t next_order_ = 0;
  uint64_t fingerprint_ = 1469598103934665603ULL;
  uint64_t delivered_ = 0;
  Filter filter_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_TEST_CLUSTER_H_

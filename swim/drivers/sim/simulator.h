#ifndef SWIM_DRIVERS_SIM_SIMULATOR_H_
#define SWIM_DRIVERS_SIM_SIMULATOR_H_

// The simulated-network driver: many swim::Nodes in one process, in virtual
// time, driven through the same poll contract as the real drivers (deliver
// input, run timeouts at each node's deadline, drain transmits and events),
// over a network whose faults are set per link and per node and can change
// on a schedule. Seeded: the same seed, nodes and schedule replay
// byte-identically (trace_hash() proves it).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/core/random.h"
#include "swim/drivers/sim/trace_hash.h"

namespace swim::sim {

// How one direction of a link treats traffic. Streams (push-pull, large
// updates, fallback probes) are reliable and ordered like TCP: they see
// delay and blocking but no loss, duplication or reordering; under loss
// they see TCP's retransmission delays instead: each of a message's
// 1448-byte segments (and, for a request, the handshake's SYN and
// SYN-ACK, as if the connection were new) is lost with the link's chance
// on every try, and resent after Linux's timeouts (200 ms for data, 1 s
// for a handshake, doubling each retry; the message is lost after 15 and
// 6 retries). The handshake's round trip itself is not modelled.
struct LinkModel {
  // One-way delay: the minimum plus an exponentially distributed tail.
  absl::Duration min_delay = absl::Milliseconds(1);
  absl::Duration mean_tail = absl::ZeroDuration();
  double loss = 0;       // chance a datagram is lost
  double duplicate = 0;  // chance a datagram arrives twice
  // Chance a datagram is held back by up to ten minimum delays, so later
  // ones overtake it.
  double reorder = 0;
  bool blocked = false;  // a partition: nothing passes
};

class Simulator {
 public:
  struct Options {
    uint64_t seed = 1;
    LinkModel link;  // every link's model until changed
    Instant start = Instant(absl::Seconds(1700000000));
  };

  // Counters over the whole run.
  struct Totals {
    uint64_t datagrams_sent = 0;
    uint64_t streams_sent = 0;
    uint64_t bytes_sent = 0;
    uint64_t stream_bytes_sent = 0;  // the part of bytes_sent on streams
    uint64_t delivered = 0;
    uint64_t lost = 0;  // dropped by loss, a partition or a dead receiver
    uint64_t duplicated = 0;
    uint64_t events = 0;
  };

  using EventObserver = std::function<void(int node, const Event& event)>;
  // Sees every packet a node sends, after the link model let it through;
  // returning false drops it (counted as lost). For tests that need
  // surgical faults ("drop every push-pull from node 3").
  using PacketFilter = std::function<bool(int from, int to, Channel channel,
                                          absl::Span<const uint8_t> bytes)>;

  explicit Simulator(Options options);
  ~Simulator();

  // Adds a node at 10.x.y.z:7946 (unique per index) named by `config.name`
  // (or "node-<index>" when empty). The simulator fills the address,
  // generation, seed and nonce seed from the run's seed unless set.
  // Returns its index.
  absl::StatusOr<int> AddNode(Config config);
  // Join `index` through `seeds` (indices).
  absl::Status Join(int index, const std::vector<int>& seeds);
  // Makes every live node (not crashed, not left, holding its name) know
  // every other such node ONLINE at once
  // (Node::Restore): the state a cluster settles into after its members
  // join, without simulating the join. For studies of a running cluster at
  // sizes where the join storm itself (O(N² log N) gossip) is not the
  // question.
  absl::Status ConnectAll();
  // Runs an application command on a node now (SetMetadata, Leave,
  // Broadcast, ...) and then sends what it produced and re-arms its timer,
  // as a real driver does after every call into the core.
  absl::Status Command(
      int index, const std::function<absl::Status(Node&, Instant)>& command);

  Node& node(int index);
  const Node& node(int index) const;
  int size() const { return static_cast<int>(slots_.size()); }
  Instant now() const { return now_; }
  uint64_t seed() const { return options_.seed; }
  const Totals& totals() const { return totals_; }
  // A digest of every transmit (destination, channel, bytes) and event (its
  // case, and its member or its own fields), in order: equal exactly for
  // runs that behaved identically.
  uint64_t trace_hash() const { return trace_.value(); }
  // Stream connections open on an accepting side (requests in flight or
  // being answered): none remain for requests that were lost.
  size_t open_connections() const { return connections_.size(); }

  // --- Faults (take effect at once; use At() to schedule) ------------------
  void SetLink(int from, int to, const LinkModel& model);
  void SetAllLinks(const LinkModel& model);  // and forget per-link settings
  // Blocks traffic from every node in `a` to every node in `b` (and back,
  // when `symmetric`).
  void Partition(const std::vector<int>& a, const std::vector<int>& b,
                 bool symmetric = true);
  // Lifts every partition (other link settings stay).
  void Heal();
  // The process dies: no input, timers or output until Restart.
  void Crash(int index);
  // A new process with the same name and address and a larger generation,
  // joining through `seeds`; with a `saved` view (Node::Rejoin: the
  // members it knew, as a driver's view file keeps them), starting from
  // that view and asking a few of its members as well as the seeds.
  absl::Status Restart(int index, const std::vector<int>& seeds,
                       absl::Span<const Member> saved = {});
  // The process stops (a GC or VM stall): input queues up, timers wait; all
  // of it is processed when the pause ends.
  void Pause(int index, absl::Duration duration);
  // Every input reaches the node `extra` late (an overloaded member).
  void Slow(int index, absl::Duration extra);
  bool alive(int index) const;
  bool paused(int index) const;

  // Runs `action` at `at` (virtual), in order with everything else.
  void At(Instant at, std::function<void()> action);

  void OnEvent(EventObserver observer) { observer_ = std::move(observer); }
  void SetFilter(PacketFilter filter) { filter_ = std::move(filter); }

  // --- Running -------------------------------------------------------------
  void RunFor(absl::Duration duration);
  // Runs until `done()` holds (checked after each instant) or `timeout`
  // of virtual time passes; returns whether it held.
  bool RunUntil(const std::function<bool()>& done, absl::Duration timeout);

  // --- Views ---------------------------------------------------------------
  // Status of `subject` in `viewer`'s table (nullopt: unknown there).
  std::optional<MemberStatus> StatusOf(int viewer, int subject) const;
  // Every live member other than `subject` sees it with `status`.
  bool AllSee(int subject, MemberStatus status) const;
  // Every live member knows every other live member as ONLINE.
  bool Converged() const;

 private:
  struct Slot;
  struct Pending;

  Config Prepare(Config config, int index, uint64_t generation) const;
  void Push(Pending pending);
  void ScheduleTimer(int index);
  void Drain(int index);
  void Send(int from, const Transmit& transmit);
  const LinkModel& Link(int from, int to) const;
  // Stream retransmissions (LinkModel): how many times in a row a packet
  // is lost (retries + 1: it never passed), and the delay they add to a
  // message (InfiniteDuration: TCP gave up).
  int Losses(double loss, int retries);
  absl::Duration TcpRecovery(bool opens, size_t bytes, double loss,
                             double reverse_loss);
  bool Step(Instant until);

  Options options_;
  Instant now_;
  Random random_;
  std::vector<std::unique_ptr<Slot>> slots_;
  absl::flat_hash_map<Address, int> by_address_;
  absl::flat_hash_map<uint64_t, LinkModel> links_;  // from * 2^32 + to
  // A partition blocks from every node of `from_side` to every node of
  // `to_side` (indexed by node); a few cuts at most, so checks stay cheap.
  struct Cut {
    std::vector<bool> from_side;
    std::vector<bool> to_side;
  };
  std::vector<Cut> cuts_;
  // Stream connections whose accepting side has not closed yet.
  struct Connection {
    int opener = 0;
    uint64_t opener_life = 0;
    int acceptor = 0;
  };
  absl::flat_hash_map<StreamId, Connection> connections_;
  StreamId next_connection_ = 1;
  std::vector<Pending> queue_;  // a heap
  uint64_t next_order_ = 0;
  TraceHash trace_;
  Totals totals_;
  EventObserver observer_;
  PacketFilter filter_;
};

}  // namespace swim::sim

#endif  // SWIM_DRIVERS_SIM_SIMULATOR_H_

#include "swim/drivers/sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"

namespace swim::sim {
namespace {

// TCP under datagram loss (LinkModel): what the stream plane's
// retransmissions cost. Linux's initial RTO for a handshake is 1 s, its
// floor for data 200 ms, each doubling per retry; it gives up on a
// handshake after 6 retries, on data after 15. A segment carries 1448
// bytes (an Ethernet MSS with timestamps).
constexpr absl::Duration kHandshakeRto = absl::Seconds(1);
constexpr int kHandshakeRetries = 6;
constexpr absl::Duration kDataRto = absl::Milliseconds(200);
constexpr int kDataRetries = 15;
constexpr size_t kSegmentBytes = 1448;

}  // namespace

struct Simulator::Slot {
  std::unique_ptr<Node> node;
  Config config;
  bool crashed = false;
  Instant paused_until = Instant::InfinitePast();
  absl::Duration slow = absl::ZeroDuration();
  // The timer event currently queued for this node (older ones are stale).
  uint64_t timer_generation = 0;
  std::optional<Instant> timer_at;
  // Counts process lives: a stream connection dies with the process that
  // held it, so stream bytes sent to an earlier life are lost.
  uint64_t life = 0;
};

struct Simulator::Pending {
  enum class Kind : uint8_t { kDeliver, kTimer, kAction };
  Instant at;
  uint64_t order = 0;
  Kind kind = Kind::kDeliver;
  int to = 0;
  Address from;
  Channel channel = Channel::kDatagram;
  // kStream: the connection, and the receiving life it belongs to.
  StreamId stream = 0;
  uint64_t life = 0;
  std::vector<uint8_t> bytes;
  uint64_t generation = 0;
  std::function<void()> action;
};

namespace {

// At one instant, deliveries and actions run in the order they were
// queued, then nodes' timers in node order. Timers are not ordered by when
// they were queued: a node re-arms its timer whenever its deadline moves,
// so that order would change with every wake-up a node adds or removes
// even when the wake-up does nothing, and with it the trace.
struct Later {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    if (a.at != b.at) return a.at > b.at;
    const bool a_timer = a.kind == T::Kind::kTimer;
    const bool b_timer = b.kind == T::Kind::kTimer;
    if (a_timer != b_timer) return a_timer;
    if (a_timer && a.to != b.to) return a.to > b.to;
    return a.order > b.order;
  }
};

uint64_t LinkKey(int from, int to) {
  return (static_cast<uint64_t>(from) << 32) | static_cast<uint32_t>(to);
}

}  // namespace

Simulator::Simulator(Options options)
    : options_(std::move(options)),
      now_(options_.start),
      random_(options_.seed) {}

Simulator::~Simulator() = default;

Config Simulator::Prepare(Config config, int index, uint64_t generation) const {
  if (config.name.empty()) config.name = absl::StrCat("node-", index);
  const uint32_t n = static_cast<uint32_t>(index) + 1;
  config.address =
      Address::Ipv4({10, static_cast<uint8_t>(n >> 16),
                     static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)},
                    7946);
  config.generation = generation;
  // Every node's randomness derives from the run's seed, its index and its
  // life, so a run replays exactly and no two nodes share a sequence.
  Random derive(options_.seed ^ (static_cast<uint64_t>(index) << 20) ^
                (generation << 44));
  config.seed = derive.Next();
  for (size_t i = 0; i < config.nonce_seed.size(); i += 8) {
    const uint64_t word = derive.Next();
    for (size_t j = 0; j < 8; ++j) {
      config.nonce_seed[i + j] = static_cast<uint8_t>(word >> (8 * j));
    }
  }
  return config;
}

absl::StatusOr<int> Simulator::AddNode(Config config) {
  const int index = size();
  config = Prepare(std::move(config), index, /*generation=*/1);
  absl::StatusOr<std::unique_ptr<Node>> node = Node::Create(config, now_);
  if (!node.ok()) return node.status();
  auto slot = std::make_unique<Slot>();
  slot->node = *std::move(node);
  slot->config = std::move(config);
  by_address_[slot->config.address] = index;
  slots_.push_back(std::move(slot));
  for (Cut& cut : cuts_) {
    cut.from_side.push_back(false);
    cut.to_side.push_back(false);
  }
  ScheduleTimer(index);
  return index;
}

absl::Status Simulator::Join(int index, const std::vector<int>& seeds) {
  std::vector<Address> addresses;
  for (int seed : seeds) addresses.push_back(node(seed).local().address);
  absl::Status status = node(index).Join(addresses, now_);
  Drain(index);
  return status;
}

absl::Status Simulator::ConnectAll() {
  // Members that are up and hold their names: a member that left or lost
  // a name conflict is not part of a settled cluster.
  auto settled = [this](int index) {
    return alive(index) && node(index).lifecycle() == Lifecycle::kActive;
  };
  std::vector<Member> everyone;
  for (int index = 0; index < size(); ++index) {
    if (settled(index)) everyone.push_back(node(index).local());
  }
  for (int index = 0; index < size(); ++index) {
    if (!settled(index)) continue;
    // Each node skips its own entry.
    if (absl::Status status = node(index).Restore(everyone, now_);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

Node& Simulator::node(int index) { return *slots_[index]->node; }
const Node& Simulator::node(int index) const { return *slots_[index]->node; }
bool Simulator::alive(int index) const { return !slots_[index]->crashed; }
bool Simulator::paused(int index) const {
  return slots_[index]->paused_until > now_;
}

absl::Status Simulator::Command(
    int index, const std::function<absl::Status(Node&, Instant)>& command) {
  absl::Status status = command(node(index), now_);
  Drain(index);
  return status;
}

// --- Faults ---

void Simulator::SetLink(int from, int to, const LinkModel& model) {
  links_[LinkKey(from, to)] = model;
}

void Simulator::SetAllLinks(const LinkModel& model) {
  options_.link = model;
  links_.clear();
}

void Simulator::Partition(const std::vector<int>& a, const std::vector<int>& b,
                          bool symmetric) {
  Cut cut{std::vector<bool>(size(), false), std::vector<bool>(size(), false)};
  for (int i : a) cut.from_side[i] = true;
  for (int i : b) cut.to_side[i] = true;
  cuts_.push_back(cut);
  if (symmetric) cuts_.push_back(Cut{cut.to_side, cut.from_side});
}

void Simulator::Heal() { cuts_.clear(); }

void Simulator::Crash(int index) {
  Slot& slot = *slots_[index];
  slot.crashed = true;
  ++slot.timer_generation;
  slot.timer_at.reset();
}

absl::Status Simulator::Restart(int index, const std::vector<int>& seeds,
                                absl::Span<const Member> saved) {
  Slot& slot = *slots_[index];
  Config config = Prepare(slot.config, index, slot.config.generation + 1);
  absl::StatusOr<std::unique_ptr<Node>> node = Node::Create(config, now_);
  if (!node.ok()) return node.status();
  slot.node = *std::move(node);
  slot.config = std::move(config);
  slot.crashed = false;
  slot.paused_until = Instant::InfinitePast();
  ++slot.life;
  ++slot.timer_generation;
  slot.timer_at.reset();
  ScheduleTimer(index);
  if (saved.empty()) return Join(index, seeds);
  std::vector<Address> addresses;
  for (int seed : seeds) addresses.push_back(this->node(seed).local().address);
  absl::Status status = this->node(index).Rejoin(saved, addresses, now_);
  Drain(index);
  return status;
}

void Simulator::Pause(int index, absl::Duration duration) {
  slots_[index]->paused_until = now_ + duration;
}

void Simulator::Slow(int index, absl::Duration extra) {
  slots_[index]->slow = extra;
}

void Simulator::At(Instant at, std::function<void()> action) {
  Pending pending;
  pending.at = std::max(at, now_);
  pending.kind = Pending::Kind::kAction;
  pending.action = std::move(action);
  Push(std::move(pending));
}

// --- The event loop ---

void Simulator::Push(Pending pending) {
  pending.order = next_order_++;
  queue_.push_back(std::move(pending));
  std::push_heap(queue_.begin(), queue_.end(), Later());
}

void Simulator::ScheduleTimer(int index) {
  Slot& slot = *slots_[index];
  if (slot.crashed) return;
  const std::optional<Instant> deadline = slot.node->NextDeadline();
  if (deadline == slot.timer_at) return;  // the queued event still holds
  slot.timer_at = deadline;
  ++slot.timer_generation;
  if (!deadline) return;
  Pending pending;
  pending.at = std::max(*deadline, now_);
  pending.kind = Pending::Kind::kTimer;
  pending.to = index;
  pending.generation = slot.timer_generation;
  Push(std::move(pending));
}

int Simulator::Losses(double loss, int retries) {
  int losses = 0;
  if (loss <= 0) return 0;
  while (losses <= retries && random_.UniformDouble() < loss) ++losses;
  return losses;
}

absl::Duration Simulator::TcpRecovery(bool opens, size_t bytes, double loss,
                                      double reverse_loss) {
  // A packet lost k times in a row arrives RTO * (2^k - 1) late.
  auto late = [](absl::Duration rto, int losses) {
    return rto * ((int64_t{1} << losses) - 1);
  };
  absl::Duration total = absl::ZeroDuration();
  if (opens) {
    // SYN, then SYN-ACK: each is resent until it passes.
    for (const double chance : {loss, reverse_loss}) {
      const int losses = Losses(chance, kHandshakeRetries);
      if (losses > kHandshakeRetries) return absl::InfiniteDuration();
      total += late(kHandshakeRto, losses);
    }
  }
  // The segments travel together; the message is complete when the one
  // resent most often arrives.
  int worst = 0;
  const size_t segments =
      std::max<size_t>(1, (bytes + kSegmentBytes - 1) / kSegmentBytes);
  for (size_t i = 0; i < segments; ++i) {
    worst = std::max(worst, Losses(loss, kDataRetries));
  }
  if (worst > kDataRetries) return absl::InfiniteDuration();
  return total + late(kDataRto, worst);
}

const LinkModel& Simulator::Link(int from, int to) const {
  auto it = links_.find(LinkKey(from, to));
  return it == links_.end() ? options_.link : it->second;
}

void Simulator::Send(int from, const Transmit& transmit) {
  const bool stream = transmit.channel == Channel::kStream;
  stream ? ++totals_.streams_sent : ++totals_.datagrams_sent;
  totals_.bytes_sent += transmit.bytes.size();
  if (stream) totals_.stream_bytes_sent += transmit.bytes.size();
  auto target = by_address_.find(transmit.to);
  int to = target == by_address_.end() ? -1 : target->second;
  // Streams: a request opens a connection (one per message here; real
  // drivers reuse theirs, which the Node cannot tell apart); a reply goes
  // back on the connection its request came on, while the side that
  // received the request still has it open.
  StreamId connection = 0;
  uint64_t life = 0;
  bool opens = false;  // a request: the connection is kept once sent
  if (stream) {
    if (transmit.stream) {
      auto open = connections_.find(*transmit.stream);
      to = open == connections_.end() || open->second.acceptor != from
               ? -1
               : open->second.opener;
      connection = *transmit.stream;
      if (to >= 0) life = open->second.opener_life;
    } else if (to >= 0) {
      connection = next_connection_++;
      opens = true;
      life = slots_[to]->life;
    }
  }
  trace_.Mix(static_cast<uint64_t>(to + 1) * 2 + (stream ? 1 : 0));
  trace_.MixBytes(transmit.bytes);
  if (to < 0) {
    ++totals_.lost;
    return;
  }
  const LinkModel& link = Link(from, to);
  bool blocked = link.blocked;
  for (const Cut& cut : cuts_) {
    blocked |= cut.from_side[from] && cut.to_side[to];
  }
  // A stream is reliable, but loss costs it time: a lost segment (or,
  // for a request, a lost handshake packet) is sent again after TCP's
  // retransmission timeout.
  std::optional<absl::Duration> recovery;
  if (stream && (link.loss > 0 || Link(to, from).loss > 0)) {
    recovery = TcpRecovery(opens, transmit.bytes.size(), link.loss,
                           Link(to, from).loss);
  }
  if (blocked ||
      (!stream && link.loss > 0 && random_.UniformDouble() < link.loss) ||
      (stream && recovery && *recovery == absl::InfiniteDuration()) ||
      (filter_ && !filter_(from, to, transmit.channel, transmit.bytes))) {
    ++totals_.lost;
    return;
  }
  int copies = 1;
  if (!stream && link.duplicate > 0 &&
      random_.UniformDouble() < link.duplicate) {
    copies = 2;
    ++totals_.duplicated;
  }
  for (int copy = 0; copy < copies; ++copy) {
    absl::Duration delay = link.min_delay + slots_[to]->slow;
    if (link.mean_tail > absl::ZeroDuration()) {
      // Exponential tail, by inversion of a uniform draw.
      delay += link.mean_tail * -std::log(1.0 - random_.UniformDouble());
    }
    if (!stream && link.reorder > 0 && random_.UniformDouble() < link.reorder) {
      delay += link.min_delay * (10 * random_.UniformDouble());
    }
    if (recovery) delay += *recovery;
    Pending pending;
    pending.at = now_ + delay;
    pending.kind = Pending::Kind::kDeliver;
    pending.to = to;
    pending.from = slots_[from]->config.address;
    pending.channel = transmit.channel;
    pending.stream = connection;
    pending.life = life;
    pending.bytes.assign(transmit.bytes.begin(), transmit.bytes.end());
    Push(std::move(pending));
  }
  if (opens) {
    connections_[connection] = Connection{from, slots_[from]->life, to};
  }
}

void Simulator::Drain(int index) {
  Slot& slot = *slots_[index];
  while (std::optional<Transmit> transmit = slot.node->PollTransmit()) {
    Send(index, *transmit);
  }
  while (std::optional<Event> event = slot.node->PollEvent()) {
    ++totals_.events;
    trace_.Mix(static_cast<uint64_t>(index) * 131 + event->index());
    if (const Member* member = EventMember(*event)) {
      for (char c : member->name) trace_.Mix(static_cast<uint8_t>(c));
      trace_.Mix(static_cast<uint64_t>(member->status));
      trace_.Mix(member->incarnation.generation);
      trace_.Mix(member->incarnation.version);
    } else if (const auto* message = std::get_if<UserMessage>(&*event)) {
      for (char c : message->origin) trace_.Mix(static_cast<uint8_t>(c));
      for (char c : message->payload) trace_.Mix(static_cast<uint8_t>(c));
    } else if (const auto* conflict = std::get_if<NameConflict>(&*event)) {
      for (char c : conflict->address.ToString()) {
        trace_.Mix(static_cast<uint8_t>(c));
      }
    }
    if (observer_) observer_(index, *event);
  }
  ScheduleTimer(index);
}

bool Simulator::Step(Instant until) {
  if (queue_.empty() || queue_.front().at > until) {
    now_ = std::max(now_, until);
    return false;
  }
  std::pop_heap(queue_.begin(), queue_.end(), Later());
  Pending pending = std::move(queue_.back());
  queue_.pop_back();
  now_ = std::max(now_, pending.at);
  if (pending.kind == Pending::Kind::kAction) {
    pending.action();
    return true;
  }
  Slot& slot = *slots_[pending.to];
  if (pending.kind == Pending::Kind::kTimer) {
    if (slot.crashed || pending.generation != slot.timer_generation) {
      return true;  // stale
    }
    if (slot.paused_until > now_) {
      // Frozen: the timer fires when the pause ends.
      pending.at = slot.paused_until;
      Push(std::move(pending));
      return true;
    }
    slot.timer_at.reset();
    slot.node->HandleTimeout(now_);
    Drain(pending.to);
    return true;
  }
  // A delivery.
  const bool stream = pending.channel == Channel::kStream;
  if (slot.crashed || (stream && pending.life != slot.life)) {
    ++totals_.lost;
    if (stream) connections_.erase(pending.stream);  // never accepted
    return true;
  }
  if (slot.paused_until > now_) {
    pending.at = slot.paused_until;  // queued in the stalled process
    Push(std::move(pending));
    return true;
  }
  ++totals_.delivered;
  if (!stream) {
    slot.node->HandleDatagram(pending.from, pending.bytes, now_);
    Drain(pending.to);
    return true;
  }
  // A whole stream message arrives at once; the connection then closes on
  // this side, after the node replied on it (replies are produced while
  // the request is handled). A TCP-only member may also answer later on
  // it (a relay's ack or nack), as on a real driver's connection: it is
  // kept for a probe interval, as long as a relay lasts.
  slot.node->HandleStreamData(pending.stream, pending.from, pending.bytes,
                              now_);
  Drain(pending.to);
  if (slot.config.tcp_only) {
    At(now_ + slot.config.probe_interval,
       [this, to = pending.to, life = slot.life, id = pending.stream] {
         Slot& held = *slots_[to];
         if (!held.crashed && held.life == life) {
           held.node->HandleStreamClosed(id);
         }
         connections_.erase(id);
       });
    return true;
  }
  slot.node->HandleStreamClosed(pending.stream);
  connections_.erase(pending.stream);
  return true;
}

void Simulator::RunFor(absl::Duration duration) {
  const Instant until = now_ + duration;
  while (Step(until)) {
  }
}

bool Simulator::RunUntil(const std::function<bool()>& done,
                         absl::Duration timeout) {
  const Instant until = now_ + timeout;
  if (done()) return true;
  while (true) {
    // Process everything at the next instant, then check.
    if (queue_.empty() || queue_.front().at > until) {
      now_ = std::max(now_, until);
      return done();
    }
    const Instant instant = queue_.front().at;
    while (!queue_.empty() && queue_.front().at == instant) Step(until);
    if (done()) return true;
  }
}

// --- Views ---

std::optional<MemberStatus> Simulator::StatusOf(int viewer, int subject) const {
  return node(viewer).StatusOf(node(subject).local().name);
}

bool Simulator::AllSee(int subject, MemberStatus status) const {
  for (int i = 0; i < size(); ++i) {
    if (i == subject || !alive(i)) continue;
    if (StatusOf(i, subject) != status) return false;
  }
  return true;
}

bool Simulator::Converged() const {
  // A cheap necessary condition first: each live member must count at
  // least the other live ones as available. During a join this rejects in
  // O(N) what the full check below needs O(N²) look-ups for.
  size_t live = 0;
  for (int i = 0; i < size(); ++i) live += alive(i) ? 1 : 0;
  for (int i = 0; i < size(); ++i) {
    if (alive(i) && node(i).available() + 1 < live) return false;
  }
  for (int subject = 0; subject < size(); ++subject) {
    if (!alive(subject)) continue;
    if (!AllSee(subject, MemberStatus::kOnline)) return false;
  }
  return true;
}

}  // namespace swim::sim

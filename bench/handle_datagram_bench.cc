// HandleDatagram per message type, on a node that knows 100 members in
// steady state (their news has spread, nothing queued). Each iteration
// hands the node one datagram as a plaintext peer would send it (envelope
// opened, packet decoded, messages handled) and drains what the node sends
// and reports: that is part of the work. Virtual time stands still, so no
// timer runs.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/allocation_counter.h"
#include "bench/bench_nodes.h"
#include "benchmark/benchmark.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

using bench::MemberAddress;
using bench::MemberName;
using bench::SealPlaintext;

constexpr int kMembers = 100;

uint64_t TotalSent(const Stats& stats) {
  uint64_t total = 0;
  for (uint64_t sent : stats.messages_sent) total += sent;
  return total;
}

// What a run did, per iteration, so each benchmark shows it took the path
// it claims to: messages sent (piggybacked ones included), claims applied
// and ignored, input dropped, heap allocations.
class Report {
 public:
  explicit Report(const Node& node) : node_(node), before_(node.stats()) {}

  bench::AllocationMeter& allocations() { return allocations_; }
  void AddTransmits(int transmits) { transmits_ += transmits; }

  void Finish(benchmark::State& state) const {
    const Stats& after = node_.stats();
    auto per_iter = [](double value) {
      return benchmark::Counter(value, benchmark::Counter::kAvgIterations);
    };
    state.counters["allocs_per_iter"] = per_iter(allocations_.allocations());
    state.counters["transmits_per_iter"] = per_iter(transmits_);
    state.counters["sent_msgs_per_iter"] =
        per_iter(TotalSent(after) - TotalSent(before_));
    state.counters["applied_per_iter"] =
        per_iter(after.updates_applied - before_.updates_applied);
    state.counters["stale_per_iter"] =
        per_iter(after.updates_stale - before_.updates_stale);
    state.counters["drops_per_iter"] =
        per_iter(after.TotalDrops() - before_.TotalDrops());
  }

 private:
  const Node& node_;
  const Stats before_;
  uint64_t transmits_ = 0;
  bench::AllocationMeter allocations_;
};

// The seq of the first ping among `node`'s transmits (the rest are
// drained), and where it goes.
std::optional<std::pair<uint32_t, Address>> TakePing(Node& node) {
  std::optional<std::pair<uint32_t, Address>> found;
  std::vector<Message> decoded;
  while (std::optional<Transmit> transmit = node.PollTransmit()) {
    if (found || !DecodePacket(transmit->bytes.subspan(2), decoded).ok() ||
        decoded.empty() || !std::holds_alternative<Ping>(decoded.front())) {
      continue;
    }
    found = {std::get<Ping>(decoded.front()).seq, transmit->to};
  }
  while (node.PollEvent()) {
  }
  return found;
}

// Advances time until `node` starts its next probe, and leaves the ping
// unanswered. Returns its seq and target.
std::pair<uint32_t, Address> StartProbe(Node& node, Instant& now) {
  for (;;) {
    now += node.config().gossip_interval;
    node.HandleTimeout(now);
    if (auto ping = TakePing(node)) return *ping;
  }
}

// Packets that must differ in every iteration (each carries news), made by
// `make(i)` for the i-th iteration. They are encoded ahead in batches,
// with the timer and the allocation count paused, so the loop measures
// only the node.
class PacketSource {
 public:
  using Maker = std::function<void(uint64_t, std::vector<uint8_t>&)>;
  PacketSource(Maker make, size_t batch) : make_(std::move(make)) {
    packets_.resize(batch);
    Refill();
  }

  // Inside the benchmark loop.
  const std::vector<uint8_t>& Next(benchmark::State& state,
                                   bench::AllocationMeter& allocations) {
    if (index_ == packets_.size()) {
      allocations.Pause();
      state.PauseTiming();
      Refill();
      state.ResumeTiming();
      allocations.Resume();
    }
    return packets_[index_++];
  }
  // Outside it.
  const std::vector<uint8_t>& Next() {
    if (index_ == packets_.size()) Refill();
    return packets_[index_++];
  }

 private:
  void Refill() {
    for (std::vector<uint8_t>& packet : packets_) make_(next_++, packet);
    index_ = 0;
  }

  Maker make_;
  std::vector<std::vector<uint8_t>> packets_;
  size_t index_ = 0;
  uint64_t next_ = 0;
};

// The same datagram every iteration, from `from`.
void Repeat(benchmark::State& state, Node& node, const Address& from,
            absl::Span<const uint8_t> packet, Instant now) {
  Report report(node);
  for (auto _ : state) {
    node.HandleDatagram(from, packet, now);
    report.AddTransmits(bench::Drain(node));
  }
  report.Finish(state);
}

// A ping from a member: answered with an ack (nothing left to piggyback).
void HandlePing(benchmark::State& state) {
  Instant now = bench::kStart;
  std::unique_ptr<Node> node = bench::SteadyNode(kMembers, now);
  const Message ping = Ping{12345, node->local().name};
  std::vector<uint8_t> packet;
  SealPlaintext(absl::MakeConstSpan(&ping, 1), packet);
  Repeat(state, *node, MemberAddress(1), packet, now);
}
BENCHMARK(HandlePing);

// A ping-req from member 1 for member 2, and member 2's ack to the ping it
// makes the node send: a whole relay, two datagrams in, a ping and the
// relayed ack out. The loop also decodes the node's ping and encodes the
// target's ack, as the target would (about 45 ns; see docs/performance.md,
// "Wire codec").
void HandlePingReqRelay(benchmark::State& state) {
  Instant now = bench::kStart;
  std::unique_ptr<Node> node = bench::SteadyNode(kMembers, now);
  const Address requester = MemberAddress(1);
  const Address target = MemberAddress(2);
  const std::string target_name = MemberName(2);
  const Message ping_req =
      PingReq{777, target_name, target, /*want_nack=*/true};
  std::vector<uint8_t> packet;
  SealPlaintext(absl::MakeConstSpan(&ping_req, 1), packet);
  std::vector<Message> decoded;
  decoded.reserve(16);
  std::vector<uint8_t> ack;
  const uint64_t acks_before =
      node->stats().messages_sent[static_cast<int>(MessageType::kAck)];
  Report report(*node);
  for (auto _ : state) {
    node->HandleDatagram(requester, packet, now);
    uint32_t seq = 0;
    while (std::optional<Transmit> transmit = node->PollTransmit()) {
      report.AddTransmits(1);
      if (DecodePacket(transmit->bytes.subspan(2), decoded).ok() &&
          !decoded.empty() && std::holds_alternative<Ping>(decoded.front())) {
        seq = std::get<Ping>(decoded.front()).seq;
      }
    }
    const Message answer = Ack{seq};
    SealPlaintext(absl::MakeConstSpan(&answer, 1), ack);
    node->HandleDatagram(target, ack, now);
    report.AddTransmits(bench::Drain(*node));
  }
  report.Finish(state);
  state.counters["relayed_acks_per_iter"] = benchmark::Counter(
      node->stats().messages_sent[static_cast<int>(MessageType::kAck)] -
          acks_before,
      benchmark::Counter::kAvgIterations);
}
BENCHMARK(HandlePingReqRelay);

// The ack to the node's current probe. The first one completes the probe;
// the others are repeats of it, which take the same path (open, decode,
// match the probe) without changing anything.
void HandleAck(benchmark::State& state) {
  Instant now = bench::kStart;
  std::unique_ptr<Node> node = bench::SteadyNode(kMembers, now);
  const auto [seq, target] = StartProbe(*node, now);
  const Message ack = Ack{seq};
  std::vector<uint8_t> packet;
  SealPlaintext(absl::MakeConstSpan(&ack, 1), packet);
  Repeat(state, *node, target, packet, now);
}
BENCHMARK(HandleAck);

// A nack from a helper of the node's current probe (Lifeguard): the probe
// went unanswered and the node asked 3 members to try. The first nack is
// counted; repeats take the same path and end as drops.
void HandleNack(benchmark::State& state) {
  Instant now = bench::kStart;
  std::unique_ptr<Node> node = bench::SteadyNode(kMembers, now);
  const uint32_t seq = StartProbe(*node, now).first;
  std::optional<Address> helper;
  std::vector<Message> decoded;
  while (!helper) {
    now += node->config().gossip_interval;
    node->HandleTimeout(now);
    while (std::optional<Transmit> transmit = node->PollTransmit()) {
      if (!helper && DecodePacket(transmit->bytes.subspan(2), decoded).ok() &&
          !decoded.empty() &&
          std::holds_alternative<PingReq>(decoded.front())) {
        helper = transmit->to;
      }
    }
  }
  bench::Drain(*node);
  const Message nack = Nack{seq};
  std::vector<uint8_t> packet;
  SealPlaintext(absl::MakeConstSpan(&nack, 1), packet);
  const uint64_t nacks_before = node->stats().nacks_received;
  Repeat(state, *node, *helper, packet, now);
  state.counters["nacks_counted"] = node->stats().nacks_received - nacks_before;
}
BENCHMARK(HandleNack);

// Names of members 2..11, the subjects of the piggybacked claims.
std::vector<std::string> ClaimSubjects() {
  std::vector<std::string> names;
  for (int i = 2; i <= 11; ++i) names.push_back(MemberName(i));
  return names;
}

// A ping carrying 10 claims about known members that are no news (the
// incarnation the node holds): the common piggyback, gossip still
// circulating after the node has heard it. Answered with an ack.
void HandlePingWithKnownUpdates(benchmark::State& state) {
  Instant now = bench::kStart;
  std::unique_ptr<Node> node = bench::SteadyNode(kMembers, now);
  const std::vector<std::string> names = ClaimSubjects();
  std::vector<Message> messages = {Ping{12345, node->local().name}};
  for (int i = 0; i < 10; ++i) {
    messages.push_back(bench::OnlineClaim(names[i], MemberAddress(i + 2)));
  }
  std::vector<uint8_t> packet;
  SealPlaintext(messages, packet);
  Repeat(state, *node, MemberAddress(1), packet, now);
  state.counters["packet_bytes"] = packet.size();
}
BENCHMARK(HandlePingWithKnownUpdates);

// A ping carrying 10 claims that are all news: each member has refuted
// (a higher incarnation) since the last datagram. The node applies them,
// queues each for dissemination (replacing the one queued the iteration
// before), and its ack carries the ten queued the iteration before.
void HandlePingWithNewUpdates(benchmark::State& state) {
  Instant now = bench::kStart;
  std::unique_ptr<Node> node = bench::SteadyNode(kMembers, now);
  const std::vector<std::string> names = ClaimSubjects();
  const std::string local_name = node->local().name;
  std::vector<Message> messages;
  PacketSource packets(
      [&](uint64_t i, std::vector<uint8_t>& out) {
        messages.clear();
        messages.push_back(Ping{12345, local_name});
        for (int m = 0; m < 10; ++m) {
          messages.push_back(
              bench::OnlineClaim(names[m], MemberAddress(m + 2), i + 1));
        }
        SealPlaintext(messages, out);
      },
      4096);
  const Address from = MemberAddress(1);
  Report report(*node);
  for (auto _ : state) {
    node->HandleDatagram(from, packets.Next(state, report.allocations()), now);
    report.AddTransmits(bench::Drain(*node));
  }
  report.Finish(state);
}
BENCHMARK(HandlePingWithNewUpdates);

constexpr absl::string_view kPayload = "a 32-byte application payload...";

// A user broadcast the node has already seen: each member hears each
// broadcast many times (every holder passes it on about
// 3·4·log10(N+1) times), once as news and otherwise as this.
void HandleUserBroadcastDuplicate(benchmark::State& state) {
  Instant now = bench::kStart;
  std::unique_ptr<Node> node = bench::SteadyNode(kMembers, now);
  const std::string origin = MemberName(1);
  const Message broadcast = UserBroadcast{origin, 1, 1, kPayload};
  std::vector<uint8_t> packet;
  SealPlaintext(absl::MakeConstSpan(&broadcast, 1), packet);
  node->HandleDatagram(MemberAddress(2), packet, now);  // the news
  bench::Drain(*node);
  Repeat(state, *node, MemberAddress(2), packet, now);
}
BENCHMARK(HandleUserBroadcastDuplicate);

// A user broadcast the node has not seen (the next sequence number from
// member 1): an event for the application, a mark in the origin's window
// of recent broadcasts, and a place in the dissemination queue. Nothing is
// sent, so the queue grows by one each iteration: the node first takes
// 8 192 broadcasts, so the origin's window (1 024) has slid on many times
// as in a long-lived cluster, and the run has a fixed 20 000 iterations so
// the queue (8 192 to 28 192 broadcasts) stays below its bound.
void HandleUserBroadcastNew(benchmark::State& state) {
  Instant now = bench::kStart;
  std::unique_ptr<Node> node = bench::SteadyNode(kMembers, now);
  const std::string origin = MemberName(1);
  PacketSource packets(
      [&](uint64_t i, std::vector<uint8_t>& out) {
        const Message broadcast = UserBroadcast{origin, 1, i + 1, kPayload};
        SealPlaintext(absl::MakeConstSpan(&broadcast, 1), out);
      },
      4096);
  const Address from = MemberAddress(2);
  for (int i = 0; i < 8192; ++i) {
    node->HandleDatagram(from, packets.Next(), now);
    bench::Drain(*node);
  }
  Report report(*node);
  for (auto _ : state) {
    node->HandleDatagram(from, packets.Next(state, report.allocations()), now);
    report.AddTransmits(bench::Drain(*node));
  }
  report.Finish(state);
  state.counters["queued"] = node->queued_broadcasts();
}
BENCHMARK(HandleUserBroadcastNew)->Iterations(20000);

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();

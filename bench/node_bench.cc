// The core's hot paths: a full probe cycle (ping -> ack) between two Nodes,
// HandleTimeout in clusters of 10 / 1 000 / 10 000 members, and the memory
// and allocations they cost.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/allocation_counter.h"
#include "benchmark/benchmark.h"
#include "swim/core/node.h"

namespace swim {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);

Config MakeConfig(int index, SecurityMode mode) {
  Config config = Config::Lan();
  config.name = absl::StrCat("member-", index, ".bench.internal");
  config.address = Address::Ipv4(
      {10, static_cast<uint8_t>(index >> 16), static_cast<uint8_t>(index >> 8),
       static_cast<uint8_t>(index)},
      7946);
  config.generation = 1;
  config.seed = index + 1;
  config.security_mode = mode;
  if (mode != SecurityMode::kPlaintext) config.keys = {std::string(32, 'k')};
  config.nonce_seed[0] = static_cast<uint8_t>(index);
  config.nonce_seed[1] = static_cast<uint8_t>(index >> 8);
  config.nonce_seed[2] = static_cast<uint8_t>(index >> 16);
  return config;
}

std::unique_ptr<Node> MakeNode(int index, SecurityMode mode,
                               bool push_pull = true) {
  Config config = MakeConfig(index, mode);
  if (!push_pull) config.push_pull_interval = absl::ZeroDuration();
  return *Node::Create(std::move(config), kStart);
}

// Moves everything `from` wants to send to `to` (which must be the only
// destination), returning how many transmits were delivered.
int Deliver(Node& from, Node& to, absl::Time now) {
  int delivered = 0;
  while (std::optional<Transmit> transmit = from.PollTransmit()) {
    if (transmit->to != to.local().address) continue;
    if (transmit->channel == Channel::kDatagram) {
      to.HandleDatagram(from.local().address, transmit->bytes, now);
    } else {
      to.HandleStream(from.local().address, transmit->bytes, now);
    }
    ++delivered;
  }
  while (from.PollEvent()) {
  }
  return delivered;
}

// A probe cycle: A's probe tick sends a ping, B answers, A takes the ack
// (and B probes A in the same period). Each iteration advances virtual time
// by one probe interval. Periodic push-pull is off here: it is anti-entropy,
// not the probe path, and it allocates its state message.
void ProbeCycle(benchmark::State& state) {
  const SecurityMode mode = static_cast<SecurityMode>(state.range(0));
  std::unique_ptr<Node> a = MakeNode(1, mode, /*push_pull=*/false);
  std::unique_ptr<Node> b = MakeNode(2, mode, /*push_pull=*/false);
  absl::Time now = kStart;
  (void)b->Join({a->local().address}, now);
  // Settle the join (push-pull both ways, gossip of the news) so the
  // measured cycles are steady state: nothing left to disseminate.
  for (int i = 0; i < 200; ++i) {
    now += absl::Milliseconds(50);
    a->HandleTimeout(now);
    b->HandleTimeout(now);
    Deliver(*b, *a, now);
    Deliver(*a, *b, now);
  }
  const int64_t cycles_before = a->stats().probes_acked;
  const bench::AllocationCount before = bench::AllocationsSoFar();
  for (auto _ : state) {
    now += a->config().probe_interval;
    a->HandleTimeout(now);
    b->HandleTimeout(now);
    Deliver(*a, *b, now);  // ping (and B's own probe traffic)
    Deliver(*b, *a, now);  // ack
    Deliver(*a, *b, now);  // A's ack to B's ping, if any
    Deliver(*b, *a, now);
  }
  const bench::AllocationCount after = bench::AllocationsSoFar();
  const double cycles = a->stats().probes_acked - cycles_before;
  state.counters["acked_probes_per_iter"] = cycles / state.iterations();
  state.counters["allocs_per_iter"] =
      static_cast<double>(after.allocations - before.allocations) /
      state.iterations();
  state.SetLabel(std::string(SecurityModeName(mode)));
}
BENCHMARK(ProbeCycle)
    ->Arg(static_cast<int>(SecurityMode::kPlaintext))
    ->Arg(static_cast<int>(SecurityMode::kEncrypted))
    ->ArgName("mode");

// A node that knows `n` members through one push-pull state exchange.
std::unique_ptr<Node> NodeWithMembers(int n, absl::Time now) {
  std::unique_ptr<Node> node = MakeNode(0, SecurityMode::kPlaintext);
  std::vector<std::string> names;
  names.reserve(n);
  for (int i = 1; i <= n; ++i) names.push_back(MakeConfig(i, {}).name);
  PushPull state;
  state.sender = names.front();
  for (int i = 1; i <= n; ++i) {
    MemberUpdate update;
    update.name = names[i - 1];
    update.incarnation = {1, 0};
    update.address = MakeConfig(i, {}).address;
    update.has_metadata = true;
    state.members.push_back(update);
  }
  const Message message = std::move(state);
  std::vector<uint8_t> packet(kWireHeaderSize + *EncodedSize(message));
  (void)EncodePacket(absl::MakeConstSpan(&message, 1), absl::MakeSpan(packet));
  // Plaintext envelope: mode byte, empty label, packet.
  std::vector<uint8_t> sealed = {static_cast<uint8_t>(SecurityMode::kPlaintext),
                                 0};
  sealed.insert(sealed.end(), packet.begin(), packet.end());
  node->HandleStream(MakeConfig(1, {}).address, sealed, now);
  while (node->PollTransmit()) {
  }
  while (node->PollEvent()) {
  }
  return node;
}

// Answers every ping in `node`'s transmits with an ack, as live peers
// would (plaintext envelope: mode byte, empty label, packet). Other
// transmits are dropped. Returns the transmits seen.
int AnswerPings(Node& node, absl::Time now, std::vector<Message>& decoded,
                std::vector<uint8_t>& reply) {
  int seen = 0;
  while (std::optional<Transmit> transmit = node.PollTransmit()) {
    ++seen;
    if (transmit->bytes.size() < 2 ||
        !DecodePacket(transmit->bytes.subspan(2), decoded).ok() ||
        decoded.empty() || !std::holds_alternative<Ping>(decoded.front())) {
      continue;
    }
    const Message ack = Ack{std::get<Ping>(decoded.front()).seq};
    reply.resize(64);
    reply[0] = static_cast<uint8_t>(SecurityMode::kPlaintext);
    reply[1] = 0;
    absl::StatusOr<size_t> size = EncodePacket(
        absl::MakeConstSpan(&ack, 1), absl::MakeSpan(reply).subspan(2));
    reply.resize(2 + *size);
    const Address to = transmit->to;
    node.HandleDatagram(to, reply, now);
  }
  while (node.PollEvent()) {
  }
  return seen;
}

// HandleTimeout of one member of an N-member cluster, called at every
// gossip tick (the finest timer), with its probes answered so the cluster
// stays healthy: probe ticks, ack bookkeeping, gossip of the join news
// until it has spread, and timer management. The time includes answering
// the pings (decode + encode of an ack), a small part.
void HandleTimeout(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  absl::Time now = kStart;
  std::unique_ptr<Node> node = NodeWithMembers(n, now);
  const absl::Duration step = node->config().gossip_interval;
  std::vector<Message> decoded;
  std::vector<uint8_t> reply;
  uint64_t transmits = 0;
  for (auto _ : state) {
    now += step;
    node->HandleTimeout(now);
    transmits += AnswerPings(*node, now, decoded, reply);
  }
  state.counters["transmits_per_call"] =
      static_cast<double>(transmits) / state.iterations();
  state.counters["members_online"] =
      node->Members(static_cast<StatusMask>(MemberStatus::kOnline)).size();
  state.counters["members"] = node->size();
}
BENCHMARK(HandleTimeout)->Arg(10)->Arg(1000)->Arg(10000)->ArgName("members");

// The same during the first 100 virtual seconds after learning all members
// at once (a join storm): every member's arrival is still being gossiped,
// so each gossip tick fills full datagrams from a queue of N updates.
BENCHMARK(HandleTimeout)
    ->Name("HandleTimeoutDuringJoinStorm")
    ->Arg(1000)
    ->Arg(10000)
    ->ArgName("members")
    ->Iterations(500);

// Live heap bytes per member entry of the member table (name under 32
// bytes, no metadata, not suspected): what a node keeps for each member
// once the news of its arrival has been disseminated.
void MemoryPerMember(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<Member> members;
  for (int i = 1; i <= n; ++i) {
    Member member;
    member.name = MakeConfig(i, {}).name;
    member.address = MakeConfig(i, {}).address;
    member.incarnation = {1, 0};
    members.push_back(member);
  }
  for (auto _ : state) {
    Random random(1);
    const bench::AllocationCount before = bench::AllocationsSoFar();
    auto table = std::make_unique<MemberTable>();
    for (const Member& member : members) {
      table->Add(member, std::string(MetadataView().encoded()), random);
    }
    const bench::AllocationCount after = bench::AllocationsSoFar();
    state.counters["bytes_per_member"] =
        static_cast<double>(after.live_bytes - before.live_bytes) / n;
    benchmark::DoNotOptimize(table.get());
  }
  state.counters["sizeof_MemberRecord"] = sizeof(MemberRecord);
}
BENCHMARK(MemoryPerMember)->Arg(1000)->Arg(10000)->Iterations(1);

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();

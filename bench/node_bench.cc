// The core's hot paths: a full probe cycle (ping -> ack) between two Nodes,
// HandleTimeout in clusters of 10 / 1 000 / 10 000 members, and the memory
// and allocations they cost.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/allocation_counter.h"
#include "bench/bench_nodes.h"
#include "benchmark/benchmark.h"
#include "swim/core/instant.h"
#include "swim/core/member_record.h"
#include "swim/core/member_table.h"
#include "swim/core/node.h"
#include "swim/core/random.h"
#include "swim/core/wire.h"
#include "swim/testing/in_memory.h"

namespace swim {
namespace {

using bench::AnswerPings;
using bench::kStart;
using bench::MakeNode;
using bench::NodeWithMembers;

// Moves everything `from` wants to send to `to` (which must be the only
// destination), returning how many transmits were delivered.
int Deliver(Node& from, Node& to, Instant now) {
  int delivered = 0;
  while (std::optional<Transmit> transmit = from.PollTransmit()) {
    if (transmit->to != to.local().address) continue;
    testing::Deliver(to, from.local().address, *transmit, now);
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
  Instant now = kStart;
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

// HandleTimeout of one member of an N-member cluster, called at every
// gossip tick (the finest timer), with its probes answered so the cluster
// stays healthy: probe ticks, ack bookkeeping, periodic push-pull (its
// state message is built and dropped) and timer management. In steady
// state the news of every member has spread before the timer starts;
// during a join storm it is still being gossiped. The time includes
// answering the pings (decode + encode of an ack), a small part.
void HandleTimeoutFrom(benchmark::State& state, bool steady, bool push_pull) {
  const int n = static_cast<int>(state.range(0));
  Instant now = kStart;
  std::unique_ptr<Node> node = steady ? bench::SteadyNode(n, now, push_pull)
                                      : NodeWithMembers(n, now, push_pull);
  const absl::Duration step = node->config().gossip_interval;
  std::vector<Message> decoded;
  std::vector<uint8_t> reply;
  uint64_t transmits = 0;
  const uint64_t push_pulls_before = node->stats().push_pulls_sent;
  const bench::AllocationMeter allocations;
  for (auto _ : state) {
    now += step;
    node->HandleTimeout(now);
    transmits += AnswerPings(*node, now, decoded, reply);
  }
  state.counters["allocs_per_iter"] = benchmark::Counter(
      allocations.allocations(), benchmark::Counter::kAvgIterations);
  state.counters["transmits_per_call"] =
      static_cast<double>(transmits) / state.iterations();
  state.counters["push_pulls"] =
      node->stats().push_pulls_sent - push_pulls_before;
  state.counters["members_online"] =
      node->Members(MemberStatus::kOnline).size();
  state.counters["members"] = node->size();
}
BENCHMARK_CAPTURE(HandleTimeoutFrom, steady, /*steady=*/true,
                  /*push_pull=*/true)
    ->Name("HandleTimeout")
    ->Arg(10)
    ->Arg(1000)
    ->Arg(10000)
    ->ArgName("members");

// The same without periodic push-pull, which a large cluster's node runs
// every few minutes (30 s scaled by log2 N) and which builds, encodes and
// seals a state message of every member each time: its share of each call
// shows by difference.
BENCHMARK_CAPTURE(HandleTimeoutFrom, steady_no_push_pull, /*steady=*/true,
                  /*push_pull=*/false)
    ->Name("HandleTimeoutNoPushPull")
    ->Arg(10)
    ->Arg(1000)
    ->Arg(10000)
    ->ArgName("members");

// The first 100 virtual seconds after learning all members at once (a
// join storm): every member's arrival is still being gossiped, so each
// gossip tick fills full datagrams from a queue of N updates.
BENCHMARK_CAPTURE(HandleTimeoutFrom, join_storm, /*steady=*/false,
                  /*push_pull=*/true)
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
    member.name = bench::MemberName(i);
    member.address = bench::MemberAddress(i);
    member.incarnation = {1, 0};
    members.push_back(member);
  }
  for (auto _ : state) {
    Random random(1);
    const bench::AllocationCount before = bench::AllocationsSoFar();
    auto table = std::make_unique<MemberTable>();
    for (const Member& member : members) {
      MemberRecord& record = table->Add(member.name, member.status,
                                        MetadataView().encoded(), random);
      record.set_address(member.address);
      record.set_incarnation(member.incarnation);
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

// Dissemination queue selection: BroadcastQueue::Fill choosing what one
// datagram piggybacks from a queue of 10 / 1 000 / 10 000 membership
// updates (news of as many members, as after a join storm).

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "bench/allocation_counter.h"
#include "bench/bench_nodes.h"
#include "benchmark/benchmark.h"
#include "swim/core/broadcast_queue.h"
#include "swim/core/config.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

// One gossip datagram: the Node's budget less the plaintext envelope
// (2 bytes), filled from the queue with its user-broadcast share as the
// Node computes it. Fill counts a transmission of every update it takes
// and re-sorts it; the retransmit limit is set out of reach so the queue
// keeps its size and each iteration does the same work.
void Fill(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const Config config = Config::Lan();
  const size_t budget = config.datagram_budget - 2;
  BroadcastQueue queue(budget - kWireHeaderSize);
  for (int i = 1; i <= n; ++i) {
    const std::string name = bench::MemberName(i);
    queue.Enqueue(absl::StrCat("m", name),
                  *EncodeMessage(bench::OnlineClaim(
                      name, bench::MemberAddress(i), /*version=*/1)),
                  /*user=*/false);
  }
  std::vector<uint8_t> packet(budget);
  uint64_t appended = 0;
  size_t bytes = 0;
  const bench::AllocationMeter allocations;
  for (auto _ : state) {
    PacketBuilder builder(absl::MakeSpan(packet));
    const size_t user_share =
        static_cast<size_t>(config.user_broadcast_share * builder.remaining());
    appended += queue.Fill(builder, INT_MAX, INT_MAX, user_share);
    bytes = builder.size();
    benchmark::DoNotOptimize(packet.data());
  }
  state.counters["allocs_per_iter"] = benchmark::Counter(
      allocations.allocations(), benchmark::Counter::kAvgIterations);
  state.counters["updates_per_fill"] =
      benchmark::Counter(appended, benchmark::Counter::kAvgIterations);
  state.counters["packet_bytes"] = bytes;
  state.counters["queued"] = queue.size();
}
BENCHMARK(Fill)->Arg(10)->Arg(1000)->Arg(10000)->ArgName("queued");

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();

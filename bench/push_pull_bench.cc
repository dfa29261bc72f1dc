// Push-pull (anti-entropy) merge: a node handed the full state of an
// N-member cluster over a stream, (a) when every member is new to it (a
// join), (b) when it already knows them all at the same incarnations (the
// periodic exchange of a steady cluster: the common case), and (c) as (b)
// when the sender asks for the node's own state back, as the receiving
// side of a periodic exchange does.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "bench/allocation_counter.h"
#include "bench/bench_nodes.h"
#include "benchmark/benchmark.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/testing/in_memory.h"

namespace swim {
namespace {

enum Case : int64_t {
  kAllNew = 0,
  kAllKnown = 1,
  kAllKnownReply = 2,
};

void PushPullMerge(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const Case merge = static_cast<Case>(state.range(1));
  const std::vector<uint8_t> packet =
      bench::PushPullState(n, /*reply_wanted=*/merge == kAllKnownReply);
  const Address from = bench::MemberAddress(1);
  Instant now = bench::kStart;
  std::unique_ptr<Node> node;
  if (merge != kAllNew) node = bench::NodeWithMembers(n, now);
  uint64_t transmits = 0;
  bench::AllocationMeter allocations;
  for (auto _ : state) {
    if (merge == kAllNew) {
      // A fresh node each time; making it and destroying the last one is
      // not measured.
      allocations.Pause();
      state.PauseTiming();
      node.reset();
      node = bench::MakeNode(0, SecurityMode::kPlaintext);
      state.ResumeTiming();
      allocations.Resume();
    }
    // A probe interval apart, so a reply is never rate-limited.
    now += node->config().probe_interval;
    testing::DeliverStream(*node, from, packet, now);
    transmits += bench::Drain(*node);
  }
  state.counters["allocs_per_iter"] = benchmark::Counter(
      allocations.allocations(), benchmark::Counter::kAvgIterations);
  state.counters["transmits_per_iter"] =
      benchmark::Counter(transmits, benchmark::Counter::kAvgIterations);
  state.counters["members"] = node->size();
  state.counters["state_bytes"] = packet.size();
  static constexpr const char* kLabels[] = {"all new", "all known",
                                            "all known, reply"};
  state.SetLabel(kLabels[merge]);
}
BENCHMARK(PushPullMerge)
    ->ArgsProduct({{1000, 10000}, {kAllNew, kAllKnown, kAllKnownReply}})
    ->ArgNames({"members", "case"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();

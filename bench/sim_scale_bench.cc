// How far the simulator scales: whole clusters of full Nodes in one
// process. Targets (issue: simulator): a 1 000-member join to full
// convergence in <= 10 s wall; 10 000 members for 100 virtual seconds (LAN
// preset) in <= 120 s wall and <= 14 GiB peak memory. The 10 000-member
// run is not registered: its join storm outgrows this machine's memory
// (docs/performance.md, "The simulator", has the measurement and why).
// SWIM_BENCH_VERBOSE=1 prints wall time and peak RSS per virtual second.
//
//   bazel run -c opt //bench:sim_scale_bench -- --benchmark_filter=Join/1000

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "swim/core/random.h"
#include "swim/drivers/sim/simulator.h"

namespace swim {
namespace {

double PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024;
}

Config BenchConfig(const Config& preset) {
  Config config = preset;
  config.keys = {std::string(32, 'k')};
  return config;
}

sim::Simulator::Options SimulatorOptions() {
  sim::Simulator::Options options;
  options.seed = 1;
  return options;
}

void AddLanNodes(sim::Simulator& sim, int n) {
  for (int i = 0; i < n; ++i) {
    if (!sim.AddNode(BenchConfig(Config::Lan())).ok()) std::abort();
  }
}

// N members join through member 0, one every 10 ms of virtual time (a
// rolling start); measured until every member knows every other ONLINE.
void Join(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    sim::Simulator sim(SimulatorOptions());
    const absl::Time started = sim.now();
    AddLanNodes(sim, n);
    for (int i = 1; i < n; ++i) {
      sim.At(started + absl::Milliseconds(10) * i,
             [&sim, i] { (void)sim.Join(i, {0}); });
    }
    // Checking full convergence is O(N^2); check once per virtual second.
    bool converged = false;
    while (!converged && sim.now() - started < absl::Seconds(600)) {
      sim.RunFor(absl::Seconds(1));
      converged = sim.Converged();
    }
    state.counters["converged"] = converged;
    state.counters["virtual_s"] = absl::ToDoubleSeconds(sim.now() - started);
    state.counters["datagrams"] = sim.totals().datagrams_sent;
    state.counters["streams"] = sim.totals().streams_sent;
  }
  state.counters["peak_rss_bytes"] = PeakRssBytes();
}
BENCHMARK(Join)->Arg(100)->Arg(1000)->Iterations(1)->Unit(benchmark::kSecond);

// N members (LAN preset) run for T virtual seconds: they join over the
// first second, each through a random earlier member, and then live. This
// is the whole cost of simulating such a cluster, join storm included.
void Run(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const absl::Duration duration = absl::Seconds(state.range(1));
  for (auto _ : state) {
    sim::Simulator sim(SimulatorOptions());
    const absl::Time started = sim.now();
    AddLanNodes(sim, n);
    Random random(2);
    for (int i = 1; i < n; ++i) {
      const int seed = static_cast<int>(random.Uniform(i));
      sim.At(started + absl::Seconds(1) * i / n,
             [&sim, i, seed] { (void)sim.Join(i, {seed}); });
    }
    const absl::Time wall_start = absl::Now();
    for (absl::Duration run; run < duration; run += absl::Seconds(1)) {
      sim.RunFor(absl::Seconds(1));
      if (std::getenv("SWIM_BENCH_VERBOSE") != nullptr) {
        std::fprintf(stderr, "virtual %.0f s  wall %.1f s  rss %.2f GB\n",
                     absl::ToDoubleSeconds(run + absl::Seconds(1)),
                     absl::ToDoubleSeconds(absl::Now() - wall_start),
                     PeakRssBytes() / 1e9);
      }
    }
    state.counters["datagrams"] = sim.totals().datagrams_sent;
    state.counters["streams"] = sim.totals().streams_sent;
  }
  state.counters["peak_rss_bytes"] = PeakRssBytes();
}
BENCHMARK(Run)->Args({1000, 100})->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();

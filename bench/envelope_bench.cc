// Seal/open cost per security mode for a small (64 B) and a full (1400 B)
// datagram.

#include <string>
#include <vector>

#include "bench/allocation_counter.h"
#include "benchmark/benchmark.h"
#include "swim/core/envelope.h"

namespace swim {
namespace {

Envelope MakeEnvelope(SecurityMode mode) {
  EnvelopeConfig config;
  config.mode = mode;
  config.label = "bench";
  Keyring keyring;
  if (mode != SecurityMode::kPlaintext) {
    keyring = *Keyring::Create({std::string(32, 'k')});
  }
  return *Envelope::Create(config, std::move(keyring));
}

SecurityMode ModeArg(const benchmark::State& state) {
  return static_cast<SecurityMode>(state.range(0));
}

void SealBenchmark(benchmark::State& state) {
  Envelope envelope = MakeEnvelope(ModeArg(state));
  const std::vector<uint8_t> packet(state.range(1), 0xab);
  std::vector<uint8_t> out(packet.size() + envelope.Overhead());
  const bench::AllocationMeter allocations;
  for (auto _ : state) {
    absl::StatusOr<size_t> size = envelope.Seal(packet, absl::MakeSpan(out));
    benchmark::DoNotOptimize(size);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["allocs_per_iter"] = benchmark::Counter(
      allocations.allocations(), benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(state.iterations() * packet.size());
  state.SetLabel(std::string(SecurityModeName(ModeArg(state))));
}

void OpenBenchmark(benchmark::State& state) {
  Envelope envelope = MakeEnvelope(ModeArg(state));
  const std::vector<uint8_t> packet(state.range(1), 0xab);
  std::vector<uint8_t> sealed(packet.size() + envelope.Overhead());
  (void)envelope.Seal(packet, absl::MakeSpan(sealed));
  std::vector<uint8_t> scratch(sealed.size());
  const bench::AllocationMeter allocations;
  for (auto _ : state) {
    absl::StatusOr<absl::Span<const uint8_t>> opened =
        envelope.Open(sealed, absl::MakeSpan(scratch));
    benchmark::DoNotOptimize(opened);
  }
  state.counters["allocs_per_iter"] = benchmark::Counter(
      allocations.allocations(), benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(state.iterations() * packet.size());
  state.SetLabel(std::string(SecurityModeName(ModeArg(state))));
}

void ModesAndSizes(benchmark::internal::Benchmark* bench) {
  for (SecurityMode mode :
       {SecurityMode::kPlaintext, SecurityMode::kAuthenticated,
        SecurityMode::kEncrypted}) {
    for (int size : {64, 1400}) bench->Args({static_cast<int>(mode), size});
  }
  bench->ArgNames({"mode", "bytes"});
}

BENCHMARK(SealBenchmark)->Apply(ModesAndSizes);
BENCHMARK(OpenBenchmark)->Apply(ModesAndSizes);

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();

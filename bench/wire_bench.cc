// Encode/decode cost of the messages on the hot path: probes and a full
// compound datagram of piggybacked updates; and compressing and expanding
// a state exchange.

#include <optional>
#include <string>
#include <vector>

#include "bench/allocation_counter.h"
#include "benchmark/benchmark.h"
#include "swim/core/compression.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

constexpr absl::string_view kTarget = "bob.example:0002";  // 16 bytes

std::vector<std::string>& UpdateNames() {
  static auto* names = new std::vector<std::string>([] {
    std::vector<std::string> out;
    for (int i = 0; i < 10; ++i)
      out.push_back("member-" + std::to_string(1000 + i) + ".dc1");
    return out;
  }());
  return *names;
}

// A ping with 10 piggybacked updates: a busy datagram.
std::vector<Message> CompoundWithTenUpdates() {
  std::vector<Message> messages = {Ping{12345, kTarget}};
  for (int i = 0; i < 10; ++i) {
    Claim update;
    update.status = i % 3 == 0 ? MemberStatus::kSuspect : MemberStatus::kOnline;
    update.name = UpdateNames()[i];
    update.incarnation = {1700000000 + static_cast<uint64_t>(i), 7};
    update.address = Address::Ipv4({10, 0, 1, static_cast<uint8_t>(i)}, 7946);
    if (update.status == MemberStatus::kSuspect) update.origin = kTarget;
    update.has_metadata = update.status == MemberStatus::kOnline;
    messages.push_back(update);
  }
  return messages;
}

void EncodeBenchmark(benchmark::State& state, std::vector<Message> messages) {
  std::vector<uint8_t> buffer(1400);
  size_t size = 0;
  const bench::AllocationMeter allocations;
  for (auto _ : state) {
    absl::StatusOr<size_t> written =
        EncodePacket(messages, absl::MakeSpan(buffer));
    size = *written;
    benchmark::DoNotOptimize(buffer.data());
  }
  state.counters["allocs_per_iter"] = benchmark::Counter(
      allocations.allocations(), benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(state.iterations() * size);
  state.counters["packet_bytes"] = size;
}

void DecodeBenchmark(benchmark::State& state, std::vector<Message> messages) {
  std::vector<uint8_t> buffer(1400);
  const size_t size = *EncodePacket(messages, absl::MakeSpan(buffer));
  buffer.resize(size);
  std::vector<Message> decoded;
  decoded.reserve(16);
  const bench::AllocationMeter allocations;
  for (auto _ : state) {
    absl::Status status = DecodePacket(buffer, decoded);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(decoded.data());
  }
  state.counters["allocs_per_iter"] = benchmark::Counter(
      allocations.allocations(), benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(state.iterations() * size);
  state.counters["packet_bytes"] = size;
}

BENCHMARK_CAPTURE(EncodeBenchmark, Ping,
                  std::vector<Message>{Ping{12345, kTarget}});
BENCHMARK_CAPTURE(DecodeBenchmark, Ping,
                  std::vector<Message>{Ping{12345, kTarget}});
BENCHMARK_CAPTURE(EncodeBenchmark, Ack, std::vector<Message>{Ack{12345}});
BENCHMARK_CAPTURE(DecodeBenchmark, Ack, std::vector<Message>{Ack{12345}});
BENCHMARK_CAPTURE(EncodeBenchmark, CompoundTenUpdates,
                  CompoundWithTenUpdates());
BENCHMARK_CAPTURE(DecodeBenchmark, CompoundTenUpdates,
                  CompoundWithTenUpdates());

// A push-pull state of `members` members named mN at loopback ports, as
// rest_bench's members send it.
std::vector<uint8_t> StatePacket(int members) {
  static auto* names = new std::vector<std::string>;
  while (static_cast<int>(names->size()) < members) {
    names->push_back("m" + std::to_string(names->size()));
  }
  PushPull state;
  state.reply_wanted = true;
  state.sender = (*names)[0];
  for (int i = 0; i < members; ++i) {
    Claim claim;
    claim.name = (*names)[i];
    claim.incarnation = {1796000000000000 + static_cast<uint64_t>(i) * 977, 0};
    claim.address =
        Address::Ipv4({127, 0, 0, 1}, static_cast<uint16_t>(30000 + i));
    claim.has_metadata = true;
    state.members.push_back(claim);
  }
  std::vector<uint8_t> packet(1 << 20);
  packet.resize(*EncodePacket({Message(state)}, absl::MakeSpan(packet)));
  return packet;
}

// Compressing a state exchange (wire version 2), as a member does for
// each request and each reply to a compressed one.
void BM_CompressState(benchmark::State& state) {
  const std::vector<uint8_t> packet = StatePacket(state.range(0));
  size_t compressed = 0;
  for (auto _ : state) {
    std::optional<std::vector<uint8_t>> out = CompressPacket(packet);
    compressed = out->size();
    benchmark::DoNotOptimize(out->data());
  }
  state.SetBytesProcessed(state.iterations() * packet.size());
  state.counters["packet_bytes"] = packet.size();
  state.counters["compressed_bytes"] = compressed;
}
BENCHMARK(BM_CompressState)->Arg(64)->Arg(1000);

void BM_ExpandState(benchmark::State& state) {
  const std::vector<uint8_t> packet = StatePacket(state.range(0));
  const std::vector<uint8_t> compressed = *CompressPacket(packet);
  std::vector<uint8_t> out;
  for (auto _ : state) {
    absl::Status status = ExpandPacket(compressed, 16 << 20, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * packet.size());
}
BENCHMARK(BM_ExpandState)->Arg(64)->Arg(1000);

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();

// The steady-state path does not allocate: once two members have joined
// and their news has spread, a probe period (ping, ack, both directions,
// in every security mode) makes no heap allocation. This binary replaces
// the global operator new to count.

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/testing/in_memory.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Also count C allocations (BoringSSL allocates with malloc), by
// interposing glibc's malloc family. Sanitizers interpose it themselves,
// so there only C++ allocations are counted.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SWIM_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SWIM_COUNT_MALLOC 0
#endif
#endif
#ifndef SWIM_COUNT_MALLOC
#define SWIM_COUNT_MALLOC 1
#endif

#if SWIM_COUNT_MALLOC
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t size);
void* malloc(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* p, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
}
#endif

void* operator new(std::size_t size) {
#if !SWIM_COUNT_MALLOC
  g_allocations.fetch_add(1, std::memory_order_relaxed);
#endif
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace swim {
namespace {

std::unique_ptr<Node> MakeNode(int index, SecurityMode mode, Instant now) {
  Config config = Config::Lan();
  // Longer than the small-string buffer, so names would allocate if copied.
  config.name = absl::StrCat("member-", index, ".steady-state.test");
  config.address = Address::Ipv4({10, 0, 0, static_cast<uint8_t>(index)}, 7946);
  config.generation = 1;
  config.seed = index;
  config.security_mode = mode;
  if (mode != SecurityMode::kPlaintext) config.keys = {std::string(32, 'k')};
  config.nonce_seed[0] = static_cast<uint8_t>(index);
  // Push-pull is periodic anti-entropy, not the probe path; it builds a
  // state message and is allowed to allocate.
  config.push_pull_interval = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Node>> node = Node::Create(config, now);
  EXPECT_TRUE(node.ok()) << node.status();
  return *std::move(node);
}

void Deliver(Node& from, Node& to, Instant now) {
  while (std::optional<Transmit> transmit = from.PollTransmit()) {
    testing::Deliver(to, from.local().address, *transmit, now);
  }
  while (from.PollEvent()) {
  }
}

void Exchange(Node& a, Node& b, Instant now) {
  a.HandleTimeout(now);
  b.HandleTimeout(now);
  for (int round = 0; round < 3; ++round) {
    Deliver(a, b, now);
    Deliver(b, a, now);
  }
}

class SteadyStateTest : public ::testing::TestWithParam<SecurityMode> {};

TEST_P(SteadyStateTest, ProbePeriodsDoNotAllocate) {
  Instant now = Instant(absl::Seconds(1700000000));
  std::unique_ptr<Node> a = MakeNode(1, GetParam(), now);
  std::unique_ptr<Node> b = MakeNode(2, GetParam(), now);
  ASSERT_TRUE(b->Join({a->local().address}, now).ok());
  // Warm up: join, spread the news, fill the buffer pools.
  for (int step = 0; step < 400; ++step) {
    now += absl::Milliseconds(50);
    Exchange(*a, *b, now);
  }
  ASSERT_EQ(a->queued_broadcasts(), 0u);
  ASSERT_EQ(b->queued_broadcasts(), 0u);
  const uint64_t acked_before = a->stats().probes_acked;
  const uint64_t allocations_before = g_allocations.load();
  for (int period = 0; period < 100; ++period) {
    now += a->config().probe_interval;
    Exchange(*a, *b, now);
  }
  const uint64_t allocations = g_allocations.load() - allocations_before;
  // The loop did real work: every period's probe was answered.
  EXPECT_EQ(a->stats().probes_acked - acked_before, 100u);
  EXPECT_EQ(allocations, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllModes, SteadyStateTest,
                         ::testing::Values(SecurityMode::kPlaintext,
                                           SecurityMode::kAuthenticated,
                                           SecurityMode::kEncrypted),
                         [](const auto& info) {
                           return std::string(SecurityModeName(info.param));
                         });

}  // namespace
}  // namespace swim

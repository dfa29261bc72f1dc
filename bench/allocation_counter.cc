#include "bench/allocation_counter.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace swim::bench {
namespace {

std::atomic<uint64_t> g_allocations{0};
std::atomic<int64_t> g_live_bytes{0};

}  // namespace

void* Allocate(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_live_bytes.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void Free(void* p) {
  if (p == nullptr) return;
  g_live_bytes.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  std::free(p);
}

AllocationCount AllocationsSoFar() {
  return {g_allocations.load(std::memory_order_relaxed),
          g_live_bytes.load(std::memory_order_relaxed)};
}

}  // namespace swim::bench

void* operator new(std::size_t size) { return swim::bench::Allocate(size); }
void* operator new[](std::size_t size) { return swim::bench::Allocate(size); }
void operator delete(void* p) noexcept { swim::bench::Free(p); }
void operator delete[](void* p) noexcept { swim::bench::Free(p); }
void operator delete(void* p, std::size_t) noexcept { swim::bench::Free(p); }
void operator delete[](void* p, std::size_t) noexcept { swim::bench::Free(p); }

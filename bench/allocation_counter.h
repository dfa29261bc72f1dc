#ifndef BENCH_ALLOCATION_COUNTER_H_
#define BENCH_ALLOCATION_COUNTER_H_

// Counts heap allocations and live heap bytes of the benchmark binary that
// links allocation_counter.cc (it replaces the global operator new/delete).

#include <cstddef>
#include <cstdint>

namespace swim::bench {

struct AllocationCount {
  uint64_t allocations = 0;  // since the program started
  int64_t live_bytes = 0;    // usable bytes currently allocated
};

AllocationCount AllocationsSoFar();

}  // namespace swim::bench

#endif  // BENCH_ALLOCATION_COUNTER_H_

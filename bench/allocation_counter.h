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

// Counts the allocations made between its construction and a call to
// allocations(), minus those made between Pause() and Resume() (setup
// work a benchmark does with the timer paused).
class AllocationMeter {
 public:
  AllocationMeter() : start_(AllocationsSoFar().allocations) {}
  void Pause() { paused_at_ = AllocationsSoFar().allocations; }
  void Resume() { excluded_ += AllocationsSoFar().allocations - paused_at_; }
  uint64_t allocations() const {
    return AllocationsSoFar().allocations - start_ - excluded_;
  }

 private:
  uint64_t start_;
  uint64_t paused_at_ = 0;
  uint64_t excluded_ = 0;
};

}  // namespace swim::bench

#endif  // BENCH_ALLOCATION_COUNTER_H_

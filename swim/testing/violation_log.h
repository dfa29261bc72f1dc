#ifndef SWIM_TESTING_VIOLATION_LOG_H_
#define SWIM_TESTING_VIOLATION_LOG_H_

// What an invariant checker found wrong, one line per violation, each
// naming the invariant, the virtual time, the run's seed and what was seen
// where: "accuracy violated at t=12.345s (seed 7): node-2 (#2) declared
// node-4 OFFLINE ...". Keeps the first few in full and counts the rest.

#include <cstddef>
#include <string>
#include <vector>

#include "swim/testing/trace_recorder.h"

namespace swim::testing {

class ViolationLog {
 public:
  ViolationLog(const TraceRecorder& trace, std::string invariant,
               size_t keep = 20);

  // Records a violation now (the trace's current time).
  void Add(const std::string& what);

  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  // The violations kept, plus a line for those only counted.
  std::vector<std::string> lines() const;

 private:
  const TraceRecorder& trace_;
  const std::string invariant_;
  const size_t keep_;
  size_t count_ = 0;
  std::vector<std::string> lines_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_VIOLATION_LOG_H_

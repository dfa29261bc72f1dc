#ifndef SWIM_TESTING_CONVERGENCE_CHECKER_H_
#define SWIM_TESTING_CONVERGENCE_CHECKER_H_

// Invariant: convergence. Once faults are lifted, the live members agree
// on the membership within a bound (HealTime in cluster_bounds.h):
//
//   - every member that is alive and has not left is held ONLINE by every
//     other one, at exactly its current incarnation, address and metadata
//     (so the newest metadata has reached everyone);
//   - a member that left (and is still running) is held LEFT at its
//     current incarnation, or already forgotten;
//   - a crashed member is held OFFLINE or LEFT, or not known at all.
//
// Viewers are the live members that have not left and did not lose a name
// conflict. Agreement is read from the nodes' tables, not from events.

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/testing/trace_recorder.h"
#include "swim/testing/violation_log.h"

namespace swim::testing {

class ConvergenceChecker {
 public:
  // `trace` must outlive it.
  explicit ConvergenceChecker(TraceRecorder& trace);

  // Empty when the members agree; otherwise up to `limit` disagreements,
  // one per line ("node-2 (#2) holds node-5 SUSPECT@1.3, expected
  // ONLINE@1.4").
  std::string Disagreements(size_t limit = 10) const;
  bool Converged() const { return Disagreements(1).empty(); }

  // Runs the simulator until the members agree or `bound` of virtual time
  // passes. If they do not, records a violation naming `after` (what the
  // bound counts from, e.g. "the heal") with the disagreements. Returns
  // how long it took (nullopt: not within the bound). Agreement is checked
  // after every instant at which anything happened, or, with a positive
  // `poll`, at most once per `poll` of virtual time (large clusters: each
  // check reads every member's table).
  std::optional<absl::Duration> AwaitWithin(
      absl::Duration bound, absl::string_view after,
      absl::Duration poll = absl::ZeroDuration());

  const ViolationLog& violations() const { return violations_; }

 private:
  TraceRecorder& trace_;
  ViolationLog violations_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_CONVERGENCE_CHECKER_H_

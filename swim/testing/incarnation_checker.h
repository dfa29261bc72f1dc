#ifndef SWIM_TESTING_INCARNATION_CHECKER_H_
#define SWIM_TESTING_INCARNATION_CHECKER_H_

// Invariant: incarnations never go backwards. For every member (viewer)
// and every member it knows (subject, itself included), the incarnation it
// holds only grows: precedence never lets a claim with a lower incarnation
// win, a reaped member's tombstone keeps an old claim from bringing it
// back, and a restarted process starts in a newer generation than any
// incarnation of its previous life. A restarted viewer's memory of others
// starts afresh (a new process), but its own incarnation must still exceed
// its previous life's.
//
// Checked continuously, from every event a node reports (the incarnation
// of the member it is about), and from periodic snapshots of every live
// node's whole table, so changes that report no event are covered too.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/event.h"
#include "swim/core/incarnation.h"
#include "swim/testing/trace_recorder.h"
#include "swim/testing/violation_log.h"

namespace swim::testing {

class IncarnationChecker {
 public:
  // Subscribes to `trace` and snapshots every `snapshot_every` of virtual
  // time (zero: only when Snapshot() is called). `trace` must outlive it.
  explicit IncarnationChecker(TraceRecorder& trace,
                              absl::Duration snapshot_every = absl::Seconds(1));
  ~IncarnationChecker();

  IncarnationChecker(const IncarnationChecker&) = delete;
  IncarnationChecker& operator=(const IncarnationChecker&) = delete;

  // Compares what every live node holds now with what it held before.
  void Snapshot();

  const ViolationLog& violations() const { return violations_; }
  uint64_t checks() const { return checks_; }

 private:
  struct Viewer {
    uint64_t generation = 0;        // the life these floors belong to
    Incarnation local;              // its own, across lives
    std::vector<Incarnation> held;  // by subject id; {0, 0}: none yet
  };

  void OnEvent(int node, const Event& event);
  // The viewer's record, reset if its process restarted.
  Viewer& ViewerFor(int node);
  void Check(int node, absl::string_view subject,
             const Incarnation& incarnation, absl::string_view source);
  int SubjectId(absl::string_view name);
  void ScheduleSnapshot();

  TraceRecorder& trace_;
  const absl::Duration snapshot_every_;
  ViolationLog violations_;
  int subscription_ = -1;
  std::vector<Viewer> viewers_;
  absl::flat_hash_map<std::string, int> subject_ids_;
  uint64_t checks_ = 0;
  // Scheduled snapshots outlive this checker in the simulator's queue;
  // they hold this token weakly and do nothing once it is gone.
  std::shared_ptr<IncarnationChecker*> alive_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_INCARNATION_CHECKER_H_

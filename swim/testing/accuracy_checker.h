#ifndef SWIM_TESTING_ACCURACY_CHECKER_H_
#define SWIM_TESTING_ACCURACY_CHECKER_H_

// Invariant: accuracy. While the network is fault-free (no loss, no
// partitions, no paused or slowed members), no member that is alive and
// reachable is ever declared OFFLINE: every probe of it is answered within
// two link delays, well inside probe_timeout, so nobody even suspects it.
// Watched through every MemberStatusChanged (and MemberJoined) event: a
// declaration about the member's current process life while it is alive, not
// paused and the checker is armed is a violation. Claims about an earlier life
// of a restarted member are not (that process did die).
//
// The test says when the network is fault-free: Disarm() before injecting
// faults, Arm() once they are lifted and everything they set in motion has
// played out (CheckedCluster::Settle). Faults outlive themselves: a probe
// begun during them still fails after the heal, a packet they delayed
// still arrives, and the suspicion that follows can end in a wrong OFFLINE
// when its refutation happens to miss a member (gossip is random), all
// after the network is clean again. Armed at construction.
//
// Independently of faults, always: no member is ever declared LEFT in a
// life in which it did not leave (only a member speaks for its leave).

#include "absl/time/time.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/testing/member_index.h"
#include "swim/testing/trace_recorder.h"
#include "swim/testing/violation_log.h"

namespace swim::testing {

class AccuracyChecker {
 public:
  // Subscribes to `trace` (which must outlive it). Declarations with a
  // status in `forbidden` count as violations; OFFLINE by default, add
  // SUSPECT for runs where even a suspicion is wrong.
  explicit AccuracyChecker(TraceRecorder& trace,
                           StatusMask forbidden = MemberStatus::kOffline);
  ~AccuracyChecker();

  AccuracyChecker(const AccuracyChecker&) = delete;
  AccuracyChecker& operator=(const AccuracyChecker&) = delete;

  // Checks declarations from `from` on (e.g. now plus one probe interval,
  // so a probe begun during the faults ends first).
  void Arm(Instant from);
  // Stops checking (but for LEFT) until the next Arm.
  void Disarm();
  bool armed() const { return armed_; }

  const ViolationLog& violations() const { return violations_; }
  // Declarations examined while armed.
  uint64_t checked() const { return checked_; }

 private:
  void OnEvent(int node, const Event& event);

  TraceRecorder& trace_;
  const StatusMask forbidden_;
  ViolationLog violations_;
  MemberIndex members_;
  int subscription_ = -1;
  bool armed_ = true;
  Instant armed_from_ = Instant::InfinitePast();
  uint64_t checked_ = 0;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_ACCURACY_CHECKER_H_

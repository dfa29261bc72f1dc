#ifndef SWIM_TESTING_COMPLETENESS_CHECKER_H_
#define SWIM_TESTING_COMPLETENESS_CHECKER_H_

// Invariant: completeness. A crashed member is held OFFLINE by every live
// member within a bound the config implies:
//
//   DetectionTime(config, N, latency)      (cluster_bounds.h)
//     = 2(N-1) probe intervals   the shuffled round-robin's worst case
//                                until each live member's own probe of it
//                                starts and fails
//     + 1 probe interval         margin: a probe under way at the crash,
//                                timer stagger
//     + SuspicionTimeout(suspicion_mult, N, probe_interval)
//                                the suspicion it starts runs out (N is
//                                the most members it can count)
//     + GossipSpreadTime         the OFFLINE news and link delays
//
// Every live member probes the crashed one itself, so the bound needs no
// gossip and holds under loss and partitions among the others; it assumes
// no member is paused or slowed in the window and that the crashed
// member's newest incarnation had reached everyone (no refutation of it
// still spreading) when it crashed. The cluster size N passed to the bound
// is the largest the cluster has in the window.
//
// The Simulator reports no crashes, so the test tells the checker
// (Crash(), or Crashed() right after Simulator::Crash). At crash + bound
// the checker reads every member that was alive then, knew the crashed
// life, and is still the same process: each must hold it OFFLINE. A
// member restarted within the window is not checked (that life came back).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/testing/trace_recorder.h"
#include "swim/testing/violation_log.h"

namespace swim::testing {

class CompletenessChecker {
 public:
  // `trace` must outlive it.
  CompletenessChecker(TraceRecorder& trace, absl::Duration bound);
  ~CompletenessChecker();

  CompletenessChecker(const CompletenessChecker&) = delete;
  CompletenessChecker& operator=(const CompletenessChecker&) = delete;

  // Crashes `index` in the simulator and expects its detection.
  void Crash(int index);
  // `index` crashed just now: expects its detection.
  void Crashed(int index);

  absl::Duration bound() const { return bound_; }
  // Crashes whose deadline has not come yet.
  int pending() const;
  // Records a violation for every crash whose deadline the run has not
  // reached (unless the member was restarted since), so no expectation is
  // dropped silently; call at the end.
  void Finish();

  // Checks done (crashes whose deadline came) and, among them, the longest
  // time from a crash until its last live member declared it OFFLINE.
  int checked() const { return checked_; }
  absl::Duration slowest() const { return slowest_; }

  const ViolationLog& violations() const { return violations_; }

 private:
  struct Watcher {
    int node = 0;
    uint64_t generation = 0;  // the viewer's process life
    bool declared = false;
  };
  struct Expectation {
    int subject = 0;
    std::string name;
    uint64_t generation = 0;  // the crashed life
    Instant crashed;
    Instant last_declared;
    std::vector<Watcher> watchers;
    bool done = false;
  };

  void OnEvent(int node, const Event& event);
  void Verify(size_t expectation);

  TraceRecorder& trace_;
  const absl::Duration bound_;
  ViolationLog violations_;
  int subscription_ = -1;
  std::vector<Expectation> expectations_;
  int checked_ = 0;
  absl::Duration slowest_ = absl::ZeroDuration();
  // Scheduled checks hold this weakly: they do nothing once it is gone.
  std::shared_ptr<CompletenessChecker*> alive_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_COMPLETENESS_CHECKER_H_

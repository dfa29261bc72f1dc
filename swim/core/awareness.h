#ifndef SWIM_CORE_AWARENESS_H_
#define SWIM_CORE_AWARENESS_H_

#include "absl/time/time.h"

namespace swim {

// Lifeguard's local health multiplier (LHM): how much this member doubts
// its own timeliness. A member that misses acks it should have received,
// or has to refute suspicions about itself, is more likely slow or on a
// lossy link itself than surrounded by failures; it then probes less often
// and waits longer, so its own trouble does not turn into false OFFLINE
// declarations about healthy peers.
//
// The score lives in [0, max_multiplier - 1]; timeouts scale by score + 1.
// A max_multiplier of 1 pins the score at 0 (plain SWIM timing).
class Awareness {
 public:
  explicit Awareness(int max_multiplier)
      : max_multiplier_(max_multiplier < 1 ? 1 : max_multiplier) {}

  // Adds `delta` and clamps to the range.
  void ApplyDelta(int delta);
  int score() const { return score_; }
  // `timeout` * (score + 1).
  absl::Duration Scale(absl::Duration timeout) const {
    return timeout * (score_ + 1);
  }

 private:
  int max_multiplier_;
  int score_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_AWARENESS_H_

#ifndef SWIM_CORE_ISOLATION_H_
#define SWIM_CORE_ISOLATION_H_

#include <cstddef>

#include "absl/time/time.h"
#include "swim/core/instant.h"

namespace swim {

// Whether this member is the one cut off (docs/protocol.md, "Healing"): it
// sent `probes` probes in a row without hearing from any other member
// while at least kMinPeers others were live, or its process did not run
// for a window (it was paused, and what it missed meanwhile is not the
// others' fault). While it is isolated the Node declares nobody OFFLINE:
// the silence of everyone at once says more about this member than about
// them. Probes are counted rather than time, because Lifeguard stretches
// the probe period of a member whose probes fail, as an isolated member's
// all do: a window of time that grew with it might never be reached.
//
//   OnRun      the Node runs at `now` (any input, command or timer); a gap
//              longer than a window since the previous run is a pause, and
//              isolates the member for one window from there. (The probe
//              timer alone runs a member once a probe period, so one on
//              schedule never pauses, even with a window of one period.)
//   OnProbe    the member sent a probe.
//   OnContact  authenticated input from another member arrived.
//   Check      whether the member is isolated at `now`, and whether an
//              isolation it was found in has just ended (reported once:
//              the Node then gives held suspicions a fresh timeout).
class Isolation {
 public:
  static constexpr size_t kMinPeers = 2;

  struct State {
    bool isolated = false;
    bool ended = false;  // an isolation seen by an earlier Check is over
  };

  explicit Isolation(Instant now) : last_run_(now) {}

  // `window`: the pause that counts (zero: none); the Node passes
  // isolation_probes of its probe periods, which Lifeguard stretches.
  void OnRun(Instant now, absl::Duration window) {
    if (window > absl::ZeroDuration() && now - last_run_ > window) {
      resumed_at_ = now;
      resume_window_ = window;
    }
    if (now > last_run_) last_run_ = now;
  }
  void OnProbe() {
    if (probes_since_contact_ < kMaxCount) ++probes_since_contact_;
  }
  void OnContact() { probes_since_contact_ = 0; }
  // `live`: the other members known ONLINE or SUSPECT; `probes`: how many
  // probes without contact isolate (0: never).
  State Check(Instant now, size_t live, int probes) {
    State state;
    if (probes > 0) {
      const bool silent = live >= kMinPeers && probes_since_contact_ >= probes;
      const bool resuming = now - resumed_at_ < resume_window_;
      state.isolated = silent || resuming;
    }
    state.ended = was_isolated_ && !state.isolated;
    was_isolated_ = state.isolated;
    return state;
  }

 private:
  static constexpr int kMaxCount = 1 << 30;

  int probes_since_contact_ = 0;
  Instant last_run_;
  Instant resumed_at_ = Instant::InfinitePast();
  absl::Duration resume_window_;
  bool was_isolated_ = false;
};

}  // namespace swim

#endif  // SWIM_CORE_ISOLATION_H_

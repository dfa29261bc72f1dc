#ifndef SWIM_TESTING_SCENARIO_H_
#define SWIM_TESTING_SCENARIO_H_

// What every program that runs a scenario on the simulator shares: the
// goals a phase waits for, checked on the members' real tables; the view
// counts that filter them cheaply; and the way it waits for them.
// swim-sim, the convergence benchmark, the Lifeguard study and the
// scenario tests use these, so a goal means the same everywhere.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/drivers/sim/simulator.h"

namespace swim::testing {

// --- Goals ------------------------------------------------------------------

// Every live member sees every other live member ONLINE at the generation
// it runs now: Simulator::Converged, and every restart noticed.
bool AllSeeCurrent(const sim::Simulator& sim);

// Every live member holds every other live member as alive (ONLINE or
// SUSPECT): it has heard of it, whatever it suspects. Under heavy loss some
// member is nearly always suspected somewhere, so AllSeeCurrent may never
// hold while everyone long knows everyone.
bool AllKnowEachOther(const sim::Simulator& sim);

// AllKnowEachOther for a caller that asks again and again as a run goes on
// and has no ViewCounts to filter with: each call starts reading at the
// pair that was missing last time, so pairs known long ago are not read
// again at every call (a burst of 1 000 members holds a million pairs).
// The answer is always AllKnowEachOther's: true only when this call read
// every pair, false as soon as it finds one missing.
class KnowEachOtherWatch {
 public:
  bool Check(const sim::Simulator& sim);

 private:
  int64_t next_ = 0;  // the pair to read first: subject * size + viewer
};

// No live member has news left to gossip (its broadcast queue is empty).
// Queues drain without events: wait for it with a filter that is never
// true, so only GoalWaiter's safety net (once a virtual second) checks it.
bool NothingQueued(const sim::Simulator& sim);

// Every live member other than `subject` holds `subject` with metadata
// `key` set to `value`.
bool MetadataEverywhere(const sim::Simulator& sim, int subject,
                        absl::string_view key, absl::string_view value);

// Every member of `a` holds every member of `b` with `status`, and every
// member of `b` every member of `a` (nullopt: has forgotten it).
bool HoldAcross(const sim::Simulator& sim, absl::Span<const int> a,
                absl::Span<const int> b, std::optional<MemberStatus> status);

// The members [0, n/2) and [n/2, n): the two sides of a partition.
std::pair<std::vector<int>, std::vector<int>> Halves(int n);

// Every member but `member`: the other side of an isolation.
std::vector<int> AllBut(int n, int member);

// --- View counts ------------------------------------------------------------

// How many (viewer, subject) pairs the live members hold in each status,
// kept from their events at O(1) an event: necessary conditions that tell
// a waiter when a goal over every table is worth checking (the goals are
// always checked on the real tables). Feed it every event, and tell it of
// every member added, crashed or restarted.
class ViewCounts {
 public:
  // A member added to the simulator: live, holding nobody yet.
  void Added();
  // `viewer`'s event (events about itself are not views).
  void Observe(const sim::Simulator& sim, int viewer, const Event& event);
  // `index` crashed: its views stop counting. Call once per crash.
  void Crashed(int index);
  // `index` restarted: live again, its table empty until its events.
  void Restarted(int index);

  int64_t live() const { return live_; }
  // Pairs held in `status` by live viewers.
  int64_t Held(MemberStatus status) const;
  // Every live pair held ONLINE: necessary for Simulator::Converged and
  // AllSeeCurrent.
  bool AllOnline() const { return Held(MemberStatus::kOnline) >= Pairs(); }
  // Every live pair held ONLINE or SUSPECT: necessary for AllKnowEachOther.
  bool AllAlive() const {
    return Held(MemberStatus::kOnline) + Held(MemberStatus::kSuspect) >=
           Pairs();
  }

 private:
  static constexpr int kStatuses = 4;  // ONLINE, SUSPECT, OFFLINE, LEFT
  static int Slot(MemberStatus status);
  void Count(int viewer, MemberStatus status, int delta);
  int64_t Pairs() const { return live_ * (live_ - 1); }

  std::vector<std::array<int64_t, kStatuses>> by_viewer_;
  std::array<int64_t, kStatuses> total_ = {};
  int64_t live_ = 0;
};

// --- Waiting ----------------------------------------------------------------

// Waits for goals on a simulator without rescanning every table after
// every delivery (a goal over N tables costs N^2): views change only
// through events and the scenario's own actions, so a goal is evaluated
// only after an instant that had one (the caller marks those dirty), and
// only if a cheap necessary condition holds; and, as a safety net, at
// least once a virtual second whatever those say, and once more when the
// budget is spent. The same calls on the same run wait the same instants.
class GoalWaiter {
 public:
  explicit GoalWaiter(sim::Simulator& sim) : sim_(sim) {}

  // A view may have changed: an event, or an action of the scenario.
  void MarkDirty() { dirty_ = true; }

  // Runs until `goal` holds or `budget` passes; returns how long it took
  // (nullopt: missed). `filter` is the necessary condition; `tick` runs at
  // every instant (a progress display).
  std::optional<absl::Duration> RunUntil(
      const std::function<bool()>& goal, const std::function<bool()>& filter,
      absl::Duration budget, const std::function<void()>& tick = nullptr);

  // The safety net: the goal is checked at least this often.
  static constexpr absl::Duration kRecheck = absl::Seconds(1);

 private:
  sim::Simulator& sim_;
  bool dirty_ = true;
  Instant next_check_ = Instant::InfinitePast();
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_SCENARIO_H_

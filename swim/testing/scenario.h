#ifndef SWIM_TESTING_SCENARIO_H_
#define SWIM_TESTING_SCENARIO_H_

// What every program that runs a scenario on the simulator shares: the
// goals a phase waits for, checked on the members' real tables, and the
// way it waits for them. swim-sim and the scenario tests use these (the
// benchmarks are to follow), so a goal means the same everywhere.

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/drivers/sim/simulator.h"

namespace swim::testing {

// --- Goals ------------------------------------------------------------------

// Every live member sees every other live member ONLINE at the generation
// it runs now: Simulator::Converged, and every restart noticed.
bool AllSeeCurrent(const sim::Simulator& sim);

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

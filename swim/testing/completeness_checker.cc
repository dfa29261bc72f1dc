#include "swim/testing/completeness_checker.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/drivers/sim/simulator.h"

namespace swim::testing {

CompletenessChecker::CompletenessChecker(TraceRecorder& trace,
                                         absl::Duration bound)
    : trace_(trace),
      bound_(bound),
      violations_(trace, "completeness"),
      alive_(std::make_shared<CompletenessChecker*>(this)) {
  subscription_ = trace_.Subscribe(
      [this](int node, const Event& event) { OnEvent(node, event); });
}

CompletenessChecker::~CompletenessChecker() {
  trace_.Unsubscribe(subscription_);
}

void CompletenessChecker::Crash(int index) {
  trace_.sim().Crash(index);
  Crashed(index);
}

void CompletenessChecker::Crashed(int index) {
  sim::Simulator& sim = trace_.sim();
  const Node& crashed = sim.node(index);
  trace_.Note(absl::StrCat("crash ", trace_.Who(index), " at ",
                           crashed.local().incarnation.ToString()));
  if (crashed.lifecycle() != Lifecycle::kActive)
    return;  // it said goodbye: LEFT, not OFFLINE
  Expectation expectation;
  expectation.subject = index;
  expectation.name = crashed.local().name;
  expectation.generation = crashed.local().incarnation.generation;
  expectation.crashed = sim.now();
  expectation.last_declared = sim.now();
  for (int viewer = 0; viewer < sim.size(); ++viewer) {
    if (viewer == index || !sim.alive(viewer)) continue;
    const Node& node = sim.node(viewer);
    if (node.lifecycle() != Lifecycle::kActive) continue;
    const std::optional<Member> held = node.Find(expectation.name);
    if (!held.has_value() ||
        held->incarnation.generation != expectation.generation) {
      continue;  // never knew this life
    }
    expectation.watchers.push_back(
        Watcher{viewer, node.local().incarnation.generation,
                held->status == MemberStatus::kOffline});
  }
  expectations_.push_back(std::move(expectation));
  const size_t which = expectations_.size() - 1;
  std::weak_ptr<CompletenessChecker*> token = alive_;
  sim.At(sim.now() + bound_, [token, which] {
    if (std::shared_ptr<CompletenessChecker*> self = token.lock()) {
      (*self)->Verify(which);
    }
  });
}

int CompletenessChecker::pending() const {
  return static_cast<int>(
      std::count_if(expectations_.begin(), expectations_.end(),
                    [](const Expectation& e) { return !e.done; }));
}

void CompletenessChecker::Finish() {
  for (Expectation& expectation : expectations_) {
    if (expectation.done) continue;
    expectation.done = true;
    if (trace_.sim().alive(expectation.subject)) continue;  // restarted
    violations_.Add(
        absl::StrCat("the run ended before the check of the crash of ",
                     trace_.Who(expectation.subject), " at ",
                     trace_.When(expectation.crashed), " (due at ",
                     trace_.When(expectation.crashed + bound_), ")"));
  }
}

void CompletenessChecker::OnEvent(int node, const Event& event) {
  const auto* changed = std::get_if<MemberStatusChanged>(&event);
  if (changed == nullptr || changed->member.status != MemberStatus::kOffline) {
    return;
  }
  const Member& member = changed->member;
  const Instant now = trace_.sim().now();
  for (Expectation& expectation : expectations_) {
    if (expectation.done || expectation.name != member.name ||
        expectation.generation != member.incarnation.generation) {
      continue;
    }
    for (Watcher& watcher : expectation.watchers) {
      if (watcher.node == node && !watcher.declared) {
        watcher.declared = true;
        expectation.last_declared = std::max(expectation.last_declared, now);
      }
    }
  }
}

void CompletenessChecker::Verify(size_t which) {
  Expectation& expectation = expectations_[which];
  if (expectation.done) return;
  expectation.done = true;
  const sim::Simulator& sim = trace_.sim();
  if (sim.alive(expectation.subject)) {
    trace_.Note(absl::StrCat("completeness check of ",
                             trace_.Who(expectation.subject),
                             " skipped: restarted within the bound"));
    return;
  }
  ++checked_;
  bool all = true;
  for (const Watcher& watcher : expectation.watchers) {
    if (!sim.alive(watcher.node)) continue;
    const Node& node = sim.node(watcher.node);
    if (node.local().incarnation.generation != watcher.generation) continue;
    const std::optional<Member> held = node.Find(expectation.name);
    if (held.has_value() && held->status == MemberStatus::kOffline) continue;
    // Declared, then forgotten: its reconnect timeout ran out before the
    // check (a short one), which is detection too.
    if (!held.has_value() && watcher.declared) continue;
    all = false;
    violations_.Add(absl::StrCat(
        trace_.Who(watcher.node), " holds ", trace_.Who(expectation.subject),
        " ",
        !held.has_value() ? "unknown"
                          : absl::StrCat(MemberStatusName(held->status), "@",
                                         held->incarnation.ToString()),
        ", not OFFLINE, ", absl::FormatDuration(bound_), " after its crash at ",
        trace_.When(expectation.crashed)));
  }
  if (all) {
    slowest_ =
        std::max(slowest_, expectation.last_declared - expectation.crashed);
  }
}

}  // namespace swim::testing

#include "swim/testing/accuracy_checker.h"

#include <optional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"

namespace swim::testing {

AccuracyChecker::AccuracyChecker(TraceRecorder& trace, StatusMask forbidden)
    : trace_(trace),
      forbidden_(forbidden),
      violations_(trace, "accuracy"),
      members_(trace.sim()) {
  subscription_ = trace_.Subscribe(
      [this](int node, const Event& event) { OnEvent(node, event); });
}

AccuracyChecker::~AccuracyChecker() { trace_.Unsubscribe(subscription_); }

void AccuracyChecker::Arm(Instant from) {
  armed_ = true;
  armed_from_ = from;
  trace_.Note(absl::StrCat("accuracy armed from ", trace_.When(from)));
}

void AccuracyChecker::Disarm() {
  armed_ = false;
  trace_.Note("accuracy disarmed");
}

void AccuracyChecker::OnEvent(int node, const Event& event) {
  const Member* member = nullptr;
  if (const auto* joined = std::get_if<MemberJoined>(&event)) {
    member = &joined->member;
  } else if (const auto* changed = std::get_if<MemberStatusChanged>(&event)) {
    member = &changed->member;
  } else {
    return;
  }
  const MemberStatus status = member->status;
  if (status == MemberStatus::kOnline) return;
  const std::optional<int> subject = members_.Find(member->name);
  if (!subject) return;
  const sim::Simulator& sim = trace_.sim();
  const Node& target = sim.node(*subject);
  // The current life (a restarted member's old life did die).
  const bool current =
      member->incarnation.generation == target.local().incarnation.generation;
  if (status == MemberStatus::kLeft) {
    if (current && target.lifecycle() == Lifecycle::kActive) {
      violations_.Add(absl::StrCat(
          trace_.Who(node), " holds ", trace_.Who(*subject), " LEFT at ",
          member->incarnation.ToString(), ", but it never left"));
    }
    return;
  }
  if (!armed_ || sim.now() < armed_from_ || !StatusIn(status, forbidden_)) {
    return;
  }
  ++checked_;
  if (!current || !sim.alive(*subject) || sim.paused(*subject)) return;
  violations_.Add(
      absl::StrCat(trace_.Who(node), " declared ", trace_.Who(*subject), " ",
                   MemberStatusName(status), " at incarnation ",
                   member->incarnation.ToString(),
                   " though it is alive and the network is fault-free (its own "
                   "incarnation is ",
                   target.local().incarnation.ToString(), ")"));
}

}  // namespace swim::testing

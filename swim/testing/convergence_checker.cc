#include "swim/testing/convergence_checker.h"

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/drivers/sim/simulator.h"

namespace swim::testing {
namespace {

std::string MakeClaim(const std::optional<Member>& member) {
  if (!member) return "unknown";
  return absl::StrCat(MemberStatusName(member->status), "@",
                      member->incarnation.ToString());
}

}  // namespace

ConvergenceChecker::ConvergenceChecker(TraceRecorder& trace)
    : trace_(trace), violations_(trace, "convergence") {}

std::string ConvergenceChecker::Disagreements(size_t limit) const {
  const sim::Simulator& sim = trace_.sim();
  std::string out;
  size_t found = 0;
  auto disagree = [&](int viewer, int subject,
                      const std::optional<Member>& held,
                      absl::string_view expected) {
    ++found;
    absl::StrAppend(&out, trace_.Who(viewer), " holds ", trace_.Who(subject),
                    " ", MakeClaim(held), ", expected ", expected, "\n");
  };
  for (int viewer = 0; viewer < sim.size() && found < limit; ++viewer) {
    const Node& node = sim.node(viewer);
    if (!sim.alive(viewer) || node.lifecycle() != Lifecycle::kActive) continue;
    for (int subject = 0; subject < sim.size() && found < limit; ++subject) {
      if (subject == viewer) continue;
      const Member& truth = sim.node(subject).local();
      const std::optional<Member> held = node.Find(truth.name);
      if (!sim.alive(subject)) {
        if (held.has_value() && StatusIn(held->status, kAvailable)) {
          disagree(viewer, subject, held, "OFFLINE (it crashed)");
        }
        continue;
      }
      if (truth.status == MemberStatus::kLeft) {
        if (held.has_value() && (held->status != MemberStatus::kLeft ||
                                 held->incarnation != truth.incarnation)) {
          disagree(viewer, subject, held,
                   absl::StrCat("LEFT@", truth.incarnation.ToString()));
        }
        continue;
      }
      if (!held.has_value() || held->status != MemberStatus::kOnline ||
          held->incarnation != truth.incarnation) {
        disagree(viewer, subject, held,
                 absl::StrCat("ONLINE@", truth.incarnation.ToString()));
      } else if (held->address != truth.address) {
        disagree(viewer, subject, held,
                 absl::StrCat("its address ", truth.address.ToString()));
      } else if (held->metadata != truth.metadata) {
        disagree(viewer, subject, held, "its newest metadata");
      }
    }
  }
  return out;
}

std::optional<absl::Duration> ConvergenceChecker::AwaitWithin(
    absl::Duration bound, absl::string_view after, absl::Duration poll) {
  sim::Simulator& sim = trace_.sim();
  const Instant start = sim.now();
  Instant next_check = start;
  auto done = [&] {
    if (sim.now() < next_check) return false;
    next_check = sim.now() + poll;
    return Converged();
  };
  if (sim.RunUntil(done, bound)) return sim.now() - start;
  if (Converged()) return sim.now() - start;  // at the very end
  violations_.Add(absl::StrCat("members still disagree ",
                               absl::FormatDuration(bound), " after ", after,
                               ":\n", Disagreements()));
  return std::nullopt;
}

}  // namespace swim::testing

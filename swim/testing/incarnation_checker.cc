#include "swim/testing/incarnation_checker.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/core/member.h"
#include "swim/core/node.h"

namespace swim::testing {
IncarnationChecker::IncarnationChecker(TraceRecorder& trace,
                                       absl::Duration snapshot_every)
    : trace_(trace),
      snapshot_every_(snapshot_every),
      violations_(trace, "incarnation monotonicity"),
      alive_(std::make_shared<IncarnationChecker*>(this)) {
  subscription_ = trace_.Subscribe(
      [this](int node, const Event& event) { OnEvent(node, event); });
  ScheduleSnapshot();
}

IncarnationChecker::~IncarnationChecker() { trace_.Unsubscribe(subscription_); }

void IncarnationChecker::ScheduleSnapshot() {
  if (snapshot_every_ <= absl::ZeroDuration()) return;
  sim::Simulator& sim = trace_.sim();
  std::weak_ptr<IncarnationChecker*> token = alive_;
  sim.At(sim.now() + snapshot_every_, [token] {
    if (std::shared_ptr<IncarnationChecker*> self = token.lock()) {
      (*self)->Snapshot();
      (*self)->ScheduleSnapshot();
    }
  });
}

int IncarnationChecker::SubjectId(absl::string_view name) {
  auto [it, inserted] =
      subject_ids_.try_emplace(name, static_cast<int>(subject_ids_.size()));
  return it->second;
}

IncarnationChecker::Viewer& IncarnationChecker::ViewerFor(int node) {
  if (node >= static_cast<int>(viewers_.size())) viewers_.resize(node + 1);
  Viewer& viewer = viewers_[node];
  const Member& local = trace_.sim().node(node).local();
  ++checks_;
  if (local.incarnation < viewer.local) {
    violations_.Add(absl::StrCat(
        trace_.Who(node), " holds itself at incarnation ",
        local.incarnation.ToString(), " after ", viewer.local.ToString()));
  }
  viewer.local = local.incarnation;
  if (local.incarnation.generation != viewer.generation) {
    // A new process: it remembers nothing of the old one's view.
    viewer.generation = local.incarnation.generation;
    viewer.held.clear();
  }
  return viewer;
}

void IncarnationChecker::Check(int node, absl::string_view subject,
                               const Incarnation& incarnation,
                               absl::string_view source) {
  Viewer& viewer = ViewerFor(node);
  if (subject == trace_.sim().node(node).local().name) return;  // above
  const int id = SubjectId(subject);
  if (id >= static_cast<int>(viewer.held.size())) {
    viewer.held.resize(id + 1);
  }
  Incarnation& held = viewer.held[id];
  ++checks_;
  if (incarnation < held) {
    violations_.Add(absl::StrCat(
        trace_.Who(node), " holds ", subject, " at incarnation ",
        incarnation.ToString(), " after ", held.ToString(), " (", source, ")"));
    return;
  }
  held = incarnation;
}

void IncarnationChecker::OnEvent(int node, const Event& event) {
  // Every event with a member reports a claim the node now holds.
  if (const Member* member = EventMember(event)) {
    Check(node, member->name, member->incarnation,
          absl::StrCat(EventName(event), " event"));
  }
}

void IncarnationChecker::Snapshot() {
  const sim::Simulator& sim = trace_.sim();
  for (int node = 0; node < sim.size(); ++node) {
    if (!sim.alive(node)) continue;
    ViewerFor(node);
    for (const Member& member : sim.node(node).Members()) {
      Check(node, member.name, member.incarnation, "snapshot");
    }
  }
}

}  // namespace swim::testing

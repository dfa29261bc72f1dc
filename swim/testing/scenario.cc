#include "swim/testing/scenario.h"

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "swim/core/member.h"
#include "swim/core/node.h"

namespace swim::testing {

bool AllSeeCurrent(const sim::Simulator& sim) {
  for (int subject = 0; subject < sim.size(); ++subject) {
    if (!sim.alive(subject)) continue;
    const Member& local = sim.node(subject).local();
    for (int viewer = 0; viewer < sim.size(); ++viewer) {
      if (viewer == subject || !sim.alive(viewer)) continue;
      const std::optional<Member> member = sim.node(viewer).Find(local.name);
      if (!member.has_value() || member->status != MemberStatus::kOnline ||
          member->incarnation.generation != local.incarnation.generation) {
        return false;
      }
    }
  }
  return true;
}

namespace {

// `viewer` holds `subject` ONLINE or SUSPECT.
bool Knows(const sim::Simulator& sim, int viewer, int subject) {
  const std::optional<MemberStatus> status =
      sim.node(viewer).StatusOf(sim.node(subject).local().name);
  return status == MemberStatus::kOnline || status == MemberStatus::kSuspect;
}

}  // namespace

bool AllKnowEachOther(const sim::Simulator& sim) {
  for (int subject = 0; subject < sim.size(); ++subject) {
    if (!sim.alive(subject)) continue;
    for (int viewer = 0; viewer < sim.size(); ++viewer) {
      if (viewer == subject || !sim.alive(viewer)) continue;
      if (!Knows(sim, viewer, subject)) return false;
    }
  }
  return true;
}

bool KnowEachOtherWatch::Check(const sim::Simulator& sim) {
  const int64_t size = sim.size();
  const int64_t pairs = size * size;
  if (next_ >= pairs) next_ = 0;
  int64_t pair = next_;
  for (int64_t read = 0; read < pairs; ++read) {
    const int subject = static_cast<int>(pair / size);
    const int viewer = static_cast<int>(pair % size);
    if (viewer != subject && sim.alive(subject) && sim.alive(viewer) &&
        !Knows(sim, viewer, subject)) {
      next_ = pair;
      return false;
    }
    if (++pair == pairs) pair = 0;
  }
  return true;
}

bool NothingQueued(const sim::Simulator& sim) {
  for (int i = 0; i < sim.size(); ++i) {
    if (sim.alive(i) && sim.node(i).queued_broadcasts() > 0) return false;
  }
  return true;
}

bool MetadataEverywhere(const sim::Simulator& sim, int subject,
                        absl::string_view key, absl::string_view value) {
  const std::string& name = sim.node(subject).local().name;
  for (int viewer = 0; viewer < sim.size(); ++viewer) {
    if (viewer == subject || !sim.alive(viewer)) continue;
    const std::optional<Member> member = sim.node(viewer).Find(name);
    if (!member.has_value()) return false;
    auto it = member->metadata.find(key);
    if (it == member->metadata.end() || it->second != value) return false;
  }
  return true;
}

bool HoldAcross(const sim::Simulator& sim, absl::Span<const int> a,
                absl::Span<const int> b, std::optional<MemberStatus> status) {
  for (int x : a) {
    for (int y : b) {
      if (sim.StatusOf(x, y) != status || sim.StatusOf(y, x) != status) {
        return false;
      }
    }
  }
  return true;
}

std::pair<std::vector<int>, std::vector<int>> Halves(int n) {
  std::pair<std::vector<int>, std::vector<int>> sides;
  for (int i = 0; i < n; ++i) {
    (i < n / 2 ? sides.first : sides.second).push_back(i);
  }
  return sides;
}

std::vector<int> AllBut(int n, int member) {
  std::vector<int> rest;
  for (int i = 0; i < n; ++i) {
    if (i != member) rest.push_back(i);
  }
  return rest;
}

void ViewCounts::Added() {
  by_viewer_.push_back({});
  ++live_;
}

void ViewCounts::Observe(const sim::Simulator& sim, int viewer,
                         const Event& event) {
  const Member* member = EventMember(event);
  if (member == nullptr || member->name == sim.node(viewer).local().name) {
    return;
  }
  if (std::holds_alternative<MemberJoined>(event)) {
    Count(viewer, member->status, 1);
  } else if (std::holds_alternative<MemberReaped>(event)) {
    Count(viewer, member->status, -1);
  } else if (const auto* changed = std::get_if<MemberStatusChanged>(&event)) {
    Count(viewer, changed->previous_status, -1);
    Count(viewer, member->status, 1);
  }
}

void ViewCounts::Crashed(int index) {
  --live_;
  for (int slot = 0; slot < kStatuses; ++slot) {
    total_[slot] -= by_viewer_[index][slot];
    by_viewer_[index][slot] = 0;
  }
}

void ViewCounts::Restarted(int index) {
  by_viewer_[index] = {};
  ++live_;
}

int64_t ViewCounts::Held(MemberStatus status) const {
  const int slot = Slot(status);
  return slot < kStatuses ? total_[slot] : 0;
}

int ViewCounts::Slot(MemberStatus status) {
  return std::countr_zero(static_cast<unsigned>(status));
}

void ViewCounts::Count(int viewer, MemberStatus status, int delta) {
  const int slot = Slot(status);
  if (slot >= kStatuses) return;
  by_viewer_[viewer][slot] += delta;
  total_[slot] += delta;
}

std::optional<absl::Duration> GoalWaiter::RunUntil(
    const std::function<bool()>& goal, const std::function<bool()>& filter,
    absl::Duration budget, const std::function<void()>& tick) {
  const Instant begin = sim_.now();
  dirty_ = true;
  next_check_ = Instant::InfinitePast();
  bool held = sim_.RunUntil(
      [&] {
        if (tick) tick();
        if (sim_.now() < next_check_) {
          if (!dirty_) return false;
          dirty_ = false;
          if (!filter()) return false;
        }
        dirty_ = false;
        next_check_ = sim_.now() + kRecheck;
        return goal();
      },
      budget);
  if (!held) held = goal();
  if (!held) return std::nullopt;
  return sim_.now() - begin;
}

}  // namespace swim::testing

#include "swim/testing/trace_recorder.h"

#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "swim/core/instant.h"

namespace swim::testing {

TraceRecorder::TraceRecorder(sim::Simulator& sim, size_t capacity)
    : sim_(sim), origin_(sim.now()), capacity_(capacity) {
  sim_.OnEvent([this](int node, const Event& event) { Dispatch(node, event); });
}

TraceRecorder::~TraceRecorder() { sim_.OnEvent(nullptr); }

int TraceRecorder::Subscribe(Listener listener) {
  const int handle = next_handle_++;
  listeners_.emplace(handle, std::move(listener));
  return handle;
}

void TraceRecorder::Unsubscribe(int handle) { listeners_.erase(handle); }

void TraceRecorder::Note(absl::string_view text) {
  Entry entry;
  entry.at = sim_.now();
  entry.subject = std::string(text);
  Record(std::move(entry));
}

std::string TraceRecorder::When(Instant time) const {
  return absl::StrFormat("t=%.3fs", absl::ToDoubleSeconds(time - origin_));
}

std::string TraceRecorder::Who(int node) const {
  if (node < 0 || node >= sim_.size()) return absl::StrCat("#", node);
  return absl::StrCat(sim_.node(node).local().name, " (#", node, ")");
}

std::string TraceRecorder::Tail(size_t lines) const {
  std::string out;
  const size_t first = entries_.size() > lines ? entries_.size() - lines : 0;
  for (size_t i = first; i < entries_.size(); ++i) {
    const Entry& entry = entries_[i];
    absl::StrAppend(&out, "  ", When(entry.at), " ");
    if (entry.node < 0) {
      absl::StrAppend(&out, "** ", entry.subject, "\n");
      continue;
    }
    absl::StrAppend(&out, Who(entry.node), ": ", entry.what, " ", entry.subject,
                    entry.has_member ? " " : "\n");
    if (!entry.has_member) continue;
    if (entry.previous.has_value()) {
      absl::StrAppend(&out, MemberStatusName(*entry.previous), "->");
    }
    absl::StrAppend(&out, MemberStatusName(entry.status), "@",
                    entry.incarnation.ToString(), "\n");
  }
  return out;
}

void TraceRecorder::Record(Entry entry) {
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back(std::move(entry));
}

void TraceRecorder::Dispatch(int node, const Event& event) {
  ++events_;
  if (const Member* member = EventMember(event)) {
    Entry entry;
    entry.at = sim_.now();
    entry.node = node;
    entry.what = EventName(event);
    entry.subject = member->name;
    entry.has_member = true;
    entry.status = member->status;
    if (const auto* changed = std::get_if<MemberStatusChanged>(&event)) {
      entry.previous = changed->previous_status;
    }
    entry.incarnation = member->incarnation;
    Record(std::move(entry));
  } else if (const auto* conflict = std::get_if<NameConflict>(&event)) {
    Entry entry;
    entry.at = sim_.now();
    entry.node = node;
    entry.what = EventName(event);
    entry.subject = absl::StrCat("claimed from ", conflict->address.ToString());
    Record(std::move(entry));
  }
  for (auto& [handle, listener] : listeners_) listener(node, event);
}

}  // namespace swim::testing

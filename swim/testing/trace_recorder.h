#ifndef SWIM_TESTING_TRACE_RECORDER_H_
#define SWIM_TESTING_TRACE_RECORDER_H_

// Trace recording for simulator runs. The Simulator has a single event
// observer; a TraceRecorder takes it and passes every event on to any
// number of listeners (a fixture's event log, the invariant checkers), and
// keeps the most recent events and the notes a test adds (faults, phases)
// so a failure can show what led up to it, in virtual time since the
// recorder was attached ("t=12.345s").

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/event.h"
#include "swim/core/incarnation.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/drivers/sim/simulator.h"

namespace swim::testing {

class TraceRecorder {
 public:
  using Listener = std::function<void(int node, const Event& event)>;

  // Attaches to `sim` as its event observer (replacing any other) and keeps
  // the last `capacity` entries. `sim` must outlive the recorder.
  explicit TraceRecorder(sim::Simulator& sim, size_t capacity = 4096);
  ~TraceRecorder();  // detaches from the simulator

  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;

  // Calls `listener` with every event from now on, in order; returns a
  // handle for Unsubscribe. Listeners run inside the simulator's loop and
  // may read (not drive) the simulator.
  int Subscribe(Listener listener);
  void Unsubscribe(int handle);

  // Adds a line of the test's own to the trace ("crash 3", "heal").
  void Note(absl::string_view text);
  // Records `event` and passes it to the listeners as if `node` had
  // reported it now: for testing checkers against a made-up history.
  void Replay(int node, const Event& event) { Dispatch(node, event); }

  sim::Simulator& sim() { return sim_; }
  const sim::Simulator& sim() const { return sim_; }
  // Virtual time since the recorder was attached, e.g. "t=12.345s".
  std::string When(Instant time) const;
  std::string Now() const { return When(sim_.now()); }
  // "node-3 (#3)": a node's name and index, for messages.
  std::string Who(int node) const;

  // Events seen since attached (all of them, not only those kept).
  uint64_t events() const { return events_; }
  // The last `lines` entries kept, one per line, oldest first.
  std::string Tail(size_t lines = 40) const;

 private:
  struct Entry {
    Instant at;
    int node = -1;            // -1: a note
    absl::string_view what;   // EventName: static storage
    std::string subject;      // the member the event is about, or the note
    bool has_member = false;  // status and incarnation hold
    MemberStatus status = MemberStatus::kOnline;
    std::optional<MemberStatus> previous;  // MemberStatusChanged only
    Incarnation incarnation;
  };

  void Record(Entry entry);
  void Dispatch(int node, const Event& event);

  sim::Simulator& sim_;
  const Instant origin_;
  const size_t capacity_;
  std::deque<Entry> entries_;
  uint64_t events_ = 0;
  int next_handle_ = 0;
  std::map<int, Listener> listeners_;  // by handle: subscription order
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_TRACE_RECORDER_H_

#ifndef TOOLS_SYNC_PENDING_CHANGES_H_
#define TOOLS_SYNC_PENDING_CHANGES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "swim/core/member.h"

namespace swim::tools {

// What swim-sync brings to its directory for one member: the member's
// latest state, or that it was forgotten (reaped).
struct MemberChange {
  bool reaped = false;
  Member member;
};

// Member changes waiting for swim-sync's writer, at most one per member.
// The directory only ever shows a member's latest state, so a change for a
// member already waiting replaces the waiting one where it stands (the
// latest state wins; the hook then runs once, for that state): nothing
// that matters is lost however far the writer lags behind (a slow disk, a
// hook that hangs until its timeout), and the queue holds no more entries
// than there are members. Members are taken in the order in which their
// waiting change first arrived.
//
// The queue still has a hard bound, `max_members` distinct members waiting
// at once, against a node that keeps meeting new names while nothing is
// written: a change for a member that is not already waiting is then
// dropped and counted (dropped()); that member's directory stays as it
// was until its next change. Changes for members already waiting are
// always taken.
//
// Not thread-safe.
class PendingChanges {
 public:
  explicit PendingChanges(size_t max_members) : max_members_(max_members) {}

  // Queues `change`, replacing the one waiting for the same member, if
  // any. Returns false if it was dropped (a member not waiting, with
  // max_members waiting).
  bool Add(MemberChange change);
  // The change that has waited longest, or nullopt if none is waiting.
  std::optional<MemberChange> Take();

  bool empty() const { return order_.empty(); }
  // Whether a change for the member named `name` is waiting.
  bool Contains(const std::string& name) const {
    return waiting_.contains(name);
  }
  // Members with a change waiting.
  size_t size() const { return order_.size(); }
  // Changes replaced by a later one for the same member.
  uint64_t replaced() const { return replaced_; }
  // Changes dropped at the bound.
  uint64_t dropped() const { return dropped_; }

 private:
  const size_t max_members_;
  std::deque<std::string> order_;  // member names, oldest first
  absl::flat_hash_map<std::string, MemberChange> waiting_;  // by name
  uint64_t replaced_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace swim::tools

#endif  // TOOLS_SYNC_PENDING_CHANGES_H_

#ifndef SWIM_CORE_MEMBER_TABLE_H_
#define SWIM_CORE_MEMBER_TABLE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "swim/core/incarnation.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/random.h"
#include "swim/core/suspicion.h"

namespace swim {

// How an incoming claim relates to what a member table holds.
enum class Precedence {
  kNewer,  // the claim supersedes the local state: apply it
  kSame,   // the same status at the same incarnation (a repeat, or for
           // SUSPECT another member's confirmation)
  kOlder,  // superseded by the local state: ignore it
};

// SWIM's precedence (paper §4.2, with memberlist's rules for OFFLINE and
// LEFT): claims are ordered by (incarnation, rank) with rank ONLINE <
// SUSPECT < OFFLINE < LEFT. So ONLINE needs a higher incarnation to
// override anything; SUSPECT beats ONLINE at an equal incarnation; OFFLINE
// and LEFT beat ONLINE and SUSPECT at an equal incarnation; and no claim
// with a lower incarnation ever wins, which is what keeps replayed or
// delayed packets from rolling state back.
Precedence ComparePrecedence(MemberStatus local_status,
                             const Incarnation& local_incarnation,
                             MemberStatus claimed_status,
                             const Incarnation& claimed_incarnation);

// One remote member as this node tracks it.
struct MemberRecord {
  Member member;
  // The canonical encoding of member.metadata, sent in ONLINE updates.
  std::string metadata_encoded;
  // Present while the member is SUSPECT (a pointer: most members are not,
  // and an inline Suspicion would triple the size of every record).
  std::unique_ptr<Suspicion> suspicion;
  // The earliest queued suspicion and reap timers for this record
  // (InfiniteFuture: none queued). Two, not one: sharing a slot would leave
  // a superseded reap entry behind each time a suspicion came between.
  absl::Time suspicion_timer = absl::InfiniteFuture();
  absl::Time reap_timer = absl::InfiniteFuture();
};

// The remote members (never the local one), with the shuffled round-robin
// probe order of SWIM §4.3: every member is probed once per round, in an
// order reshuffled each round, and a new member is inserted at a random
// position so it is probed within one round. Iteration order (all()) is
// deterministic: it depends only on the sequence of calls.
class MemberTable {
 public:
  MemberRecord* Find(absl::string_view name);
  const MemberRecord* Find(absl::string_view name) const;

  // Adds a member that must not be present; `random` places it in the
  // probe order.
  MemberRecord& Add(Member member, std::string metadata_encoded,
                    Random& random);
  void Remove(absl::string_view name);

  // Changes a member's status; always go through here so the count of
  // available members stays exact without a scan.
  void SetStatus(MemberRecord& record, MemberStatus status);

  // The next member to probe: ONLINE or SUSPECT, round-robin over a
  // shuffled order; nullopt when there is none.
  MemberRecord* NextProbeTarget(Random& random);

  const std::vector<MemberRecord*>& all() const { return all_; }
  size_t size() const { return all_.size(); }
  // Members that are ONLINE or SUSPECT.
  size_t available() const { return available_; }

 private:
  // Keyed by a view of the record's own name (stable: records live on the
  // heap and a name never changes), so names are not stored twice.
  absl::flat_hash_map<absl::string_view, std::unique_ptr<MemberRecord>>
      by_name_;
  std::vector<MemberRecord*> all_;
  std::vector<MemberRecord*> probe_order_;
  size_t probe_index_ = 0;
  size_t available_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_MEMBER_TABLE_H_

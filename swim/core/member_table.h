#ifndef SWIM_CORE_MEMBER_TABLE_H_
#define SWIM_CORE_MEMBER_TABLE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "swim/core/incarnation.h"
#include "swim/core/member_record.h"
#include "swim/core/member_status.h"
#include "swim/core/random.h"

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

// The remote members (never the local one), with the shuffled round-robin
// probe order of SWIM §4.3: every member is probed once per round, in an
// order reshuffled each round, and a new member is inserted at a random
// position so it is probed within one round. Iteration order (at(i)) is
// deterministic: it depends only on the sequence of calls.
//
// Members this node has only heard of (not vouched: never answered its
// probe) also have a round of their own, and while any is ONLINE or
// SUSPECT every other probe goes to one of them. So members invented by a
// key holder (they never answer) are probed out quickly however many
// there are. The main round holds every ONLINE and SUSPECT member,
// unvouched ones too; but while the unvouched outnumber the vouched more
// than kUnvouchedFactor times over (and some are vouched), its turn passes
// over the unvouched. So members
// invented by the thousand cannot dilute the probing of the real ones: with
// V vouched each is probed at least once in every 2·V probe periods, and
// with N members of which at most half unvouched, once in every 2·N. With
// none unvouched, probing is plain SWIM.
//
// Records live in fixed-size chunks, so a record's address is stable until
// it is removed; the name index holds pointers to them and both orders
// 4-byte slot numbers: with the record itself about 130 bytes a member.
class MemberTable {
 public:
  MemberTable();
  MemberTable(const MemberTable&) = delete;
  MemberTable& operator=(const MemberTable&) = delete;

  MemberRecord* Find(absl::string_view name);
  const MemberRecord* Find(absl::string_view name) const;

  // Adds a member that must not be present; `random` places it in the
  // probe order. `vouched`: it is known to answer (a restored view).
  MemberRecord& Add(absl::string_view name, MemberStatus status,
                    absl::string_view metadata_encoded, Random& random,
                    bool vouched = false);
  void Remove(absl::string_view name);
  // Makes room for `count` members in all, so a table filled at once
  // holds no spare capacity.
  void Reserve(size_t count);

  // Changes a member's status; always go through here so the count of
  // available members stays exact without a scan.
  void SetStatus(MemberRecord& record, MemberStatus status);
  // The member answered this node's probe.
  void Vouch(MemberRecord& record);

  // The next member to probe: ONLINE or SUSPECT, round-robin over a
  // shuffled order; nullptr when there is none.
  MemberRecord* NextProbeTarget(Random& random);

  // The members in the order they were added (i < size()).
  MemberRecord& at(size_t i) { return Slot(order_[i]); }
  const MemberRecord& at(size_t i) const { return Slot(order_[i]); }
  size_t size() const { return order_.size(); }
  // Members that are ONLINE or SUSPECT.
  size_t available() const { return available_; }
  // Of those, the ones not vouched for.
  size_t unvouched_available() const { return unvouched_available_; }
  // The unvouched outnumber the vouched kUnvouchedFactor times over, and
  // some are vouched: invented members by the thousand, or a member that
  // has just joined a large cluster (for its first 2·N/5 probe periods or
  // so). Then the main round passes over the unvouched (see above). The
  // factor keeps that window short for a joiner, whose unvouched are real
  // members that it would probe more slowly; a key holder must invent
  // more than 4 members for each real one to be kept out of the main
  // round, and max_members bounds it.
  static constexpr size_t kUnvouchedFactor = 4;
  bool MostlyUnvouched() const {
    const size_t vouched = available_ - unvouched_available_;
    return vouched > 0 && unvouched_available_ > kUnvouchedFactor * vouched;
  }
  // Members that are OFFLINE.
  size_t offline() const { return offline_; }

 private:
  static constexpr uint32_t kChunkSize = 64;
  using Chunk = std::array<MemberRecord, kChunkSize>;

  // Hash and equality of records by their names, with lookup by name
  // (heterogeneous), so the index holds no copy of any name. The index
  // holds pointers rather than slot numbers: a look-up then costs three
  // dependent memory reads (control bytes, pointer, record), not four,
  // which in a join storm is most of the work.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(const MemberRecord* record) const {
      return (*this)(record->name());
    }
    size_t operator()(absl::string_view name) const {
      return absl::Hash<absl::string_view>()(name);
    }
  };
  struct NameEq {
    using is_transparent = void;
    static absl::string_view NameOf(const MemberRecord* record) {
      return record->name();
    }
    static absl::string_view NameOf(absl::string_view name) { return name; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return NameOf(a) == NameOf(b);
    }
  };

  MemberRecord& Slot(uint32_t slot) {
    return (*chunks_[slot / kChunkSize])[slot % kChunkSize];
  }
  const MemberRecord& Slot(uint32_t slot) const {
    return (*chunks_[slot / kChunkSize])[slot % kChunkSize];
  }
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  // The slot holding `record`, or kNoSlot (a scan of the chunks: for
  // removals only).
  uint32_t SlotOf(const MemberRecord* record) const;

  std::vector<std::unique_ptr<Chunk>> chunks_;
  uint32_t slots_in_use_ = 0;         // ever handed out
  std::vector<uint32_t> free_slots_;  // handed out, then removed
  absl::flat_hash_set<MemberRecord*, NameHash, NameEq> by_name_;
  std::vector<uint32_t> order_;
  std::vector<uint32_t> probe_order_;
  size_t probe_index_ = 0;
  size_t available_ = 0;
  size_t offline_ = 0;
  // The round of members not vouched for, cleaned lazily (a slot there may
  // since have been vouched for, or freed and reused).
  MemberRecord* NextUnvouched(Random& random);
  std::vector<uint32_t> unvouched_order_;
  size_t unvouched_index_ = 0;
  size_t unvouched_available_ = 0;
  bool unvouched_turn_ = false;
};

}  // namespace swim

#endif  // SWIM_CORE_MEMBER_TABLE_H_

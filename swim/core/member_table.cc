#include "swim/core/member_table.h"

#include <algorithm>
#include <utility>

namespace swim {
namespace {

int Rank(MemberStatus status) {
  switch (status) {
    case MemberStatus::kOnline:
      return 0;
    case MemberStatus::kSuspect:
      return 1;
    case MemberStatus::kOffline:
      return 2;
    case MemberStatus::kLeft:
      return 3;
  }
  return 0;
}

void Erase(std::vector<MemberRecord*>& records, const MemberRecord* record) {
  records.erase(std::find(records.begin(), records.end(), record));
}

}  // namespace

Precedence ComparePrecedence(MemberStatus local_status,
                             const Incarnation& local_incarnation,
                             MemberStatus claimed_status,
                             const Incarnation& claimed_incarnation) {
  if (claimed_incarnation != local_incarnation) {
    return claimed_incarnation > local_incarnation ? Precedence::kNewer
                                                   : Precedence::kOlder;
  }
  const int local_rank = Rank(local_status);
  const int claimed_rank = Rank(claimed_status);
  if (claimed_rank == local_rank) return Precedence::kSame;
  return claimed_rank > local_rank ? Precedence::kNewer : Precedence::kOlder;
}

MemberRecord* MemberTable::Find(absl::string_view name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

const MemberRecord* MemberTable::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

MemberRecord& MemberTable::Add(Member member, std::string metadata_encoded,
                               Random& random) {
  auto record = std::make_unique<MemberRecord>();
  record->member = std::move(member);
  record->metadata_encoded = std::move(metadata_encoded);
  MemberRecord* raw = record.get();
  if (StatusIn(raw->member.status, kAvailable)) ++available_;
  by_name_.emplace(raw->member.name, std::move(record));
  all_.push_back(raw);
  // A random position among those not yet probed this round, so the
  // newcomer is probed within the round and its position leaks nothing.
  // Swapping with the end rather than inserting keeps a join storm linear:
  // the member it displaces stays in the unprobed part of the round.
  const size_t position =
      probe_index_ + random.Uniform(probe_order_.size() - probe_index_ + 1);
  probe_order_.push_back(raw);
  std::swap(probe_order_[position], probe_order_.back());
  return *raw;
}

void MemberTable::Remove(absl::string_view name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return;
  MemberRecord* record = it->second.get();
  if (StatusIn(record->member.status, kAvailable)) --available_;
  Erase(all_, record);
  const size_t position =
      std::find(probe_order_.begin(), probe_order_.end(), record) -
      probe_order_.begin();
  probe_order_.erase(probe_order_.begin() + position);
  if (position < probe_index_) --probe_index_;
  by_name_.erase(it);
}

MemberRecord* MemberTable::NextProbeTarget(Random& random) {
  // At most one full round plus a reshuffle.
  for (size_t checked = 0; checked <= probe_order_.size(); ++checked) {
    if (probe_index_ >= probe_order_.size()) {
      random.Shuffle(probe_order_);
      probe_index_ = 0;
      if (probe_order_.empty()) return nullptr;
    }
    MemberRecord* record = probe_order_[probe_index_++];
    if (StatusIn(record->member.status, kAvailable)) return record;
  }
  return nullptr;
}

void MemberTable::SetStatus(MemberRecord& record, MemberStatus status) {
  if (StatusIn(record.member.status, kAvailable)) --available_;
  record.member.status = status;
  if (StatusIn(status, kAvailable)) ++available_;
}

}  // namespace swim

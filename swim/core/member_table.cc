#include "swim/core/member_table.h"

#include <algorithm>
#include <cstdint>
#include <functional>
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

MemberTable::MemberTable() = default;

uint32_t MemberTable::SlotOf(const MemberRecord* record) const {
  for (size_t chunk = 0; chunk < chunks_.size(); ++chunk) {
    const MemberRecord* first = chunks_[chunk]->data();
    if (std::less_equal<>()(first, record) &&
        std::less<>()(record, first + kChunkSize)) {
      return static_cast<uint32_t>(chunk * kChunkSize + (record - first));
    }
  }
  return kNoSlot;
}

MemberRecord* MemberTable::Find(absl::string_view name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : *it;
}

const MemberRecord* MemberTable::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : *it;
}

MemberRecord& MemberTable::Add(absl::string_view name, MemberStatus status,
                               absl::string_view metadata_encoded,
                               Random& random, bool vouched) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    if (slots_in_use_ % kChunkSize == 0) {
      chunks_.push_back(std::make_unique<Chunk>());
    }
    slot = slots_in_use_++;
  }
  MemberRecord& record = Slot(slot);
  record = MemberRecord(name, metadata_encoded);
  record.status_ = status;
  record.vouched_ = vouched;
  if (StatusIn(status, kAvailable)) {
    ++available_;
    if (!vouched) ++unvouched_available_;
  }
  if (status == MemberStatus::kOffline) ++offline_;
  by_name_.insert(&record);
  order_.push_back(slot);
  // A random position among those not yet probed this round, so the
  // newcomer is probed within the round and its position leaks nothing.
  // Swapping with the end rather than inserting keeps a join storm linear:
  // the member it displaces stays in the unprobed part of the round.
  const size_t position =
      probe_index_ + random.Uniform(probe_order_.size() - probe_index_ + 1);
  probe_order_.push_back(slot);
  std::swap(probe_order_[position], probe_order_.back());
  if (!vouched) {
    // The same for the round of members not vouched for: a random place
    // among those it has not reached yet, so every member probes them in
    // an order of its own (in the order they were heard of, all members
    // would probe the same one at once, and a failure among them would
    // wait its turn).
    const size_t place =
        unvouched_index_ +
        random.Uniform(unvouched_order_.size() - unvouched_index_ + 1);
    unvouched_order_.push_back(slot);
    std::swap(unvouched_order_[place], unvouched_order_.back());
  }
  return record;
}

void MemberTable::Reserve(size_t count) {
  by_name_.reserve(count);
  order_.reserve(count);
  probe_order_.reserve(count);
  chunks_.reserve((count + kChunkSize - 1) / kChunkSize);
}

void MemberTable::Remove(absl::string_view name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return;
  MemberRecord& record = **it;
  const uint32_t slot = SlotOf(&record);
  if (slot == kNoSlot) return;  // not reached: records live in the chunks
  by_name_.erase(it);
  if (StatusIn(record.status(), kAvailable)) {
    --available_;
    if (!record.vouched_) --unvouched_available_;
  }
  if (record.status() == MemberStatus::kOffline) --offline_;
  order_.erase(std::find(order_.begin(), order_.end(), slot));
  const size_t position =
      std::find(probe_order_.begin(), probe_order_.end(), slot) -
      probe_order_.begin();
  probe_order_.erase(probe_order_.begin() + position);
  if (position < probe_index_) --probe_index_;
  // Free the text (moving an empty string in would keep its buffer) and
  // the suspicion now, not when the slot is reused.
  record = MemberRecord();
  std::string().swap(record.text_);
  free_slots_.push_back(slot);
}

MemberRecord* MemberTable::NextProbeTarget(Random& random) {
  if (unvouched_available_ > 0) {
    unvouched_turn_ = !unvouched_turn_;
    if (unvouched_turn_) {
      if (MemberRecord* record = NextUnvouched(random)) return record;
    }
  }
  // The main round is the vouched members' alone while the unvouched
  // outnumber them (MostlyUnvouched).
  const bool vouched_only = MostlyUnvouched();
  // At most the rest of this round and one full round after a reshuffle.
  for (size_t checked = 0; checked <= 2 * probe_order_.size(); ++checked) {
    if (probe_index_ >= probe_order_.size()) {
      random.Shuffle(probe_order_);
      probe_index_ = 0;
      if (probe_order_.empty()) return nullptr;
    }
    MemberRecord& record = Slot(probe_order_[probe_index_++]);
    if (StatusIn(record.status(), kAvailable) &&
        (record.vouched_ || !vouched_only)) {
      return &record;
    }
  }
  return nullptr;
}

MemberRecord* MemberTable::NextUnvouched(Random& random) {
  for (size_t checked = 0; checked <= unvouched_order_.size(); ++checked) {
    if (unvouched_index_ >= unvouched_order_.size()) {
      // A new round: drop the slots vouched for, freed or repeated (a slot
      // freed and reused) since, and reshuffle.
      std::sort(unvouched_order_.begin(), unvouched_order_.end());
      unvouched_order_.erase(
          std::unique(unvouched_order_.begin(), unvouched_order_.end()),
          unvouched_order_.end());
      unvouched_order_.erase(
          std::remove_if(unvouched_order_.begin(), unvouched_order_.end(),
                         [this](uint32_t slot) {
                           const MemberRecord& record = Slot(slot);
                           return record.vouched_ || record.name().empty();
                         }),
          unvouched_order_.end());
      random.Shuffle(unvouched_order_);
      unvouched_index_ = 0;
      if (unvouched_order_.empty()) return nullptr;
    }
    MemberRecord& record = Slot(unvouched_order_[unvouched_index_++]);
    if (!record.vouched_ && !record.name().empty() &&
        StatusIn(record.status_, kAvailable)) {
      return &record;
    }
  }
  return nullptr;
}

void MemberTable::SetStatus(MemberRecord& record, MemberStatus status) {
  if (StatusIn(record.status_, kAvailable)) {
    --available_;
    if (!record.vouched_) --unvouched_available_;
  }
  if (record.status_ == MemberStatus::kOffline) --offline_;
  record.status_ = status;
  if (StatusIn(status, kAvailable)) {
    ++available_;
    if (!record.vouched_) ++unvouched_available_;
  }
  if (status == MemberStatus::kOffline) ++offline_;
}

void MemberTable::Vouch(MemberRecord& record) {
  if (record.vouched_) return;
  record.vouched_ = true;
  if (StatusIn(record.status_, kAvailable)) --unvouched_available_;
}

}  // namespace swim

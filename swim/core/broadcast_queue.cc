#include "swim/core/broadcast_queue.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace swim {

BroadcastQueue::~BroadcastQueue() {
  for (Entry* entry : by_key_) delete entry;
}

const BroadcastQueue::Entry* BroadcastQueue::FindEntry(
    absl::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : *it;
}

void BroadcastQueue::Enqueue(absl::string_view key,
                             std::vector<uint8_t> encoded, bool user) {
  if (auto it = by_key_.find(key); it != by_key_.end()) Remove(*it);
  const bool oversized = encoded.size() > max_datagram_message_;
  if (oversized) {
    // Waiting for the next gossip round; only a stalled node piles these up.
    while (oversized_.size() >= kMaxOversized) {
      Remove(oversized_.front());
      ++dropped_;
    }
  } else {
    EvictFor(user);
  }
  auto* entry = new Entry;
  entry->key_size = static_cast<uint32_t>(key.size());
  entry->message_size = static_cast<uint32_t>(encoded.size());
  entry->data =
      std::make_unique_for_overwrite<uint8_t[]>(key.size() + encoded.size());
  std::memcpy(entry->data.get(), key.data(), key.size());
  if (!encoded.empty()) {
    std::memcpy(entry->data.get() + key.size(), encoded.data(), encoded.size());
  }
  entry->id = next_id_++;
  entry->user = user;
  if (oversized) {
    oversized_.push_back(entry);
  } else {
    if (user) user_order_.insert(SlotOf(entry));
    order_.insert(SlotOf(entry));
  }
  by_key_.insert(entry);
}

void BroadcastQueue::Remove(Entry* entry) {
  if (IsOversized(entry)) {
    oversized_.erase(std::find(oversized_.begin(), oversized_.end(), entry));
  } else {
    if (entry->user) user_order_.erase(SlotOf(entry));
    order_.erase(SlotOf(entry));
  }
  by_key_.erase(entry->key());
  delete entry;
}

void BroadcastQueue::EvictFor(bool user) {
  // User broadcasts may fill at most half the queue, so a flood of them
  // cannot push membership news out.
  while (user && !user_order_.empty() &&
         user_order_.size() >= std::max<size_t>(1, max_entries_ / 2)) {
    Remove(std::prev(user_order_.end())->entry);
    ++dropped_;
  }
  while (order_.size() >= max_entries_ && !order_.empty()) {
    // The most transmitted, oldest entry goes first, but never the
    // protected one (this node's own claim).
    auto victim = std::prev(order_.end());
    if (victim->entry->key() == protected_key_) {
      if (victim == order_.begin()) return;
      --victim;
    }
    Remove(victim->entry);
    ++dropped_;
  }
}

int BroadcastQueue::Transmits(absl::string_view key) const {
  const Entry* entry = FindEntry(key);
  return entry == nullptr ? -1 : static_cast<int>(entry->transmits);
}

size_t BroadcastQueue::FillPass(PacketBuilder& packet, const Order& entries,
                                size_t budget, std::vector<Entry*>& sent) {
  // Stop after this many queued messages in a row did not fit: with a long
  // queue (a join storm) scanning all of it for every packet would cost far
  // more than the few bytes left could be worth.
  constexpr int kMaxMisfits = 32;
  size_t used = 0;
  int misfits = 0;
  for (const Slot& slot : entries) {
    if (packet.remaining() < 2 || used >= budget || misfits >= kMaxMisfits) {
      break;
    }
    Entry* entry = slot.entry;
    if (entry->in_packet) continue;
    if (entry->message_size > budget - used ||
        !packet.AppendEncoded(entry->message()).ok()) {
      ++misfits;
      continue;
    }
    misfits = 0;
    used += entry->message_size;
    entry->in_packet = true;
    sent.push_back(entry);
  }
  return used;
}

size_t BroadcastQueue::Fill(PacketBuilder& packet, int limit, int user_limit,
                            size_t user_share,
                            std::array<uint64_t, 8>* sent_by_type) {
  std::vector<Entry*>& sent = sent_scratch_;
  sent.clear();
  // This node's own claim (a refutation, a leave) goes first, whatever else
  // is queued: it is the one update nobody else can send for it.
  if (!protected_key_.empty()) {
    auto it = by_key_.find(protected_key_);
    if (it != by_key_.end()) {
      Entry* own = *it;
      if (!IsOversized(own) && packet.AppendEncoded(own->message()).ok()) {
        own->in_packet = true;
        sent.push_back(own);
      }
    }
  }
  if (user_share > 0 && !user_order_.empty()) {
    FillPass(packet, user_order_, user_share, sent);
  }
  FillPass(packet, order_, packet.remaining(), sent);
  for (Entry* entry : sent) {
    if (sent_by_type != nullptr) ++(*sent_by_type)[entry->message()[0] & 7];
    entry->in_packet = false;
    if (static_cast<int>(entry->transmits) + 1 >=
        (entry->user ? user_limit : limit)) {
      Remove(entry);
      continue;
    }
    // Re-sort under the new transmit count.
    order_.erase(SlotOf(entry));
    if (entry->user) user_order_.erase(SlotOf(entry));
    ++entry->transmits;
    order_.insert(SlotOf(entry));
    if (entry->user) user_order_.insert(SlotOf(entry));
  }
  return sent.size();
}

std::vector<std::vector<uint8_t>> BroadcastQueue::TakeOversized() {
  std::vector<std::vector<uint8_t>> taken;
  taken.reserve(oversized_.size());
  for (Entry* entry : oversized_) {
    absl::Span<const uint8_t> message = entry->message();
    taken.emplace_back(message.begin(), message.end());
    by_key_.erase(entry->key());
    delete entry;
  }
  oversized_.clear();
  return taken;
}

}  // namespace swim

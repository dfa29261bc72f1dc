#include "swim/core/broadcast_queue.h"

#include <algorithm>
#include <utility>

namespace swim {

void BroadcastQueue::Enqueue(absl::string_view key,
                             std::vector<uint8_t> encoded, bool user) {
  auto it = by_key_.find(key);
  if (it != by_key_.end()) Remove(it->second.get());
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
  auto entry = std::make_unique<Entry>();
  entry->key = std::string(key);
  entry->bytes = std::move(encoded);
  entry->id = next_id_++;
  entry->user = user;
  if (oversized) {
    oversized_.push_back(entry.get());
  } else {
    if (user) {
      ++user_entries_;
      user_order_.insert(entry.get());
    }
    order_.insert(entry.get());
  }
  by_key_.emplace(entry->key, std::move(entry));
}

void BroadcastQueue::Remove(Entry* entry) {
  if (entry->bytes.size() > max_datagram_message_) {
    oversized_.erase(std::find(oversized_.begin(), oversized_.end(), entry));
  } else {
    if (entry->user) {
      --user_entries_;
      user_order_.erase(entry);
    }
    order_.erase(entry);
  }
  by_key_.erase(by_key_.find(entry->key));  // destroys *entry
}

void BroadcastQueue::EvictFor(bool user) {
  // User broadcasts may fill at most half the queue, so a flood of them
  // cannot push membership news out.
  while (user && !user_order_.empty() &&
         user_order_.size() >= std::max<size_t>(1, max_entries_ / 2)) {
    Remove(*std::prev(user_order_.end()));
    ++dropped_;
  }
  while (order_.size() >= max_entries_ && !order_.empty()) {
    // The most transmitted, oldest entry goes first, but never the
    // protected one (this node's own claim).
    auto victim = std::prev(order_.end());
    if ((*victim)->key == protected_key_) {
      if (victim == order_.begin()) return;
      --victim;
    }
    Remove(*victim);
    ++dropped_;
  }
}

int BroadcastQueue::Transmits(absl::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? -1 : it->second->transmits;
}

size_t BroadcastQueue::FillPass(PacketBuilder& packet,
                                const std::set<Entry*, Order>& entries,
                                size_t budget, std::vector<Entry*>& sent) {
  // Stop after this many queued messages in a row did not fit: with a long
  // queue (a join storm) scanning all of it for every packet would cost far
  // more than the few bytes left could be worth.
  constexpr int kMaxMisfits = 32;
  size_t used = 0;
  int misfits = 0;
  for (Entry* entry : entries) {
    if (packet.remaining() < 2 || used >= budget || misfits >= kMaxMisfits) {
      break;
    }
    if (entry->in_packet) continue;
    if (entry->bytes.size() > budget - used ||
        !packet.AppendEncoded(entry->bytes).ok()) {
      ++misfits;
      continue;
    }
    misfits = 0;
    used += entry->bytes.size();
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
      Entry* own = it->second.get();
      if (own->bytes.size() <= max_datagram_message_ &&
          packet.AppendEncoded(own->bytes).ok()) {
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
    if (sent_by_type != nullptr) ++(*sent_by_type)[entry->bytes[0] & 7];
    // Re-sort under the new transmit count (the sets order by it).
    order_.erase(entry);
    if (entry->user) user_order_.erase(entry);
    entry->in_packet = false;
    ++entry->transmits;
    if (entry->transmits >= (entry->user ? user_limit : limit)) {
      if (entry->user) --user_entries_;
      by_key_.erase(by_key_.find(entry->key));  // destroys *entry
    } else {
      order_.insert(entry);
      if (entry->user) user_order_.insert(entry);
    }
  }
  return sent.size();
}

std::vector<std::vector<uint8_t>> BroadcastQueue::TakeOversized() {
  std::vector<std::vector<uint8_t>> taken;
  for (Entry* entry : oversized_) {
    taken.push_back(std::move(entry->bytes));
    by_key_.erase(by_key_.find(entry->key));  // destroys *entry
  }
  oversized_.clear();
  return taken;
}

}  // namespace swim

#ifndef SWIM_CORE_BROADCAST_QUEUE_H_
#define SWIM_CORE_BROADCAST_QUEUE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "swim/core/wire.h"

namespace swim {

// The dissemination queue: encoded messages waiting to be piggybacked on
// outgoing datagrams. Messages go least-transmitted first (newest first
// among equals), each until it has been sent `limit` times; a newer
// message under the same key (a member's name) replaces the older one, so
// stale news about a member is never sent after fresher news. User
// broadcasts get a guaranteed share of each packet. Deterministic: the
// order depends only on the sequence of calls.
class BroadcastQueue {
 public:
  // Messages over `max_datagram_message` bytes cannot ride a datagram; they
  // wait apart for TakeOversized (to go by stream). At most `max_entries`
  // messages ride datagrams; beyond that the most transmitted (least
  // useful) one is dropped.
  explicit BroadcastQueue(size_t max_datagram_message,
                          size_t max_entries = 65536)
      : max_datagram_message_(max_datagram_message),
        max_entries_(max_entries) {}
  BroadcastQueue(const BroadcastQueue&) = delete;
  BroadcastQueue& operator=(const BroadcastQueue&) = delete;
  ~BroadcastQueue();

  // Queues `encoded` (one message from EncodeMessage) under `key`,
  // replacing what was queued under it.
  void Enqueue(absl::string_view key, std::vector<uint8_t> encoded, bool user);

  // Appends queued messages to `packet` while they fit: first user
  // broadcasts up to `user_share` bytes, then anything, least transmitted
  // first. Counts a transmission of each appended message and drops those
  // that reach their limit: `limit` for membership updates, `user_limit`
  // for user broadcasts. Returns how many were appended; with
  // `sent_by_type` also counts them by message type (the type byte).
  size_t Fill(PacketBuilder& packet, int limit, int user_limit,
              size_t user_share,
              std::array<uint64_t, 8>* sent_by_type = nullptr);

  // Removes and returns the messages too large for a datagram, oldest
  // first; the caller sends them by stream.
  std::vector<std::vector<uint8_t>> TakeOversized();
  bool has_oversized() const { return !oversized_.empty(); }

  // The message under `key` is never evicted to make room (a node's own
  // refutation or leave must not be pushed out by a flood of others').
  void Protect(absl::string_view key) { protected_key_ = std::string(key); }

  bool Contains(absl::string_view key) const { return by_key_.contains(key); }
  // Transmissions so far of the message under `key` (-1 if none).
  int Transmits(absl::string_view key) const;
  size_t size() const { return by_key_.size(); }
  bool empty() const { return by_key_.empty(); }
  size_t dropped() const { return dropped_; }

 private:
  // One queued message. The key and the message share one allocation, and
  // the index holds only pointers: a node in a large cluster keeps one
  // entry per member while news spreads.
  struct Entry {
    std::unique_ptr<uint8_t[]> data;  // key bytes, then message bytes
    uint32_t key_size = 0;
    uint32_t message_size = 0;
    uint64_t id = 0;
    uint32_t transmits = 0;
    bool user = false;
    bool in_packet = false;  // appended during the current Fill

    absl::string_view key() const {
      return {reinterpret_cast<const char*>(data.get()), key_size};
    }
    absl::Span<const uint8_t> message() const {
      return {data.get() + key_size, message_size};
    }
  };
  // An entry's place in the send order, held by value so ordering never
  // touches the entries themselves: fewest transmissions first, newest
  // first among equals.
  struct Slot {
    uint32_t transmits;
    uint64_t id;
    Entry* entry;
    friend bool operator<(const Slot& a, const Slot& b) {
      if (a.transmits != b.transmits) return a.transmits < b.transmits;
      return a.id > b.id;
    }
  };
  using Order = absl::btree_set<Slot>;
  // Looks entries up by key through the pointer (transparent, so lookups
  // take a string_view and the key is stored once).
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(absl::string_view key) const {
      return absl::Hash<absl::string_view>()(key);
    }
    size_t operator()(const Entry* entry) const {
      return (*this)(entry->key());
    }
  };
  struct KeyEq {
    using is_transparent = void;
    static absl::string_view KeyOf(absl::string_view key) { return key; }
    static absl::string_view KeyOf(const Entry* entry) { return entry->key(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return KeyOf(a) == KeyOf(b);
    }
  };

  static Slot SlotOf(const Entry* entry) {
    return {entry->transmits, entry->id, const_cast<Entry*>(entry)};
  }
  const Entry* FindEntry(absl::string_view key) const;
  bool IsOversized(const Entry* entry) const {
    return entry->message_size > max_datagram_message_;
  }
  // Unlinks `entry` from every structure and frees it.
  void Remove(Entry* entry);
  size_t FillPass(PacketBuilder& packet, const Order& entries, size_t budget,
                  std::vector<Entry*>& sent);

  static constexpr size_t kMaxOversized = 256;
  void EvictFor(bool user);

  size_t max_datagram_message_;
  size_t max_entries_;
  uint64_t next_id_ = 0;
  size_t dropped_ = 0;
  // Owns the entries (freed through Remove).
  absl::flat_hash_set<Entry*, KeyHash, KeyEq> by_key_;
  Order order_;       // datagram-sized entries
  Order user_order_;  // the user broadcasts among them
  std::string protected_key_;
  std::vector<Entry*> oversized_;  // the others, oldest first
  std::vector<Entry*> sent_scratch_;
};

}  // namespace swim

#endif  // SWIM_CORE_BROADCAST_QUEUE_H_

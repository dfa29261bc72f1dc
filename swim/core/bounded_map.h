#ifndef SWIM_CORE_BOUNDED_MAP_H_
#define SWIM_CORE_BOUNDED_MAP_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace swim {

// A map from names to values that forgets its oldest entries beyond a
// capacity: memory for facts remembered about peers (when one was last
// answered, which incarnation a forgotten member had) that a stream of
// hostile input must not be able to grow. Put on an existing key updates it
// in place and keeps its age.
template <typename Value>
class BoundedMap {
 public:
  explicit BoundedMap(size_t capacity) : capacity_(capacity) {}

  Value* Find(absl::string_view key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }

  void Put(absl::string_view key, Value value) {
    if (Value* existing = Find(key)) {
      *existing = std::move(value);
      return;
    }
    if (capacity_ == 0) return;
    while (order_.size() >= capacity_) {
      map_.erase(order_.front());
      order_.pop_front();
    }
    order_.emplace_back(key);
    map_.emplace(std::string(key), std::move(value));
  }

  void Erase(absl::string_view key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    map_.erase(it);
    for (auto order = order_.begin(); order != order_.end(); ++order) {
      if (*order == key) {
        order_.erase(order);
        break;
      }
    }
  }

  size_t size() const { return map_.size(); }

 private:
  size_t capacity_;
  absl::flat_hash_map<std::string, Value> map_;
  std::deque<std::string> order_;
};

// The last `capacity` distinct ids seen (64-bit, drawn at random by their
// senders), oldest forgotten first: what tells a replayed message from a
// new one, in bounded memory.
class RecentIds {
 public:
  explicit RecentIds(size_t capacity) : capacity_(capacity) {}

  // Remembers `id`; false if it was already remembered.
  bool Insert(uint64_t id) {
    if (!ids_.insert(id).second) return false;
    order_.push_back(id);
    while (order_.size() > capacity_) {
      ids_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }

  size_t size() const { return ids_.size(); }

 private:
  size_t capacity_;
  absl::flat_hash_set<uint64_t> ids_;
  std::deque<uint64_t> order_;
};

}  // namespace swim

#endif  // SWIM_CORE_BOUNDED_MAP_H_

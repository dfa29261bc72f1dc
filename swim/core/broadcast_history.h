#ifndef SWIM_CORE_BROADCAST_HISTORY_H_
#define SWIM_CORE_BROADCAST_HISTORY_H_

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace swim {

// Which user broadcasts a member has seen, per origin: the origin's life
// (generation), the highest sequence number seen from it, and which of the
// kWindow numbers below that arrived (as IPsec's anti-replay window). A
// broadcast is new only once, however long after it was sent it is
// replayed and however many others came between: memory is per origin,
// not a list of recent broadcasts that a flood could push one out of.
// Bounded by `max_origins`; the Node forgets an origin when it forgets the
// member.
class BroadcastHistory {
 public:
  // Broadcasts this far below the highest one seen are taken as old (they
  // arrive out of order only while a burst spreads).
  static constexpr uint64_t kWindow = 1024;

  enum class Verdict : uint8_t {
    kNew,        // deliver it
    kDuplicate,  // seen before
    kTooOld,     // kWindow or more below the highest seen: taken as seen
    kOldLife,    // from an earlier life of the origin
    kFull,       // a new origin beyond max_origins
  };

  explicit BroadcastHistory(size_t max_origins) : max_origins_(max_origins) {}

  // Records a broadcast; kNew the first time it is seen.
  Verdict Accept(absl::string_view origin, uint64_t generation,
                 uint64_t sequence);

  // Takes every broadcast of `generation` up to `sequence` as seen: what a
  // joining member learns from the member it joins through, so that
  // broadcasts sent before it joined, replayed to it, are no news. Nothing
  // changes for an earlier generation than the one held, or a new origin
  // beyond max_origins; returns whether anything changed.
  bool Adopt(absl::string_view origin, uint64_t generation, uint64_t sequence);

  // Forgets an origin (the member was forgotten).
  void Forget(absl::string_view origin) { origins_.erase(origin); }

  // Calls `visit(origin, generation, highest sequence)` for every origin,
  // in no particular order.
  void ForEach(absl::FunctionRef<void(absl::string_view, uint64_t, uint64_t)>
                   visit) const;

  size_t size() const { return origins_.size(); }

 private:
  struct Window {
    uint64_t generation = 0;
    uint64_t highest = 0;
    std::bitset<kWindow> seen;  // bit i: highest - i was seen
  };

  size_t max_origins_;
  absl::flat_hash_map<std::string, Window> origins_;
};

absl::string_view BroadcastVerdictName(BroadcastHistory::Verdict verdict);

}  // namespace swim

#endif  // SWIM_CORE_BROADCAST_HISTORY_H_

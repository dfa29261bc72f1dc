#include "swim/core/broadcast_history.h"

namespace swim {

BroadcastHistory::Verdict BroadcastHistory::Accept(absl::string_view origin,
                                                   uint64_t generation,
                                                   uint64_t sequence) {
  auto it = origins_.find(origin);
  if (it == origins_.end()) {
    if (origins_.size() >= max_origins_) return Verdict::kFull;
    Window& window = origins_[std::string(origin)];
    window.generation = generation;
    window.highest = sequence;
    window.seen.set(0);
    return Verdict::kNew;
  }
  Window& window = it->second;
  if (generation < window.generation) return Verdict::kOldLife;
  if (generation > window.generation) {
    window = Window{generation, sequence, {}};
    window.seen.set(0);
    return Verdict::kNew;
  }
  if (sequence > window.highest) {
    const uint64_t shift = sequence - window.highest;
    if (shift >= kWindow) {
      window.seen.reset();
    } else {
      window.seen <<= shift;
    }
    window.seen.set(0);
    window.highest = sequence;
    return Verdict::kNew;
  }
  const uint64_t below = window.highest - sequence;
  if (below >= kWindow) return Verdict::kTooOld;
  if (window.seen.test(below)) return Verdict::kDuplicate;
  window.seen.set(below);
  return Verdict::kNew;
}

bool BroadcastHistory::Adopt(absl::string_view origin, uint64_t generation,
                             uint64_t sequence) {
  auto it = origins_.find(origin);
  if (it == origins_.end()) {
    if (origins_.size() >= max_origins_) return false;
    it = origins_.emplace(std::string(origin), Window()).first;
    it->second.generation = generation;
    it->second.highest = 0;
  }
  Window& window = it->second;
  if (generation < window.generation) return false;
  if (generation > window.generation || sequence >= window.highest) {
    // Everything up to `sequence` seen; nothing above it was.
    const bool changed = generation != window.generation ||
                         sequence != window.highest || !window.seen.all();
    window.generation = generation;
    window.highest = sequence;
    window.seen.set();  // and everything older is too old
    return changed;
  }
  // Below the highest seen: mark what the window still holds of it.
  bool changed = false;
  for (uint64_t below = window.highest - sequence; below < kWindow; ++below) {
    changed |= !window.seen.test(below);
    window.seen.set(below);
  }
  return changed;
}

void BroadcastHistory::ForEach(
    absl::FunctionRef<void(absl::string_view, uint64_t, uint64_t)> visit)
    const {
  for (const auto& [origin, window] : origins_) {
    visit(origin, window.generation, window.highest);
  }
}

absl::string_view BroadcastVerdictName(BroadcastHistory::Verdict verdict) {
  switch (verdict) {
    case BroadcastHistory::Verdict::kNew:
      return "new";
    case BroadcastHistory::Verdict::kDuplicate:
      return "duplicate";
    case BroadcastHistory::Verdict::kTooOld:
      return "too-old";
    case BroadcastHistory::Verdict::kOldLife:
      return "old-life";
    case BroadcastHistory::Verdict::kFull:
      return "full";
  }
  return "unknown";
}

}  // namespace swim

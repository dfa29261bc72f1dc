#include "swim/core/reconnect.h"

#include <algorithm>

namespace swim {

void Reconnect::Start(Instant first_tick) {
  if (!enabled()) return;
  next_tick_ = first_tick;
}

void Reconnect::Stop() {
  next_tick_.reset();
  in_flight_ = false;
}

bool Reconnect::HandleExpiry(Instant now) {
  if (!next_tick_ || *next_tick_ > now) return false;
  next_tick_ = now + interval_;
  in_flight_ = false;
  return true;
}

void Reconnect::Attempt(uint32_t seq, absl::string_view target) {
  in_flight_ = true;
  seq_ = seq;
  target_.assign(target.data(), target.size());
}

std::optional<std::string> Reconnect::OnAck(uint32_t seq) {
  if (!in_flight_ || seq != seq_) return std::nullopt;
  in_flight_ = false;
  return target_;
}

double Reconnect::Chance(size_t offline, size_t live,
                         absl::Duration gone) const {
  if (offline == 0) return 0;
  double chance = live == 0 ? 1.0
                            : std::min(1.0, static_cast<double>(offline) /
                                                static_cast<double>(live));
  const absl::Duration backoff_after = interval_ * kBackoffAfter;
  if (gone > backoff_after) {
    const double factor =
        std::min<double>(kMaxBackoff, absl::FDivDuration(gone, backoff_after));
    chance /= factor;
  }
  return chance;
}

}  // namespace swim

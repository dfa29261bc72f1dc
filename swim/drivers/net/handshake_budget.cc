#include "swim/drivers/net/handshake_budget.h"

#include <algorithm>

namespace swim::net {
namespace {

constexpr size_t kPruneAtLeast = 1024;

absl::Duration IntervalOf(int per_second) {
  return per_second <= 0 ? absl::ZeroDuration() : absl::Seconds(1) / per_second;
}

}  // namespace

HandshakeBudget::HandshakeBudget(int per_host, int overall)
    : per_host_{IntervalOf(per_host)},
      overall_{IntervalOf(overall)},
      prune_above_(kPruneAtLeast) {}

bool HandshakeBudget::Fits(const Rate& rate, Instant full_at, Instant now) {
  if (rate.interval == absl::ZeroDuration()) return true;
  // A burst of 1 s / interval: the last of them leaves the budget full a
  // second from now.
  return full_at <= now + (absl::Seconds(1) - rate.interval);
}

Instant HandshakeBudget::Spend(const Rate& rate, Instant full_at, Instant now) {
  return std::max(full_at, now) + rate.interval;
}

bool HandshakeBudget::TryTake(const Address& host, Instant now) {
  if (per_host_.interval == absl::ZeroDuration() &&
      overall_.interval == absl::ZeroDuration()) {
    return true;
  }
  const Address key = host.WithPort(0);
  auto it = full_at_.find(key);
  const Instant host_full_at =
      it == full_at_.end() ? Instant::InfinitePast() : it->second;
  if (!Fits(per_host_, host_full_at, now) ||
      !Fits(overall_, overall_full_at_, now)) {
    return false;
  }
  overall_full_at_ = Spend(overall_, overall_full_at_, now);
  if (per_host_.interval == absl::ZeroDuration()) return true;
  const Instant spent = Spend(per_host_, host_full_at, now);
  if (it != full_at_.end()) {
    it->second = spent;
  } else {
    full_at_.emplace(key, spent);
    if (full_at_.size() > prune_above_) Prune(now);
  }
  return true;
}

void HandshakeBudget::Prune(Instant now) {
  for (auto it = full_at_.begin(); it != full_at_.end();) {
    if (it->second <= now) {
      full_at_.erase(it++);
    } else {
      ++it;
    }
  }
  prune_above_ = std::max(kPruneAtLeast, 2 * full_at_.size());
}

}  // namespace swim::net

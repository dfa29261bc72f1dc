#include "swim/core/suspicion.h"

#include <algorithm>
#include <cmath>

#include "swim/core/instant.h"

namespace swim {

Suspicion::Suspicion(absl::string_view origin, int expected_confirmations,
                     absl::Duration min_timeout, absl::Duration max_timeout,
                     Instant start)
    : origin_(origin),
      expected_confirmations_(std::max(0, expected_confirmations)),
      min_timeout_(min_timeout),
      max_timeout_(std::max(min_timeout, max_timeout)),
      start_(start),
      first_start_(start) {}

bool Suspicion::Confirm(absl::string_view origin, Instant at) {
  if (origin.empty() || origin == origin_) return false;
  if (static_cast<int>(confirmers_.size()) >= expected_confirmations_) {
    return false;
  }
  for (const Verdict::Confirmation& confirmer : confirmers_) {
    if (confirmer.member == origin) return false;
  }
  confirmers_.push_back(Verdict::Confirmation{std::string(origin), at});
  return true;
}

Instant Suspicion::deadline() const {
  // With no confirmations to wait for, the minimum applies (as memberlist:
  // small clusters cannot gather confirmations, so they do not wait for
  // them).
  if (expected_confirmations_ == 0) return start_ + min_timeout_;
  if (max_timeout_ == min_timeout_) return start_ + max_timeout_;
  const double fraction = std::log(confirmers_.size() + 1.0) /
                          std::log(expected_confirmations_ + 1.0);
  const absl::Duration timeout =
      max_timeout_ - (max_timeout_ - min_timeout_) * fraction;
  // Whole milliseconds, so the deadline does not depend on how the
  // platform rounds the logarithm's last bits.
  const absl::Duration rounded =
      absl::Milliseconds(absl::ToInt64Milliseconds(timeout));
  return start_ + std::max(min_timeout_, rounded);
}

absl::Duration SuspicionTimeout(int suspicion_mult, size_t cluster_size,
                                absl::Duration probe_interval) {
  const double node_scale =
      std::max(1.0, std::log10(std::max<double>(1.0, cluster_size)));
  // Whole milliseconds, for platform-independent timing.
  return absl::Milliseconds(
      static_cast<int64_t>(suspicion_mult * node_scale *
                           absl::ToDoubleMilliseconds(probe_interval)));
}

}  // namespace swim

#include "swim/drivers/net/monotonic_clock.h"

#include "swim/core/instant.h"

namespace swim::net {

Instant MonotonicNow() {
  return Instant(
      absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch()));
}

std::chrono::steady_clock::time_point ToSteadyTime(Instant instant) {
  const absl::Duration since_epoch = instant.since_origin();
  if (since_epoch <= absl::ZeroDuration()) {
    return std::chrono::steady_clock::time_point();
  }
  if (since_epoch == absl::InfiniteDuration()) {
    return std::chrono::steady_clock::time_point::max();
  }
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          absl::ToChronoNanoseconds(since_epoch)));
}

}  // namespace swim::net

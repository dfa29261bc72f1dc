#include "swim/drivers/net/monotonic_clock.h"

namespace swim::net {

absl::Time MonotonicNow() {
  return absl::UnixEpoch() +
         absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

std::chrono::steady_clock::time_point ToSteadyTime(absl::Time instant) {
  const absl::Duration since_epoch = instant - absl::UnixEpoch();
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

#ifndef SWIM_DRIVERS_NET_MONOTONIC_CLOCK_H_
#define SWIM_DRIVERS_NET_MONOTONIC_CLOCK_H_

#include <chrono>
#include <optional>

#include "absl/time/time.h"

namespace swim::net {

// The instants drivers hand to the core. The core wants a monotonic clock
// but speaks absl::Time, so a driver's "now" is the steady clock's reading
// (CLOCK_MONOTONIC on Linux) as an offset from the Unix epoch. These
// instants are only meaningful relative to each other: Member::last_change
// in events from a real driver is on this scale, not wall-clock time.
absl::Time MonotonicNow();

// The steady-clock time point of a MonotonicNow()-scale instant, for timers
// (timerfd with CLOCK_MONOTONIC, asio::steady_timer).
std::chrono::steady_clock::time_point ToSteadyTime(absl::Time instant);

// The earlier of two optional instants (nullopt: none).
inline std::optional<absl::Time> Earliest(std::optional<absl::Time> a,
                                          std::optional<absl::Time> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_MONOTONIC_CLOCK_H_

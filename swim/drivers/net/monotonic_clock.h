#ifndef SWIM_DRIVERS_NET_MONOTONIC_CLOCK_H_
#define SWIM_DRIVERS_NET_MONOTONIC_CLOCK_H_

#include <chrono>
#include <optional>

#include "absl/time/time.h"
#include "swim/core/instant.h"

namespace swim::net {

// The instants drivers hand to the core: the steady clock's reading
// (CLOCK_MONOTONIC on Linux), its epoch as the Instant origin. These
// instants are only meaningful relative to each other: Member::last_change
// in events from a real driver is on this scale, not wall-clock time.
Instant MonotonicNow();

// The steady-clock time point of a MonotonicNow() instant, for timers
// (timerfd with CLOCK_MONOTONIC, asio::steady_timer).
std::chrono::steady_clock::time_point ToSteadyTime(Instant instant);

// The earlier of two optional instants (nullopt: none).
inline std::optional<Instant> Earliest(std::optional<Instant> a,
                                       std::optional<Instant> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_MONOTONIC_CLOCK_H_

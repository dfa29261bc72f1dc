#ifndef SWIM_CORE_PACKED_TIME_H_
#define SWIM_CORE_PACKED_TIME_H_

#include <compare>
#include <cstdint>
#include <limits>

#include "absl/time/time.h"
#include "swim/core/instant.h"

namespace swim {

// An Instant in 8 bytes instead of 16: whole nanoseconds since the clock's
// origin (±292 years), with the two infinities kept apart as the extreme
// values. A node holds several per member, and a simulated cluster of N
// members holds N² members, so the halved size matters. Finer instants
// round down to the nanosecond; compare packed values with packed values
// so that rounding cannot split two copies of one instant.
class PackedTime {
 public:
  constexpr PackedTime() = default;  // InfinitePast
  explicit PackedTime(Instant time) : nanos_(Pack(time)) {}

  static constexpr PackedTime InfinitePast() { return PackedTime(kPast); }
  static constexpr PackedTime InfiniteFuture() { return PackedTime(kFuture); }

  Instant Get() const {
    if (nanos_ == kPast) return Instant::InfinitePast();
    if (nanos_ == kFuture) return Instant::InfiniteFuture();
    return Instant(absl::Nanoseconds(nanos_));
  }

  friend bool operator==(PackedTime, PackedTime) = default;
  friend auto operator<=>(PackedTime, PackedTime) = default;

 private:
  static constexpr int64_t kPast = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kFuture = std::numeric_limits<int64_t>::max();

  constexpr explicit PackedTime(int64_t nanos) : nanos_(nanos) {}

  static int64_t Pack(Instant time) {
    if (time == Instant::InfinitePast()) return kPast;
    if (time == Instant::InfiniteFuture()) return kFuture;
    // Finite instants beyond the range saturate next to the infinities.
    const absl::Duration since_origin = time.since_origin();
    if (since_origin <= absl::Nanoseconds(kPast + 1)) return kPast + 1;
    if (since_origin >= absl::Nanoseconds(kFuture - 1)) return kFuture - 1;
    // Rounds toward negative infinity, as absl::ToUnixNanos does.
    return absl::ToInt64Nanoseconds(
        absl::Floor(since_origin, absl::Nanoseconds(1)));
  }

  int64_t nanos_ = kPast;
};

}  // namespace swim

#endif  // SWIM_CORE_PACKED_TIME_H_

#ifndef SWIM_CORE_PACKED_TIME_H_
#define SWIM_CORE_PACKED_TIME_H_

#include <compare>
#include <cstdint>
#include <limits>

#include "absl/time/time.h"

namespace swim {

// An absl::Time in 8 bytes instead of 16: whole nanoseconds since the Unix
// epoch (±292 years), with the two infinities kept apart as the extreme
// values. A node holds several per member, and a simulated cluster of N
// members holds N² members, so the halved size matters. Finer instants
// round down to the nanosecond; compare packed values with packed values
// so that rounding cannot split two copies of one instant.
class PackedTime {
 public:
  constexpr PackedTime() = default;  // InfinitePast
  explicit PackedTime(absl::Time time) : nanos_(Pack(time)) {}

  static constexpr PackedTime InfinitePast() { return PackedTime(kPast); }
  static constexpr PackedTime InfiniteFuture() { return PackedTime(kFuture); }

  absl::Time Get() const {
    if (nanos_ == kPast) return absl::InfinitePast();
    if (nanos_ == kFuture) return absl::InfiniteFuture();
    return absl::FromUnixNanos(nanos_);
  }

  friend bool operator==(PackedTime, PackedTime) = default;
  friend auto operator<=>(PackedTime, PackedTime) = default;

 private:
  static constexpr int64_t kPast = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kFuture = std::numeric_limits<int64_t>::max();

  constexpr explicit PackedTime(int64_t nanos) : nanos_(nanos) {}

  static int64_t Pack(absl::Time time) {
    if (time == absl::InfinitePast()) return kPast;
    if (time == absl::InfiniteFuture()) return kFuture;
    // Finite instants beyond the range saturate next to the infinities.
    const absl::Time floor = absl::FromUnixNanos(kPast + 1);
    const absl::Time ceiling = absl::FromUnixNanos(kFuture - 1);
    if (time <= floor) return kPast + 1;
    if (time >= ceiling) return kFuture - 1;
    return absl::ToUnixNanos(time);
  }

  int64_t nanos_ = kPast;
};

}  // namespace swim

#endif  // SWIM_CORE_PACKED_TIME_H_

#ifndef SWIM_CORE_INSTANT_H_
#define SWIM_CORE_INSTANT_H_

#include <compare>
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace swim {

// An instant of one monotonic clock: the clock a driver reads for every
// `now` it gives a Node (CLOCK_MONOTONIC for the real drivers, virtual time
// for the simulator). It is a duration since the clock's arbitrary origin,
// so instants mean something only relative to each other and to that
// clock: never a wall-clock time, and absl::Time does not convert to it.
// Arithmetic is absl::Duration's, exact and saturating; InfinitePast and
// InfiniteFuture stand for "never" on either side.
class Instant {
 public:
  // The clock's origin.
  constexpr Instant() = default;
  // The instant `since_origin` after the clock's origin.
  constexpr explicit Instant(absl::Duration since_origin)
      : since_origin_(since_origin) {}

  static constexpr Instant InfinitePast() {
    return Instant(-absl::InfiniteDuration());
  }
  static constexpr Instant InfiniteFuture() {
    return Instant(absl::InfiniteDuration());
  }

  constexpr absl::Duration since_origin() const { return since_origin_; }

  Instant& operator+=(absl::Duration d) {
    since_origin_ += d;
    return *this;
  }
  Instant& operator-=(absl::Duration d) {
    since_origin_ -= d;
    return *this;
  }
  friend Instant operator+(Instant t, absl::Duration d) { return t += d; }
  friend Instant operator+(absl::Duration d, Instant t) { return t += d; }
  friend Instant operator-(Instant t, absl::Duration d) { return t -= d; }
  friend absl::Duration operator-(Instant a, Instant b) {
    return a.since_origin_ - b.since_origin_;
  }

  friend bool operator==(Instant a, Instant b) {
    return a.since_origin_ == b.since_origin_;
  }
  friend std::strong_ordering operator<=>(Instant a, Instant b) {
    if (a.since_origin_ < b.since_origin_) return std::strong_ordering::less;
    if (b.since_origin_ < a.since_origin_) {
      return std::strong_ordering::greater;
    }
    return std::strong_ordering::equal;
  }

  // "+12.5s" (or "-3s", "+inf"): the time since the origin, for logs and
  // test failures.
  std::string ToString() const {
    // StrCat, not operator+: GCC 12 at -O3 warns (-Wrestrict) about the
    // inlined string concatenation, a false positive that -Werror makes fatal.
    return absl::StrCat(since_origin_ < absl::ZeroDuration() ? "" : "+",
                        absl::FormatDuration(since_origin_));
  }
  friend std::ostream& operator<<(std::ostream& out, Instant t) {
    return out << t.ToString();
  }

 private:
  absl::Duration since_origin_;
};

}  // namespace swim

#endif  // SWIM_CORE_INSTANT_H_

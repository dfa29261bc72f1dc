#include "swim/core/instant.h"

#include <algorithm>
#include <sstream>
#include <type_traits>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace swim {
namespace {

// The point of the type: a wall-clock time cannot be passed as `now`.
static_assert(!std::is_convertible_v<absl::Time, Instant>);
static_assert(!std::is_constructible_v<Instant, absl::Time>);
static_assert(!std::is_convertible_v<absl::Duration, Instant>);
static_assert(sizeof(Instant) == sizeof(absl::Duration));

TEST(InstantTest, ArithmeticIsDurations) {
  const Instant origin;
  EXPECT_EQ(origin.since_origin(), absl::ZeroDuration());
  const Instant t = origin + absl::Seconds(5);
  EXPECT_EQ(t.since_origin(), absl::Seconds(5));
  EXPECT_EQ(t - origin, absl::Seconds(5));
  EXPECT_EQ(origin - t, absl::Seconds(-5));
  EXPECT_EQ(t - absl::Seconds(2), Instant(absl::Seconds(3)));
  EXPECT_EQ(absl::Seconds(2) + t, Instant(absl::Seconds(7)));
  Instant u = t;
  u += absl::Nanoseconds(1) / 4;  // finer than a nanosecond, kept exactly
  EXPECT_GT(u, t);
  u -= absl::Nanoseconds(1) / 4;
  EXPECT_EQ(u, t);
}

TEST(InstantTest, OrdersAndSaturatesAtTheInfinities) {
  const Instant t(absl::Hours(24 * 365 * 100));
  EXPECT_LT(Instant::InfinitePast(), Instant(absl::Hours(-1)));
  EXPECT_LT(t, Instant::InfiniteFuture());
  EXPECT_EQ(Instant::InfiniteFuture() + absl::Hours(1),
            Instant::InfiniteFuture());
  EXPECT_EQ(Instant::InfiniteFuture() - absl::Hours(1),
            Instant::InfiniteFuture());
  EXPECT_EQ(Instant::InfinitePast() + absl::Hours(1), Instant::InfinitePast());
  EXPECT_EQ(Instant::InfiniteFuture() - t, absl::InfiniteDuration());
  EXPECT_EQ(std::max(t, Instant::InfinitePast()), t);
}

TEST(InstantTest, PrintsTheTimeSinceTheOrigin) {
  EXPECT_EQ(Instant(absl::Milliseconds(12500)).ToString(), "+12.5s");
  EXPECT_EQ(Instant(absl::Seconds(-3)).ToString(), "-3s");
  EXPECT_EQ(Instant().ToString(), "+0");
  EXPECT_EQ(Instant::InfiniteFuture().ToString(), "+inf");
  EXPECT_EQ(Instant::InfinitePast().ToString(), "-inf");
  std::ostringstream out;
  out << Instant(absl::Seconds(1));
  EXPECT_EQ(out.str(), "+1s");
}

}  // namespace
}  // namespace swim

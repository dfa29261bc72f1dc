#include "swim/core/packed_time.h"

#include <cstdint>
#include <limits>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"

namespace swim {
namespace {

TEST(PackedTimeTest, IsEightBytes) { EXPECT_EQ(sizeof(PackedTime), 8u); }

TEST(PackedTimeTest, WholeNanosecondsRoundTrip) {
  for (Instant time :
       {Instant(), Instant(absl::Seconds(1700000000)),
        Instant(absl::Seconds(1700000000)) + absl::Nanoseconds(123456789),
        Instant() - absl::Hours(24 * 365 * 100)}) {
    EXPECT_EQ(PackedTime(time).Get(), time);
  }
}

TEST(PackedTimeTest, InfinitiesStayInfinite) {
  EXPECT_EQ(PackedTime().Get(), Instant::InfinitePast());
  EXPECT_EQ(PackedTime::InfinitePast().Get(), Instant::InfinitePast());
  EXPECT_EQ(PackedTime::InfiniteFuture().Get(), Instant::InfiniteFuture());
  EXPECT_EQ(PackedTime(Instant::InfiniteFuture()),
            PackedTime::InfiniteFuture());
  EXPECT_EQ(PackedTime(Instant::InfinitePast()), PackedTime::InfinitePast());
}

TEST(PackedTimeTest, FarFiniteTimesSaturateBesideTheInfinities) {
  const Instant far = Instant() + absl::Hours(24 * 365 * 1000);
  const PackedTime packed(far);
  EXPECT_LT(packed, PackedTime::InfiniteFuture());
  EXPECT_NE(packed.Get(), Instant::InfiniteFuture());
  EXPECT_GT(packed, PackedTime(Instant(absl::Seconds(1700000000))));
  const PackedTime past(Instant() - absl::Hours(24 * 365 * 1000));
  EXPECT_GT(past, PackedTime::InfinitePast());
}

TEST(PackedTimeTest, SubNanosecondsRoundDownConsistently) {
  const Instant whole = Instant(absl::Seconds(1700000000));
  const Instant fraction = whole + absl::Nanoseconds(1) / 4;
  EXPECT_EQ(PackedTime(fraction).Get(), whole);
  // Two copies of one instant pack alike, so packed comparisons agree.
  EXPECT_EQ(PackedTime(fraction), PackedTime(fraction));
  EXPECT_LT(PackedTime(whole), PackedTime(whole + absl::Nanoseconds(1)));
  // Before the epoch too: down, toward the past.
  const Instant before = Instant() - absl::Nanoseconds(1) / 4;
  EXPECT_EQ(PackedTime(before).Get(), Instant() - absl::Nanoseconds(1));
}

}  // namespace
}  // namespace swim

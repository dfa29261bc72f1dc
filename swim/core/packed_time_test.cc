#include "swim/core/packed_time.h"

#include <cstdint>
#include <limits>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace swim {
namespace {

TEST(PackedTimeTest, IsEightBytes) { EXPECT_EQ(sizeof(PackedTime), 8u); }

TEST(PackedTimeTest, WholeNanosecondsRoundTrip) {
  for (absl::Time time :
       {absl::UnixEpoch(), absl::FromUnixSeconds(1700000000),
        absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789),
        absl::UnixEpoch() - absl::Hours(24 * 365 * 100)}) {
    EXPECT_EQ(PackedTime(time).Get(), time);
  }
}

TEST(PackedTimeTest, InfinitiesStayInfinite) {
  EXPECT_EQ(PackedTime().Get(), absl::InfinitePast());
  EXPECT_EQ(PackedTime::InfinitePast().Get(), absl::InfinitePast());
  EXPECT_EQ(PackedTime::InfiniteFuture().Get(), absl::InfiniteFuture());
  EXPECT_EQ(PackedTime(absl::InfiniteFuture()), PackedTime::InfiniteFuture());
  EXPECT_EQ(PackedTime(absl::InfinitePast()), PackedTime::InfinitePast());
}

TEST(PackedTimeTest, FarFiniteTimesSaturateBesideTheInfinities) {
  const absl::Time far = absl::UnixEpoch() + absl::Hours(24 * 365 * 1000);
  const PackedTime packed(far);
  EXPECT_LT(packed, PackedTime::InfiniteFuture());
  EXPECT_NE(packed.Get(), absl::InfiniteFuture());
  EXPECT_GT(packed, PackedTime(absl::FromUnixSeconds(1700000000)));
  const PackedTime past(absl::UnixEpoch() - absl::Hours(24 * 365 * 1000));
  EXPECT_GT(past, PackedTime::InfinitePast());
}

TEST(PackedTimeTest, SubNanosecondsRoundDownConsistently) {
  const absl::Time whole = absl::FromUnixSeconds(1700000000);
  const absl::Time fraction = whole + absl::Nanoseconds(1) / 4;
  EXPECT_EQ(PackedTime(fraction).Get(), whole);
  // Two copies of one instant pack alike, so packed comparisons agree.
  EXPECT_EQ(PackedTime(fraction), PackedTime(fraction));
  EXPECT_LT(PackedTime(whole), PackedTime(whole + absl::Nanoseconds(1)));
  // Before the epoch too: down, toward the past.
  const absl::Time before = absl::UnixEpoch() - absl::Nanoseconds(1) / 4;
  EXPECT_EQ(PackedTime(before).Get(), absl::UnixEpoch() - absl::Nanoseconds(1));
}

}  // namespace
}  // namespace swim

#include "swim/core/awareness.h"

#include <climits>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace swim {
namespace {

TEST(AwarenessTest, StartsHealthy) {
  Awareness awareness(8);
  EXPECT_EQ(awareness.score(), 0);
  EXPECT_EQ(awareness.Scale(absl::Milliseconds(500)), absl::Milliseconds(500));
}

TEST(AwarenessTest, ScalesByScorePlusOne) {
  Awareness awareness(8);
  awareness.ApplyDelta(3);
  EXPECT_EQ(awareness.score(), 3);
  EXPECT_EQ(awareness.Scale(absl::Seconds(1)), absl::Seconds(4));
  awareness.ApplyDelta(-1);
  EXPECT_EQ(awareness.score(), 2);
  EXPECT_EQ(awareness.Scale(absl::Seconds(1)), absl::Seconds(3));
}

TEST(AwarenessTest, ClampsToZeroAndMaxMinusOne) {
  Awareness awareness(8);
  awareness.ApplyDelta(-5);
  EXPECT_EQ(awareness.score(), 0);
  for (int i = 0; i < 20; ++i) awareness.ApplyDelta(1);
  EXPECT_EQ(awareness.score(), 7);
  EXPECT_EQ(awareness.Scale(absl::Seconds(1)), absl::Seconds(8));
  awareness.ApplyDelta(INT_MAX);
  EXPECT_EQ(awareness.score(), 7);
  awareness.ApplyDelta(INT_MIN);
  EXPECT_EQ(awareness.score(), 0);
}

TEST(AwarenessTest, MaxOfOneDisablesScaling) {
  for (int max : {1, 0, -3}) {
    Awareness awareness(max);
    awareness.ApplyDelta(5);
    EXPECT_EQ(awareness.score(), 0);
    EXPECT_EQ(awareness.Scale(absl::Seconds(1)), absl::Seconds(1));
  }
}

}  // namespace
}  // namespace swim

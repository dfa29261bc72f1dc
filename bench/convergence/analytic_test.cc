#include "bench/convergence/analytic.h"

#include <cmath>

#include "gtest/gtest.h"

namespace swim::convergence {
namespace {

TEST(SerfModelTest, StartsWithTheOriginAlone) {
  // 1 / (1 + (N + 1)) at x = 0: about one member in N.
  EXPECT_DOUBLE_EQ(SerfFractionInformed(100, 3, 0, 0), 1.0 / 102);
}

TEST(SerfModelTest, HalfwayAtLogOfNOverRate) {
  // c * N = fanout * (1 - loss) / 2 = 1.5; f = 1/2 when e^(1.5 x) = N + 1.
  EXPECT_NEAR(SerfRoundsToFraction(100, 3, 0, 0.5), std::log(101.0) / 1.5,
              1e-12);
}

TEST(SerfModelTest, InverseOfTheCurve) {
  for (const double fraction : {0.1, 0.5, 0.99}) {
    const double rounds = SerfRoundsToFraction(1000, 4, 0.05, fraction);
    EXPECT_NEAR(SerfFractionInformed(1000, 4, 0.05, rounds), fraction, 1e-12);
  }
}

TEST(SerfModelTest, LossSlowsSpreadInProportion) {
  EXPECT_NEAR(SerfRoundsToFraction(100, 3, 0.5, 0.9),
              2 * SerfRoundsToFraction(100, 3, 0, 0.9), 1e-9);
}

TEST(SerfModelTest, AllMeansLessThanHalfAMemberLeft) {
  const double rounds = SerfRoundsToAll(1000, 3, 0);
  EXPECT_NEAR((1 - SerfFractionInformed(1000, 3, 0, rounds)) * 1000, 0.5, 1e-9);
}

TEST(SerfModelTest, TotalLossNeverSpreads) {
  EXPECT_TRUE(std::isinf(SerfRoundsToFraction(100, 3, 1, 0.5)));
}

TEST(SwimDetectionTest, EOverEMinusOnePeriods) {
  EXPECT_NEAR(SwimExpectedFirstDetectionPeriods(1),
              std::exp(1) / (std::exp(1) - 1), 1e-12);
  EXPECT_NEAR(SwimExpectedFirstDetectionPeriods(1), 1.582, 1e-3);
  // Fewer live members probe, so detection takes longer.
  EXPECT_GT(SwimExpectedFirstDetectionPeriods(0.5),
            SwimExpectedFirstDetectionPeriods(1));
}

}  // namespace
}  // namespace swim::convergence

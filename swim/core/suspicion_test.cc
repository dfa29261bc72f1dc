#include "swim/core/suspicion.h"

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"

namespace swim {
namespace {

const Instant kStart = Instant(absl::Seconds(1700000000));

TEST(SuspicionTest, RemembersItsStart) {
  Suspicion suspicion("a", 3, absl::Seconds(2), absl::Seconds(12), kStart);
  EXPECT_EQ(suspicion.start(), kStart);
  EXPECT_EQ(suspicion.confirmations(), 0);
}

TEST(SuspicionTest, FixedWhenMinEqualsMax) {
  Suspicion suspicion("a", 3, absl::Seconds(5), absl::Seconds(5), kStart);
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Seconds(5));
  EXPECT_TRUE(suspicion.Confirm("b", kStart));
  EXPECT_TRUE(suspicion.Confirm("c", kStart));
  EXPECT_TRUE(suspicion.Confirm("d", kStart));
  EXPECT_EQ(suspicion.confirmations(), 3);
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Seconds(5));
}

TEST(SuspicionTest, FixedWhenNoConfirmationsAreExpected) {
  for (int k : {0, -1}) {
    SCOPED_TRACE(absl::StrCat("k = ", k));
    Suspicion suspicion("a", k, absl::Seconds(2), absl::Seconds(12), kStart);
    const Instant deadline = suspicion.deadline();
    EXPECT_FALSE(suspicion.Confirm("b", kStart));
    EXPECT_FALSE(suspicion.Confirm("c", kStart));
    EXPECT_EQ(suspicion.confirmations(), 0);
    EXPECT_EQ(suspicion.deadline(), deadline);
  }
}

// With no confirmations to wait for, there is nothing to gain from the
// long timeout: memberlist (newSuspicion: "If there aren't any
// confirmations to be made then take the min time from the start") uses
// the minimum, which is also the plain-SWIM suspicion timeout that Config
// documents (suspicion_mult * max(1, log10(N)) * probe_interval).
TEST(SuspicionTest, NoExpectedConfirmationsMeansMinTimeoutLikeMemberlist) {
  Suspicion suspicion("a", 0, absl::Seconds(2), absl::Seconds(12), kStart);
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Seconds(2));
}

TEST(SuspicionTest, LifeguardFormula) {
  // min 2s, max 12s, k 3: 12 - 10 * log(C + 1) / log(4) seconds, in whole
  // milliseconds rounded down: 12, 7, 4.0751874..., 2.
  Suspicion suspicion("a", 3, absl::Seconds(2), absl::Seconds(12), kStart);
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Milliseconds(12000));
  ASSERT_TRUE(suspicion.Confirm("b", kStart));
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Milliseconds(7000));
  ASSERT_TRUE(suspicion.Confirm("c", kStart));
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Milliseconds(4075));
  ASSERT_TRUE(suspicion.Confirm("d", kStart));
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Milliseconds(2000));
  // Beyond k: not counted, and the deadline stays at the minimum.
  EXPECT_FALSE(suspicion.Confirm("e", kStart));
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Milliseconds(2000));
}

TEST(SuspicionTest, LifeguardFormulaRoundsDown) {
  // min 1s, max 7s, k 5: 7000 - 6000 * log(C + 1) / log(6) ms =
  // 7000, 4678.88, 3321.12, 2357.77, 1610.53, 1000.
  // Rounding to nearest would give 4679, 2358 and 1611.
  const std::vector<int64_t> expected_ms = {7000, 4678, 3321, 2357, 1610, 1000};
  Suspicion suspicion("origin", 5, absl::Seconds(1), absl::Seconds(7), kStart);
  for (size_t c = 0; c < expected_ms.size(); ++c) {
    SCOPED_TRACE(absl::StrCat(c, " confirmations"));
    ASSERT_EQ(suspicion.confirmations(), static_cast<int>(c));
    EXPECT_EQ(suspicion.deadline(),
              kStart + absl::Milliseconds(expected_ms[c]));
    suspicion.Confirm(absl::StrCat("confirmer-", c), kStart);
  }
}

TEST(SuspicionTest, KeepsTheConfirmationsThatCountedForTheVerdict) {
  Suspicion suspicion("a", 2, absl::Seconds(1), absl::Seconds(7), kStart);
  EXPECT_EQ(suspicion.origin(), "a");
  EXPECT_EQ(suspicion.timeout(), absl::Seconds(7));
  EXPECT_FALSE(suspicion.Confirm("a", kStart + absl::Seconds(1)));
  EXPECT_TRUE(suspicion.Confirm("b", kStart + absl::Seconds(2)));
  EXPECT_FALSE(suspicion.Confirm("b", kStart + absl::Seconds(3)));
  EXPECT_TRUE(suspicion.Confirm("c", kStart + absl::Seconds(4)));
  EXPECT_FALSE(suspicion.Confirm("d", kStart + absl::Seconds(5)));  // k met
  ASSERT_EQ(suspicion.confirmers().size(), 2u);
  EXPECT_EQ(suspicion.confirmers()[0].member, "b");
  EXPECT_EQ(suspicion.confirmers()[0].at, kStart + absl::Seconds(2));
  EXPECT_EQ(suspicion.confirmers()[1].member, "c");
  EXPECT_EQ(suspicion.confirmers()[1].at, kStart + absl::Seconds(4));
  EXPECT_EQ(suspicion.timeout(), absl::Seconds(1));
  EXPECT_FALSE(suspicion.probe().has_value());
  suspicion.set_probe(Verdict::ProbeFailure{kStart, true, {"h1", "h2"}, 2, 1});
  ASSERT_TRUE(suspicion.probe().has_value());
  EXPECT_EQ(suspicion.probe()->helpers.size(), 2u);
  suspicion.Restart(kStart + absl::Seconds(6));
  EXPECT_TRUE(suspicion.confirmers().empty());
  EXPECT_EQ(suspicion.start(), kStart + absl::Seconds(6));
  EXPECT_EQ(suspicion.first_start(), kStart);
}

TEST(SuspicionTest, DeadlineNeverIncreasesAndStaysInRange) {
  Suspicion suspicion("a", 10, absl::Milliseconds(1500),
                      absl::Milliseconds(9100), kStart);
  Instant previous = suspicion.deadline();
  EXPECT_EQ(previous, kStart + absl::Milliseconds(9100));
  for (int c = 0; c < 12; ++c) {
    suspicion.Confirm(absl::StrCat("m", c), kStart);
    const Instant deadline = suspicion.deadline();
    EXPECT_LE(deadline, previous);
    EXPECT_GE(deadline, kStart + absl::Milliseconds(1500));
    // Whole milliseconds.
    EXPECT_EQ((deadline - kStart) % absl::Milliseconds(1),
              absl::ZeroDuration());
    previous = deadline;
  }
  EXPECT_EQ(previous, kStart + absl::Milliseconds(1500));
}

TEST(SuspicionTest, ConfirmCountsOnlyNewIndependentOrigins) {
  Suspicion suspicion("a", 3, absl::Seconds(2), absl::Seconds(12), kStart);
  // The original suspecter does not confirm its own suspicion.
  EXPECT_FALSE(suspicion.Confirm("a", kStart));
  EXPECT_EQ(suspicion.confirmations(), 0);
  // An unnamed origin cannot be told apart from the others.
  EXPECT_FALSE(suspicion.Confirm("", kStart));
  EXPECT_EQ(suspicion.confirmations(), 0);
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Seconds(12));

  EXPECT_TRUE(suspicion.Confirm("b", kStart));
  EXPECT_EQ(suspicion.confirmations(), 1);
  // A repeat counts once.
  EXPECT_FALSE(suspicion.Confirm("b", kStart));
  EXPECT_EQ(suspicion.confirmations(), 1);
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Seconds(7));
  EXPECT_FALSE(suspicion.Confirm("a", kStart));
  EXPECT_EQ(suspicion.confirmations(), 1);

  // Names are compared exactly.
  EXPECT_TRUE(suspicion.Confirm("B", kStart));
  EXPECT_TRUE(suspicion.Confirm("b ", kStart));
  EXPECT_EQ(suspicion.confirmations(), 3);
  // k reached: nothing more is counted, new or not.
  EXPECT_FALSE(suspicion.Confirm("c", kStart));
  EXPECT_FALSE(suspicion.Confirm("b", kStart));
  EXPECT_FALSE(suspicion.Confirm("a", kStart));
  EXPECT_FALSE(suspicion.Confirm("", kStart));
  EXPECT_EQ(suspicion.confirmations(), 3);
  EXPECT_EQ(suspicion.deadline(), kStart + absl::Seconds(2));
}

TEST(SuspicionTest, UnknownOriginalSuspecter) {
  // An unknown original suspecter (empty origin) still rejects empty
  // confirmations and counts named ones.
  Suspicion suspicion("", 2, absl::Seconds(1), absl::Seconds(3), kStart);
  EXPECT_FALSE(suspicion.Confirm("", kStart));
  EXPECT_TRUE(suspicion.Confirm("x", kStart));
  EXPECT_EQ(suspicion.confirmations(), 1);
}

struct TimeoutCase {
  int mult;
  size_t n;
  absl::Duration interval;
  absl::Duration expected;
};

TEST(SuspicionTimeoutTest, MemberlistFormula) {
  // mult * max(1, log10(max(1, n))) * interval, in whole milliseconds.
  const std::vector<TimeoutCase> cases = {
      {4, 0, absl::Seconds(1), absl::Seconds(4)},
      {4, 1, absl::Seconds(1), absl::Seconds(4)},
      {4, 2, absl::Seconds(1), absl::Seconds(4)},
      {4, 5, absl::Seconds(1), absl::Seconds(4)},
      {4, 10, absl::Seconds(1), absl::Seconds(4)},
      {4, 100, absl::Seconds(1), absl::Seconds(8)},
      {4, 1000, absl::Seconds(1), absl::Seconds(12)},
      {4, 100000, absl::Seconds(1), absl::Seconds(20)},
      // log10(50) = 1.69897...: 6795.88 ms, rounded down. (memberlist
      // itself truncates the scale to thousandths first: 6792 ms.)
      {4, 50, absl::Seconds(1), absl::Milliseconds(6795)},
      // WAN: mult 6, probe interval 5s.
      {6, 0, absl::Seconds(5), absl::Seconds(30)},
      {6, 10, absl::Seconds(5), absl::Seconds(30)},
      {6, 1000, absl::Seconds(5), absl::Seconds(90)},
      // Local: mult 3, probe interval 1s; and a sub-second interval.
      {3, 100, absl::Seconds(1), absl::Seconds(6)},
      {3, 100, absl::Milliseconds(200), absl::Milliseconds(1200)},
      {1, 1000, absl::Milliseconds(333), absl::Milliseconds(999)},
      // 1.69897 * 333 = 565.76 ms.
      {1, 50, absl::Milliseconds(333), absl::Milliseconds(565)},
  };
  for (const TimeoutCase& c : cases) {
    EXPECT_EQ(SuspicionTimeout(c.mult, c.n, c.interval), c.expected)
        << "mult " << c.mult << ", n " << c.n << ", interval " << c.interval;
  }
}

}  // namespace
}  // namespace swim

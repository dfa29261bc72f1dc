#include "swim/core/member_status.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "swim/core/incarnation.h"

namespace swim {
namespace {

struct StatusCase {
  MemberStatus status;
  uint8_t value;
  const char* name;
  bool available;
  bool unavailable;
};

// SUSPECT is in both aggregates, as in the Python swim-protocol.
const std::vector<StatusCase>& StatusCases() {
  static const auto* const cases = new std::vector<StatusCase>{
      {MemberStatus::kOnline, 1, "ONLINE", true, false},
      {MemberStatus::kSuspect, 2, "SUSPECT", true, true},
      {MemberStatus::kOffline, 4, "OFFLINE", false, true},
      {MemberStatus::kLeft, 8, "LEFT", false, true},
  };
  return *cases;
}

TEST(MemberStatusTest, ValuesAreDistinctBits) {
  for (const StatusCase& c : StatusCases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(static_cast<uint8_t>(c.status), c.value);
  }
}

TEST(MemberStatusTest, Names) {
  for (const StatusCase& c : StatusCases()) {
    EXPECT_EQ(MemberStatusName(c.status), c.name);
  }
  EXPECT_EQ(MemberStatusName(static_cast<MemberStatus>(0)), "INVALID");
  EXPECT_EQ(MemberStatusName(static_cast<MemberStatus>(3)), "INVALID");
  EXPECT_EQ(MemberStatusName(static_cast<MemberStatus>(255)), "INVALID");
}

TEST(MemberStatusTest, MaskMembership) {
  for (const StatusCase& c : StatusCases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(StatusIn(c.status, kAvailable), c.available);
    EXPECT_EQ(StatusIn(c.status, kUnavailable), c.unavailable);
    EXPECT_TRUE(StatusIn(c.status, kAllStatuses));
    EXPECT_FALSE(StatusIn(c.status, StatusMask()));
    // A status is the set of itself, and of no other.
    EXPECT_TRUE(StatusIn(c.status, c.status));
    for (const StatusCase& other : StatusCases()) {
      EXPECT_EQ(StatusMask(c.status).Contains(other.status),
                c.status == other.status);
    }
  }
}

TEST(MemberStatusTest, MasksComposeWithoutCasts) {
  constexpr StatusMask suspect_or_offline =
      MemberStatus::kSuspect | MemberStatus::kOffline;
  static_assert(suspect_or_offline.Contains(MemberStatus::kOffline));
  static_assert(!suspect_or_offline.Contains(MemberStatus::kOnline));
  EXPECT_EQ(kAvailable, MemberStatus::kOnline | MemberStatus::kSuspect);
  EXPECT_EQ(kUnavailable, MemberStatus::kSuspect | MemberStatus::kOffline |
                              MemberStatus::kLeft);
  EXPECT_EQ(kAllStatuses,
            kAvailable | MemberStatus::kOffline | MemberStatus::kLeft);
  EXPECT_EQ(kAvailable & kUnavailable, StatusMask(MemberStatus::kSuspect));
  EXPECT_TRUE(StatusMask().empty());
  EXPECT_FALSE(kAvailable.empty());
  static_assert(StatusIn(MemberStatus::kSuspect, kAvailable));
  static_assert(!StatusIn(MemberStatus::kLeft, kAvailable));
}

TEST(MemberStatusTest, IsMemberStatusForEveryByte) {
  int valid = 0;
  for (int value = 0; value <= 255; ++value) {
    SCOPED_TRACE(value);
    const bool expected = value == 1 || value == 2 || value == 4 || value == 8;
    EXPECT_EQ(IsMemberStatus(static_cast<uint8_t>(value)), expected);
    if (IsMemberStatus(static_cast<uint8_t>(value))) {
      ++valid;
      EXPECT_NE(MemberStatusName(static_cast<MemberStatus>(value)), "INVALID");
    } else {
      EXPECT_EQ(MemberStatusName(static_cast<MemberStatus>(value)), "INVALID");
    }
  }
  EXPECT_EQ(valid, 4);
  static_assert(IsMemberStatus(8));
  static_assert(!IsMemberStatus(3));
}

TEST(IncarnationTest, OrdersByGenerationThenVersion) {
  const std::vector<Incarnation> ascending = {{0, 0}, {0, 1}, {0, UINT64_MAX},
                                              {1, 0}, {1, 5}, {UINT64_MAX, 0}};
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      EXPECT_EQ(ascending[i] < ascending[j], i < j) << i << " " << j;
      EXPECT_EQ(ascending[i] == ascending[j], i == j) << i << " " << j;
    }
  }
}

TEST(IncarnationTest, ToString) {
  EXPECT_EQ(Incarnation().ToString(), "0.0");
  EXPECT_EQ((Incarnation{12, 3}.ToString()), "12.3");
  EXPECT_EQ((Incarnation{UINT64_MAX, 1}.ToString()), "18446744073709551615.1");
}

}  // namespace
}  // namespace swim

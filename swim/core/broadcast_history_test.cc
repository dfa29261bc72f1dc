#include "swim/core/broadcast_history.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace swim {
namespace {

using Verdict = BroadcastHistory::Verdict;
constexpr uint64_t kWindow = BroadcastHistory::kWindow;

TEST(BroadcastHistoryTest, EachBroadcastIsNewOnce) {
  BroadcastHistory history(10);
  EXPECT_EQ(history.Accept("a", 5, 1), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 5, 1), Verdict::kDuplicate);
  EXPECT_EQ(history.Accept("a", 5, 2), Verdict::kNew);
  EXPECT_EQ(history.Accept("b", 5, 1), Verdict::kNew);  // another origin
  EXPECT_EQ(history.Accept("a", 5, 2), Verdict::kDuplicate);
  EXPECT_EQ(history.size(), 2u);
}

TEST(BroadcastHistoryTest, OutOfOrderArrivalsWithinTheWindowAreNew) {
  BroadcastHistory history(10);
  EXPECT_EQ(history.Accept("a", 5, 2000), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 5, 1998), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 5, 1999), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 5, 1998), Verdict::kDuplicate);
  EXPECT_EQ(history.Accept("a", 5, 2001), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 5, 1999), Verdict::kDuplicate);
  // The oldest the window still holds, and one below it.
  EXPECT_EQ(history.Accept("a", 5, 2001 - (kWindow - 1)), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 5, 2001 - (kWindow - 1)), Verdict::kDuplicate);
  EXPECT_EQ(history.Accept("a", 5, 2001 - kWindow), Verdict::kTooOld);
  // A jump beyond the window forgets what it held.
  EXPECT_EQ(history.Accept("a", 5, 2001 + 5 * kWindow), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 5, 2001), Verdict::kTooOld);
}

// The attack: replay one broadcast after thousands of others, from many
// origins and from its own. It is still recognised.
TEST(BroadcastHistoryTest, AReplayIsRecognisedAfterAnyNumberOfOthers) {
  BroadcastHistory history(1000);
  EXPECT_EQ(history.Accept("victim", 7, 1), Verdict::kNew);
  for (int i = 0; i < 900; ++i) {
    for (uint64_t seq = 1; seq <= 20; ++seq) {
      history.Accept(absl::StrCat("other-", i), 1, seq);
    }
  }
  EXPECT_EQ(history.Accept("victim", 7, 1), Verdict::kDuplicate);
  for (uint64_t seq = 2; seq <= 100000; ++seq) history.Accept("victim", 7, seq);
  EXPECT_EQ(history.Accept("victim", 7, 1), Verdict::kTooOld);
  EXPECT_EQ(history.Accept("victim", 7, 99999), Verdict::kDuplicate);
}

TEST(BroadcastHistoryTest, ALaterLifeStartsAfreshAndAnEarlierOneIsOld) {
  BroadcastHistory history(10);
  EXPECT_EQ(history.Accept("a", 5, 40), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 6, 1), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 5, 41), Verdict::kOldLife);
  EXPECT_EQ(history.Accept("a", 6, 1), Verdict::kDuplicate);
  EXPECT_EQ(history.Accept("a", 6, 2), Verdict::kNew);
}

TEST(BroadcastHistoryTest, AdoptingAFloorMakesEverythingUpToItSeen) {
  BroadcastHistory history(10);
  EXPECT_TRUE(history.Adopt("a", 5, 30));
  EXPECT_EQ(history.Accept("a", 5, 30), Verdict::kDuplicate);
  EXPECT_EQ(history.Accept("a", 5, 1), Verdict::kDuplicate);
  EXPECT_EQ(history.Accept("a", 5, 31), Verdict::kNew);
  EXPECT_FALSE(history.Adopt("a", 5, 31));  // nothing new
  // A floor above what is held moves it up ...
  EXPECT_TRUE(history.Adopt("a", 5, 1000));
  EXPECT_EQ(history.Accept("a", 5, 500), Verdict::kDuplicate);
  EXPECT_EQ(history.Accept("a", 5, 1001), Verdict::kNew);
  // ... one below fills in the window (a broadcast that arrived before the
  // floor, out of order, does not open the door to older replays).
  EXPECT_EQ(history.Accept("b", 1, 40), Verdict::kNew);
  EXPECT_TRUE(history.Adopt("b", 1, 30));
  EXPECT_EQ(history.Accept("b", 1, 12), Verdict::kDuplicate);
  EXPECT_EQ(history.Accept("b", 1, 35), Verdict::kNew);
  // An earlier life's floor changes nothing.
  EXPECT_FALSE(history.Adopt("b", 0, 100));
  EXPECT_EQ(history.Accept("b", 1, 41), Verdict::kNew);
}

TEST(BroadcastHistoryTest, TheNumberOfOriginsIsBounded) {
  BroadcastHistory history(2);
  EXPECT_EQ(history.Accept("a", 1, 1), Verdict::kNew);
  EXPECT_EQ(history.Accept("b", 1, 1), Verdict::kNew);
  EXPECT_EQ(history.Accept("c", 1, 1), Verdict::kFull);
  EXPECT_FALSE(history.Adopt("c", 1, 1));
  EXPECT_EQ(history.size(), 2u);
  history.Forget("a");
  EXPECT_EQ(history.Accept("c", 1, 1), Verdict::kNew);
  EXPECT_EQ(history.Accept("a", 1, 1), Verdict::kFull);  // forgotten: full
}

TEST(BroadcastHistoryTest, ForEachReportsTheHighestOfEachOrigin) {
  BroadcastHistory history(10);
  history.Accept("a", 5, 3);
  history.Accept("a", 5, 9);
  history.Accept("a", 5, 4);
  history.Adopt("b", 2, 70);
  int visited = 0;
  history.ForEach(
      [&](absl::string_view origin, uint64_t generation, uint64_t highest) {
        ++visited;
        if (origin == "a") {
          EXPECT_EQ(generation, 5u);
          EXPECT_EQ(highest, 9u);
        } else {
          EXPECT_EQ(origin, "b");
          EXPECT_EQ(generation, 2u);
          EXPECT_EQ(highest, 70u);
        }
      });
  EXPECT_EQ(visited, 2);
}

}  // namespace
}  // namespace swim

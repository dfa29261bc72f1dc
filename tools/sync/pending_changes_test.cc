#include "tools/sync/pending_changes.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace swim::tools {
namespace {

constexpr MemberStatus kStatuses[] = {
    MemberStatus::kOnline, MemberStatus::kSuspect, MemberStatus::kOffline};

MemberChange Change(const std::string& name, MemberStatus status,
                    Metadata metadata, bool reaped = false) {
  MemberChange change;
  change.reaped = reaped;
  change.member.name = name;
  change.member.status = status;
  change.member.metadata = std::move(metadata);
  return change;
}

// Change number `i` of a stream that cycles through `names`, each change a
// new status and token.
MemberChange Nth(const std::vector<std::string>& names, int i) {
  return Change(
      names[i % names.size()], kStatuses[i % 3],
      {{"token", absl::StrCat(i)}, {"name", names[i % names.size()]}});
}

std::vector<MemberChange> TakeAll(PendingChanges& pending) {
  std::vector<MemberChange> taken;
  while (std::optional<MemberChange> change = pending.Take()) {
    taken.push_back(*std::move(change));
  }
  return taken;
}

const std::vector<std::string> kNames = {"10.0.0.1:7946", "10.0.0.2:7946",
                                         "10.0.0.3:7946", "10.0.0.4:7946"};
constexpr int kChanges = 200000;

TEST(PendingChangesTest, KeepsOnlyTheLatestChangeOfEachMember) {
  PendingChanges pending(/*max_members=*/100);
  for (int i = 0; i < kChanges; ++i) EXPECT_TRUE(pending.Add(Nth(kNames, i)));
  EXPECT_EQ(pending.size(), kNames.size());
  EXPECT_EQ(pending.replaced(), kChanges - kNames.size());
  EXPECT_EQ(pending.dropped(), 0u);

  const std::vector<MemberChange> taken = TakeAll(pending);
  ASSERT_EQ(taken.size(), kNames.size());
  for (size_t m = 0; m < kNames.size(); ++m) {
    // In the order the members first changed, each in its latest state.
    const int last =
        kChanges - static_cast<int>(kNames.size()) + static_cast<int>(m);
    const MemberChange expected = Nth(kNames, last);
    EXPECT_EQ(taken[m].member, expected.member) << kNames[m];
    EXPECT_FALSE(taken[m].reaped);
  }
  EXPECT_TRUE(pending.empty());
  EXPECT_FALSE(pending.Take().has_value());
}

TEST(PendingChangesTest, ReapedIsAStateLikeAnyOther) {
  PendingChanges pending(/*max_members=*/100);
  pending.Add(Change("a", MemberStatus::kOffline, {}));
  pending.Add(Change("a", MemberStatus::kOffline, {}, /*reaped=*/true));
  pending.Add(Change("b", MemberStatus::kLeft, {}, /*reaped=*/true));
  pending.Add(Change("b", MemberStatus::kOnline, {{"back", "yes"}}));
  const std::vector<MemberChange> taken = TakeAll(pending);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].member.name, "a");
  EXPECT_TRUE(taken[0].reaped);
  EXPECT_EQ(taken[1].member.name, "b");
  EXPECT_FALSE(taken[1].reaped);
  EXPECT_EQ(taken[1].member.metadata.at("back"), "yes");
}

TEST(PendingChangesTest, AMemberTakenQueuesAgainAtTheBack) {
  PendingChanges pending(/*max_members=*/100);
  pending.Add(Change("a", MemberStatus::kOnline, {}));
  pending.Add(Change("b", MemberStatus::kOnline, {}));
  ASSERT_EQ(pending.Take()->member.name, "a");
  pending.Add(Change("a", MemberStatus::kSuspect, {}));
  pending.Add(Change("b", MemberStatus::kSuspect, {}));
  const std::vector<MemberChange> taken = TakeAll(pending);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].member.name, "b");
  EXPECT_EQ(taken[0].member.status, MemberStatus::kSuspect);
  EXPECT_EQ(taken[1].member.name, "a");
}

TEST(PendingChangesTest, DropsOnlyNewMembersBeyondTheBound) {
  PendingChanges pending(/*max_members=*/2);
  EXPECT_TRUE(pending.Add(Change("a", MemberStatus::kOnline, {})));
  EXPECT_TRUE(pending.Add(Change("b", MemberStatus::kOnline, {})));
  EXPECT_FALSE(pending.Add(Change("c", MemberStatus::kOnline, {})));
  EXPECT_FALSE(pending.Add(Change("d", MemberStatus::kOnline, {})));
  // Members already waiting still take their latest state.
  EXPECT_TRUE(pending.Add(Change("a", MemberStatus::kSuspect, {})));
  EXPECT_EQ(pending.dropped(), 2u);
  EXPECT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending.Take()->member.status, MemberStatus::kSuspect);
  // Room again.
  EXPECT_TRUE(pending.Add(Change("c", MemberStatus::kOnline, {})));
}

}  // namespace
}  // namespace swim::tools

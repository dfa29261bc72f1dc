// A member in another process is killed with SIGKILL (no leave, sockets
// gone at once): every other member declares it OFFLINE. Restarted under
// the same name and port, it comes back ONLINE everywhere with the
// metadata of its new life.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "swim/drivers/testing/child_member.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/membership_view.h"
#include "swim/drivers/testing/running_member.h"

namespace swim::drivertest {
namespace {

constexpr absl::Duration kBound = absl::Seconds(30);

TEST(MemberRestartTest, KilledMemberGoesOfflineAndComesBackWithItsMetadata) {
  MembershipView view;
  std::vector<std::unique_ptr<RunningMember>> members;
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<RunningMember>> member = StartMember(
        i == 1 ? DriverKind::kAsio : DriverKind::kEpoll,
        FastConfig(absl::StrCat("m", i)), FastDriverOptions(), &view);
    ASSERT_TRUE(member.ok()) << member.status();
    if (i > 0) (*member)->driver().Join({members[0]->address()});
    names.push_back((*member)->name());
    members.push_back(*std::move(member));
  }
  ASSERT_TRUE(view.AwaitConverged(names, kBound)) << view.Describe();

  ChildMember first_life;
  ASSERT_TRUE(first_life
                  .Start({"child", "127.0.0.1:0", members[0]->address(),
                          "role=cache", "life=1"})
                  .ok());
  ASSERT_TRUE(view.AwaitMetadata(names, "child", "life", "1", kBound))
      << view.Describe();

  first_life.Kill();
  EXPECT_TRUE(
      view.AwaitStatus(names, {"child"}, MemberStatus::kOffline, kBound))
      << view.Describe();

  ChildMember second_life;
  ASSERT_TRUE(
      second_life
          .Start({"child", absl::StrCat("127.0.0.1:", first_life.port()),
                  members[0]->address(), "role=cache", "life=2"})
          .ok());
  EXPECT_EQ(second_life.port(), first_life.port());
  EXPECT_TRUE(view.AwaitMetadata(names, "child", "life", "2", kBound))
      << view.Describe();
  for (const std::string& name : names) {
    EXPECT_EQ(view.MetadataOf(name, "child")->at("role"), "cache");
  }
}

}  // namespace
}  // namespace swim::drivertest

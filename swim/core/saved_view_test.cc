#include "swim/core/saved_view.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/member.h"

namespace swim {
namespace {

Member Online(const std::string& name, uint16_t port, Metadata metadata = {}) {
  Member member;
  member.name = name;
  member.address = Address::Ipv4({10, 0, 0, 1}, port);
  member.status = MemberStatus::kOnline;
  member.incarnation = {uint64_t{1'700'000'000'000'000} + port, 3};
  member.metadata = std::move(metadata);
  return member;
}

SavedView Example() {
  SavedView view;
  view.name = "node-0";
  view.saved_at = absl::FromUnixSeconds(1'800'000'000) + absl::Nanoseconds(7);
  view.members.push_back(Online("node-1", 7001, {{"role", "db"}}));
  view.members.push_back(Online("node-2", 7002));
  Member v6 = Online("node-3", 7003, {{"zone", std::string("a\0b", 3)}});
  v6.address = *Address::Parse("[2001:db8::1]:7003");
  view.members.push_back(v6);
  return view;
}

TEST(SavedViewTest, RoundTrips) {
  const SavedView view = Example();
  absl::StatusOr<std::string> bytes = EncodeSavedView(view);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<SavedView> decoded = DecodeSavedView(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->name, view.name);
  EXPECT_EQ(decoded->saved_at, view.saved_at);
  ASSERT_EQ(decoded->members.size(), view.members.size());
  for (size_t i = 0; i < view.members.size(); ++i) {
    EXPECT_EQ(decoded->members[i], view.members[i]) << i;
  }
}

TEST(SavedViewTest, EmptyViewRoundTrips) {
  SavedView view;
  view.name = "alone";
  absl::StatusOr<std::string> bytes = EncodeSavedView(view);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<SavedView> decoded = DecodeSavedView(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->name, "alone");
  EXPECT_TRUE(decoded->members.empty());
}

TEST(SavedViewTest, RefusesToSaveMembersThatAreNotOnline) {
  SavedView view = Example();
  view.members[1].status = MemberStatus::kOffline;
  absl::StatusOr<std::string> bytes = EncodeSavedView(view);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bytes.status().message().find("node-2"), absl::string_view::npos)
      << bytes.status();
}

TEST(SavedViewTest, RefusesNamesTheWireCannotCarry) {
  SavedView view = Example();
  view.members[0].name = std::string(256, 'x');
  EXPECT_EQ(EncodeSavedView(view).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SavedViewTest, EveryTruncationIsAnError) {
  absl::StatusOr<std::string> bytes = EncodeSavedView(Example());
  ASSERT_TRUE(bytes.ok());
  for (size_t size = 0; size < bytes->size(); ++size) {
    EXPECT_FALSE(DecodeSavedView(bytes->substr(0, size)).ok()) << size;
  }
  EXPECT_FALSE(DecodeSavedView(*bytes + "x").ok());
}

TEST(SavedViewTest, EveryFlippedBitIsAnError) {
  absl::StatusOr<std::string> bytes = EncodeSavedView(Example());
  ASSERT_TRUE(bytes.ok());
  for (size_t i = 0; i < bytes->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = *bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      EXPECT_FALSE(DecodeSavedView(damaged).ok()) << i << " bit " << bit;
    }
  }
}

TEST(SavedViewTest, ErrorsSayWhatIsWrong) {
  absl::StatusOr<std::string> bytes = EncodeSavedView(Example());
  ASSERT_TRUE(bytes.ok());
  EXPECT_NE(DecodeSavedView("hello").status().message().find("not a saved"),
            absl::string_view::npos);
  std::string other_version = *bytes;
  other_version[8] = 2;
  EXPECT_NE(DecodeSavedView(other_version)
                .status()
                .message()
                .find("format version 2"),
            absl::string_view::npos);
  std::string corrupt = *bytes;
  corrupt[corrupt.size() / 2] ^= 1;
  EXPECT_EQ(DecodeSavedView(corrupt).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SavedViewTest, TheFileIsItsBodyFramed) {
  const SavedView view = Example();
  absl::StatusOr<std::string> bytes = EncodeSavedView(view);
  ASSERT_TRUE(bytes.ok());
  // 8 magic bytes, the version, 8 of time, 4 of length; 16 of checksum.
  const std::string body = bytes->substr(21, bytes->size() - 37);
  EXPECT_EQ(saved_view_internal::Frame(view.saved_at, body), *bytes);
  // A body the decoder refuses even with a good checksum: not a state.
  EXPECT_FALSE(
      DecodeSavedView(saved_view_internal::Frame(view.saved_at, "SW")).ok());
}

}  // namespace
}  // namespace swim

#include "tools/member_table.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace swim::tools {
namespace {

using ::testing::HasSubstr;

Member MakeMember(const std::string& name, MemberStatus status,
                  absl::Time last_change, Metadata metadata = {}) {
  Member member;
  member.name = name;
  member.status = status;
  member.incarnation = {1000, 3};
  member.last_change = last_change;
  member.metadata = std::move(metadata);
  return member;
}

MemberView View() {
  const absl::Time now = absl::FromUnixSeconds(1000);
  MemberView view;
  view.now = now;
  view.local = MakeMember("127.0.0.1:7946", MemberStatus::kOnline,
                          now - absl::Seconds(90), {{"name", "one"}});
  view.members = {
      MakeMember("127.0.0.1:7947", MemberStatus::kSuspect,
                 now - absl::Seconds(4), {{"name", "two"}, {"token", "abc"}}),
      MakeMember("127.0.0.1:7948", MemberStatus::kOffline,
                 now - absl::Seconds(3700)),
      MakeMember("127.0.0.1:7949", MemberStatus::kLeft, now,
                 {{"evil", "\x1b[2Jgone"}}),
  };
  view.stats.probes = 12;
  view.stats.probes_acked = 11;
  view.stats.datagrams_sent = 123456;
  return view;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST(MemberTableTest, PlainTableShowsEveryColumn) {
  const std::vector<std::string> lines =
      RenderMemberTable(View(), 120, 40, /*color=*/false, "Ctrl-C: leave");
  const std::string text = Joined(lines);
  EXPECT_THAT(text, HasSubstr("4 members, 2 available"));
  EXPECT_THAT(lines[2], HasSubstr("> 127.0.0.1:7946"));
  EXPECT_THAT(lines[2], HasSubstr("ONLINE"));
  EXPECT_THAT(lines[2], HasSubstr("1000.3"));
  EXPECT_THAT(lines[2], HasSubstr("1m30s"));
  EXPECT_THAT(lines[2], HasSubstr("name=one"));
  EXPECT_THAT(lines[3], HasSubstr("SUSPECT"));
  EXPECT_THAT(lines[3], HasSubstr("name=two token=abc"));
  EXPECT_THAT(lines[4], HasSubstr("OFFLINE"));
  EXPECT_THAT(lines[4], HasSubstr("1h01m"));
  EXPECT_THAT(lines[5], HasSubstr("LEFT"));
  EXPECT_THAT(text, HasSubstr("probes 12 (acked 11"));
  EXPECT_THAT(text, HasSubstr("sent 123.5k datagrams"));
  EXPECT_EQ(lines.back(), "Ctrl-C: leave");
  EXPECT_FALSE(absl::StrContains(text, "\x1b"));
}

TEST(MemberTableTest, MetadataCannotMoveTheCursor) {
  const std::string text =
      Joined(RenderMemberTable(View(), 120, 40, /*color=*/true, ""));
  EXPECT_THAT(text, HasSubstr("evil=?[2Jgone"));
  EXPECT_FALSE(absl::StrContains(text, "\x1b[2J"));
}

TEST(MemberTableTest, ColoursStatuses) {
  const std::string text =
      Joined(RenderMemberTable(View(), 120, 40, /*color=*/true, ""));
  EXPECT_THAT(text, HasSubstr("\x1b[32mONLINE"));
  EXPECT_THAT(text, HasSubstr("\x1b[33mSUSPECT"));
  EXPECT_THAT(text, HasSubstr("\x1b[31mOFFLINE"));
  EXPECT_THAT(text, HasSubstr("\x1b[90mLEFT"));
}

TEST(MemberTableTest, FitsTheTerminal) {
  const std::vector<std::string> narrow =
      RenderMemberTable(View(), 60, 40, /*color=*/false, "");
  for (const std::string& line : narrow) EXPECT_LE(line.size(), 60u) << line;

  // Too short for every member: the rest is counted.
  const std::vector<std::string> short_screen =
      RenderMemberTable(View(), 120, 8, /*color=*/false, "");
  EXPECT_THAT(Joined(short_screen), HasSubstr("... and 2 more"));
}

TEST(MemberTableTest, ShortDuration) {
  EXPECT_EQ(ShortDuration(absl::Seconds(-1)), "0s");
  EXPECT_EQ(ShortDuration(absl::Seconds(59)), "59s");
  EXPECT_EQ(ShortDuration(absl::Seconds(125)), "2m05s");
  EXPECT_EQ(ShortDuration(absl::Hours(2) + absl::Minutes(3)), "2h03m");
  EXPECT_EQ(ShortDuration(absl::Hours(76)), "3d04h");
}

}  // namespace
}  // namespace swim::tools

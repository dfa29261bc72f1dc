#include "tools/demo/member_table.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/common/terminal_text.h"

namespace swim::tools {
namespace {

using ::testing::HasSubstr;

Member MakeMember(const std::string& name, MemberStatus status,
                  Instant last_change, Metadata metadata = {}) {
  Member member;
  member.name = name;
  member.status = status;
  member.incarnation = {1000, 3};
  member.last_change = last_change;
  member.metadata = std::move(metadata);
  return member;
}

MemberView View() {
  const Instant now(absl::Seconds(1000));
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
  EXPECT_THAT(text, HasSubstr("evil=\\x1b[2Jgone"));
  EXPECT_FALSE(absl::StrContains(text, "\x1b[2J"));
}

// Names, keys and values as a hostile member sends them: escape
// sequences, a carriage return, a raw C1 CSI byte and the same as UTF-8,
// a truncated and an impossible UTF-8 sequence.
MemberView HostileView() {
  MemberView view = View();
  view.members = {
      MakeMember("\x1b[2J\x1b]0;x\x07", MemberStatus::kOnline, view.now,
                 {{"\x1b[31mkey",
                   "\rover\x9b"
                   "2Jwritten"}}),
      MakeMember("a\rb\xc2\x9b"
                 "1m",
                 MemberStatus::kSuspect, view.now,
                 {{"bad", "\xe2\x82 \xff\xfe \x7f"}}),
      MakeMember("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", MemberStatus::kOffline,
                 view.now, {{"name", "\xe2\x82\xac\x9b"}}),
  };
  return view;
}

// `text` without the colour sequences the table itself draws.
std::string WithoutOwnColours(std::string text) {
  for (const char* own :
       {"\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[90m"}) {
    absl::StrReplaceAll({{own, ""}}, &text);
  }
  return text;
}

bool IsValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text.substr(i));
    if (length == 0) return false;
    i += length;
  }
  return true;
}

TEST(MemberTableTest, NoControlFromTheNetworkReachesTheScreen) {
  for (const bool color : {false, true}) {
    const std::vector<std::string> lines =
        RenderMemberTable(HostileView(), 200, 40, color, "");
    const std::string text = WithoutOwnColours(Joined(lines));
    SCOPED_TRACE(color ? "colour" : "plain");
    // 0x9B raw, or as the second byte of U+009B.
    for (const char* raw : {"\x1b", "\r", "\x07", "\x7f", "\x9b", "\xff"}) {
      EXPECT_FALSE(absl::StrContains(text, raw)) << absl::CEscape(raw);
    }
    for (const std::string& line : lines) {
      EXPECT_TRUE(IsValidUtf8(line)) << line;
      for (const char c : WithoutOwnColours(line)) {
        EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << line;
      }
    }
    // Shown escaped, readable; valid UTF-8 kept as it is.
    for (const char* shown : {
             "\\x1b[2J\\x1b]0;x\\x07",
             "\\x1b[31mkey=\\x0dover\\x9b2Jwritten",
             "a\\x0db\\u009b1m",
             "bad=\\xe2\\x82 \\xff\\xfe \\x7f",
             "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
             "name=\xe2\x82\xac\\x9b",
         }) {
      EXPECT_THAT(text, HasSubstr(shown));
    }
  }
}

TEST(MemberTableTest, ColumnsAreMeasuredOnWhatIsShown) {
  const std::vector<std::string> lines =
      RenderMemberTable(HostileView(), 80, 40, /*color=*/false, "");
  // Every status starts in the same column, whatever the name held: an
  // escaped byte takes four columns, a wide character two, and é one.
  const int status_column = TerminalColumns(
      absl::string_view(lines[2]).substr(0, lines[2].find("ONLINE ")));
  for (const auto& [line, status] :
       {std::pair{lines[3], "ONLINE "}, std::pair{lines[4], "SUSPECT "},
        std::pair{lines[5], "OFFLINE "}}) {
    ASSERT_NE(line.find(status), std::string::npos) << line;
    EXPECT_EQ(
        TerminalColumns(absl::string_view(line).substr(0, line.find(status))),
        status_column)
        << line;
  }
  for (const std::string& line : lines) {
    EXPECT_LE(TerminalColumns(line), 80) << line;
  }
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

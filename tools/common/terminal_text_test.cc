#include "tools/common/terminal_text.h"

#include <string>

#include "gtest/gtest.h"

namespace swim::tools {
namespace {

TEST(TerminalTextTest, KeepsPrintableText) {
  EXPECT_EQ(TerminalSafe(""), "");
  EXPECT_EQ(TerminalSafe("127.0.0.1:7946 name=one ~"),
            "127.0.0.1:7946 name=one ~");
  // é, €, 日, a fish, and U+00A0 (the first printable after the C1 block).
  const std::string utf8 =
      "caf\xc3\xa9 \xe2\x82\xac \xe6\x97\xa5 \xf0\x9f\x90\x9f \xc2\xa0";
  EXPECT_EQ(TerminalSafe(utf8), utf8);
}

TEST(TerminalTextTest, EscapesControls) {
  EXPECT_EQ(TerminalSafe("\x1b[2J"), "\\x1b[2J");
  EXPECT_EQ(TerminalSafe(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(TerminalSafe("\r\n\t\x07\x1f"), "\\x0d\\x0a\\x09\\x07\\x1f");
  EXPECT_EQ(TerminalSafe("\x7f"), "\\x7f");
  // C1 controls as UTF-8: U+0080, U+009B (CSI), U+009F.
  EXPECT_EQ(TerminalSafe("\xc2\x80\xc2\x9b"
                         "2J\xc2\x9f"),
            "\\u0080\\u009b2J\\u009f");
  // So that an escape always stands for what the input held.
  EXPECT_EQ(TerminalSafe("\\x1b"), "\\\\x1b");
}

TEST(TerminalTextTest, EscapesInvalidUtf8ByteByByte) {
  // A raw C1 byte, a lone continuation byte, a truncated sequence, an
  // overlong form, a surrogate, bytes that never appear in UTF-8, and
  // a code point above U+10FFFF.
  EXPECT_EQ(TerminalSafe("\x9b"
                         "2J"),
            "\\x9b2J");
  EXPECT_EQ(TerminalSafe("a\x80z"), "a\\x80z");
  EXPECT_EQ(TerminalSafe("\xe2\x82z"), "\\xe2\\x82z");
  EXPECT_EQ(TerminalSafe("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(TerminalSafe("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(TerminalSafe("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(TerminalSafe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
  // Valid text after an invalid byte is kept.
  EXPECT_EQ(TerminalSafe("\xe2\xc3\xa9"), "\\xe2\xc3\xa9");
}

TEST(TerminalTextTest, Utf8SequenceLength) {
  EXPECT_EQ(Utf8SequenceLength(""), 0u);
  EXPECT_EQ(Utf8SequenceLength("a"), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xc3\xa9"), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xe2\x82\xac"), 3u);
  EXPECT_EQ(Utf8SequenceLength("\xf0\x9f\x90\x9f"), 4u);
  EXPECT_EQ(Utf8SequenceLength("\xe2\x82"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\x80"), 0u);
}

TEST(TerminalTextTest, Columns) {
  EXPECT_EQ(TerminalColumns(""), 0);
  EXPECT_EQ(TerminalColumns("abc"), 3);
  EXPECT_EQ(TerminalColumns("caf\xc3\xa9"), 4);
  EXPECT_EQ(TerminalColumns("\xe6\x97\xa5\xe6\x9c\xac"), 4);  // 日本
  EXPECT_EQ(TerminalColumns("\xf0\x9f\x90\x9f"), 2);          // a fish
  EXPECT_EQ(TerminalColumns(TerminalSafe("\x1b")), 4);
}

TEST(TerminalTextTest, PrefixNeverSplitsACharacter) {
  EXPECT_EQ(TerminalPrefix("abcdef", 3), "abc");
  EXPECT_EQ(TerminalPrefix("abc", 10), "abc");
  EXPECT_EQ(TerminalPrefix("abc", 0), "");
  EXPECT_EQ(TerminalPrefix("abc", -5), "");
  EXPECT_EQ(TerminalPrefix("caf\xc3\xa9!", 4), "caf\xc3\xa9");
  // 日 takes two columns: in three, only one fits.
  EXPECT_EQ(TerminalPrefix("\xe6\x97\xa5\xe6\x9c\xac", 3), "\xe6\x97\xa5");
}

}  // namespace
}  // namespace swim::tools

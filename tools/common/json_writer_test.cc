#include "tools/common/json_writer.h"

#include <cmath>
#include <optional>

#include "gtest/gtest.h"

namespace swim::tools {
namespace {

TEST(JsonWriterTest, FlatObject) {
  JsonObject json;
  json.Add("s", "text")
      .Add("b", true)
      .Add("i", -3)
      .Add("u", uint64_t{18446744073709551615u})
      .Add("d", 0.1)
      .Add("none", std::optional<double>())
      .Add("nan", std::nan(""))
      .AddNull("null");
  EXPECT_EQ(json.Finish(),
            R"({"s":"text","b":true,"i":-3,"u":18446744073709551615,)"
            R"("d":0.1,"none":null,"nan":null,"null":null})");
}

TEST(JsonWriterTest, NestedObject) {
  JsonObject inner;
  inner.Add("k", "v");
  JsonObject outer;
  outer.Add("a", 1).Add("inner", inner).Add("empty", JsonObject());
  EXPECT_EQ(outer.Finish(), R"({"a":1,"inner":{"k":"v"},"empty":{}})");
}

TEST(JsonWriterTest, EscapesControlCharactersAndQuotes) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
}

TEST(JsonWriterTest, EscapesDeleteAndC1Controls) {
  // DEL, U+009B (CSI on some terminals) and U+0080; U+00A0 is printable.
  EXPECT_EQ(JsonQuote("a\x7f\xc2\x9b[2J\xc2\x80\xc2\xa0"),
            "\"a\\u007f\\u009b[2J\\u0080\xc2\xa0\"");
}

TEST(JsonWriterTest, ValidUtf8PassesThrough) {
  EXPECT_EQ(JsonQuote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9f"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9f\"");
}

TEST(JsonWriterTest, InvalidUtf8BecomesReplacementCharacters) {
  const std::string replacement = "\xef\xbf\xbd";
  // A lone continuation byte, a truncated sequence, an overlong form, a
  // surrogate and a byte that never appears in UTF-8.
  EXPECT_EQ(JsonQuote("a\x80z"), "\"a" + replacement + "z\"");
  EXPECT_EQ(JsonQuote("\xe2\x82"), "\"" + replacement + replacement + "\"");
  EXPECT_EQ(JsonQuote("\xc0\xaf"), "\"" + replacement + replacement + "\"");
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"),
            "\"" + replacement + replacement + replacement + "\"");
  EXPECT_EQ(JsonQuote("\xff"), "\"" + replacement + "\"");
}

TEST(JsonWriterTest, ShortestNumber) {
  EXPECT_EQ(ShortestNumber(2), "2");
  EXPECT_EQ(ShortestNumber(0.1), "0.1");
  EXPECT_EQ(ShortestNumber(1e-7), "1e-07");
}

TEST(JsonWriterTest, ArraysOfStringsAndObjects) {
  JsonArray empty;
  EXPECT_EQ(JsonObject().Add("a", empty).Finish(), R"({"a":[]})");
  JsonArray array;
  array.Add("x\"y").Add(JsonObject().Add("n", 1));
  EXPECT_EQ(JsonObject().Add("a", array).Add("b", true).Finish(),
            R"({"a":["x\"y",{"n":1}],"b":true})");
}

}  // namespace
}  // namespace swim::tools

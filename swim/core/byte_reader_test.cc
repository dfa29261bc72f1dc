#include "swim/core/byte_reader.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/byte_writer.h"

namespace swim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint8_t kGuard = 0xAA;

// Writes `value` with ByteWriter and returns exactly the bytes written.
std::vector<uint8_t> WriteVarint(uint64_t value) {
  std::vector<uint8_t> buffer(16, kGuard);
  ByteWriter writer(absl::MakeSpan(buffer));
  writer.Varint(value);
  EXPECT_TRUE(writer.ok());
  buffer.resize(writer.size());
  return buffer;
}

struct VarintCase {
  uint64_t value;
  std::vector<uint8_t> encoding;
};

TEST(ByteReaderTest, VarintRoundTripsAtBoundaries) {
  const std::vector<VarintCase> cases = {
      {0, {0x00}},
      {1, {0x01}},
      {127, {0x7f}},
      {128, {0x80, 0x01}},
      {300, {0xac, 0x02}},
      {16383, {0xff, 0x7f}},
      {16384, {0x80, 0x80, 0x01}},
      {UINT32_MAX, {0xff, 0xff, 0xff, 0xff, 0x0f}},
      {uint64_t{1} << 32, {0x80, 0x80, 0x80, 0x80, 0x10}},
      {INT64_MAX, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
      {uint64_t{1} << 63,
       {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
      {UINT64_MAX,
       {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
  };
  for (const VarintCase& c : cases) {
    SCOPED_TRACE(c.value);
    EXPECT_EQ(ByteWriter::VarintSize(c.value), c.encoding.size());
    EXPECT_EQ(WriteVarint(c.value), c.encoding);

    ByteReader reader(c.encoding);
    EXPECT_EQ(reader.Varint("value"), c.value);
    EXPECT_TRUE(reader.ok()) << reader.status();
    EXPECT_TRUE(reader.AtEnd());
    EXPECT_EQ(reader.position(), c.encoding.size());
  }
}

TEST(ByteReaderTest, VarintRoundTripsAroundEveryPowerOfTwo) {
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t power = uint64_t{1} << bit;
    for (uint64_t value : {power - 1, power, power + 1}) {
      SCOPED_TRACE(value);
      const std::vector<uint8_t> encoding = WriteVarint(value);
      EXPECT_EQ(encoding.size(), ByteWriter::VarintSize(value));
      ByteReader reader(encoding);
      EXPECT_EQ(reader.Varint("value"), value);
      EXPECT_TRUE(reader.ok()) << reader.status();
      EXPECT_TRUE(reader.AtEnd());
    }
  }
}

TEST(ByteReaderTest, VarintRejectsNonMinimalEncodings) {
  const std::vector<std::vector<uint8_t>> encodings = {
      {0x80, 0x00},
      {0xff, 0x00},
      {0x80, 0x80, 0x00},
      {0x81, 0x80, 0x00},
      {0xff, 0xff, 0xff, 0xff, 0x80, 0x00},
      {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
  };
  for (const std::vector<uint8_t>& encoding : encodings) {
    SCOPED_TRACE(::testing::PrintToString(encoding));
    ByteReader reader(encoding);
    EXPECT_EQ(reader.Varint("field"), 0u);
    EXPECT_FALSE(reader.ok());
    EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(reader.status().message(),
                HasSubstr("non-minimal varint for field at offset 0"));
  }
}

TEST(ByteReaderTest, VarintRejectsOverflowInTenthByte) {
  const std::vector<std::vector<uint8_t>> encodings = {
      // Tenth byte carries more than the top bit.
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
      {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f},
      // Tenth byte has a continuation bit.
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81},
      {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
  };
  for (const std::vector<uint8_t>& encoding : encodings) {
    SCOPED_TRACE(::testing::PrintToString(encoding));
    ByteReader reader(encoding);
    EXPECT_EQ(reader.Varint("field"), 0u);
    EXPECT_FALSE(reader.ok());
    EXPECT_THAT(reader.status().message(),
                HasSubstr("varint for field overflows 64 bits at offset 0"));
  }
}

TEST(ByteReaderTest, VarintTruncated) {
  const std::vector<std::vector<uint8_t>> encodings = {
      {},
      {0x80},
      {0xff, 0xff},
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
  };
  for (const std::vector<uint8_t>& encoding : encodings) {
    SCOPED_TRACE(::testing::PrintToString(encoding));
    ByteReader reader(encoding);
    EXPECT_EQ(reader.Varint("field"), 0u);
    EXPECT_FALSE(reader.ok());
    EXPECT_THAT(reader.status().message(),
                HasSubstr("truncated varint for field at offset 0"));
  }
}

TEST(ByteReaderTest, VarintErrorsReportTheStartOffset) {
  const std::vector<uint8_t> bytes = {0x07, 0x80};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.U8("first"), 7);
  reader.Varint("second");
  EXPECT_THAT(reader.status().message(),
              HasSubstr("truncated varint for second at offset 1"));
}

TEST(ByteReaderTest, VarintEnforcesMaxValue) {
  {
    const std::vector<uint8_t> bytes = WriteVarint(300);
    ByteReader reader(bytes);
    EXPECT_EQ(reader.Varint("field", 300), 300u);
    EXPECT_TRUE(reader.ok()) << reader.status();
  }
  {
    const std::vector<uint8_t> bytes = WriteVarint(301);
    ByteReader reader(bytes);
    EXPECT_EQ(reader.Varint("field", 300), 0u);
    EXPECT_FALSE(reader.ok());
    EXPECT_THAT(reader.status().message(),
                HasSubstr("field is 301, above the limit of 300 (offset 0)"));
  }
  {
    const std::vector<uint8_t> bytes = {0x00, 0x01};
    ByteReader reader(bytes);
    EXPECT_EQ(reader.Varint("zero", 0), 0u);
    EXPECT_TRUE(reader.ok());
    EXPECT_EQ(reader.Varint("one", 0), 0u);
    EXPECT_THAT(reader.status().message(),
                HasSubstr("one is 1, above the limit of 0 (offset 1)"));
  }
  {
    const std::vector<uint8_t> bytes = WriteVarint(uint64_t{1} << 32);
    ByteReader reader(bytes);
    reader.Varint("seq", UINT32_MAX);
    EXPECT_THAT(reader.status().message(),
                HasSubstr("seq is 4294967296, above the limit of 4294967295"));
  }
  {
    const std::vector<uint8_t> bytes = WriteVarint(UINT64_MAX);
    ByteReader reader(bytes);
    EXPECT_EQ(reader.Varint("field", UINT64_MAX), UINT64_MAX);
    EXPECT_TRUE(reader.ok());
  }
}

TEST(ByteReaderTest, ReadsBigEndianIntegers) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03, 0x04,
                                      0x05, 0x06, 0x07, 0xff};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.remaining(), 8u);
  EXPECT_EQ(reader.U8("a"), 0x01);
  EXPECT_EQ(reader.U16("b"), 0x0203);
  EXPECT_EQ(reader.U32("c"), 0x04050607u);
  EXPECT_EQ(reader.position(), 7u);
  EXPECT_EQ(reader.remaining(), 1u);
  EXPECT_FALSE(reader.AtEnd());
  EXPECT_EQ(reader.U8("d"), 0xff);
  EXPECT_TRUE(reader.AtEnd());
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, ReadsMaximalIntegers) {
  const std::vector<uint8_t> bytes(7, 0xff);
  ByteReader reader(bytes);
  EXPECT_EQ(reader.U8("a"), UINT8_MAX);
  EXPECT_EQ(reader.U16("b"), UINT16_MAX);
  EXPECT_EQ(reader.U32("c"), UINT32_MAX);
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, TruncatedU8) {
  ByteReader reader(absl::Span<const uint8_t>{});
  EXPECT_EQ(reader.U8("byte"), 0);
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reader.status().message(),
              HasSubstr("truncated byte: needs 1 bytes at offset 0, 0 remain"));
}

TEST(ByteReaderTest, TruncatedU16) {
  const std::vector<uint8_t> bytes = {0x12};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.U16("port"), 0);
  EXPECT_THAT(reader.status().message(),
              HasSubstr("truncated port: needs 2 bytes at offset 0, 1 remain"));
  EXPECT_EQ(reader.position(), 0u);
}

TEST(ByteReaderTest, TruncatedU32AtEveryLength) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03};
  for (size_t length = 0; length < 4; ++length) {
    SCOPED_TRACE(length);
    ByteReader reader(absl::MakeConstSpan(bytes).first(length));
    EXPECT_EQ(reader.U32("word"), 0u);
    EXPECT_FALSE(reader.ok());
    EXPECT_THAT(reader.status().message(),
                HasSubstr(absl::StrCat("truncated word: needs 4 bytes at "
                                       "offset 0, ",
                                       length, " remain")));
    EXPECT_EQ(reader.position(), 0u);
  }
}

TEST(ByteReaderTest, TruncatedBytes) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03, 0x04, 0x05};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.U8("skip"), 1);
  absl::Span<const uint8_t> span = reader.Bytes(5, "blob");
  EXPECT_TRUE(span.empty());
  EXPECT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(),
              HasSubstr("truncated blob: needs 5 bytes at offset 1, 4 remain"));
  EXPECT_EQ(reader.position(), 1u);
}

TEST(ByteReaderTest, BytesAreViewsIntoTheInput) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03, 0x04, 0x05};
  ByteReader reader(bytes);
  reader.U8("skip");
  absl::Span<const uint8_t> span = reader.Bytes(3, "blob");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(span.data(), bytes.data() + 1);
  EXPECT_THAT(span, ElementsAre(0x02, 0x03, 0x04));
  EXPECT_TRUE(reader.Bytes(0, "nothing").empty());
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.remaining(), 1u);
  EXPECT_EQ(reader.Bytes(1, "last").size(), 1u);
  EXPECT_TRUE(reader.AtEnd());
  // Zero bytes at the end is still fine.
  EXPECT_TRUE(reader.Bytes(0, "nothing").empty());
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, LengthPrefixed) {
  const std::vector<uint8_t> bytes = {0x03, 'a', 'b', 'c', 0x00, 0x01, 'z'};
  ByteReader reader(bytes);
  absl::string_view first = reader.LengthPrefixed("first", 3);
  EXPECT_EQ(first, "abc");
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(first.data()), bytes.data() + 1);
  EXPECT_EQ(reader.LengthPrefixed("empty", 0), "");
  EXPECT_EQ(reader.LengthPrefixed("last", 255), "z");
  EXPECT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE(reader.AtEnd());
}

TEST(ByteReaderTest, LengthPrefixedRejectsLengthAboveLimit) {
  const std::vector<uint8_t> bytes = {0x04, 'a', 'b', 'c', 'd'};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.LengthPrefixed("name", 3), "");
  EXPECT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(),
              HasSubstr("name length is 4, above the limit of 3 (offset 0)"));
}

TEST(ByteReaderTest, LengthPrefixedRejectsLongLengthWithoutTheBytes) {
  // A length near the limit of size_t with no bytes behind it.
  const std::vector<uint8_t> bytes = WriteVarint(UINT64_MAX);
  ByteReader reader(bytes);
  EXPECT_EQ(reader.LengthPrefixed("blob", SIZE_MAX), "");
  EXPECT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(), HasSubstr("truncated blob: needs"));
}

TEST(ByteReaderTest, LengthPrefixedTruncatedBody) {
  const std::vector<uint8_t> bytes = {0x05, 'a', 'b'};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.LengthPrefixed("name", 255), "");
  EXPECT_THAT(reader.status().message(),
              HasSubstr("truncated name: needs 5 bytes at offset 1, 2 remain"));
}

TEST(ByteReaderTest, LengthPrefixedTruncatedLength) {
  const std::vector<uint8_t> bytes = {0x80};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.LengthPrefixed("name", 255), "");
  EXPECT_THAT(reader.status().message(),
              HasSubstr("truncated varint for name length at offset 0"));
}

TEST(ByteReaderTest, LengthPrefixedNonMinimalLength) {
  const std::vector<uint8_t> bytes = {0x81, 0x00, 'a'};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.LengthPrefixed("name", 255), "");
  EXPECT_THAT(reader.status().message(),
              HasSubstr("non-minimal varint for name length at offset 0"));
}

TEST(ByteReaderTest, SinceReturnsTheBytesRead) {
  const std::vector<uint8_t> bytes = {'x', 'h', 'e', 'y'};
  ByteReader reader(bytes);
  reader.U8("skip");
  const size_t start = reader.position();
  EXPECT_EQ(reader.Since(start), "");
  reader.Bytes(3, "word");
  EXPECT_EQ(reader.Since(start), "hey");
  EXPECT_EQ(reader.Since(0), "xhey");
}

TEST(ByteReaderTest, FirstErrorWins) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.U8("a"), 1);
  EXPECT_EQ(reader.Varint("b", 1), 0u);  // 2 is above the limit.
  ASSERT_FALSE(reader.ok());
  const absl::Status first = reader.status();
  EXPECT_THAT(first.message(), HasSubstr("b is 2"));
  const size_t position = reader.position();

  // Every later read fails, returns zero values and does not move on, even
  // though the bytes are there.
  EXPECT_EQ(reader.U8("c"), 0);
  EXPECT_EQ(reader.U16("d"), 0);
  EXPECT_EQ(reader.U32("e"), 0u);
  EXPECT_EQ(reader.Varint("f"), 0u);
  EXPECT_TRUE(reader.Bytes(1, "g").empty());
  EXPECT_EQ(reader.LengthPrefixed("h", 255), "");
  reader.Fail(absl::OutOfRangeError("later"));
  EXPECT_EQ(reader.status(), first);
  EXPECT_EQ(reader.position(), position);
}

TEST(ByteReaderTest, FailRecordsCallerErrorAndStopsReads) {
  const std::vector<uint8_t> bytes = {0x01, 0x02};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.U8("a"), 1);
  reader.Fail(absl::InvalidArgumentError("semantic problem"));
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.U8("b"), 0);
  EXPECT_EQ(reader.status(), absl::InvalidArgumentError("semantic problem"));
  EXPECT_EQ(reader.position(), 1u);
}

TEST(ByteReaderTest, EmptyInput) {
  ByteReader reader(absl::Span<const uint8_t>{});
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.AtEnd());
  EXPECT_EQ(reader.remaining(), 0u);
  EXPECT_EQ(reader.position(), 0u);
}

TEST(ByteWriterTest, WritesBigEndianIntegers) {
  std::vector<uint8_t> buffer(7, kGuard);
  ByteWriter writer(absl::MakeSpan(buffer));
  writer.U8(0x01);
  writer.U16(0x0203);
  writer.U32(0x04050607);
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(writer.size(), 7u);
  EXPECT_EQ(writer.remaining(), 0u);
  EXPECT_THAT(buffer, ElementsAre(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07));
}

TEST(ByteWriterTest, WritesBytesAndLengthPrefixed) {
  std::vector<uint8_t> buffer(8, kGuard);
  ByteWriter writer(absl::MakeSpan(buffer));
  writer.Bytes(absl::string_view("ab"));
  writer.LengthPrefixed("xyz");
  writer.LengthPrefixed("");
  const std::vector<uint8_t> raw = {0x09};
  writer.Bytes(absl::MakeConstSpan(raw));
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(writer.size(), 8u);
  EXPECT_THAT(buffer, ElementsAre('a', 'b', 0x03, 'x', 'y', 'z', 0x00, 0x09));
}

TEST(ByteWriterTest, RoundTripsThroughReader) {
  std::vector<uint8_t> buffer(64, kGuard);
  ByteWriter writer(absl::MakeSpan(buffer));
  writer.U8(0xfe);
  writer.U16(0xbeef);
  writer.U32(0xdeadbeef);
  writer.Varint(uint64_t{1} << 40);
  writer.LengthPrefixed("hello");
  ASSERT_TRUE(writer.ok());

  ByteReader reader(absl::MakeConstSpan(buffer).first(writer.size()));
  EXPECT_EQ(reader.U8("a"), 0xfe);
  EXPECT_EQ(reader.U16("b"), 0xbeef);
  EXPECT_EQ(reader.U32("c"), 0xdeadbeefu);
  EXPECT_EQ(reader.Varint("d"), uint64_t{1} << 40);
  EXPECT_EQ(reader.LengthPrefixed("e", 5), "hello");
  EXPECT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE(reader.AtEnd());
}

// Gives the writer the first `size` bytes of a larger guarded buffer, so a
// write past the writer's end would show up in the guard bytes.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t size) : size_(size), bytes_(size + 8, kGuard) {}
  absl::Span<uint8_t> span() { return absl::MakeSpan(bytes_).first(size_); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  bool GuardIntact() const {
    for (size_t i = size_; i < bytes_.size(); ++i) {
      if (bytes_[i] != kGuard) return false;
    }
    return true;
  }

 private:
  size_t size_;
  std::vector<uint8_t> bytes_;
};

TEST(ByteWriterTest, OverflowSticksAndWritesNothingPastTheEnd) {
  GuardedBuffer buffer(3);
  ByteWriter writer(buffer.span());
  writer.U16(0x0102);
  EXPECT_TRUE(writer.ok());
  writer.U16(0x0304);  // Needs 2, 1 remains.
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(writer.size(), 2u);
  // A write that would fit is ignored once overflowed.
  writer.U8(0x05);
  writer.Varint(0);
  writer.Bytes(absl::string_view(""));
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(writer.size(), 2u);
  EXPECT_EQ(writer.remaining(), 1u);
  std::vector<uint8_t> expected(11, kGuard);
  expected[0] = 0x01;
  expected[1] = 0x02;
  EXPECT_EQ(buffer.bytes(), expected);
}

TEST(ByteWriterTest, EachPrimitiveThatDoesNotFitWritesNothing) {
  struct Case {
    const char* name;
    size_t capacity;
    void (*write)(ByteWriter&);
  };
  const std::vector<Case> cases = {
      {"u8", 0, [](ByteWriter& w) { w.U8(1); }},
      {"u16", 1, [](ByteWriter& w) { w.U16(0x0101); }},
      {"u32", 3, [](ByteWriter& w) { w.U32(0x01010101); }},
      {"varint", 4, [](ByteWriter& w) { w.Varint(UINT32_MAX); }},
      {"varint10", 9, [](ByteWriter& w) { w.Varint(UINT64_MAX); }},
      {"bytes", 2, [](ByteWriter& w) { w.Bytes(absl::string_view("abc")); }},
      {"length_prefix", 0, [](ByteWriter& w) { w.LengthPrefixed(""); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    GuardedBuffer buffer(c.capacity);
    ByteWriter writer(buffer.span());
    c.write(writer);
    EXPECT_FALSE(writer.ok());
    EXPECT_EQ(writer.size(), 0u);
    for (uint8_t byte : buffer.bytes()) EXPECT_EQ(byte, kGuard);
  }
}

TEST(ByteWriterTest, LengthPrefixedBodyThatDoesNotFitStaysInBounds) {
  GuardedBuffer buffer(3);
  ByteWriter writer(buffer.span());
  writer.LengthPrefixed("abcd");
  EXPECT_FALSE(writer.ok());
  EXPECT_LE(writer.size(), 3u);
  EXPECT_TRUE(buffer.GuardIntact());
}

TEST(ByteWriterTest, ExactFit) {
  std::vector<uint8_t> buffer(10, kGuard);
  ByteWriter writer(absl::MakeSpan(buffer));
  writer.Varint(UINT64_MAX);
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(writer.remaining(), 0u);
  writer.Bytes(absl::string_view(""));  // Zero bytes always fit.
  EXPECT_TRUE(writer.ok());
  writer.U8(0);
  EXPECT_FALSE(writer.ok());
}

TEST(ByteWriterTest, VarintSize) {
  EXPECT_EQ(ByteWriter::VarintSize(0), 1u);
  EXPECT_EQ(ByteWriter::VarintSize(127), 1u);
  EXPECT_EQ(ByteWriter::VarintSize(128), 2u);
  EXPECT_EQ(ByteWriter::VarintSize(16383), 2u);
  EXPECT_EQ(ByteWriter::VarintSize(16384), 3u);
  EXPECT_EQ(ByteWriter::VarintSize(UINT32_MAX), 5u);
  EXPECT_EQ(ByteWriter::VarintSize(uint64_t{1} << 63), 10u);
  EXPECT_EQ(ByteWriter::VarintSize(UINT64_MAX), 10u);
  static_assert(ByteWriter::VarintSize(300) == 2);
}

}  // namespace
}  // namespace swim

#include "swim/core/metadata.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/byte_reader.h"

namespace swim {
namespace {

using ::testing::HasSubstr;

// Builds a std::string from bytes, which may contain NULs.
std::string Bytes(std::initializer_list<uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

std::string MustEncode(const Metadata& metadata) {
  absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  return encoded.ok() ? *encoded : std::string();
}

TEST(EncodeMetadataTest, EmptyMapIsOneZeroByte) {
  EXPECT_EQ(MustEncode({}), std::string(1, '\0'));
}

TEST(EncodeMetadataTest, CanonicalAndSorted) {
  Metadata metadata;
  metadata["zone"] = "b";
  metadata["a"] = "1";
  metadata["rack"] = "";
  EXPECT_EQ(MustEncode(metadata),
            Bytes({0x03,                            // count
                   0x01, 'a', 0x01, '1',            // a=1
                   0x04, 'r', 'a', 'c', 'k', 0x00,  // rack=
                   0x04, 'z', 'o', 'n', 'e', 0x01, 'b'}));
}

TEST(EncodeMetadataTest, SameMapSameBytesWhateverTheInsertionOrder) {
  Metadata forward;
  Metadata backward;
  for (int i = 0; i < 50; ++i) {
    forward[std::string(1, static_cast<char>('A' + i))] = std::to_string(i);
    backward[std::string(1, static_cast<char>('A' + 49 - i))] =
        std::to_string(49 - i);
  }
  EXPECT_EQ(MustEncode(forward), MustEncode(backward));
}

TEST(EncodeMetadataTest, KeysSortAsUnsignedBytes) {
  Metadata metadata;
  metadata["\x80"] = "high";
  metadata["a"] = "low";
  metadata["ab"] = "longer";
  const std::string encoded = MustEncode(metadata);
  EXPECT_EQ(encoded, Bytes({0x03, 0x01, 'a',  0x03, 'l', 'o', 'w', 0x02,
                            'a',  'b',  0x06, 'l',  'o', 'n', 'g', 'e',
                            'r',  0x01, 0x80, 0x04, 'h', 'i', 'g', 'h'}));
  // The decoder agrees with the encoder's order.
  absl::StatusOr<MetadataView> view = MetadataView::Parse(encoded);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->ToMap(), metadata);
}

TEST(EncodeMetadataTest, BinaryValues) {
  Metadata metadata;
  metadata["k"] = std::string("\0\xff\0", 3);
  const std::string encoded = MustEncode(metadata);
  EXPECT_EQ(encoded, Bytes({0x01, 0x01, 'k', 0x03, 0x00, 0xff, 0x00}));
  absl::StatusOr<MetadataView> view = MetadataView::Parse(encoded);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->ToMap(), metadata);
}

TEST(EncodeMetadataTest, KeyOf255BytesIsAccepted) {
  Metadata metadata;
  metadata[std::string(255, 'k')] = "v";
  const std::string encoded = MustEncode(metadata);
  // count, 2-byte length (0xff 0x01), key, value length, value.
  ASSERT_EQ(encoded.size(), 1u + 2u + 255u + 1u + 1u);
  EXPECT_EQ(encoded.substr(0, 3), Bytes({0x01, 0xff, 0x01}));
  absl::StatusOr<MetadataView> view = MetadataView::Parse(encoded);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->ToMap(), metadata);
}

TEST(EncodeMetadataTest, RejectsEmptyKey) {
  Metadata metadata;
  metadata["ok"] = "1";
  metadata[""] = "x";
  absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(encoded.status().message(),
              HasSubstr("metadata key \"\" must be 1-255 bytes, is 0"));
}

TEST(EncodeMetadataTest, RejectsKeyOf256Bytes) {
  Metadata metadata;
  metadata[std::string(256, 'k')] = "v";
  absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(encoded.status().message(),
              HasSubstr("must be 1-255 bytes, is 256"));
  // The key in the message is cut to 40 bytes.
  EXPECT_THAT(encoded.status().message(),
              HasSubstr(absl::StrCat("\"", std::string(40, 'k'), "\"")));
}

TEST(EncodeMetadataTest, TotalSizeLimit) {
  // One entry "k": count (1) + key length (1) + key (1) + value length (3,
  // for lengths of 16384 and up) + value.
  constexpr size_t kOverhead = 6;
  {
    Metadata metadata;
    metadata["k"] = std::string(kMaxMetadataEncodedSize - kOverhead, 'v');
    const std::string encoded = MustEncode(metadata);
    EXPECT_EQ(encoded.size(), kMaxMetadataEncodedSize);
    absl::StatusOr<MetadataView> view = MetadataView::Parse(encoded);
    ASSERT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->ToMap(), metadata);
  }
  {
    Metadata metadata;
    metadata["k"] = std::string(kMaxMetadataEncodedSize - kOverhead + 1, 'v');
    absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
    ASSERT_FALSE(encoded.ok());
    EXPECT_EQ(encoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(
        encoded.status().message(),
        HasSubstr("metadata exceeds 65535 encoded bytes (at key \"k\")"));
  }
}

TEST(EncodeMetadataTest, TotalSizeLimitAcrossManyEntries) {
  Metadata metadata;
  // Each entry: 1 + 2 + 2 + 1000 = 1005 bytes; 66 of them exceed 65535.
  for (int i = 0; i < 66; ++i) {
    metadata[absl::StrCat(10 + i)] = std::string(1000, 'v');
  }
  absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
  ASSERT_FALSE(encoded.ok());
  EXPECT_THAT(encoded.status().message(), HasSubstr("metadata exceeds 65535"));
  metadata.erase(metadata.begin());
  EXPECT_TRUE(EncodeMetadata(metadata).ok());
}

TEST(MetadataViewTest, DefaultIsEmpty) {
  const MetadataView view;
  EXPECT_TRUE(view.empty());
  EXPECT_EQ(view.size(), 0u);
  EXPECT_EQ(view.encoded(), std::string(1, '\0'));
  EXPECT_TRUE(view.begin() == view.end());
  EXPECT_TRUE(view.ToMap().empty());
}

TEST(MetadataViewTest, ParseRoundTrip) {
  Metadata metadata;
  metadata["dc"] = "eu-west";
  metadata["role"] = "db";
  metadata["version"] = std::string(300, 'x');
  const std::string encoded = MustEncode(metadata);
  absl::StatusOr<MetadataView> view = MetadataView::Parse(encoded);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->size(), 3u);
  EXPECT_FALSE(view->empty());
  EXPECT_EQ(view->encoded(), encoded);
  // A view, not a copy.
  EXPECT_EQ(view->encoded().data(), encoded.data());
  EXPECT_EQ(view->ToMap(), metadata);
}

TEST(MetadataViewTest, ParseEmptyEncoding) {
  absl::StatusOr<MetadataView> view =
      MetadataView::Parse(absl::string_view("\0", 1));
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_TRUE(view->empty());
  EXPECT_EQ(*view, MetadataView());
}

TEST(MetadataViewTest, IterationIsInKeyOrder) {
  Metadata metadata;
  metadata["c"] = "3";
  metadata["a"] = "1";
  metadata["b"] = "";
  const std::string encoded = MustEncode(metadata);
  absl::StatusOr<MetadataView> view = MetadataView::Parse(encoded);
  ASSERT_TRUE(view.ok()) << view.status();

  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& [key, value] : *view) {
    // Entries point into the encoding.
    EXPECT_GE(key.data(), encoded.data());
    EXPECT_LE(key.data() + key.size(), encoded.data() + encoded.size());
    entries.emplace_back(std::string(key), std::string(value));
  }
  EXPECT_EQ(entries, (std::vector<std::pair<std::string, std::string>>{
                         {"a", "1"}, {"b", ""}, {"c", "3"}}));
  EXPECT_EQ(std::distance(view->begin(), view->end()), 3);

  MetadataView::Iterator it = view->begin();
  EXPECT_EQ(it->first, "a");
  EXPECT_EQ((*it).second, "1");
  ++it;
  EXPECT_EQ(it->first, "b");
  ++it;
  EXPECT_EQ(it->first, "c");
  ++it;
  EXPECT_TRUE(it == view->end());
}

TEST(MetadataViewTest, EqualityIsValueEquality) {
  Metadata metadata;
  metadata["a"] = "1";
  metadata["b"] = "2";
  const std::string first = MustEncode(metadata);
  const std::string second = MustEncode(metadata);
  ASSERT_NE(first.data(), second.data());
  absl::StatusOr<MetadataView> a = MetadataView::Parse(first);
  absl::StatusOr<MetadataView> b = MetadataView::Parse(second);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b);

  metadata["b"] = "3";
  const std::string changed_value = MustEncode(metadata);
  absl::StatusOr<MetadataView> c = MetadataView::Parse(changed_value);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(*a == *c);

  EXPECT_FALSE(*a == MetadataView());
  const std::string empty = MustEncode({});
  absl::StatusOr<MetadataView> d = MetadataView::Parse(empty);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d == MetadataView());
}

TEST(MetadataViewTest, ReadConsumesExactlyOneEncoding) {
  Metadata metadata;
  metadata["k"] = "v";
  const std::string encoded = MustEncode(metadata) + "tail";
  ByteReader reader(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size()));
  const MetadataView view = MetadataView::Read(reader);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(view.ToMap(), metadata);
  EXPECT_EQ(reader.position(), 5u);
  EXPECT_EQ(reader.remaining(), 4u);
}

TEST(MetadataViewTest, ReadFailureLeavesEmptyViewAndFailedReader) {
  const std::string encoded = Bytes({0x01, 0x01, 'k', 0x05, 'v'});
  ByteReader reader(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size()));
  const MetadataView view = MetadataView::Read(reader);
  EXPECT_FALSE(reader.ok());
  EXPECT_TRUE(view == MetadataView());
}

struct RejectCase {
  const char* name;
  std::string encoded;
  const char* error;
};

TEST(MetadataViewTest, ParseRejects) {
  std::string oversize = Bytes({0x01, 0x01, 'k', 0xfa, 0xff, 0x03});
  // Value length 65530: 6 + 65530 = 65536 bytes in all.
  oversize += std::string(65530, 'v');
  const std::vector<RejectCase> cases = {
      {"no bytes", "", "truncated varint for metadata count"},
      {"unsorted", Bytes({0x02, 0x01, 'b', 0x00, 0x01, 'a', 0x00}),
       "not strictly ascending"},
      {"unsorted prefix", Bytes({0x02, 0x02, 'a', 'b', 0x00, 0x01, 'a', 0x00}),
       "not strictly ascending"},
      {"unsorted unsigned", Bytes({0x02, 0x01, 0x80, 0x00, 0x01, 'a', 0x00}),
       "not strictly ascending"},
      {"duplicate", Bytes({0x02, 0x01, 'a', 0x00, 0x01, 'a', 0x01, 'x'}),
       "not strictly ascending"},
      {"empty key", Bytes({0x01, 0x00, 0x00}), "empty metadata key"},
      {"empty second key", Bytes({0x02, 0x01, 'a', 0x00, 0x00, 0x00}),
       "empty metadata key"},
      {"trailing bytes", Bytes({0x00, 0x00}),
       "1 trailing bytes after metadata"},
      {"trailing after entry", Bytes({0x01, 0x01, 'a', 0x00, 0x07, 0x07}),
       "2 trailing bytes after metadata"},
      {"truncated value", Bytes({0x01, 0x01, 'a', 0x05, 'a', 'b'}),
       "truncated metadata value"},
      {"non-minimal value length", Bytes({0x01, 0x01, 'a', 0x80, 0x00}),
       "non-minimal varint for metadata value length"},
      {"missing value", Bytes({0x01, 0x02, 'a', 'b'}),
       "truncated varint for metadata value length"},
      {"truncated key", Bytes({0x01, 0x05, 'a', 'b'}),
       "truncated metadata key"},
      {"key too long", Bytes({0x01, 0x80, 0x02, 'a', 'b', 'c'}),
       "metadata key length is 256, above the limit of 255"},
      {"count beyond bytes", Bytes({0x05, 0x01, 'a', 0x00}),
       "metadata count is 5, above the limit of 1"},
      {"count with no bytes", Bytes({0x01}),
       "metadata count is 1, above the limit of 0"},
      {"huge count", Bytes({0xc0, 0x84, 0x3d, 0x01, 'a', 0x00}),
       "metadata count is 1000000, above the limit of 2"},
      {"non-minimal count", Bytes({0x80, 0x00}),
       "non-minimal varint for metadata count"},
      {"oversize", oversize,
       "metadata is 65536 bytes, above the limit of 65535"},
  };
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<MetadataView> view = MetadataView::Parse(c.encoded);
    ASSERT_FALSE(view.ok());
    EXPECT_EQ(view.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(view.status().message(), HasSubstr(c.error));
  }
}

TEST(MetadataViewTest, EveryStrictPrefixIsRejected) {
  Metadata metadata;
  metadata["alpha"] = "1";
  metadata["beta"] = std::string(200, 'b');
  metadata["gamma"] = "";
  const std::string encoded = MustEncode(metadata);
  for (size_t length = 0; length < encoded.size(); ++length) {
    SCOPED_TRACE(length);
    EXPECT_FALSE(
        MetadataView::Parse(absl::string_view(encoded).substr(0, length)).ok());
  }
  EXPECT_TRUE(MetadataView::Parse(encoded).ok());
}

}  // namespace
}  // namespace swim

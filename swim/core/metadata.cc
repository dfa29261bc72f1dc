#include "swim/core/metadata.h"

#include "absl/strings/str_cat.h"
#include "swim/core/byte_writer.h"

namespace swim {
namespace {

constexpr absl::string_view kEmptyEncoding("\0", 1);

// The start of `key` for an error message: at most 40 bytes, never ending
// inside a UTF-8 sequence, so a message stays UTF-8.
absl::string_view KeyExcerpt(absl::string_view key) {
  constexpr size_t kMaxBytes = 40;
  if (key.size() <= kMaxBytes) return key;
  size_t end = kMaxBytes;
  while (end > 0 && (static_cast<uint8_t>(key[end]) & 0xC0) == 0x80) --end;
  return key.substr(0, end);
}

absl::Span<const uint8_t> AsBytes(absl::string_view text) {
  return absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

absl::StatusOr<std::string> EncodeMetadata(const Metadata& metadata) {
  size_t size = ByteWriter::VarintSize(metadata.size());
  for (const auto& [key, value] : metadata) {
    if (key.empty() || key.size() > kMaxMetadataKeyLength) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata key \"", KeyExcerpt(key), "\" must be 1-",
                       kMaxMetadataKeyLength, " bytes, is ", key.size()));
    }
    size += ByteWriter::VarintSize(key.size()) + key.size() +
            ByteWriter::VarintSize(value.size()) + value.size();
    if (size > kMaxMetadataEncodedSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata exceeds ", kMaxMetadataEncodedSize,
                       " encoded bytes (at key \"", KeyExcerpt(key), "\")"));
    }
  }
  std::string encoded(size, '\0');
  ByteWriter writer(absl::Span<uint8_t>(
      reinterpret_cast<uint8_t*>(encoded.data()), encoded.size()));
  writer.Varint(metadata.size());
  for (const auto& [key, value] : metadata) {
    writer.LengthPrefixed(key);
    writer.LengthPrefixed(value);
  }
  return encoded;
}

MetadataView::MetadataView() : encoded_(kEmptyEncoding), count_(0) {}

MetadataView MetadataView::Read(ByteReader& reader) {
  const size_t start = reader.position();
  const size_t available = reader.remaining();
  // Each entry takes at least 3 bytes (two lengths and a 1-byte key), so the
  // count can never claim more entries than the bytes present could hold.
  const uint64_t count = reader.Varint("metadata count", available / 3);
  absl::string_view previous_key;
  for (uint64_t i = 0; i < count && reader.ok(); ++i) {
    absl::string_view key =
        reader.LengthPrefixed("metadata key", kMaxMetadataKeyLength);
    reader.LengthPrefixed("metadata value", kMaxMetadataEncodedSize);
    if (!reader.ok()) break;
    if (key.empty()) {
      reader.Fail(absl::InvalidArgumentError("empty metadata key"));
    } else if (i > 0 && key <= previous_key) {
      reader.Fail(absl::InvalidArgumentError(
          "metadata keys not strictly ascending (duplicate or unsorted)"));
    }
    previous_key = key;
  }
  const size_t length = reader.position() - start;
  if (reader.ok() && length > kMaxMetadataEncodedSize) {
    reader.Fail(absl::InvalidArgumentError(
        absl::StrCat("metadata is ", length, " bytes, above the limit of ",
                     kMaxMetadataEncodedSize)));
  }
  if (!reader.ok()) return MetadataView();
  return MetadataView(reader.Since(start), count);
}

absl::StatusOr<MetadataView> MetadataView::Parse(absl::string_view encoded) {
  ByteReader reader(AsBytes(encoded));
  MetadataView view = Read(reader);
  if (reader.ok() && !reader.AtEnd()) {
    reader.Fail(absl::InvalidArgumentError(
        absl::StrCat(reader.remaining(), " trailing bytes after metadata")));
  }
  if (!reader.ok()) return reader.status();
  return view;
}

MetadataView::Iterator MetadataView::begin() const {
  // Skip the count; entries follow.
  ByteReader reader(AsBytes(encoded_));
  reader.Varint("metadata count");
  return Iterator(encoded_.substr(reader.position()), count_);
}

MetadataView::Iterator::Iterator(absl::string_view rest, size_t left)
    : rest_(rest), left_(left) {
  Load();
}

void MetadataView::Iterator::Load() {
  if (left_ == 0) return;
  // Validated at construction, so these reads cannot fail.
  ByteReader reader(AsBytes(rest_));
  entry_.first = reader.LengthPrefixed("metadata key", kMaxMetadataKeyLength);
  entry_.second =
      reader.LengthPrefixed("metadata value", kMaxMetadataEncodedSize);
  rest_ = rest_.substr(reader.position());
}

MetadataView::Iterator& MetadataView::Iterator::operator++() {
  --left_;
  Load();
  return *this;
}

Metadata MetadataView::ToMap() const {
  Metadata map;
  for (const auto& [key, value] : *this) {
    map.emplace(std::string(key), std::string(value));
  }
  return map;
}

}  // namespace swim

#include "swim/core/byte_reader.h"

#include "absl/strings/str_cat.h"

namespace swim {

bool ByteReader::Need(size_t n, absl::string_view field) {
  if (!status_.ok()) return false;
  if (n > remaining()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("truncated ", field, ": needs ", n, " bytes at offset ",
                     pos_, ", ", remaining(), " remain"));
    return false;
  }
  return true;
}

uint8_t ByteReader::U8(absl::string_view field) {
  if (!Need(1, field)) return 0;
  return in_[pos_++];
}

uint16_t ByteReader::U16(absl::string_view field) {
  if (!Need(2, field)) return 0;
  uint16_t value = static_cast<uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
  pos_ += 2;
  return value;
}

uint32_t ByteReader::U32(absl::string_view field) {
  if (!Need(4, field)) return 0;
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | in_[pos_ + i];
  pos_ += 4;
  return value;
}

uint64_t ByteReader::Varint(absl::string_view field, uint64_t max_value) {
  return ReadVarint(field, "", max_value);
}

uint64_t ByteReader::ReadVarint(absl::string_view field,
                                absl::string_view suffix, uint64_t max_value) {
  if (!status_.ok()) return 0;
  const size_t start = pos_;
  uint64_t value = 0;
  for (int index = 0; index < 10; ++index) {
    if (remaining() == 0) {
      Fail(absl::InvalidArgumentError(absl::StrCat(
          "truncated varint for ", field, suffix, " at offset ", start)));
      return 0;
    }
    const uint8_t byte = in_[pos_++];
    const uint64_t payload = byte & 0x7f;
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (index == 9 && payload > 1) break;
    value |= payload << (7 * index);
    if ((byte & 0x80) == 0) {
      if (byte == 0 && index > 0) {
        Fail(absl::InvalidArgumentError(absl::StrCat(
            "non-minimal varint for ", field, suffix, " at offset ", start)));
        return 0;
      }
      if (value > max_value) {
        Fail(absl::InvalidArgumentError(
            absl::StrCat(field, suffix, " is ", value, ", above the limit of ",
                         max_value, " (offset ", start, ")")));
        return 0;
      }
      return value;
    }
  }
  Fail(absl::InvalidArgumentError(absl::StrCat(
      "varint for ", field, suffix, " overflows 64 bits at offset ", start)));
  return 0;
}

absl::Span<const uint8_t> ByteReader::Bytes(size_t n, absl::string_view field) {
  if (!Need(n, field)) return {};
  absl::Span<const uint8_t> bytes = in_.subspan(pos_, n);
  pos_ += n;
  return bytes;
}

absl::string_view ByteReader::LengthPrefixed(absl::string_view field,
                                             size_t max_length) {
  // The suffix is passed separately so the happy path builds no string.
  const uint64_t length = ReadVarint(field, " length", max_length);
  absl::Span<const uint8_t> bytes = Bytes(length, field);
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                           bytes.size());
}

}  // namespace swim

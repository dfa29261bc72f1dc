#include "swim/core/byte_reader.h"

#include "absl/strings/str_cat.h"

namespace swim {

bool ByteReader::NeedFailed(size_t n, absl::string_view field) {
  if (!status_.ok()) return false;
  status_ = absl::InvalidArgumentError(
      absl::StrCat("truncated ", field, ": needs ", n, " bytes at offset ",
                   pos_, ", ", remaining(), " remain"));
  return false;
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

absl::string_view ByteReader::LengthPrefixed(absl::string_view field,
                                             size_t max_length) {
  // The suffix is passed separately so the happy path builds no string.
  const uint64_t length = AnyVarint(field, " length", max_length);
  absl::Span<const uint8_t> bytes = Bytes(length, field);
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                           bytes.size());
}

}  // namespace swim

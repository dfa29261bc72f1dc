#ifndef SWIM_CORE_BYTE_READER_H_
#define SWIM_CORE_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace swim {

// Reads wire primitives from untrusted bytes. Every read is checked against
// what remains; the first failure records a status naming the field and
// every later read fails too, so a decoder can read a whole message and
// check `status()` once. Nothing is copied: strings are views into the input.
class ByteReader {
 public:
  explicit ByteReader(absl::Span<const uint8_t> in) : in_(in) {}

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  size_t remaining() const { return in_.size() - pos_; }
  size_t position() const { return pos_; }
  bool AtEnd() const { return pos_ == in_.size(); }

  // The fixed-size reads and the one-byte varint are inline: they run for
  // every field of every packet, and a call each was most of the cost of
  // decoding a claim.
  uint8_t U8(absl::string_view field) {
    if (!Need(1, field)) return 0;
    return in_[pos_++];
  }
  uint16_t U16(absl::string_view field) {
    if (!Need(2, field)) return 0;
    const uint16_t value =
        static_cast<uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
    pos_ += 2;
    return value;
  }
  uint32_t U32(absl::string_view field) {
    if (!Need(4, field)) return 0;
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | in_[pos_ + i];
    pos_ += 4;
    return value;
  }
  // Unsigned LEB128, at most `max_value`. Rejects encodings longer than
  // needed (so every value has exactly one encoding) and values that
  // overflow 64 bits.
  uint64_t Varint(absl::string_view field, uint64_t max_value = UINT64_MAX) {
    return AnyVarint(field, "", max_value);
  }
  // Exactly `n` bytes.
  absl::Span<const uint8_t> Bytes(size_t n, absl::string_view field) {
    if (!Need(n, field)) return {};
    absl::Span<const uint8_t> bytes = in_.subspan(pos_, n);
    pos_ += n;
    return bytes;
  }

  // A varint length (at most `max_length`) followed by that many bytes.
  absl::string_view LengthPrefixed(absl::string_view field, size_t max_length);

  // The bytes read since `start` (a value of position()).
  absl::string_view Since(size_t start) const {
    return absl::string_view(reinterpret_cast<const char*>(in_.data()) + start,
                             pos_ - start);
  }

  // Records a semantic error found by the caller (first error wins).
  void Fail(absl::Status status) {
    if (status_.ok()) status_ = std::move(status);
  }

 private:
  bool Need(size_t n, absl::string_view field) {
    if (status_.ok() && n <= remaining()) return true;
    return NeedFailed(n, field);
  }
  // Records why `n` bytes are not there (unless a read failed before).
  bool NeedFailed(size_t n, absl::string_view field);
  uint64_t AnyVarint(absl::string_view field, absl::string_view suffix,
                     uint64_t max_value) {
    // A one-byte value (lengths, counts, most fields) needs none of the
    // checks of the general case: it is minimal and cannot overflow.
    if (status_.ok() && pos_ < in_.size() && in_[pos_] < 0x80 &&
        in_[pos_] <= max_value) {
      return in_[pos_++];
    }
    return ReadVarint(field, suffix, max_value);
  }
  uint64_t ReadVarint(absl::string_view field, absl::string_view suffix,
                      uint64_t max_value);

  absl::Span<const uint8_t> in_;
  size_t pos_ = 0;
  absl::Status status_;
};

}  // namespace swim

#endif  // SWIM_CORE_BYTE_READER_H_

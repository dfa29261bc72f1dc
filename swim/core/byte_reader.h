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

  uint8_t U8(absl::string_view field);
  uint16_t U16(absl::string_view field);
  uint32_t U32(absl::string_view field);

  // Unsigned LEB128, at most `max_value`. Rejects encodings longer than
  // needed (so every value has exactly one encoding) and values that
  // overflow 64 bits.
  uint64_t Varint(absl::string_view field, uint64_t max_value = UINT64_MAX);

  // Exactly `n` bytes.
  absl::Span<const uint8_t> Bytes(size_t n, absl::string_view field);

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
  bool Need(size_t n, absl::string_view field);
  uint64_t ReadVarint(absl::string_view field, absl::string_view suffix,
                      uint64_t max_value);

  absl::Span<const uint8_t> in_;
  size_t pos_ = 0;
  absl::Status status_;
};

}  // namespace swim

#endif  // SWIM_CORE_BYTE_READER_H_

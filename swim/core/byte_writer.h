#ifndef SWIM_CORE_BYTE_WRITER_H_
#define SWIM_CORE_BYTE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace swim {

// Appends wire primitives to a caller-owned buffer. Never writes past the
// end: the first write that does not fit marks the writer as overflowed and
// every later write is ignored, so an encoder can write a whole message and
// check `ok()` once at the end. Integers are big-endian or unsigned LEB128
// varints (see docs/wire.md).
class ByteWriter {
 public:
  explicit ByteWriter(absl::Span<uint8_t> out) : out_(out) {}

  bool ok() const { return !overflow_; }
  size_t size() const { return pos_; }
  size_t remaining() const { return out_.size() - pos_; }

  void U8(uint8_t value) {
    if (!Reserve(1)) return;
    out_[pos_++] = value;
  }

  void U16(uint16_t value) {
    if (!Reserve(2)) return;
    out_[pos_++] = static_cast<uint8_t>(value >> 8);
    out_[pos_++] = static_cast<uint8_t>(value);
  }

  void U32(uint32_t value) {
    if (!Reserve(4)) return;
    for (int shift = 24; shift >= 0; shift -= 8) {
      out_[pos_++] = static_cast<uint8_t>(value >> shift);
    }
  }

  void Varint(uint64_t value) {
    if (!Reserve(VarintSize(value))) return;
    while (value >= 0x80) {
      out_[pos_++] = static_cast<uint8_t>(value) | 0x80;
      value >>= 7;
    }
    out_[pos_++] = static_cast<uint8_t>(value);
  }

  void Bytes(absl::Span<const uint8_t> bytes) {
    if (!Reserve(bytes.size())) return;
    if (!bytes.empty())
      std::memcpy(out_.data() + pos_, bytes.data(), bytes.size());
    pos_ += bytes.size();
  }

  void Bytes(absl::string_view bytes) {
    Bytes(absl::Span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

  // A varint length followed by the bytes.
  void LengthPrefixed(absl::string_view bytes) {
    Varint(bytes.size());
    Bytes(bytes);
  }

  static constexpr size_t VarintSize(uint64_t value) {
    size_t size = 1;
    while (value >= 0x80) {
      value >>= 7;
      ++size;
    }
    return size;
  }

 private:
  bool Reserve(size_t n) {
    if (overflow_ || n > remaining()) {
      overflow_ = true;
      return false;
    }
    return true;
  }

  absl::Span<uint8_t> out_;
  size_t pos_ = 0;
  bool overflow_ = false;
};

}  // namespace swim

#endif  // SWIM_CORE_BYTE_WRITER_H_

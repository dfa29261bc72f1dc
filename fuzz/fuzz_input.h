#ifndef FUZZ_FUZZ_INPUT_H_
#define FUZZ_FUZZ_INPUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace swim::fuzzing {

// Turns a fuzzer's bytes into choices. Every read is total: past the end it
// returns zeros and empty strings, so any input is a valid program and
// shorter inputs are prefixes of longer ones (which libFuzzer likes).
class FuzzInput {
 public:
  explicit FuzzInput(absl::Span<const uint8_t> bytes) : bytes_(bytes) {}

  bool empty() const { return position_ >= bytes_.size(); }

  uint8_t Byte() { return empty() ? 0 : bytes_[position_++]; }
  // Big-endian; each part read in turn (operands of | are unsequenced).
  uint16_t U16() {
    const uint16_t high = Byte();
    return static_cast<uint16_t>(high << 8 | Byte());
  }
  uint32_t U32() {
    const uint32_t high = U16();
    return high << 16 | U16();
  }
  uint64_t U64() {
    const uint64_t high = U32();
    return high << 32 | U32();
  }
  bool Bool() { return (Byte() & 1) != 0; }
  // Uniform enough in [0, count); count must be positive.
  size_t Pick(size_t count) { return Byte() % count; }

  // Up to `max` bytes, the length chosen by the input.
  absl::string_view Bytes(size_t max) {
    const size_t wanted = std::min<size_t>(U16(), max);
    const size_t size = std::min(wanted, bytes_.size() - Consumed());
    absl::string_view out(
        reinterpret_cast<const char*>(bytes_.data()) + Consumed(), size);
    position_ += size;
    return out;
  }

 private:
  size_t Consumed() const { return std::min(position_, bytes_.size()); }

  absl::Span<const uint8_t> bytes_;
  size_t position_ = 0;
};

}  // namespace swim::fuzzing

#endif  // FUZZ_FUZZ_INPUT_H_

#ifndef SWIM_DRIVERS_SIM_TRACE_HASH_H_
#define SWIM_DRIVERS_SIM_TRACE_HASH_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"

namespace swim::sim {

// A running 64-bit digest of everything a simulation emitted, equal for
// equal runs on any machine (so not absl::Hash, whose seed changes per
// process). Each step is an FNV-1a multiply followed by a xor-shift: the
// multiply carries low bits up, the shift carries high bits down, so a
// change in any bit of any input changes the digest.
class TraceHash {
 public:
  void Mix(uint64_t value) {
    state_ ^= value;
    state_ *= 1099511628211ULL;
    state_ ^= state_ >> 32;
  }

  // Eight bytes per step (little-endian words, then the tail byte by byte),
  // after the length: a state exchange of 10 000 members is ~450 KB.
  void MixBytes(absl::Span<const uint8_t> bytes) {
    Mix(bytes.size());
    size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
      uint64_t word = 0;
      for (int k = 7; k >= 0; --k) word = (word << 8) | bytes[i + k];
      Mix(word);
    }
    for (; i < bytes.size(); ++i) Mix(bytes[i]);
  }

  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = 1469598103934665603ULL;
};

}  // namespace swim::sim

#endif  // SWIM_DRIVERS_SIM_TRACE_HASH_H_

#ifndef SWIM_DRIVERS_NET_FRAME_READER_H_
#define SWIM_DRIVERS_NET_FRAME_READER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace swim::net {

// Stream framing (docs/wire.md, "Stream framing"): each message is a u32
// big-endian length, then that many bytes of envelope.
inline constexpr size_t kFrameHeaderSize = 4;

std::array<uint8_t, kFrameHeaderSize> EncodeFrameHeader(uint32_t size);

// Reassembles frames from a byte stream, one at a time, without trusting
// the peer: a header announcing more than `max_frame_size` is rejected
// before any of the body is read, and the body buffer grows only as bytes
// actually arrive (at most kChunk beyond them), so a peer that announces a
// large frame and then stalls holds little memory.
//
// Usage: read into Buffer(), then Commit(bytes read). When Commit returns
// kFrame, frame() holds a complete message until the next Buffer() call.
class FrameReader {
 public:
  // Largest read requested at once into a frame's body.
  static constexpr size_t kChunk = 64 << 10;

  enum class Result : uint8_t {
    kNeedMore,   // keep reading
    kFrame,      // frame() is complete
    kOversized,  // the header announced more than the maximum: close
  };

  explicit FrameReader(size_t max_frame_size)
      : max_frame_size_(max_frame_size) {}

  // Where the next bytes go: the rest of the header, or the next part of the
  // body. Never empty.
  absl::Span<uint8_t> Buffer();
  // `count` bytes (at most Buffer().size()) were written into Buffer().
  Result Commit(size_t count);

  absl::Span<const uint8_t> frame() const {
    return absl::MakeConstSpan(body_.data(), announced_);
  }
  // The length the last header announced (for error messages).
  uint32_t announced() const { return announced_; }
  // True between frames (no partial header or body read).
  bool idle() const {
    return frame_ready_ || (!in_body_ && header_filled_ == 0);
  }

 private:
  size_t max_frame_size_;
  std::array<uint8_t, kFrameHeaderSize> header_ = {};
  size_t header_filled_ = 0;
  bool in_body_ = false;
  bool frame_ready_ = false;
  uint32_t announced_ = 0;
  std::vector<uint8_t> body_;
  size_t body_filled_ = 0;
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_FRAME_READER_H_

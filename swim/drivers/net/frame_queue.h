#ifndef SWIM_DRIVERS_NET_FRAME_QUEUE_H_
#define SWIM_DRIVERS_NET_FRAME_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "absl/types/span.h"

namespace swim::net {

// The messages waiting on one outgoing stream connection, each framed
// (docs/wire.md, "Stream framing"), and how much of the first one the
// socket has taken.
class FrameQueue {
 public:
  // Frames and queues a copy of `message` (at most 2^32 - 1 bytes).
  void Push(absl::Span<const uint8_t> message);
  // The bytes of the first frame not written yet; empty when idle.
  absl::Span<const uint8_t> Unwritten() const;
  // The socket took `count` bytes of Unwritten(). True when that completed
  // the first frame (which is then dropped).
  bool Advance(size_t count);
  // Drops everything; returns how many frames were dropped.
  size_t Clear();

  bool empty() const { return frames_.empty(); }
  size_t frames() const { return frames_.size(); }
  // Framed bytes queued, written or not.
  size_t bytes() const { return bytes_; }

 private:
  std::deque<std::vector<uint8_t>> frames_;
  size_t bytes_ = 0;
  size_t written_ = 0;  // of frames_.front()
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_FRAME_QUEUE_H_

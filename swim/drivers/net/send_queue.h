#ifndef SWIM_DRIVERS_NET_SEND_QUEUE_H_
#define SWIM_DRIVERS_NET_SEND_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "absl/types/span.h"

namespace swim::net {

// The stream messages waiting on one connection, each exactly as the Node
// produced it (already framed, docs/wire.md "Streams"), and how much of the
// first one the socket has taken.
class SendQueue {
 public:
  // Queues a copy of `message`.
  void Push(absl::Span<const uint8_t> message);
  // The bytes of the first message not written yet; empty when idle.
  absl::Span<const uint8_t> Unwritten() const;
  // The socket took `count` bytes of Unwritten(). True when that completed
  // the first message (which is then dropped).
  bool Advance(size_t count);
  // Drops everything; returns how many messages were dropped.
  size_t Clear();

  bool empty() const { return messages_.empty(); }
  size_t messages() const { return messages_.size(); }
  // Bytes queued, written or not.
  size_t bytes() const { return bytes_; }

 private:
  std::deque<std::vector<uint8_t>> messages_;
  size_t bytes_ = 0;
  size_t written_ = 0;  // of messages_.front()
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_SEND_QUEUE_H_

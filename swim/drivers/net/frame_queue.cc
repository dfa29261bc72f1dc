#include "swim/drivers/net/frame_queue.h"

#include <algorithm>

#include "swim/drivers/net/frame_reader.h"

namespace swim::net {

void FrameQueue::Push(absl::Span<const uint8_t> message) {
  std::vector<uint8_t> frame(kFrameHeaderSize + message.size());
  const auto header = EncodeFrameHeader(static_cast<uint32_t>(message.size()));
  std::copy(header.begin(), header.end(), frame.begin());
  std::copy(message.begin(), message.end(), frame.begin() + kFrameHeaderSize);
  bytes_ += frame.size();
  frames_.push_back(std::move(frame));
}

absl::Span<const uint8_t> FrameQueue::Unwritten() const {
  if (frames_.empty()) return {};
  const std::vector<uint8_t>& front = frames_.front();
  return absl::MakeConstSpan(front.data() + written_, front.size() - written_);
}

bool FrameQueue::Advance(size_t count) {
  if (frames_.empty()) return false;
  written_ += count;
  if (written_ < frames_.front().size()) return false;
  bytes_ -= frames_.front().size();
  frames_.pop_front();
  written_ = 0;
  return true;
}

size_t FrameQueue::Clear() {
  const size_t dropped = frames_.size();
  frames_.clear();
  bytes_ = 0;
  written_ = 0;
  return dropped;
}

}  // namespace swim::net

#include "swim/drivers/net/send_queue.h"

namespace swim::net {

void SendQueue::Push(absl::Span<const uint8_t> message) {
  if (message.empty()) return;
  bytes_ += message.size();
  messages_.emplace_back(message.begin(), message.end());
}

absl::Span<const uint8_t> SendQueue::Unwritten() const {
  if (messages_.empty()) return {};
  const std::vector<uint8_t>& front = messages_.front();
  return absl::MakeConstSpan(front.data() + written_, front.size() - written_);
}

bool SendQueue::Advance(size_t count) {
  if (messages_.empty()) return false;
  written_ += count;
  if (written_ < messages_.front().size()) return false;
  bytes_ -= messages_.front().size();
  messages_.pop_front();
  written_ = 0;
  return true;
}

size_t SendQueue::Clear() {
  const size_t dropped = messages_.size();
  messages_.clear();
  bytes_ = 0;
  written_ = 0;
  return dropped;
}

}  // namespace swim::net

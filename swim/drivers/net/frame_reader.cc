#include "swim/drivers/net/frame_reader.h"

#include <algorithm>

namespace swim::net {

std::array<uint8_t, kFrameHeaderSize> EncodeFrameHeader(uint32_t size) {
  return {static_cast<uint8_t>(size >> 24), static_cast<uint8_t>(size >> 16),
          static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)};
}

absl::Span<uint8_t> FrameReader::Buffer() {
  if (frame_ready_) {
    // The previous frame was consumed: start the next header. Big bodies
    // give their memory back; small ones keep it for reuse.
    frame_ready_ = false;
    in_body_ = false;
    header_filled_ = 0;
    if (body_.capacity() > kChunk) std::vector<uint8_t>().swap(body_);
  }
  if (!in_body_) {
    return absl::MakeSpan(header_.data() + header_filled_,
                          kFrameHeaderSize - header_filled_);
  }
  const size_t wanted = std::min<size_t>(announced_ - body_filled_, kChunk);
  if (body_.size() < body_filled_ + wanted) body_.resize(body_filled_ + wanted);
  return absl::MakeSpan(body_.data() + body_filled_, wanted);
}

FrameReader::Result FrameReader::Commit(size_t count) {
  if (!in_body_) {
    header_filled_ += count;
    if (header_filled_ < kFrameHeaderSize) return Result::kNeedMore;
    announced_ = (static_cast<uint32_t>(header_[0]) << 24) |
                 (static_cast<uint32_t>(header_[1]) << 16) |
                 (static_cast<uint32_t>(header_[2]) << 8) |
                 static_cast<uint32_t>(header_[3]);
    if (announced_ > max_frame_size_) return Result::kOversized;
    in_body_ = true;
    body_filled_ = 0;
    if (announced_ > 0) return Result::kNeedMore;
  } else {
    body_filled_ += count;
    if (body_filled_ < announced_) return Result::kNeedMore;
  }
  if (body_.size() < announced_) body_.resize(announced_);
  frame_ready_ = true;
  return Result::kFrame;
}

}  // namespace swim::net

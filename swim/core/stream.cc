#include "swim/core/stream.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace swim {
namespace {

constexpr uint8_t kFinalFlag = 0x01;
// A message buffer larger than this is released once its message is done,
// so a member does not keep a large state exchange's buffer per stream.
constexpr size_t kKeptMessageCapacity = 64 << 10;

void PutU32(uint8_t* out, uint32_t value) {
  out[0] = static_cast<uint8_t>(value >> 24);
  out[1] = static_cast<uint8_t>(value >> 16);
  out[2] = static_cast<uint8_t>(value >> 8);
  out[3] = static_cast<uint8_t>(value);
}

uint32_t GetU32(const uint8_t* in) {
  return (static_cast<uint32_t>(in[0]) << 24) |
         (static_cast<uint32_t>(in[1]) << 16) |
         (static_cast<uint32_t>(in[2]) << 8) | static_cast<uint32_t>(in[3]);
}

}  // namespace

absl::string_view StreamErrorName(StreamError error) {
  switch (error) {
    case StreamError::kNone:
      return "none";
    case StreamError::kFrameLength:
      return "frame-length";
    case StreamError::kEnvelope:
      return "envelope";
    case StreamError::kChunk:
      return "chunk";
    case StreamError::kMessageTooLarge:
      return "message-too-large";
  }
  return "unknown";
}

size_t MaxStreamFrame(const Envelope& envelope) {
  return kMaxStreamChunkData + kStreamChunkTrailerSize + envelope.Overhead();
}

size_t SealedStreamSize(const Envelope& envelope, size_t packet_size) {
  const size_t chunks = std::max<size_t>(
      1, (packet_size + kMaxStreamChunkData - 1) / kMaxStreamChunkData);
  return packet_size + chunks * (kStreamFrameHeaderSize +
                                 kStreamChunkTrailerSize + envelope.Overhead());
}

absl::Status SealStreamMessage(Envelope& envelope, uint64_t message_id,
                               absl::Span<const uint8_t> packet,
                               std::vector<uint8_t>& out) {
  if (packet.empty()) {
    return absl::InvalidArgumentError("a stream message cannot be empty");
  }
  const size_t chunks =
      (packet.size() + kMaxStreamChunkData - 1) / kMaxStreamChunkData;
  if (chunks > UINT32_MAX) {
    return absl::InvalidArgumentError("stream message too long");
  }
  const size_t start = out.size();
  out.resize(start + SealedStreamSize(envelope, packet.size()));
  uint8_t chunk[kMaxStreamChunkData + kStreamChunkTrailerSize];
  size_t cursor = start;
  for (size_t index = 0; index < chunks; ++index) {
    const size_t offset = index * kMaxStreamChunkData;
    const size_t data = std::min(kMaxStreamChunkData, packet.size() - offset);
    std::memcpy(chunk, packet.data() + offset, data);
    uint8_t* trailer = chunk + data;
    for (int i = 0; i < 8; ++i) {
      trailer[i] = static_cast<uint8_t>(message_id >> (56 - 8 * i));
    }
    PutU32(trailer + 8, static_cast<uint32_t>(index));
    trailer[12] = index + 1 == chunks ? kFinalFlag : 0;
    const size_t plain = data + kStreamChunkTrailerSize;
    const size_t sealed_size = plain + envelope.Overhead();
    PutU32(out.data() + cursor, static_cast<uint32_t>(sealed_size));
    cursor += kStreamFrameHeaderSize;
    absl::StatusOr<size_t> sealed =
        envelope.Seal(absl::MakeConstSpan(chunk, plain),
                      absl::MakeSpan(out.data() + cursor, sealed_size));
    if (!sealed.ok()) {
      out.resize(start);
      return sealed.status();
    }
    cursor += sealed_size;
  }
  return absl::OkStatus();
}

StreamReader::Result StreamReader::Fail(StreamError error) {
  error_ = error;
  return Result::kError;
}

void StreamReader::DoneWithMessage() {
  if (!message_ready_) return;
  message_ready_ = false;
  message_size_ = 0;
  ReleaseMessage();
}

void StreamReader::ReleaseMessage() {
  if (message_.capacity() > kKeptMessageCapacity) {
    std::vector<uint8_t>().swap(message_);
  }
}

StreamReader::Result StreamReader::Read(absl::Span<const uint8_t>& input,
                                        const Envelope& envelope) {
  if (error_ != StreamError::kNone) return Result::kError;
  began_message_ = false;
  DoneWithMessage();  // the previous message was handled
  while (!input.empty()) {
    if (header_filled_ < kStreamFrameHeaderSize) {
      const size_t take =
          std::min(kStreamFrameHeaderSize - header_filled_, input.size());
      std::memcpy(header_ + header_filled_, input.data(), take);
      header_filled_ += take;
      input.remove_prefix(take);
      if (header_filled_ < kStreamFrameHeaderSize) return Result::kNeedMore;
      frame_length_ = GetU32(header_);
      if (frame_length_ == 0 || frame_length_ > MaxStreamFrame(envelope)) {
        return Fail(StreamError::kFrameLength);
      }
      continue;
    }
    const size_t missing = frame_length_ - frame_.size();
    if (frame_.empty() && input.size() >= frame_length_) {
      // The whole body is here: open it in place.
      const absl::Span<const uint8_t> body = input.first(frame_length_);
      input.remove_prefix(frame_length_);
      header_filled_ = 0;
      return Accept(body, envelope);
    }
    const size_t take = std::min(missing, input.size());
    frame_.insert(frame_.end(), input.begin(), input.begin() + take);
    input.remove_prefix(take);
    if (frame_.size() < frame_length_) return Result::kNeedMore;
    std::vector<uint8_t> body = std::move(frame_);
    frame_.clear();
    header_filled_ = 0;
    const Result result = Accept(body, envelope);
    body.clear();
    frame_ = std::move(body);  // keep the capacity for the next split frame
    return result;
  }
  return Result::kNeedMore;
}

StreamReader::Result StreamReader::Accept(absl::Span<const uint8_t> body,
                                          const Envelope& envelope) {
  // Decrypt straight into the message buffer: the data lands where it
  // belongs, and the trailer is cut off after.
  const size_t start = message_size_;
  if (message_.size() < start + body.size())
    message_.resize(start + body.size());
  EnvelopeDrop drop = EnvelopeDrop::kNone;
  absl::StatusOr<absl::Span<const uint8_t>> opened = envelope.Open(
      body, absl::MakeSpan(message_.data() + start, body.size()), &drop);
  if (!opened.ok()) {
    envelope_drop_ = drop;
    return Fail(StreamError::kEnvelope);
  }
  const absl::Span<const uint8_t> chunk = *opened;
  if (chunk.size() <= kStreamChunkTrailerSize ||
      chunk.size() > kMaxStreamChunkData + kStreamChunkTrailerSize) {
    return Fail(StreamError::kChunk);
  }
  const size_t data = chunk.size() - kStreamChunkTrailerSize;
  const uint8_t* trailer = chunk.data() + data;
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | trailer[i];
  const uint32_t index = GetU32(trailer + 8);
  const uint8_t flags = trailer[12];
  if ((flags & ~kFinalFlag) != 0) return Fail(StreamError::kChunk);
  if (!in_message_) {
    if (index != 0) return Fail(StreamError::kChunk);
    in_message_ = true;
    began_message_ = true;
    message_id_ = id;
  } else if (id != message_id_ || index != next_index_) {
    return Fail(StreamError::kChunk);
  }
  authenticated_ = true;
  if (start + data > max_message_) return Fail(StreamError::kMessageTooLarge);
  // Plaintext and authenticated modes return a view into `body`: copy.
  if (chunk.data() != message_.data() + start) {
    std::memmove(message_.data() + start, chunk.data(), data);
  }
  message_size_ = start + data;
  next_index_ = index + 1;
  if ((flags & kFinalFlag) == 0) {
    if (next_index_ == 0) return Fail(StreamError::kChunk);  // wrapped
    return Result::kChunk;
  }
  in_message_ = false;
  message_ready_ = true;
  next_index_ = 0;
  return Result::kMessage;
}

}  // namespace swim

#include "swim/core/outbox.h"

#include <algorithm>
#include <utility>

#include "swim/core/stream.h"

namespace swim {

std::vector<uint8_t> Outbox::TakeBuffer() {
  std::vector<uint8_t> buffer;
  if (!free_buffers_.empty()) {
    buffer = std::move(free_buffers_.back());
    free_buffers_.pop_back();
  }
  return buffer;
}

absl::StatusOr<size_t> Outbox::QueueDatagram(const Address& to,
                                             absl::Span<const uint8_t> packet,
                                             Envelope& envelope) {
  std::vector<uint8_t> buffer = TakeBuffer();
  // Pooled buffers all hold a full datagram, so reusing one for a larger
  // packet than it last carried does not reallocate.
  const size_t size = packet.size() + envelope.Overhead();
  if (buffer.capacity() < datagram_budget_) {
    buffer.reserve(std::max(size, datagram_budget_));
  }
  buffer.resize(size);
  absl::StatusOr<size_t> sealed = envelope.Seal(packet, absl::MakeSpan(buffer));
  if (!sealed.ok()) {
    free_buffers_.push_back(std::move(buffer));
    return sealed.status();
  }
  const size_t bytes = buffer.size();
  queue_.push_back(
      Outgoing{to, Channel::kDatagram, std::nullopt, std::move(buffer)});
  return bytes;
}

absl::StatusOr<size_t> Outbox::QueueStream(const Address& to,
                                           std::optional<StreamId> stream,
                                           absl::Span<const uint8_t> packet,
                                           uint64_t message_id,
                                           Envelope& envelope) {
  // Sealed chunk by chunk, framed: the bytes go on the stream as they are.
  std::vector<uint8_t> buffer = TakeBuffer();
  buffer.clear();
  buffer.reserve(SealedStreamSize(envelope, packet.size()));
  if (absl::Status status =
          SealStreamMessage(envelope, message_id, packet, buffer);
      !status.ok()) {
    return status;
  }
  const size_t bytes = buffer.size();
  queued_stream_bytes_ += bytes;
  queue_.push_back(Outgoing{to, Channel::kStream, stream, std::move(buffer)});
  return bytes;
}

}  // namespace swim

#ifndef SWIM_CORE_OUTBOX_H_
#define SWIM_CORE_OUTBOX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/envelope.h"
#include "swim/core/transmit.h"

namespace swim {

// What a Node has sealed and the driver has not yet taken: the transmit
// queue, the buffers transmits are sealed into (pooled, so a steady state
// does not allocate), the one transmit the driver holds (its bytes stay
// valid until the next Poll), and the stream bytes waiting. Bounded: at
// kMaxTransmits the caller stops queueing (full()).
class Outbox {
 public:
  static constexpr size_t kMaxTransmits = 4096;
  static constexpr size_t kMaxPooledBuffers = 256;

  // `datagram_budget`: the largest datagram (Config::datagram_budget);
  // pooled buffers are kept at that capacity.
  explicit Outbox(size_t datagram_budget) : datagram_budget_(datagram_budget) {}

  // Whether the queue holds kMaxTransmits: nothing more may be queued.
  bool full() const { return queued() >= kMaxTransmits; }
  // Seals `packet` into one datagram to `to` and queues it. Its sealed
  // size; on error nothing is queued.
  absl::StatusOr<size_t> QueueDatagram(const Address& to,
                                       absl::Span<const uint8_t> packet,
                                       Envelope& envelope);
  // Seals `packet` as one stream message (docs/wire.md, "Streams") tagged
  // `message_id` and queues it: a reply on `stream` if set, else a request
  // to `to`. Its framed size; on error nothing is queued.
  absl::StatusOr<size_t> QueueStream(const Address& to,
                                     std::optional<StreamId> stream,
                                     absl::Span<const uint8_t> packet,
                                     uint64_t message_id, Envelope& envelope);

  // The next transmit, oldest first. Its bytes stay valid until the next
  // Poll, which takes the buffer back.
  std::optional<Transmit> Poll();

  // Transmits queued and not yet polled.
  size_t queued() const { return queue_.size() - head_; }
  // Bytes of stream messages queued and not yet polled.
  size_t queued_stream_bytes() const { return queued_stream_bytes_; }

 private:
  struct Outgoing {
    Address to;
    Channel channel = Channel::kDatagram;
    std::optional<StreamId> stream;
    std::vector<uint8_t> bytes;
  };
  std::vector<uint8_t> TakeBuffer();

  size_t datagram_budget_;
  // Pending transmits from head_ on; a vector rather than a deque so
  // draining it does not free and reallocate blocks.
  std::vector<Outgoing> queue_;
  size_t head_ = 0;
  std::vector<std::vector<uint8_t>> free_buffers_;
  std::optional<Outgoing> in_flight_;
  size_t queued_stream_bytes_ = 0;
};

inline std::optional<Transmit> Outbox::Poll() {
  if (in_flight_) {
    // Keep datagram-sized buffers for reuse; let big stream buffers go.
    if (in_flight_->bytes.capacity() <= datagram_budget_ &&
        free_buffers_.size() < kMaxPooledBuffers) {
      free_buffers_.push_back(std::move(in_flight_->bytes));
    }
    in_flight_.reset();
  }
  if (head_ == queue_.size()) {
    // Drained: reset in place, keeping the capacity.
    queue_.clear();
    head_ = 0;
    return std::nullopt;
  }
  if (head_ >= 64 && head_ * 2 >= queue_.size()) {
    // A driver that never drains fully still gets the space back.
    queue_.erase(queue_.begin(), queue_.begin() + head_);
    head_ = 0;
  }
  in_flight_ = std::move(queue_[head_++]);
  if (in_flight_->channel == Channel::kStream) {
    queued_stream_bytes_ -= in_flight_->bytes.size();
  }
  return Transmit{in_flight_->to, in_flight_->bytes, in_flight_->channel,
                  in_flight_->stream};
}

}  // namespace swim

#endif  // SWIM_CORE_OUTBOX_H_

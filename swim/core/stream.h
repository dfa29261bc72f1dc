#ifndef SWIM_CORE_STREAM_H_
#define SWIM_CORE_STREAM_H_

// The stream plane's format (docs/wire.md, "Streams"): a stream message is
// a sequence of sealed chunks of at most kMaxStreamChunkData bytes, each
// framed by a u32 length. A receiver authenticates every chunk as it
// arrives, so a connection proves itself within one small chunk: junk is
// refused after at most kMaxStreamFrame bytes, and nothing unauthenticated
// is ever buffered beyond one frame or decrypted beyond one chunk.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "swim/core/envelope.h"
#include "swim/core/transmit.h"

namespace swim {

inline constexpr size_t kStreamFrameHeaderSize = 4;
// Packet bytes carried by one chunk, at most.
inline constexpr size_t kMaxStreamChunkData = 16 << 10;
// message id (8) | index (u32) | flags (u8), after the data.
inline constexpr size_t kStreamChunkTrailerSize = 13;
// The largest frame body any envelope can need: a chunk plus the largest
// envelope overhead (authenticated mode with a 255-byte label). Each
// receiver enforces its own, tighter bound (MaxStreamFrame).
inline constexpr size_t kMaxStreamFrame =
    kMaxStreamChunkData + kStreamChunkTrailerSize + 2 + 255 + 32;

// The largest frame body a receiver with `envelope` accepts.
size_t MaxStreamFrame(const Envelope& envelope);

// Bytes SealStreamMessage appends for a packet of `packet_size` bytes.
size_t SealedStreamSize(const Envelope& envelope, size_t packet_size);

// Appends `packet` (1 byte at least) to `out` as one stream message:
// ceil(size / kMaxStreamChunkData) frames, each a u32 length and a chunk
// sealed with `envelope`, tagged with `message_id` so that chunks of
// different messages cannot be spliced. On error `out` is unchanged.
absl::Status SealStreamMessage(Envelope& envelope, uint64_t message_id,
                               absl::Span<const uint8_t> packet,
                               std::vector<uint8_t>& out);

// Why a StreamReader gave up on a stream.
enum class StreamError : uint8_t {
  kNone = 0,
  kFrameLength,      // a frame length of 0 or above MaxStreamFrame
  kEnvelope,         // a chunk failed the envelope (see envelope_drop())
  kChunk,            // an authentic chunk out of sequence or malformed
  kMessageTooLarge,  // a message longer than the reader's limit
};

absl::string_view StreamErrorName(StreamError error);

// Reassembles the messages of one direction of one stream, authenticating
// every chunk on arrival. Holds at most one frame of unauthenticated bytes
// (MaxStreamFrame) and one message of authenticated ones (max_message).
//
// Usage: call Read with the bytes that arrived until it returns kNeedMore
// (all consumed) or kError (close the stream). kChunk and kMessage mean an
// authenticated chunk arrived; after kMessage, message() holds a whole
// packet until the next Read.
class StreamReader {
 public:
  enum class Result : uint8_t { kNeedMore, kChunk, kMessage, kError };

  explicit StreamReader(size_t max_message) : max_message_(max_message) {}

  StreamReader(StreamReader&&) = default;
  StreamReader& operator=(StreamReader&&) = default;

  // Consumes bytes from the front of `input` (advancing it) up to the end
  // of one frame.
  Result Read(absl::Span<const uint8_t>& input, const Envelope& envelope);

  absl::Span<const uint8_t> message() const {
    return absl::MakeConstSpan(message_.data(), message_size_);
  }
  StreamError error() const { return error_; }
  EnvelopeDrop envelope_drop() const { return envelope_drop_; }
  // Whether any chunk has authenticated on this stream.
  bool authenticated() const { return authenticated_; }
  // After kChunk or kMessage: whether that chunk began a message, and the
  // message's id (a sender never reuses one: a repeat is a replay).
  bool began_message() const { return began_message_; }
  uint64_t message_id() const { return message_id_; }
  // Bytes of a frame not yet complete (unauthenticated).
  size_t pending_bytes() const { return header_filled_ + frame_.size(); }
  // Authenticated bytes of a message not yet complete.
  size_t partial_message_bytes() const {
    return in_message_ ? message_size_ : 0;
  }
  // Whether a frame or a message is under way.
  bool idle() const { return pending_bytes() == 0 && !in_message_; }
  // The message after kMessage was handled: forget it now (a large buffer
  // is released) rather than at the next Read.
  void DoneWithMessage();

 private:
  Result Fail(StreamError error);
  void ReleaseMessage();
  // Opens one complete frame body and appends its data.
  Result Accept(absl::Span<const uint8_t> body, const Envelope& envelope);

  size_t max_message_;
  uint8_t header_[kStreamFrameHeaderSize] = {};
  size_t header_filled_ = 0;
  uint32_t frame_length_ = 0;   // valid once the header is complete
  std::vector<uint8_t> frame_;  // the body so far, when split across reads
  std::vector<uint8_t> message_;
  size_t message_size_ = 0;
  bool in_message_ = false;
  bool message_ready_ = false;
  uint64_t message_id_ = 0;
  uint32_t next_index_ = 0;
  bool authenticated_ = false;
  bool began_message_ = false;
  StreamError error_ = StreamError::kNone;
  EnvelopeDrop envelope_drop_ = EnvelopeDrop::kNone;
};

}  // namespace swim

#endif  // SWIM_CORE_STREAM_H_

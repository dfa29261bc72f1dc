#include "swim/core/stream_table.h"

#include <utility>

namespace swim {

StreamTable::StreamTable(size_t max_message)
    : max_message_(max_message), recent_(kRecentMessages) {}

StreamTable::Outcome StreamTable::Closed(StreamId stream, DropReason reason,
                                         EnvelopeDrop envelope_drop) {
  Forget(stream);
  return Outcome{StreamVerdict::kClose, reason, envelope_drop};
}

StreamTable::Outcome StreamTable::Feed(
    StreamId stream, const Address& from, absl::Span<const uint8_t> bytes,
    const Envelope& envelope,
    absl::FunctionRef<void(const Address&, absl::Span<const uint8_t>)>
        on_message) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) {
    if (bytes.empty()) return Outcome{};
    if (streams_.size() >= kMaxStreams) {
      return Outcome{StreamVerdict::kClose, DropReason::kStreamLimit,
                     EnvelopeDrop::kNone};
    }
    it = streams_
             .emplace(stream, std::make_unique<Connection>(
                                  Connection{from, StreamReader(max_message_)}))
             .first;
  }
  Connection& connection = *it->second;
  StreamReader& reader = connection.reader;
  bool progress = false;
  while (!bytes.empty()) {
    const size_t pending_before = reader.pending_bytes();
    const size_t partial_before = reader.partial_message_bytes();
    const StreamReader::Result result = reader.Read(bytes, envelope);
    pending_bytes_ += reader.pending_bytes();
    pending_bytes_ -= pending_before;
    message_bytes_ += reader.partial_message_bytes();
    message_bytes_ -= partial_before;
    if (result == StreamReader::Result::kError) {
      switch (reader.error()) {
        case StreamError::kEnvelope:
          return Closed(stream, DropReason::kEnvelope, reader.envelope_drop());
        case StreamError::kMessageTooLarge:
          return Closed(stream, DropReason::kStreamLimit);
        default:
          return Closed(stream, DropReason::kStreamFraming);
      }
    }
    if (result == StreamReader::Result::kNeedMore) break;
    if (reader.began_message() && !recent_.Insert(reader.message_id())) {
      // A message seen before: someone replays what they captured. It is
      // worth nothing, and must not buy the connection any more time.
      return Closed(stream, DropReason::kStreamReplay);
    }
    progress = true;
    if (result == StreamReader::Result::kMessage) {
      on_message(connection.from, reader.message());
      reader.DoneWithMessage();
    }
  }
  // Streams that hold too much between them are cut off: a partial frame
  // beyond the unauthenticated budget, a partial message beyond twice the
  // largest one (authentic, but from too many senders at once).
  if (pending_bytes_ > kMaxPendingBytes || message_bytes_ > 2 * max_message_) {
    return Closed(stream, DropReason::kStreamLimit);
  }
  Outcome outcome;
  outcome.verdict =
      progress ? StreamVerdict::kProgress : StreamVerdict::kContinue;
  return outcome;
}

bool StreamTable::Close(StreamId stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return false;
  const bool unfinished = !it->second->reader.idle();
  Forget(stream);
  return unfinished;
}

void StreamTable::Forget(StreamId stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  pending_bytes_ -= it->second->reader.pending_bytes();
  message_bytes_ -= it->second->reader.partial_message_bytes();
  streams_.erase(it);
}

}  // namespace swim

#ifndef SWIM_CORE_STREAM_TABLE_H_
#define SWIM_CORE_STREAM_TABLE_H_

#include <cstddef>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/bounded_map.h"
#include "swim/core/envelope.h"
#include "swim/core/stats.h"
#include "swim/core/stream.h"
#include "swim/core/transmit.h"

namespace swim {

// The incoming direction of a node's stream connections (docs/wire.md,
// "Streams"): one StreamReader each, the bytes they hold between them, the
// ids of the messages begun lately, and the caps that keep any peer from
// growing the node. It reassembles and authenticates; what a message means
// is the caller's.
//
//   Feed   bytes arrived on a connection: whole messages go to the caller,
//          and the verdict says what to do with the connection.
//   Close  the connection is gone: its state is forgotten.
class StreamTable {
 public:
  // Connections tracked at once (both directions: replies awaited on
  // outgoing connections count too).
  static constexpr size_t kMaxStreams = 1024;
  // Unauthenticated bytes (partial frames) all connections may hold: each
  // holds at most one frame (about 16 KiB), so this binds only if a driver
  // allows thousands.
  static constexpr size_t kMaxPendingBytes = 4 << 20;
  // Message ids remembered against replays: a member receives a few state
  // exchanges a second at most, so this covers hours (in TCP-only mode,
  // where every message is a stream message, tens of minutes; an older
  // replay is answered only on its own connection and changes nothing).
  static constexpr size_t kRecentMessages = 16384;

  // `max_message`: the largest message (Config::max_stream_message);
  // authenticated partial messages may hold twice that between them.
  explicit StreamTable(size_t max_message);

  struct Outcome {
    StreamVerdict verdict = StreamVerdict::kContinue;
    // With kClose, why (the connection is already forgotten): kEnvelope
    // (with envelope_drop), kStreamFraming, kStreamLimit or kStreamReplay.
    std::optional<DropReason> drop;
    EnvelopeDrop envelope_drop = EnvelopeDrop::kNone;
  };
  // Reads `bytes` that arrived on `stream` from `from` and hands each whole
  // message to `on_message` as it completes (the message stays valid for
  // the call; `on_message` must not call back into the table).
  Outcome Feed(StreamId stream, const Address& from,
               absl::Span<const uint8_t> bytes, const Envelope& envelope,
               absl::FunctionRef<void(const Address& from,
                                      absl::Span<const uint8_t> message)>
                   on_message);
  // Forgets `stream`. True if it left a frame or a message unfinished.
  bool Close(StreamId stream);

  bool Contains(StreamId stream) const { return streams_.contains(stream); }
  size_t size() const { return streams_.size(); }
  // Unauthenticated bytes, and authenticated bytes of unfinished messages,
  // held across all connections.
  size_t pending_bytes() const { return pending_bytes_; }
  size_t partial_message_bytes() const { return message_bytes_; }

 private:
  struct Connection {
    Address from;
    StreamReader reader;
  };
  void Forget(StreamId stream);
  Outcome Closed(StreamId stream, DropReason reason,
                 EnvelopeDrop envelope_drop = EnvelopeDrop::kNone);

  size_t max_message_;
  absl::flat_hash_map<StreamId, std::unique_ptr<Connection>> streams_;
  size_t pending_bytes_ = 0;
  size_t message_bytes_ = 0;
  RecentIds recent_;
};

}  // namespace swim

#endif  // SWIM_CORE_STREAM_TABLE_H_

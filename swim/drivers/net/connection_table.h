#ifndef SWIM_DRIVERS_NET_CONNECTION_TABLE_H_
#define SWIM_DRIVERS_NET_CONNECTION_TABLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/drivers/net/driver_options.h"
#include "swim/drivers/net/driver_stats.h"
#include "swim/drivers/net/frame_queue.h"
#include "swim/drivers/net/frame_reader.h"

namespace swim::net {

// What both drivers know about a stream connection besides its socket.
struct StreamConnection {
  uint64_t id = 0;
  bool incoming = false;
  Address peer;
  // Closed at this instant unless it makes progress first: the read
  // timeout (incoming), the connect, write or idle timeout (outgoing).
  absl::Time deadline;
  std::unique_ptr<FrameReader> reader;  // incoming: reassembles frames
  bool connecting = false;              // outgoing: not established yet
  FrameQueue queue;                     // outgoing: messages to write
};

// A driver's stream connections, with the policy the epoll and Asio
// drivers share: one outgoing connection per peer, reused; both directions
// capped at DriverOptions::max_connections; every connection on a deadline;
// frames limited to max_frame_size and queued bytes to
// max_queued_stream_bytes; everything counted in DriverStats. The drivers
// only do the socket work and tell the table what happened.
//
// `Connection` derives from StreamConnection and adds the socket. Ids
// never repeat, so an event or completion for a connection removed
// meanwhile finds nothing.
template <typename Connection>
class ConnectionTable {
  static_assert(std::is_base_of_v<StreamConnection, Connection>);

 public:
  // Ids start at `first_id` (the epoll driver keeps smaller ones for its
  // own descriptors).
  ConnectionTable(const DriverOptions& options, DriverStats& stats,
                  uint64_t first_id = 1)
      : options_(options), stats_(stats), next_id_(first_id) {}

  Connection* Find(uint64_t id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
  }
  Connection* FindOutgoing(const Address& peer) {
    auto it = outgoing_by_peer_.find(peer);
    return it == outgoing_by_peer_.end() ? nullptr : Find(it->second);
  }

  // Takes an accepted connection from `peer`; nullptr (the connection
  // destroyed, its socket closed, counted as rejected) at the cap.
  Connection* AddIncoming(std::unique_ptr<Connection> connection,
                          const Address& peer, absl::Time now) {
    if (incoming_ >= static_cast<size_t>(options_.max_connections)) {
      ++stats_.streams_rejected;
      return nullptr;
    }
    connection->incoming = true;
    connection->peer = peer;
    connection->deadline = now + options_.read_timeout;
    connection->reader = std::make_unique<FrameReader>(options_.max_frame_size);
    ++stats_.streams_accepted;
    ++incoming_;
    return Insert(std::move(connection));
  }

  bool CanConnect() const {
    return outgoing_by_peer_.size() <
           static_cast<size_t>(options_.max_connections);
  }
  // Takes a connection being established to `peer` (check CanConnect).
  Connection* AddOutgoing(std::unique_ptr<Connection> connection,
                          const Address& peer, absl::Time now) {
    connection->peer = peer;
    connection->connecting = true;
    connection->deadline = now + options_.connect_timeout;
    ++stats_.connections_opened;
    Connection* added = Insert(std::move(connection));
    outgoing_by_peer_[peer] = added->id;
    return added;
  }

  // Whether a message of `size` bytes may be queued; counts it dropped if
  // not. One above max_frame_size is also an error the user can act on,
  // stored in `*error` for the driver to report.
  bool Admit(size_t size, absl::Status* error) {
    if (size > options_.max_frame_size) {
      ++stats_.frames_dropped;
      *error = absl::FailedPreconditionError(absl::StrCat(
          "a stream message of ", size,
          " bytes exceeds DriverOptions::max_frame_size (",
          options_.max_frame_size,
          "): raise it on every member (the cluster's state grew)"));
      return false;
    }
    if (queued_bytes_ + kFrameHeaderSize + size >
        options_.max_queued_stream_bytes) {
      ++stats_.frames_dropped;  // peers not reading; the protocol retries
      return false;
    }
    return true;
  }

  // Queues an admitted message on an outgoing connection.
  void Enqueue(Connection& connection, absl::Span<const uint8_t> message,
               absl::Time now) {
    const bool was_idle = connection.queue.empty();
    connection.queue.Push(message);
    queued_bytes_ += kFrameHeaderSize + message.size();
    if (was_idle && !connection.connecting) {
      connection.deadline = now + options_.write_timeout;
    }
  }

  // The outgoing connection is established.
  void Connected(Connection& connection, absl::Time now) {
    connection.connecting = false;
    RestartWriteClock(connection, now);
  }

  // The socket took `count` bytes of connection.queue.Unwritten().
  void Wrote(Connection& connection, size_t count, absl::Time now) {
    const size_t before = connection.queue.bytes();
    if (connection.queue.Advance(count)) ++stats_.frames_sent;
    queued_bytes_ -= before - connection.queue.bytes();
    RestartWriteClock(connection, now);
  }

  // A complete frame arrived on an incoming connection.
  void FrameReceived(Connection& connection, absl::Time now) {
    ++stats_.frames_received;
    connection.deadline = now + options_.read_timeout;
  }

  // Takes `id` out of the table, counting the frames it still held as
  // dropped. The caller closes the socket (or lets the connection's
  // destruction do it). Nullptr if it is not there.
  std::unique_ptr<Connection> Remove(uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return nullptr;
    std::unique_ptr<Connection> connection = std::move(it->second);
    connections_.erase(it);
    queued_bytes_ -= connection->queue.bytes();
    stats_.frames_dropped += connection->queue.Clear();
    if (connection->incoming) {
      --incoming_;
    } else if (auto peer = outgoing_by_peer_.find(connection->peer);
               peer != outgoing_by_peer_.end() && peer->second == id) {
      outgoing_by_peer_.erase(peer);
    }
    return connection;
  }

  // Takes out the connections whose deadline passed, counting each
  // timeout by kind (an idle outgoing connection just closes).
  std::vector<std::unique_ptr<Connection>> TakeExpired(absl::Time now) {
    std::vector<uint64_t> expired;
    for (const auto& [id, connection] : connections_) {
      if (connection->deadline <= now) expired.push_back(id);
    }
    std::vector<std::unique_ptr<Connection>> taken;
    for (uint64_t id : expired) {
      const Connection& connection = *connections_[id];
      if (connection.incoming) {
        ++stats_.stream_read_timeouts;
      } else if (connection.connecting) {
        ++stats_.stream_connect_timeouts;
      } else if (!connection.queue.empty()) {
        ++stats_.stream_write_timeouts;
      }
      taken.push_back(Remove(id));
    }
    return taken;
  }

  // Takes out every connection (the driver is closing).
  std::vector<std::unique_ptr<Connection>> TakeAll() {
    std::vector<uint64_t> ids;
    for (const auto& [id, connection] : connections_) ids.push_back(id);
    std::vector<std::unique_ptr<Connection>> taken;
    for (uint64_t id : ids) taken.push_back(Remove(id));
    return taken;
  }

  // The earliest connection deadline.
  std::optional<absl::Time> NextDeadline() const {
    std::optional<absl::Time> next;
    for (const auto& [id, connection] : connections_) {
      if (!next || connection->deadline < *next) next = connection->deadline;
    }
    return next;
  }

  size_t incoming_count() const { return incoming_; }
  size_t outgoing_count() const { return outgoing_by_peer_.size(); }

 private:
  Connection* Insert(std::unique_ptr<Connection> connection) {
    connection->id = next_id_++;
    Connection* inserted = connection.get();
    connections_[inserted->id] = std::move(connection);
    return inserted;
  }

  // After progress: the write timeout while bytes wait, else the idle one.
  void RestartWriteClock(Connection& connection, absl::Time now) {
    connection.deadline =
        now + (connection.queue.empty() ? options_.idle_timeout
                                        : options_.write_timeout);
  }

  const DriverOptions& options_;
  DriverStats& stats_;
  uint64_t next_id_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Connection>> connections_;
  absl::flat_hash_map<Address, uint64_t> outgoing_by_peer_;
  size_t incoming_ = 0;
  size_t queued_bytes_ = 0;
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_CONNECTION_TABLE_H_

#ifndef SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_
#define SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/drivers/net/driver_options.h"
#include "swim/drivers/net/driver_stats.h"
#include "swim/drivers/net/file_descriptor.h"
#include "swim/drivers/net/frame_reader.h"

namespace swim {

// The stream side of the epoll driver: a TCP listener and the connections
// that carry length-framed stream messages, all non-blocking in one epoll
// set. Incoming connections deliver frames; outgoing ones (one per peer,
// reused while busy, closed when idle) send them. Every connection has a
// deadline (connect, read, write or idle timeout) so no peer can hold one
// forever, and both directions are capped at DriverOptions::max_connections.
//
// Epoll registrations carry ids, not pointers: a connection closed while
// events for it are still in the same epoll_wait batch is simply not found.
class EpollStreams {
 public:
  using FrameHandler =
      std::function<void(const Address& from, absl::Span<const uint8_t>)>;
  using ErrorReporter =
      std::function<void(absl::string_view kind, absl::Status error)>;

  // Ids at or above this are connections; smaller ones are the driver's.
  static constexpr uint64_t kFirstConnectionId = 16;

  EpollStreams(int epoll_fd, uint64_t listener_id, net::FileDescriptor listener,
               const DriverOptions& options, DriverStats& stats,
               FrameHandler on_frame, ErrorReporter report);
  ~EpollStreams();

  EpollStreams(const EpollStreams&) = delete;
  EpollStreams& operator=(const EpollStreams&) = delete;

  void OnListenerReady(absl::Time now);
  void OnConnectionReady(uint64_t id, uint32_t events, absl::Time now);
  // Queues one message to `to` (framed here), connecting if needed.
  void Send(const Address& to, absl::Span<const uint8_t> message,
            absl::Time now);
  // Closes connections whose deadline passed; resumes accepting.
  void OnTimer(absl::Time now);
  // The earliest connection deadline (nullopt: none).
  std::optional<absl::Time> NextDeadline() const;

  size_t incoming_count() const { return incoming_; }
  size_t outgoing_count() const { return outgoing_by_peer_.size(); }

 private:
  struct Connection {
    uint64_t id = 0;
    net::FileDescriptor fd;
    bool incoming = false;
    Address peer;
    absl::Time deadline;
    // Incoming.
    std::unique_ptr<net::FrameReader> reader;
    // Outgoing.
    bool connecting = false;
    bool watching_writes = false;
    std::deque<std::vector<uint8_t>> queue;  // framed messages
    size_t queued_bytes = 0;
    size_t written = 0;  // of queue.front()
  };

  void Accept(absl::Time now);
  void ReadIncoming(Connection& connection, absl::Time now);
  void HandleOutgoing(Connection& connection, uint32_t events, absl::Time now);
  // Writes what the socket takes; false if the connection failed.
  bool WriteQueued(Connection& connection, absl::Time now);
  void WatchWrites(Connection& connection, bool watch);
  void Close(uint64_t id);
  Connection* Connect(const Address& to, absl::Time now);

  const int epoll_fd_;
  const uint64_t listener_id_;
  net::FileDescriptor listener_;
  const DriverOptions& options_;
  DriverStats& stats_;
  FrameHandler on_frame_;
  ErrorReporter report_;

  uint64_t next_id_ = kFirstConnectionId;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Connection>> connections_;
  absl::flat_hash_map<Address, uint64_t> outgoing_by_peer_;
  size_t incoming_ = 0;
  size_t queued_bytes_ = 0;  // over all outgoing connections
  // Set while accepting is paused after the process ran out of descriptors
  // (the listener would otherwise stay readable and spin the loop).
  std::optional<absl::Time> accept_paused_until_;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_

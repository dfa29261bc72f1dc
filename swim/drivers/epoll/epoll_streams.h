#ifndef SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_
#define SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/drivers/net/connection_table.h"
#include "swim/drivers/net/driver_options.h"
#include "swim/drivers/net/driver_stats.h"
#include "swim/drivers/net/file_descriptor.h"

namespace swim {

// The stream side of the epoll driver: a TCP listener and the connections
// that carry length-framed stream messages, all non-blocking in one epoll
// set. The policy (one reused outgoing connection per peer, caps,
// deadlines, limits) is net::ConnectionTable's, shared with the Asio
// driver; this class does the socket work.
//
// Epoll registrations carry connection ids, not pointers: a connection
// closed while events for it are still in the same epoll_wait batch is
// simply not found.
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
  // Queues one message to `to` (framed), connecting if needed.
  void Send(const Address& to, absl::Span<const uint8_t> message,
            absl::Time now);
  // Closes connections whose deadline passed; resumes accepting.
  void OnTimer(absl::Time now);
  // The earliest connection deadline (nullopt: none).
  std::optional<absl::Time> NextDeadline() const;

  size_t incoming_count() const { return table_.incoming_count(); }
  size_t outgoing_count() const { return table_.outgoing_count(); }

 private:
  struct Connection : net::StreamConnection {
    net::FileDescriptor fd;
    bool watching_writes = false;
  };

  void Accept(absl::Time now);
  void ReadIncoming(Connection& connection, absl::Time now);
  void HandleOutgoing(Connection& connection, uint32_t events, absl::Time now);
  // Writes what the socket takes; false if the connection failed.
  bool WriteQueued(Connection& connection, absl::Time now);
  void WatchWrites(Connection& connection, bool watch);
  // Registers a connection's socket in the epoll set.
  bool Register(const Connection& connection, uint32_t events);
  void Close(uint64_t id);
  Connection* Connect(const Address& to, absl::Time now);

  const int epoll_fd_;
  const uint64_t listener_id_;
  net::FileDescriptor listener_;
  DriverStats& stats_;
  FrameHandler on_frame_;
  ErrorReporter report_;
  net::ConnectionTable<Connection> table_;
  // Set while accepting is paused after the process ran out of descriptors
  // (the listener would otherwise stay readable and spin the loop).
  std::optional<absl::Time> accept_paused_until_;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_

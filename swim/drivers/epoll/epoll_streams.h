#ifndef SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_
#define SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/instant.h"
#include "swim/core/stream.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/driver_stats.h"
#include "swim/drivers/net/connection_table.h"
#include "swim/drivers/net/file_descriptor.h"

namespace swim {

// The stream side of the epoll driver: a TCP listener and the connections
// that carry the stream format, all non-blocking in one epoll set. Every
// byte read goes to the data handler (the Node), whose verdict the
// connection policy applies; the policy (one reused outgoing connection
// per peer, caps, deadlines, limits) is net::ConnectionTable's, shared
// with the Asio driver; this class does the socket work.
//
// Epoll registrations carry connection ids, not pointers: a connection
// closed while events for it are still in the same epoll_wait batch is
// simply not found. The handlers may call Send re-entrantly.
class EpollStreams {
 public:
  // Bytes read from connection `id` (whose peer is `peer`); returns the
  // Node's verdict on them.
  using DataHandler = std::function<StreamVerdict(
      uint64_t id, const Address& peer, absl::Span<const uint8_t> bytes,
      Instant now)>;
  // Connection `id` closed, whatever the reason.
  using ClosedHandler = std::function<void(uint64_t id)>;
  using ErrorReporter =
      std::function<void(absl::string_view kind, absl::Status error)>;

  // Ids at or above this are connections; smaller ones are the driver's.
  static constexpr uint64_t kFirstConnectionId = 16;

  EpollStreams(int epoll_fd, uint64_t listener_id, net::FileDescriptor listener,
               const DriverOptions& options, DriverStats& stats,
               DataHandler on_data, ClosedHandler on_closed,
               ErrorReporter report);
  ~EpollStreams();

  EpollStreams(const EpollStreams&) = delete;
  EpollStreams& operator=(const EpollStreams&) = delete;

  void OnListenerReady(Instant now);
  void OnConnectionReady(uint64_t id, uint32_t events, Instant now);
  // Queues one stream message (already framed by the Node). With `stream`,
  // a reply on that connection (dropped if it is gone); without, on the
  // connection to `to`, opened if needed.
  void Send(const Address& to, std::optional<StreamId> stream,
            absl::Span<const uint8_t> message, Instant now);
  // Closes connections whose deadline passed; resumes accepting.
  void OnTimer(Instant now);
  // The earliest connection deadline (nullopt: none).
  std::optional<Instant> NextDeadline() const;
  // TLS for connections made from now on (null: none); open ones keep
  // theirs.
  void SetTls(std::shared_ptr<const net::TlsContext> tls) {
    table_.SetTls(std::move(tls));
  }
  // The open connections close within read_timeout of `now` (the TLS
  // settings they were made under were replaced).
  void RetireConnections(Instant now) { table_.Retire(now); }

  // Closes every connection (telling the closed handler); keeps listening.
  void CloseConnections();

  size_t incoming_count() const { return table_.incoming_count(); }
  size_t outgoing_count() const { return table_.outgoing_count(); }
  size_t queued_bytes() const { return table_.queued_bytes(); }
  // Queued bytes and TLS records the sockets have not taken.
  size_t unsent_bytes() const { return table_.UnsentBytes(); }

 private:
  struct Connection : net::StreamConnection {
    net::FileDescriptor fd;
    uint32_t watching = 0;     // the epoll events registered
    bool read_closed = false;  // the peer finished sending
  };
  using Table = net::ConnectionTable<Connection>;

  void Accept(Instant now);
  // Reads what the socket has; false once the connection is gone.
  bool ReadAvailable(uint64_t id, Instant now);
  void FinishConnect(Connection& connection, Instant now);
  // Writes what the socket takes; false if the connection failed.
  bool WriteQueued(Connection& connection, Instant now);
  // Registers interest in reads (unless the peer finished) and, while
  // bytes wait, writes.
  void UpdateInterest(Connection& connection);
  // Reports why the connection's TLS failed, sends the peer the alert
  // saying so (best effort) and closes it.
  void FailTls(Connection& connection);
  // Registers a connection's socket in the epoll set.
  bool Register(Connection& connection, uint32_t events);
  // Closes and forgets a connection (and tells the handler).
  void Close(uint64_t id);
  void Closed(std::unique_ptr<Connection> connection);
  Connection* Connect(const Address& to, Instant now);

  const int epoll_fd_;
  const uint64_t listener_id_;
  net::FileDescriptor listener_;
  DriverStats& stats_;
  DataHandler on_data_;
  ClosedHandler on_closed_;
  ErrorReporter report_;
  Table table_;
  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> plaintext_;  // what TLS decrypted of one read
  // Set while accepting is paused after the process ran out of descriptors
  // (the listener would otherwise stay readable and spin the loop).
  std::optional<Instant> accept_paused_until_;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_EPOLL_EPOLL_STREAMS_H_

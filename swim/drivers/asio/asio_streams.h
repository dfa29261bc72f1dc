#ifndef SWIM_DRIVERS_ASIO_ASIO_STREAMS_H_
#define SWIM_DRIVERS_ASIO_ASIO_STREAMS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "asio.hpp"
#include "swim/core/address.h"
#include "swim/core/instant.h"
#include "swim/core/stream.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/driver_stats.h"
#include "swim/drivers/net/connection_table.h"

namespace swim {

// The stream side of the Asio driver: a TCP acceptor and the connections
// carrying the stream format. Every byte read goes to the data handler (the
// Node), whose verdict the connection policy applies; the policy (one
// reused outgoing connection per peer, caps, deadlines, limits) is
// net::ConnectionTable's, shared with the epoll driver; this class does
// the socket work. Reads wait for readiness and then read into one shared
// buffer, so an idle connection holds no buffer of its own.
//
// All work runs on the driver's strand. Completion handlers find their
// connection by id and check the driver's `alive` flag, so a connection
// (or the whole driver) closed while an operation is pending is simply not
// found when the aborted operation completes.
class AsioStreams {
 public:
  using Executor = asio::strand<asio::io_context::executor_type>;
  // Bytes read from connection `id`; returns the Node's verdict on them.
  using DataHandler = std::function<StreamVerdict(
      uint64_t id, const Address& peer, absl::Span<const uint8_t> bytes,
      Instant now)>;
  // Connection `id` closed, whatever the reason.
  using ClosedHandler = std::function<void(uint64_t id)>;
  using ErrorReporter =
      std::function<void(absl::string_view kind, absl::Status error)>;
  // Called after asynchronous work changed what the driver must do next
  // (a deadline moved): drain the node, re-arm the timer.
  using Settled = std::function<void()>;

  AsioStreams(Executor executor, std::shared_ptr<const bool> alive,
              const DriverOptions& options, DriverStats& stats,
              DataHandler on_data, ClosedHandler on_closed,
              ErrorReporter report, Settled settled);
  ~AsioStreams();

  AsioStreams(const AsioStreams&) = delete;
  AsioStreams& operator=(const AsioStreams&) = delete;

  // Takes ownership of the listening socket (closed on failure).
  absl::Status Adopt(int family, int native_listener);
  // Starts accepting; on the strand.
  void StartAccepting() { StartAccept(); }
  // Queues one stream message (already framed by the Node). With `stream`,
  // a reply on that connection (dropped if it is gone); without, on the
  // connection to `to`, opened if needed.
  void Send(const Address& to, std::optional<StreamId> stream,
            absl::Span<const uint8_t> message, Instant now);
  void OnTimer(Instant now);
  std::optional<Instant> NextDeadline() const;
  // Bytes queued on connections, not yet taken by the sockets.
  size_t queued_bytes() const { return table_.queued_bytes(); }
  // The same with the TLS records not yet taken.
  size_t unsent_bytes() const { return table_.UnsentBytes(); }
  // TLS for connections made from now on (null: none); open ones keep
  // theirs.
  void SetTls(std::shared_ptr<const net::TlsContext> tls) {
    table_.SetTls(std::move(tls));
  }
  // The open connections close within read_timeout of `now` (the TLS
  // settings they were made under were replaced).
  void RetireConnections(Instant now) { table_.Retire(now); }
  // Closes the acceptor and every connection.
  void CloseAll();
  // Closes every connection (telling the closed handler); keeps accepting.
  void CloseConnections();

 private:
  struct Connection : net::StreamConnection {
    explicit Connection(Executor executor) : socket(std::move(executor)) {}
    asio::ip::tcp::socket socket;
    bool writing = false;
    bool read_closed = false;  // the peer finished sending
  };
  using Table = net::ConnectionTable<Connection>;

  void StartAccept();
  void OnAccept(const asio::error_code& error, asio::ip::tcp::socket socket);
  // Waits until the socket is readable, then reads what it has.
  void StartRead(Connection& connection);
  void OnReadable(uint64_t id, const asio::error_code& error);
  Connection* Connect(const Address& to, Instant now);
  void OnConnect(uint64_t id, const asio::error_code& error);
  void StartWrite(Connection& connection);
  void OnWrite(uint64_t id, const asio::error_code& error, size_t count);
  // Reports why the connection's TLS failed, sends the peer the alert
  // saying so (best effort) and closes it.
  void FailTls(Connection& connection);
  // Closes and forgets a connection (and tells the handler).
  void Close(uint64_t id);
  void Closed(std::unique_ptr<Connection> connection);

  Executor executor_;
  std::shared_ptr<const bool> alive_;
  DriverStats& stats_;
  DataHandler on_data_;
  ClosedHandler on_closed_;
  ErrorReporter report_;
  Settled settled_;

  asio::ip::tcp::acceptor acceptor_;
  Table table_;
  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> plaintext_;  // what TLS decrypted of one read
  std::optional<Instant> accept_paused_until_;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_ASIO_ASIO_STREAMS_H_

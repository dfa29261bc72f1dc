#ifndef SWIM_DRIVERS_ASIO_ASIO_STREAMS_H_
#define SWIM_DRIVERS_ASIO_ASIO_STREAMS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "asio.hpp"
#include "swim/core/address.h"
#include "swim/drivers/net/connection_table.h"
#include "swim/drivers/net/driver_options.h"
#include "swim/drivers/net/driver_stats.h"

namespace swim {

// The stream side of the Asio driver: a TCP acceptor and the connections
// carrying length-framed stream messages. The policy (one reused outgoing
// connection per peer, caps, deadlines, limits) is net::ConnectionTable's,
// shared with the epoll driver; this class does the socket work.
//
// All work runs on the driver's strand. Completion handlers find their
// connection by id and check the driver's `alive` flag, so a connection
// (or the whole driver) closed while an operation is pending is simply not
// found when the aborted operation completes.
class AsioStreams {
 public:
  using Executor = asio::strand<asio::io_context::executor_type>;
  using FrameHandler =
      std::function<void(const Address& from, absl::Span<const uint8_t>)>;
  using ErrorReporter =
      std::function<void(absl::string_view kind, absl::Status error)>;
  // Called after asynchronous work changed what the driver must do next
  // (a frame arrived, a deadline moved): drain the node, re-arm the timer.
  using Settled = std::function<void()>;

  AsioStreams(Executor executor, std::shared_ptr<const bool> alive,
              const DriverOptions& options, DriverStats& stats,
              FrameHandler on_frame, ErrorReporter report, Settled settled);
  ~AsioStreams();

  AsioStreams(const AsioStreams&) = delete;
  AsioStreams& operator=(const AsioStreams&) = delete;

  // Takes ownership of the listening socket (closed on failure).
  absl::Status Adopt(int family, int native_listener);
  // Starts accepting; on the strand.
  void StartAccepting() { StartAccept(); }
  void Send(const Address& to, absl::Span<const uint8_t> message,
            absl::Time now);
  void OnTimer(absl::Time now);
  std::optional<absl::Time> NextDeadline() const;
  // Closes the acceptor and every connection.
  void CloseAll();

 private:
  struct Connection : net::StreamConnection {
    explicit Connection(Executor executor) : socket(std::move(executor)) {}
    asio::ip::tcp::socket socket;
    bool writing = false;
    std::array<uint8_t, 64> discard;
  };

  void StartAccept();
  void OnAccept(const asio::error_code& error, asio::ip::tcp::socket socket);
  void StartRead(Connection& connection);
  void OnRead(uint64_t id, const asio::error_code& error, size_t count);
  Connection* Connect(const Address& to, absl::Time now);
  void OnConnect(uint64_t id, const asio::error_code& error);
  void StartWrite(Connection& connection);
  void OnWrite(uint64_t id, const asio::error_code& error, size_t count);
  void WatchClose(Connection& connection);
  void Close(uint64_t id);

  Executor executor_;
  std::shared_ptr<const bool> alive_;
  DriverStats& stats_;
  FrameHandler on_frame_;
  ErrorReporter report_;
  Settled settled_;

  asio::ip::tcp::acceptor acceptor_;
  net::ConnectionTable<Connection> table_;
  std::optional<absl::Time> accept_paused_until_;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_ASIO_ASIO_STREAMS_H_

#include "swim/drivers/asio/asio_streams.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/net/socket_address.h"

namespace swim {
namespace {

// How long accepting pauses when the process is out of descriptors.
constexpr absl::Duration kAcceptPause = absl::Milliseconds(100);

bool OutOfResources(const asio::error_code& error) {
  return error == asio::error::no_descriptors ||
         error == asio::error::no_buffer_space ||
         error == asio::error::no_memory;
}

absl::Status OutOfDescriptors(absl::string_view what,
                              const asio::error_code& error) {
  return absl::ResourceExhaustedError(absl::StrCat(
      what, ": ", error.message(), " (raise the open-file limit, ulimit -n)"));
}

asio::ip::tcp::endpoint ToEndpoint(const net::SocketAddress& address) {
  asio::ip::tcp::endpoint endpoint;
  std::memcpy(endpoint.data(), address.get(), address.length);
  endpoint.resize(address.length);
  return endpoint;
}

}  // namespace

AsioStreams::AsioStreams(Executor executor, std::shared_ptr<const bool> alive,
                         const DriverOptions& options, DriverStats& stats,
                         FrameHandler on_frame, ErrorReporter report,
                         Settled settled)
    : executor_(std::move(executor)),
      alive_(std::move(alive)),
      stats_(stats),
      on_frame_(std::move(on_frame)),
      report_(std::move(report)),
      settled_(std::move(settled)),
      acceptor_(executor_),
      table_(options, stats) {}

AsioStreams::~AsioStreams() { CloseAll(); }

absl::Status AsioStreams::Adopt(int family, int native_listener) {
  asio::error_code error;
  acceptor_.assign(
      family == AF_INET ? asio::ip::tcp::v4() : asio::ip::tcp::v6(),
      native_listener, error);
  if (error) {
    ::close(native_listener);
    return absl::InternalError(
        absl::StrCat("cannot adopt the TCP listener: ", error.message()));
  }
  return absl::OkStatus();
}

void AsioStreams::CloseAll() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  for (std::unique_ptr<Connection>& connection : table_.TakeAll()) {
    connection->socket.close(ignored);
  }
}

void AsioStreams::Close(uint64_t id) {
  std::unique_ptr<Connection> connection = table_.Remove(id);
  if (connection == nullptr) return;
  asio::error_code ignored;
  connection->socket.close(ignored);  // pending operations complete aborted
}

// --- Incoming ---------------------------------------------------------------

void AsioStreams::StartAccept() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept([this, alive = alive_](const asio::error_code& error,
                                                asio::ip::tcp::socket socket) {
    if (!*alive) return;
    OnAccept(error, std::move(socket));
  });
}

void AsioStreams::OnAccept(const asio::error_code& error,
                           asio::ip::tcp::socket socket) {
  if (error == asio::error::operation_aborted) return;
  const absl::Time now = net::MonotonicNow();
  if (error) {
    ++stats_.accept_errors;
    if (OutOfResources(error)) {
      report_("accept",
              OutOfDescriptors("cannot accept stream connections", error));
      accept_paused_until_ = now + kAcceptPause;  // OnTimer resumes
      settled_();
      return;
    }
    StartAccept();
    return;
  }
  StartAccept();
  asio::error_code ignored;
  const asio::ip::tcp::endpoint remote = socket.remote_endpoint(ignored);
  const std::optional<Address> from =
      net::FromSocketAddress(remote.data(), remote.size());
  if (!from) {
    ++stats_.stream_errors;
    return;  // the socket closes as it goes
  }
  auto connection = std::make_unique<Connection>(executor_);
  connection->socket = std::move(socket);
  Connection* added = table_.AddIncoming(std::move(connection), *from, now);
  if (added == nullptr) return;  // over the cap: closed
  StartRead(*added);
  settled_();  // a new deadline
}

void AsioStreams::StartRead(Connection& connection) {
  const absl::Span<uint8_t> buffer = connection.reader->Buffer();
  connection.socket.async_read_some(
      asio::buffer(buffer.data(), buffer.size()),
      [this, alive = alive_, id = connection.id](const asio::error_code& error,
                                                 size_t count) {
        if (!*alive) return;
        OnRead(id, error, count);
      });
}

void AsioStreams::OnRead(uint64_t id, const asio::error_code& error,
                         size_t count) {
  Connection* connection = table_.Find(id);
  if (connection == nullptr) return;  // closed meanwhile
  if (error) {
    // EOF mid-frame is a truncated message; other errors are resets.
    if (error != asio::error::eof || !connection->reader->idle()) {
      ++stats_.stream_errors;
    }
    Close(id);
    settled_();
    return;
  }
  switch (connection->reader->Commit(count)) {
    case net::FrameReader::Result::kNeedMore:
      break;
    case net::FrameReader::Result::kFrame:
      table_.FrameReceived(*connection, net::MonotonicNow());
      on_frame_(connection->peer, connection->reader->frame());
      settled_();
      // Draining may have changed the table; find it again.
      connection = table_.Find(id);
      if (connection == nullptr) return;
      break;
    case net::FrameReader::Result::kOversized:
      ++stats_.frames_oversized;
      Close(id);
      settled_();
      return;
  }
  StartRead(*connection);
}

// --- Outgoing ---------------------------------------------------------------

void AsioStreams::Send(const Address& to, absl::Span<const uint8_t> message,
                       absl::Time now) {
  absl::Status error;
  if (!table_.Admit(message.size(), &error)) {
    if (!error.ok()) report_("frame size", std::move(error));
    return;
  }
  Connection* connection = table_.FindOutgoing(to);
  if (connection == nullptr) connection = Connect(to, now);
  if (connection == nullptr) {
    ++stats_.frames_dropped;
    return;
  }
  table_.Enqueue(*connection, message, now);
  if (!connection->connecting) StartWrite(*connection);
}

AsioStreams::Connection* AsioStreams::Connect(const Address& to,
                                              absl::Time now) {
  if (!table_.CanConnect()) return nullptr;
  const int family = net::SocketFamilyOf(to);
  const std::optional<net::SocketAddress> where =
      net::ToSocketAddress(to, family);
  if (!where) return nullptr;
  auto connection = std::make_unique<Connection>(executor_);
  asio::error_code error;
  connection->socket.open(
      family == AF_INET ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), error);
  if (error) {
    ++stats_.stream_errors;
    report_("socket", OutOfDescriptors("cannot open a stream socket", error));
    return nullptr;
  }
  Connection* added = table_.AddOutgoing(std::move(connection), to, now);
  added->socket.async_connect(
      ToEndpoint(*where),
      [this, alive = alive_, id = added->id](const asio::error_code& error) {
        if (!*alive) return;
        OnConnect(id, error);
      });
  return added;
}

void AsioStreams::OnConnect(uint64_t id, const asio::error_code& error) {
  Connection* connection = table_.Find(id);
  if (connection == nullptr) return;
  if (error) {
    ++stats_.stream_connect_failures;
    Close(id);
    settled_();
    return;
  }
  table_.Connected(*connection, net::MonotonicNow());
  WatchClose(*connection);
  StartWrite(*connection);
  settled_();
}

void AsioStreams::StartWrite(Connection& connection) {
  if (connection.writing || connection.queue.empty()) return;
  connection.writing = true;
  const absl::Span<const uint8_t> unwritten = connection.queue.Unwritten();
  connection.socket.async_write_some(
      asio::buffer(unwritten.data(), unwritten.size()),
      [this, alive = alive_, id = connection.id](const asio::error_code& error,
                                                 size_t count) {
        if (!*alive) return;
        OnWrite(id, error, count);
      });
}

void AsioStreams::OnWrite(uint64_t id, const asio::error_code& error,
                          size_t count) {
  Connection* connection = table_.Find(id);
  if (connection == nullptr) return;
  connection->writing = false;
  if (error) {
    ++stats_.stream_errors;
    Close(id);
    settled_();
    return;
  }
  table_.Wrote(*connection, count, net::MonotonicNow());
  StartWrite(*connection);
  settled_();
}

void AsioStreams::WatchClose(Connection& connection) {
  // Peers never write on our outgoing connections: a completed read is
  // their close (or junk, discarded).
  connection.socket.async_read_some(asio::buffer(connection.discard),
                                    [this, alive = alive_, id = connection.id](
                                        const asio::error_code& error, size_t) {
                                      if (!*alive) return;
                                      Connection* connection = table_.Find(id);
                                      if (connection == nullptr) return;
                                      if (!error) {
                                        WatchClose(*connection);
                                        return;
                                      }
                                      if (!connection->queue.empty())
                                        ++stats_.stream_errors;
                                      Close(id);
                                      settled_();
                                    });
}

// --- Both -------------------------------------------------------------------

void AsioStreams::OnTimer(absl::Time now) {
  asio::error_code ignored;
  for (std::unique_ptr<Connection>& expired : table_.TakeExpired(now)) {
    expired->socket.close(ignored);
  }
  if (accept_paused_until_ && *accept_paused_until_ <= now) {
    accept_paused_until_.reset();
    StartAccept();
  }
}

std::optional<absl::Time> AsioStreams::NextDeadline() const {
  return net::Earliest(table_.NextDeadline(), accept_paused_until_);
}

}  // namespace swim

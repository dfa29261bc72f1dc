#include "swim/drivers/asio/asio_streams.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/net/socket_address.h"

namespace swim {
namespace {

// How long accepting pauses when the process is out of descriptors.
constexpr absl::Duration kAcceptPause = absl::Milliseconds(100);
// Reads per readiness before waiting again, so one busy connection cannot
// starve the rest of the strand's work.
constexpr int kMaxReadsPerWake = 16;
// One read's worth: a few stream chunks.
constexpr size_t kReadBufferSize = 64 << 10;

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
                         DataHandler on_data, ClosedHandler on_closed,
                         ErrorReporter report, Settled settled)
    : executor_(std::move(executor)),
      alive_(std::move(alive)),
      stats_(stats),
      on_data_(std::move(on_data)),
      on_closed_(std::move(on_closed)),
      report_(std::move(report)),
      settled_(std::move(settled)),
      acceptor_(executor_),
      table_(options, stats),
      read_buffer_(kReadBufferSize) {}

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

void AsioStreams::CloseConnections() {
  for (std::unique_ptr<Connection>& connection : table_.TakeAll()) {
    Closed(std::move(connection));
  }
}

void AsioStreams::Close(uint64_t id) { Closed(table_.Remove(id)); }

void AsioStreams::Closed(std::unique_ptr<Connection> connection) {
  if (connection == nullptr) return;
  asio::error_code ignored;
  connection->socket.close(ignored);  // pending operations complete aborted
  const uint64_t id = connection->id;
  connection.reset();
  on_closed_(id);
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
  const Instant now = net::MonotonicNow();
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
  socket.non_blocking(true, ignored);
  net::SendWithoutDelay(socket.native_handle());
  auto connection = std::make_unique<Connection>(executor_);
  connection->socket = std::move(socket);
  auto accepted = table_.AddIncoming(std::move(connection), *from, now);
  Closed(std::move(accepted.evicted));
  if (accepted.added != nullptr) StartRead(*accepted.added);
  settled_();  // a new deadline
}

void AsioStreams::StartRead(Connection& connection) {
  connection.socket.async_wait(asio::ip::tcp::socket::wait_read,
                               [this, alive = alive_, id = connection.id](
                                   const asio::error_code& error) {
                                 if (!*alive) return;
                                 OnReadable(id, error);
                               });
}

void AsioStreams::OnReadable(uint64_t id, const asio::error_code& error) {
  if (error == asio::error::operation_aborted) return;
  if (table_.Find(id) == nullptr) return;  // closed meanwhile
  if (error) {
    ++stats_.stream_errors;
    Close(id);
    settled_();
    return;
  }
  const Instant now = net::MonotonicNow();
  for (int i = 0; i < kMaxReadsPerWake; ++i) {
    Connection* connection = table_.Find(id);
    if (connection == nullptr) break;
    asio::error_code read_error;
    const size_t count = connection->socket.read_some(
        asio::buffer(read_buffer_.data(), read_buffer_.size()), read_error);
    if (read_error == asio::error::would_block ||
        read_error == asio::error::try_again) {
      StartRead(*connection);
      break;
    }
    if (read_error) {  // eof, a reset, ...
      if (auto closed = table_.ClosedInHandshake(*connection)) {
        report_(closed->first, closed->second);
      }
    }
    if (read_error == asio::error::eof) {
      // The peer finished sending. Whatever is still queued for it (a
      // reply) is written before the connection closes.
      connection->read_closed = true;
      if ((!connection->HasOutput() || connection->Stuck()) &&
          !connection->writing) {
        Close(id);
      }
      break;
    }
    if (read_error) {
      ++stats_.stream_errors;
      Close(id);
      break;
    }
    const Address peer = connection->peer;
    const std::optional<absl::Span<const uint8_t>> data = table_.Open(
        *connection, absl::MakeConstSpan(read_buffer_.data(), count),
        plaintext_);
    if (!data) {
      FailTls(*connection);
      break;
    }
    const StreamVerdict verdict = data->empty()
                                      ? StreamVerdict::kContinue
                                      : on_data_(id, peer, *data, now);
    // The handler may have sent on (or failed) this connection.
    connection = table_.Find(id);
    if (connection == nullptr) break;
    if (!table_.Read(*connection, count, verdict, now)) {
      Close(id);
      break;
    }
    StartWrite(*connection);  // TLS may have a handshake message to send
    if (i + 1 == kMaxReadsPerWake) {
      // Busy: let the strand's other work run, then continue.
      asio::post(executor_, [this, alive = alive_, id] {
        if (!*alive) return;
        OnReadable(id, asio::error_code());
      });
    }
  }
  settled_();
}

// --- Outgoing ---------------------------------------------------------------

void AsioStreams::Send(const Address& to, std::optional<StreamId> stream,
                       absl::Span<const uint8_t> message, Instant now) {
  Connection* connection = table_.Route(to, stream, message.size(),
                                        [&] { return Connect(to, now); });
  if (connection == nullptr) return;
  table_.Enqueue(*connection, message, now);
  if (!connection->connecting) StartWrite(*connection);
}

AsioStreams::Connection* AsioStreams::Connect(const Address& to, Instant now) {
  if (!table_.CanConnect()) {
    report_("connection cap", table_.CapReached(to));
    return nullptr;
  }
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
  net::SendWithoutDelay(connection->socket.native_handle());
  Connection* added = table_.AddOutgoing(std::move(connection), to, now);
  if (added == nullptr) return nullptr;
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
  asio::error_code ignored;
  connection->socket.non_blocking(true, ignored);
  table_.Connected(*connection, net::MonotonicNow());
  StartRead(*connection);  // replies, and the peer's close
  StartWrite(*connection);
  settled_();
}

void AsioStreams::FailTls(Connection& connection) {
  const auto [kind, error] = table_.TlsFailed(connection);
  report_(kind, error);
  // Tell the peer why (the alert is the last record), as far as the
  // socket takes it now, unless a write is under way: the connection
  // closes either way.
  if (!connection.writing) {
    for (absl::Span<const uint8_t> pending = connection.tls->Pending();
         !pending.empty(); pending = connection.tls->Pending()) {
      asio::error_code ignored;
      const size_t count = connection.socket.write_some(
          asio::buffer(pending.data(), pending.size()), ignored);
      if (count == 0) break;
      connection.tls->Consumed(count);
    }
  }
  Close(connection.id);
}

void AsioStreams::StartWrite(Connection& connection) {
  if (connection.writing || connection.connecting) return;
  // Records stay where they are until written, and a message's bytes
  // until the next message is taken, so the buffer outlives the write.
  const absl::Span<const uint8_t> unwritten = table_.Outgoing(connection);
  if (unwritten.empty()) {
    if (connection.tls != nullptr && connection.tls->failed()) {
      FailTls(connection);
    }
    return;
  }
  connection.writing = true;
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
  if (connection->read_closed &&
      (!connection->HasOutput() || connection->Stuck())) {
    Close(id);  // everything the finished peer was owed is written
  } else {
    StartWrite(*connection);
  }
  settled_();
}

// --- Both -------------------------------------------------------------------

void AsioStreams::OnTimer(Instant now) {
  for (std::unique_ptr<Connection>& expired : table_.TakeExpired(now)) {
    Closed(std::move(expired));
  }
  if (accept_paused_until_ && *accept_paused_until_ <= now) {
    accept_paused_until_.reset();
    StartAccept();
  }
}

std::optional<Instant> AsioStreams::NextDeadline() const {
  return net::Earliest(table_.NextDeadline(), accept_paused_until_);
}

}  // namespace swim

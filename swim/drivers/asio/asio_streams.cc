#include "swim/drivers/asio/asio_streams.h"

#include <sys/socket.h>

#include <algorithm>
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
      options_(options),
      stats_(stats),
      on_frame_(std::move(on_frame)),
      report_(std::move(report)),
      settled_(std::move(settled)),
      acceptor_(executor_) {}

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
  for (auto& [id, connection] : connections_) connection->socket.close(ignored);
  connections_.clear();
  outgoing_by_peer_.clear();
  incoming_ = 0;
  queued_bytes_ = 0;
}

AsioStreams::Connection* AsioStreams::Find(uint64_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
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
              absl::ResourceExhaustedError(absl::StrCat(
                  "cannot accept stream connections: ", error.message(),
                  " (raise the open-file limit, ulimit -n)")));
      accept_paused_until_ = now + kAcceptPause;  // OnTimer resumes
      settled_();
      return;
    }
    StartAccept();
    return;
  }
  StartAccept();
  asio::error_code ignored;
  if (incoming_ >= static_cast<size_t>(options_.max_connections)) {
    ++stats_.streams_rejected;
    socket.close(ignored);
    return;
  }
  const asio::ip::tcp::endpoint remote = socket.remote_endpoint(ignored);
  const std::optional<Address> from =
      net::FromSocketAddress(remote.data(), remote.size());
  if (!from) {
    ++stats_.stream_errors;
    socket.close(ignored);
    return;
  }
  auto connection = std::make_unique<Connection>(executor_);
  connection->id = next_id_++;
  connection->socket = std::move(socket);
  connection->incoming = true;
  connection->peer = *from;
  connection->deadline = now + options_.read_timeout;
  connection->reader =
      std::make_unique<net::FrameReader>(options_.max_frame_size);
  ++stats_.streams_accepted;
  ++incoming_;
  Connection& added = *connection;
  connections_[connection->id] = std::move(connection);
  StartRead(added);
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
  Connection* connection = Find(id);
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
      ++stats_.frames_received;
      connection->deadline = net::MonotonicNow() + options_.read_timeout;
      on_frame_(connection->peer, connection->reader->frame());
      settled_();
      // Draining may have changed the table; find it again.
      connection = Find(id);
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
  if (message.size() > options_.max_frame_size) {
    ++stats_.frames_dropped;
    report_("frame size",
            absl::FailedPreconditionError(absl::StrCat(
                "a stream message of ", message.size(),
                " bytes exceeds DriverOptions::max_frame_size (",
                options_.max_frame_size,
                "): raise it on every member (the cluster's state grew)")));
    return;
  }
  Connection* connection = nullptr;
  if (auto it = outgoing_by_peer_.find(to); it != outgoing_by_peer_.end()) {
    connection = Find(it->second);
  } else {
    connection = Connect(to, now);
  }
  if (connection == nullptr) {
    ++stats_.frames_dropped;
    return;
  }
  const size_t framed = net::kFrameHeaderSize + message.size();
  if (queued_bytes_ + framed > options_.max_queued_stream_bytes) {
    ++stats_.frames_dropped;
    return;
  }
  std::vector<uint8_t> frame(framed);
  const auto header =
      net::EncodeFrameHeader(static_cast<uint32_t>(message.size()));
  std::copy(header.begin(), header.end(), frame.begin());
  std::copy(message.begin(), message.end(),
            frame.begin() + net::kFrameHeaderSize);
  connection->queue.push_back(std::move(frame));
  connection->queued_bytes += framed;
  queued_bytes_ += framed;
  if (connection->connecting || connection->writing) return;
  connection->deadline = now + options_.write_timeout;
  StartWrite(*connection);
}

AsioStreams::Connection* AsioStreams::Connect(const Address& to,
                                              absl::Time now) {
  if (outgoing_by_peer_.size() >=
      static_cast<size_t>(options_.max_connections)) {
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
    report_("socket", absl::ResourceExhaustedError(absl::StrCat(
                          "cannot open a stream socket: ", error.message(),
                          " (raise the open-file limit, ulimit -n)")));
    return nullptr;
  }
  connection->id = next_id_++;
  connection->peer = to;
  connection->connecting = true;
  connection->deadline = now + options_.connect_timeout;
  connection->socket.async_connect(
      ToEndpoint(*where), [this, alive = alive_,
                           id = connection->id](const asio::error_code& error) {
        if (!*alive) return;
        OnConnect(id, error);
      });
  ++stats_.connections_opened;
  Connection* result = connection.get();
  outgoing_by_peer_[to] = connection->id;
  connections_[connection->id] = std::move(connection);
  return result;
}

void AsioStreams::OnConnect(uint64_t id, const asio::error_code& error) {
  Connection* connection = Find(id);
  if (connection == nullptr) return;
  if (error) {
    ++stats_.stream_connect_failures;
    stats_.frames_dropped += connection->queue.size();
    Close(id);
    settled_();
    return;
  }
  connection->connecting = false;
  connection->deadline = net::MonotonicNow() + options_.write_timeout;
  WatchClose(*connection);
  StartWrite(*connection);
  settled_();
}

void AsioStreams::StartWrite(Connection& connection) {
  if (connection.writing) return;
  if (connection.queue.empty()) {
    connection.deadline = net::MonotonicNow() + options_.idle_timeout;
    return;
  }
  connection.writing = true;
  const std::vector<uint8_t>& frame = connection.queue.front();
  connection.socket.async_write_some(
      asio::buffer(frame.data() + connection.written,
                   frame.size() - connection.written),
      [this, alive = alive_, id = connection.id](const asio::error_code& error,
                                                 size_t count) {
        if (!*alive) return;
        OnWrite(id, error, count);
      });
}

void AsioStreams::OnWrite(uint64_t id, const asio::error_code& error,
                          size_t count) {
  Connection* connection = Find(id);
  if (connection == nullptr) return;
  connection->writing = false;
  if (error) {
    ++stats_.stream_errors;
    stats_.frames_dropped += connection->queue.size();
    Close(id);
    settled_();
    return;
  }
  connection->written += count;
  connection->deadline = net::MonotonicNow() + options_.write_timeout;
  if (connection->written == connection->queue.front().size()) {
    ++stats_.frames_sent;
    connection->queued_bytes -= connection->queue.front().size();
    queued_bytes_ -= connection->queue.front().size();
    connection->queue.pop_front();
    connection->written = 0;
  }
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
                                      Connection* connection = Find(id);
                                      if (connection == nullptr) return;
                                      if (!error) {
                                        WatchClose(*connection);
                                        return;
                                      }
                                      if (!connection->queue.empty())
                                        ++stats_.stream_errors;
                                      stats_.frames_dropped +=
                                          connection->queue.size();
                                      Close(id);
                                      settled_();
                                    });
}

// --- Both -------------------------------------------------------------------

void AsioStreams::OnTimer(absl::Time now) {
  std::vector<uint64_t> expired;
  for (const auto& [id, connection] : connections_) {
    if (connection->deadline <= now) expired.push_back(id);
  }
  for (uint64_t id : expired) {
    Connection& connection = *connections_[id];
    if (connection.incoming) {
      ++stats_.stream_read_timeouts;
    } else if (connection.connecting) {
      ++stats_.stream_connect_timeouts;
    } else if (!connection.queue.empty()) {
      ++stats_.stream_write_timeouts;
    }
    if (!connection.incoming) stats_.frames_dropped += connection.queue.size();
    Close(id);
  }
  if (accept_paused_until_ && *accept_paused_until_ <= now) {
    accept_paused_until_.reset();
    StartAccept();
  }
}

std::optional<absl::Time> AsioStreams::NextDeadline() const {
  std::optional<absl::Time> next = accept_paused_until_;
  for (const auto& [id, connection] : connections_) {
    if (!next || connection->deadline < *next) next = connection->deadline;
  }
  return next;
}

void AsioStreams::Close(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& connection = *it->second;
  asio::error_code ignored;
  connection.socket.close(ignored);  // pending operations complete aborted
  queued_bytes_ -= connection.queued_bytes;
  if (connection.incoming) {
    --incoming_;
  } else if (auto peer = outgoing_by_peer_.find(connection.peer);
             peer != outgoing_by_peer_.end() && peer->second == id) {
    outgoing_by_peer_.erase(peer);
  }
  connections_.erase(it);
}

}  // namespace swim

#include "swim/drivers/epoll/epoll_streams.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/net/socket_address.h"

namespace swim {
namespace {

// Reads per readiness event before returning to the loop, so one busy
// connection cannot starve datagrams and timers (epoll is level-triggered:
// the rest is reported again).
constexpr int kMaxReadsPerEvent = 16;
constexpr int kMaxAcceptsPerEvent = 64;
// One read's worth: a few stream chunks.
constexpr size_t kReadBufferSize = 64 << 10;
// How long accepting pauses when the process is out of descriptors.
constexpr absl::Duration kAcceptPause = absl::Milliseconds(100);

bool OutOfResources(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS ||
         error == ENOMEM;
}

absl::Status OutOfDescriptors(absl::string_view what) {
  return absl::ResourceExhaustedError(
      absl::StrCat(what, ": ", std::strerror(errno),
                   " (raise the open-file limit, ulimit -n)"));
}

}  // namespace

EpollStreams::EpollStreams(int epoll_fd, uint64_t listener_id,
                           net::FileDescriptor listener,
                           const DriverOptions& options, DriverStats& stats,
                           DataHandler on_data, ClosedHandler on_closed,
                           ErrorReporter report)
    : epoll_fd_(epoll_fd),
      listener_id_(listener_id),
      listener_(std::move(listener)),
      stats_(stats),
      on_data_(std::move(on_data)),
      on_closed_(std::move(on_closed)),
      report_(std::move(report)),
      table_(options, stats, kFirstConnectionId),
      read_buffer_(kReadBufferSize) {
  epoll_event event = {};
  event.events = EPOLLIN;
  event.data.u64 = listener_id_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_.get(), &event);
}

EpollStreams::~EpollStreams() = default;

bool EpollStreams::Register(Connection& connection, uint32_t events) {
  epoll_event event = {};
  event.events = events;
  event.data.u64 = connection.id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection.fd.get(), &event) != 0) {
    return false;
  }
  connection.watching = events;
  return true;
}

void EpollStreams::CloseConnections() {
  for (std::unique_ptr<Connection>& connection : table_.TakeAll()) {
    Closed(std::move(connection));
  }
}

void EpollStreams::Close(uint64_t id) { Closed(table_.Remove(id)); }

void EpollStreams::Closed(std::unique_ptr<Connection> connection) {
  if (connection == nullptr) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection->fd.get(), nullptr);
  const uint64_t id = connection->id;
  connection.reset();  // closes the descriptor
  on_closed_(id);
}

// --- Incoming ---------------------------------------------------------------

void EpollStreams::OnListenerReady(Instant now) { Accept(now); }

void EpollStreams::Accept(Instant now) {
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    net::SocketAddress peer;
    peer.length = sizeof(peer.storage);
    const int fd = ::accept4(listener_.get(), peer.get(), &peer.length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      ++stats_.accept_errors;
      if (OutOfResources(errno)) {
        report_("accept", OutOfDescriptors("cannot accept stream connections"));
        // Stop watching the listener for a moment; OnTimer resumes it.
        epoll_event event = {};
        event.data.u64 = listener_id_;
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listener_.get(), &event);
        accept_paused_until_ = now + kAcceptPause;
      }
      return;
    }
    auto connection = std::make_unique<Connection>();
    connection->fd = net::FileDescriptor(fd);
    net::SendWithoutDelay(fd);
    const std::optional<Address> from =
        net::FromSocketAddress(peer.get(), peer.length);
    if (!from) {
      ++stats_.stream_errors;
      continue;  // closed as `connection` goes
    }
    auto accepted = table_.AddIncoming(std::move(connection), *from, now);
    Closed(std::move(accepted.evicted));
    if (accepted.added == nullptr) continue;  // refused: closed
    if (!Register(*accepted.added, EPOLLIN | EPOLLRDHUP)) {
      ++stats_.stream_errors;
      Close(accepted.added->id);
    }
  }
}

bool EpollStreams::ReadAvailable(uint64_t id, Instant now) {
  for (int i = 0; i < kMaxReadsPerEvent; ++i) {
    Connection* connection = table_.Find(id);
    if (connection == nullptr) return false;
    if (connection->read_closed) return true;
    const ssize_t count = ::recv(connection->fd.get(), read_buffer_.data(),
                                 read_buffer_.size(), 0);
    if (count > 0) {
      const Address peer = connection->peer;
      const std::optional<absl::Span<const uint8_t>> data = table_.Open(
          *connection,
          absl::MakeConstSpan(read_buffer_.data(), static_cast<size_t>(count)),
          plaintext_);
      if (!data) {
        FailTls(*connection);
        return false;
      }
      const StreamVerdict verdict = data->empty()
                                        ? StreamVerdict::kContinue
                                        : on_data_(id, peer, *data, now);
      // The handler may have sent on (or failed) this connection.
      connection = table_.Find(id);
      if (connection == nullptr) return false;
      if (!table_.Read(*connection, static_cast<size_t>(count), verdict, now)) {
        Close(id);
        return false;
      }
      if (static_cast<size_t>(count) < read_buffer_.size()) return true;
      continue;
    }
    if (count == 0) {
      if (auto closed = table_.ClosedInHandshake(*connection)) {
        report_(closed->first, closed->second);
      }
      // The peer finished sending. Whatever is still queued for it (a
      // reply) is written before the connection closes.
      connection->read_closed = true;
      if (!connection->HasOutput() || connection->Stuck()) {
        Close(id);
        return false;
      }
      UpdateInterest(*connection);
      return true;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    if (errno == EINTR) continue;
    ++stats_.stream_errors;
    if (auto closed = table_.ClosedInHandshake(*connection)) {
      report_(closed->first, closed->second);
    }
    Close(id);
    return false;
  }
  return true;
}

// --- Outgoing ---------------------------------------------------------------

void EpollStreams::Send(const Address& to, std::optional<StreamId> stream,
                        absl::Span<const uint8_t> message, Instant now) {
  Connection* connection = table_.Route(to, stream, message.size(),
                                        [&] { return Connect(to, now); });
  if (connection == nullptr) return;
  table_.Enqueue(*connection, message, now);
  if (connection->connecting) return;
  const uint64_t id = connection->id;
  // (A failed TLS write closes the connection itself.)
  if (!WriteQueued(*connection, now)) Close(id);
}

EpollStreams::Connection* EpollStreams::Connect(const Address& to,
                                                Instant now) {
  if (!table_.CanConnect()) {
    report_("connection cap", table_.CapReached(to));
    return nullptr;
  }
  const int family = net::SocketFamilyOf(to);
  const std::optional<net::SocketAddress> where =
      net::ToSocketAddress(to, family);
  if (!where) return nullptr;
  auto connection = std::make_unique<Connection>();
  connection->fd = net::FileDescriptor(
      ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!connection->fd.valid()) {
    ++stats_.stream_errors;
    report_("socket", OutOfDescriptors("cannot open a stream socket"));
    return nullptr;
  }
  net::SendWithoutDelay(connection->fd.get());
  bool established = true;
  if (::connect(connection->fd.get(), where->get(), where->length) != 0) {
    if (errno != EINPROGRESS) {
      ++stats_.stream_connect_failures;
      return nullptr;
    }
    established = false;
  }
  Connection* added = table_.AddOutgoing(std::move(connection), to, now);
  if (added == nullptr) return nullptr;
  // Writable once connected (or failed); readable for replies and close.
  if (!Register(*added, EPOLLIN | EPOLLOUT | EPOLLRDHUP)) {
    ++stats_.stream_errors;
    Close(added->id);
    return nullptr;
  }
  if (established) table_.Connected(*added, now);
  return added;
}

void EpollStreams::FinishConnect(Connection& connection, Instant now) {
  int error = 0;
  socklen_t length = sizeof(error);
  ::getsockopt(connection.fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) {
    ++stats_.stream_connect_failures;
    Close(connection.id);
    return;
  }
  table_.Connected(connection, now);
}

bool EpollStreams::WriteQueued(Connection& connection, Instant now) {
  while (true) {
    const absl::Span<const uint8_t> unwritten = table_.Outgoing(connection);
    if (unwritten.empty()) {
      if (connection.tls != nullptr && connection.tls->failed()) {
        FailTls(connection);
        return false;
      }
      break;
    }
    const ssize_t count = ::send(connection.fd.get(), unwritten.data(),
                                 unwritten.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (count < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        UpdateInterest(connection);
        return true;
      }
      if (errno == EINTR) continue;
      ++stats_.stream_errors;
      return false;
    }
    table_.Wrote(connection, static_cast<size_t>(count), now);
  }
  // Everything written: a connection whose peer finished sending is done.
  if (connection.read_closed && (!connection.HasOutput() || connection.Stuck()))
    return false;
  UpdateInterest(connection);
  return true;
}

void EpollStreams::FailTls(Connection& connection) {
  const auto [kind, error] = table_.TlsFailed(connection);
  report_(kind, error);
  // Tell the peer why (the alert is the last record), as far as the
  // socket takes it now: the connection closes either way.
  for (absl::Span<const uint8_t> pending = connection.tls->Pending();
       !pending.empty(); pending = connection.tls->Pending()) {
    const ssize_t count = ::send(connection.fd.get(), pending.data(),
                                 pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (count <= 0) break;
    connection.tls->Consumed(static_cast<size_t>(count));
  }
  Close(connection.id);
}

void EpollStreams::UpdateInterest(Connection& connection) {
  uint32_t events = 0;
  if (!connection.read_closed) events |= EPOLLIN | EPOLLRDHUP;
  if (connection.connecting || connection.CanWrite()) events |= EPOLLOUT;
  if (events == connection.watching) return;
  epoll_event event = {};
  event.events = events;
  event.data.u64 = connection.id;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd.get(), &event);
  connection.watching = events;
}

// --- Both -------------------------------------------------------------------

void EpollStreams::OnConnectionReady(uint64_t id, uint32_t events,
                                     Instant now) {
  Connection* connection = table_.Find(id);
  if (connection == nullptr) return;  // closed earlier in this batch
  if (connection->connecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    FinishConnect(*connection, now);
    connection = table_.Find(id);
    if (connection == nullptr) return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    if (!ReadAvailable(id, now)) return;
    connection = table_.Find(id);
    if (connection == nullptr) return;
  }
  if (!WriteQueued(*connection, now)) Close(id);
}

void EpollStreams::OnTimer(Instant now) {
  for (std::unique_ptr<Connection>& expired : table_.TakeExpired(now)) {
    Closed(std::move(expired));
  }
  if (accept_paused_until_ && *accept_paused_until_ <= now) {
    accept_paused_until_.reset();
    epoll_event event = {};
    event.events = EPOLLIN;
    event.data.u64 = listener_id_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listener_.get(), &event);
  }
}

std::optional<Instant> EpollStreams::NextDeadline() const {
  return net::Earliest(table_.NextDeadline(), accept_paused_until_);
}

}  // namespace swim

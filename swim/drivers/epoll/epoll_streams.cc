#include "swim/drivers/epoll/epoll_streams.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/net/socket_address.h"

namespace swim {
namespace {

// Work done for one readiness event before returning to the loop, so one
// busy connection cannot starve datagrams and timers (epoll is
// level-triggered: the rest is reported again).
constexpr int kMaxReadsPerEvent = 64;
constexpr int kMaxAcceptsPerEvent = 64;
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
                           FrameHandler on_frame, ErrorReporter report)
    : epoll_fd_(epoll_fd),
      listener_id_(listener_id),
      listener_(std::move(listener)),
      stats_(stats),
      on_frame_(std::move(on_frame)),
      report_(std::move(report)),
      table_(options, stats, kFirstConnectionId) {
  epoll_event event = {};
  event.events = EPOLLIN;
  event.data.u64 = listener_id_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_.get(), &event);
}

EpollStreams::~EpollStreams() = default;

bool EpollStreams::Register(const Connection& connection, uint32_t events) {
  epoll_event event = {};
  event.events = events;
  event.data.u64 = connection.id;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection.fd.get(), &event) ==
         0;
}

void EpollStreams::Close(uint64_t id) {
  std::unique_ptr<Connection> connection = table_.Remove(id);
  if (connection == nullptr) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection->fd.get(), nullptr);
}  // the descriptor closes with the connection

// --- Incoming ---------------------------------------------------------------

void EpollStreams::OnListenerReady(absl::Time now) { Accept(now); }

void EpollStreams::Accept(absl::Time now) {
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
    const std::optional<Address> from =
        net::FromSocketAddress(peer.get(), peer.length);
    if (!from) {
      ++stats_.stream_errors;
      continue;  // closed as `connection` goes
    }
    Connection* added = table_.AddIncoming(std::move(connection), *from, now);
    if (added == nullptr) continue;  // over the cap: closed
    if (!Register(*added, EPOLLIN | EPOLLRDHUP)) {
      ++stats_.stream_errors;
      Close(added->id);
    }
  }
}

void EpollStreams::ReadIncoming(Connection& connection, absl::Time now) {
  for (int i = 0; i < kMaxReadsPerEvent; ++i) {
    const absl::Span<uint8_t> buffer = connection.reader->Buffer();
    const ssize_t count =
        ::recv(connection.fd.get(), buffer.data(), buffer.size(), 0);
    if (count > 0) {
      switch (connection.reader->Commit(static_cast<size_t>(count))) {
        case net::FrameReader::Result::kNeedMore:
          break;
        case net::FrameReader::Result::kFrame:
          table_.FrameReceived(connection, now);
          on_frame_(connection.peer, connection.reader->frame());
          break;
        case net::FrameReader::Result::kOversized:
          ++stats_.frames_oversized;
          Close(connection.id);
          return;
      }
      continue;
    }
    if (count == 0) {
      // The peer closed; mid-frame that is a truncated message.
      if (!connection.reader->idle()) ++stats_.stream_errors;
      Close(connection.id);
      return;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    if (errno == EINTR) continue;
    ++stats_.stream_errors;
    Close(connection.id);
    return;
  }
}

// --- Outgoing ---------------------------------------------------------------

void EpollStreams::Send(const Address& to, absl::Span<const uint8_t> message,
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
  if (connection->connecting) return;
  if (!WriteQueued(*connection, now)) Close(connection->id);
}

EpollStreams::Connection* EpollStreams::Connect(const Address& to,
                                                absl::Time now) {
  if (!table_.CanConnect()) return nullptr;
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
  bool established = true;
  if (::connect(connection->fd.get(), where->get(), where->length) != 0) {
    if (errno != EINPROGRESS) {
      ++stats_.stream_connect_failures;
      return nullptr;
    }
    established = false;
  }
  // Writable once connected (or failed); readable when the peer closes.
  connection->watching_writes = true;
  Connection* added = table_.AddOutgoing(std::move(connection), to, now);
  if (!Register(*added, EPOLLIN | EPOLLOUT | EPOLLRDHUP)) {
    ++stats_.stream_errors;
    Close(added->id);
    return nullptr;
  }
  if (established) table_.Connected(*added, now);
  return added;
}

void EpollStreams::HandleOutgoing(Connection& connection, uint32_t events,
                                  absl::Time now) {
  if (connection.connecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int error = 0;
    socklen_t length = sizeof(error);
    ::getsockopt(connection.fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0 || (events & EPOLLERR) != 0) {
      ++stats_.stream_connect_failures;
      Close(connection.id);
      return;
    }
    table_.Connected(connection, now);
  } else if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    // Peers never write on our outgoing connections: this is a close (or
    // junk, discarded). Either way the connection is done.
    uint8_t discard[512];
    const ssize_t count =
        ::recv(connection.fd.get(), discard, sizeof(discard), 0);
    if (count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                       errno != EINTR)) {
      if (!connection.queue.empty()) ++stats_.stream_errors;
      Close(connection.id);
      return;
    }
  }
  if (!WriteQueued(connection, now)) Close(connection.id);
}

bool EpollStreams::WriteQueued(Connection& connection, absl::Time now) {
  while (!connection.queue.empty()) {
    const absl::Span<const uint8_t> unwritten = connection.queue.Unwritten();
    const ssize_t count = ::send(connection.fd.get(), unwritten.data(),
                                 unwritten.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (count < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        WatchWrites(connection, true);
        return true;
      }
      if (errno == EINTR) continue;
      ++stats_.stream_errors;
      return false;
    }
    table_.Wrote(connection, static_cast<size_t>(count), now);
  }
  WatchWrites(connection, false);
  return true;
}

void EpollStreams::WatchWrites(Connection& connection, bool watch) {
  if (connection.watching_writes == watch) return;
  epoll_event event = {};
  event.events = EPOLLIN | EPOLLRDHUP | (watch ? EPOLLOUT : 0u);
  event.data.u64 = connection.id;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd.get(), &event);
  connection.watching_writes = watch;
}

// --- Both -------------------------------------------------------------------

void EpollStreams::OnConnectionReady(uint64_t id, uint32_t events,
                                     absl::Time now) {
  Connection* connection = table_.Find(id);
  if (connection == nullptr) return;  // closed earlier in this batch
  if (connection->incoming) {
    ReadIncoming(*connection, now);
  } else {
    HandleOutgoing(*connection, events, now);
  }
}

void EpollStreams::OnTimer(absl::Time now) {
  for (std::unique_ptr<Connection>& expired : table_.TakeExpired(now)) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, expired->fd.get(), nullptr);
  }
  if (accept_paused_until_ && *accept_paused_until_ <= now) {
    accept_paused_until_.reset();
    epoll_event event = {};
    event.events = EPOLLIN;
    event.data.u64 = listener_id_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listener_.get(), &event);
  }
}

std::optional<absl::Time> EpollStreams::NextDeadline() const {
  return net::Earliest(table_.NextDeadline(), accept_paused_until_);
}

}  // namespace swim

#include "swim/drivers/epoll/epoll_streams.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
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

}  // namespace

EpollStreams::EpollStreams(int epoll_fd, uint64_t listener_id,
                           net::FileDescriptor listener,
                           const DriverOptions& options, DriverStats& stats,
                           FrameHandler on_frame, ErrorReporter report)
    : epoll_fd_(epoll_fd),
      listener_id_(listener_id),
      listener_(std::move(listener)),
      options_(options),
      stats_(stats),
      on_frame_(std::move(on_frame)),
      report_(std::move(report)) {
  epoll_event event = {};
  event.events = EPOLLIN;
  event.data.u64 = listener_id_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_.get(), &event);
}

EpollStreams::~EpollStreams() = default;

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
        report_("accept",
                absl::ResourceExhaustedError(absl::StrCat(
                    "cannot accept stream connections: ", std::strerror(errno),
                    " (raise the open-file limit, ulimit -n)")));
        // Stop watching the listener for a moment; OnTimer resumes it.
        epoll_event event = {};
        event.data.u64 = listener_id_;
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listener_.get(), &event);
        accept_paused_until_ = now + kAcceptPause;
      }
      return;
    }
    net::FileDescriptor owned(fd);
    if (incoming_ >= static_cast<size_t>(options_.max_connections)) {
      ++stats_.streams_rejected;
      continue;  // closed as `owned` goes
    }
    std::optional<Address> from =
        net::FromSocketAddress(peer.get(), peer.length);
    if (!from) {
      ++stats_.stream_errors;
      continue;
    }
    auto connection = std::make_unique<Connection>();
    connection->id = next_id_++;
    connection->fd = std::move(owned);
    connection->incoming = true;
    connection->peer = *from;
    connection->deadline = now + options_.read_timeout;
    connection->reader =
        std::make_unique<net::FrameReader>(options_.max_frame_size);
    epoll_event event = {};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.u64 = connection->id;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection->fd.get(), &event) !=
        0) {
      ++stats_.stream_errors;
      continue;
    }
    ++stats_.streams_accepted;
    ++incoming_;
    connections_[connection->id] = std::move(connection);
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
          ++stats_.frames_received;
          connection.deadline = now + options_.read_timeout;
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
    connection = connections_[it->second].get();
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
  const bool was_idle = connection->queue.empty();
  connection->queue.push_back(std::move(frame));
  connection->queued_bytes += framed;
  queued_bytes_ += framed;
  if (connection->connecting) return;
  if (was_idle) connection->deadline = now + options_.write_timeout;
  if (!WriteQueued(*connection, now)) Close(connection->id);
}

EpollStreams::Connection* EpollStreams::Connect(const Address& to,
                                                absl::Time now) {
  if (outgoing_by_peer_.size() >=
      static_cast<size_t>(options_.max_connections)) {
    return nullptr;
  }
  const int family = net::SocketFamilyOf(to);
  const std::optional<net::SocketAddress> where =
      net::ToSocketAddress(to, family);
  if (!where) return nullptr;
  net::FileDescriptor fd(
      ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    ++stats_.stream_errors;
    report_("socket", absl::ResourceExhaustedError(absl::StrCat(
                          "cannot open a stream socket: ", std::strerror(errno),
                          " (raise the open-file limit, ulimit -n)")));
    return nullptr;
  }
  bool connecting = false;
  if (::connect(fd.get(), where->get(), where->length) != 0) {
    if (errno != EINPROGRESS) {
      ++stats_.stream_connect_failures;
      return nullptr;
    }
    connecting = true;
  }
  auto connection = std::make_unique<Connection>();
  connection->id = next_id_++;
  connection->fd = std::move(fd);
  connection->peer = to;
  connection->connecting = connecting;
  connection->watching_writes = true;
  connection->deadline =
      now + (connecting ? options_.connect_timeout : options_.write_timeout);
  epoll_event event = {};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  event.data.u64 = connection->id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection->fd.get(), &event) !=
      0) {
    ++stats_.stream_errors;
    return nullptr;
  }
  ++stats_.connections_opened;
  Connection* result = connection.get();
  outgoing_by_peer_[to] = connection->id;
  connections_[connection->id] = std::move(connection);
  return result;
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
      stats_.frames_dropped += connection.queue.size();
      Close(connection.id);
      return;
    }
    connection.connecting = false;
    connection.deadline = now + options_.write_timeout;
  } else if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    // Peers never write on our outgoing connections: this is a close (or
    // junk, discarded). Either way the connection is done.
    uint8_t discard[512];
    const ssize_t count =
        ::recv(connection.fd.get(), discard, sizeof(discard), 0);
    if (count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                       errno != EINTR)) {
      if (!connection.queue.empty()) ++stats_.stream_errors;
      stats_.frames_dropped += connection.queue.size();
      Close(connection.id);
      return;
    }
  }
  if (!WriteQueued(connection, now)) Close(connection.id);
}

bool EpollStreams::WriteQueued(Connection& connection, absl::Time now) {
  while (!connection.queue.empty()) {
    const std::vector<uint8_t>& frame = connection.queue.front();
    const ssize_t count =
        ::send(connection.fd.get(), frame.data() + connection.written,
               frame.size() - connection.written, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (count < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        WatchWrites(connection, true);
        return true;
      }
      if (errno == EINTR) continue;
      ++stats_.stream_errors;
      stats_.frames_dropped += connection.queue.size();
      return false;
    }
    connection.written += static_cast<size_t>(count);
    connection.deadline = now + options_.write_timeout;
    if (connection.written == frame.size()) {
      ++stats_.frames_sent;
      connection.queued_bytes -= frame.size();
      queued_bytes_ -= frame.size();
      connection.queue.pop_front();
      connection.written = 0;
    }
  }
  WatchWrites(connection, false);
  connection.deadline = now + options_.idle_timeout;
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
  auto it = connections_.find(id);
  if (it == connections_.end()) return;  // closed earlier in this batch
  Connection& connection = *it->second;
  if (connection.incoming) {
    ReadIncoming(connection, now);
  } else {
    HandleOutgoing(connection, events, now);
  }
}

void EpollStreams::OnTimer(absl::Time now) {
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
    epoll_event event = {};
    event.events = EPOLLIN;
    event.data.u64 = listener_id_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listener_.get(), &event);
  }
}

std::optional<absl::Time> EpollStreams::NextDeadline() const {
  std::optional<absl::Time> next = accept_paused_until_;
  for (const auto& [id, connection] : connections_) {
    if (!next || connection->deadline < *next) next = connection->deadline;
  }
  return next;
}

void EpollStreams::Close(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& connection = *it->second;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection.fd.get(), nullptr);
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

#include "swim/drivers/asio/asio_driver.h"

#include <sys/socket.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/net/open_member.h"
#include "swim/drivers/net/socket_address.h"

namespace swim {

absl::StatusOr<std::unique_ptr<AsioDriver>> AsioDriver::Create(
    asio::io_context& io, Config config, DriverOptions options) {
  absl::StatusOr<net::OpenedMember> opened =
      net::OpenMember(std::move(config), options);
  if (!opened.ok()) return opened.status();
  const int family = opened->sockets.family;
  const int udp_fd = opened->sockets.udp.Release();
  const int tcp_fd = opened->sockets.tcp.Release();
  std::unique_ptr<AsioDriver> driver(
      new AsioDriver(io, *std::move(opened), std::move(options)));
  if (absl::Status status = driver->Start(family, udp_fd, tcp_fd);
      !status.ok()) {
    return status;
  }
  return driver;
}

AsioDriver::AsioDriver(asio::io_context& io, net::OpenedMember opened,
                       DriverOptions options)
    : Driver(std::move(opened.node), opened.sockets.bound, std::move(options),
             std::move(opened.recording), opened.tls.get()),
      strand_(asio::make_strand(io)),
      alive_(std::make_shared<bool>(true)),
      udp_(strand_),
      timer_(strand_) {
  // One byte more than the largest datagram accepted: a datagram that
  // fills it was truncated by the kernel.
  receive_buffer_.resize(this->options().max_datagram_size + 1);
  streams_ = std::make_unique<AsioStreams>(
      strand_, alive_, this->options(), stats(),
      [this](uint64_t id, const Address& peer, absl::Span<const uint8_t> bytes,
             Instant now) { return OnStreamData(id, peer, bytes, now); },
      [this](uint64_t id) { OnStreamClosed(id); },
      [this](absl::string_view kind, absl::Status error) {
        ReportError(kind, std::move(error));
      },
      [this] { Drain(net::MonotonicNow()); });
  streams_->SetTls(std::move(opened.tls));
}

absl::Status AsioDriver::Start(int family, int udp_fd, int tcp_fd) {
  family_ = family;
  // Adopting the descriptors now (nothing else uses these sockets yet) means
  // they are closed with the driver even if the context never runs.
  asio::error_code error;
  udp_.assign(family_ == AF_INET ? asio::ip::udp::v4() : asio::ip::udp::v6(),
              udp_fd, error);
  if (error) {
    ::close(udp_fd);
    ::close(tcp_fd);
    return absl::InternalError(
        absl::StrCat("cannot adopt the UDP socket: ", error.message()));
  }
  // Sends never block the loop; a full socket buffer drops (counted).
  udp_.non_blocking(true, error);
  if (absl::Status status = streams_->Adopt(family_, tcp_fd); !status.ok()) {
    return status;
  }
  // The operations start on the strand, like everything else.
  Post([this] {
    StartReceive();
    streams_->StartAccepting();
    Drain(net::MonotonicNow());  // arms the node's first timers
  });
  return absl::OkStatus();
}

AsioDriver::~AsioDriver() {
  StopBackgroundWork();
  *alive_ = false;
  CloseOnStrand();
}

void AsioDriver::Close() {
  Post([this] { CloseOnStrand(); });
}

void AsioDriver::CloseOnStrand() {
  closed_ = true;
  asio::error_code ignored;
  udp_.close(ignored);
  timer_.cancel();
  armed_.reset();
  if (streams_) streams_->CloseAll();
}

// --- Datagrams --------------------------------------------------------------

void AsioDriver::StartReceive() {
  udp_.async_receive_from(
      asio::buffer(receive_buffer_), sender_,
      [this, alive = alive_](const asio::error_code& error, size_t count) {
        if (!*alive) return;
        OnReceive(error, count);
      });
}

void AsioDriver::OnReceive(const asio::error_code& error, size_t count) {
  if (error == asio::error::operation_aborted || closed_) return;
  now_ = net::MonotonicNow();
  if (error) {
    ++stats().datagram_receive_errors;
    ReportError("receive", absl::UnavailableError(absl::StrCat(
                               "receiving datagrams: ", error.message())));
  } else {
    Deliver(count, now_);
  }
  Drain(now_);
  // Asio tries the next receive at once (a speculative read): the rest of
  // a burst completes without waiting, and a socket found empty costs that
  // one read. A loop of reads here would cost a second one.
  StartReceive();
}

void AsioDriver::Deliver(size_t count, Instant now) {
  if (count > options().max_datagram_size) {
    ++stats().datagrams_truncated;
    return;
  }
  const std::optional<Address> from =
      net::FromSocketAddress(sender_.data(), sender_.size());
  if (!from) {
    ++stats().datagrams_bad_source;
    return;
  }
  ++stats().datagrams_received;
  node().HandleDatagram(
      *from, absl::MakeConstSpan(receive_buffer_.data(), count), now);
}

void AsioDriver::SendDatagram(const Address& to,
                              absl::Span<const uint8_t> bytes) {
  if (closed_) return;
  const std::optional<net::SocketAddress> where =
      net::ToSocketAddress(to, family_);
  if (!where) {
    CountUnreachable(to);
    return;
  }
  asio::ip::udp::endpoint endpoint;
  std::memcpy(endpoint.data(), where->get(), where->length);
  endpoint.resize(where->length);
  asio::error_code error;
  udp_.send_to(asio::buffer(bytes.data(), bytes.size()), endpoint, 0, error);
  if (!error) {
    ++stats().datagrams_sent;
  } else if (error == asio::error::would_block ||
             error == asio::error::try_again) {
    ++stats().datagram_send_dropped;
  } else {
    ++stats().datagram_send_errors;
    ReportError("send", absl::UnavailableError(absl::StrCat(
                            "sending a datagram to ", to.ToString(), ": ",
                            error.message())));
  }
}

// --- Streams and the timer
// ----------------------------------------------------

void AsioDriver::SendStream(const Address& to, std::optional<StreamId> stream,
                            absl::Span<const uint8_t> bytes) {
  if (closed_) return;
  streams_->Send(to, stream, bytes, net::MonotonicNow());
}

void AsioDriver::UseTls(std::shared_ptr<const net::TlsContext> tls) {
  if (!streams_) return;
  streams_->SetTls(std::move(tls));
  streams_->RetireConnections(net::MonotonicNow());
  RearmTimer();
}

void AsioDriver::CloseStreams() {
  if (streams_) streams_->CloseConnections();
}

size_t AsioDriver::QueuedStreamBytes() const {
  return streams_ ? streams_->unsent_bytes() : 0;
}

void AsioDriver::ArmTimer(std::optional<Instant> deadline) {
  node_wake_ = deadline;
  RearmTimer();
}

void AsioDriver::RearmTimer() {
  if (closed_) return;
  const std::optional<Instant> wake =
      net::Earliest(node_wake_, streams_->NextDeadline());
  if (wake == armed_) return;
  armed_ = wake;
  ++timer_generation_;  // a wait already completed is now stale
  if (!wake) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(net::ToSteadyTime(*wake));
  timer_.async_wait([this, alive = alive_, generation = timer_generation_](
                        const asio::error_code& error) {
    if (!*alive) return;
    OnTimer(generation, error);
  });
}

void AsioDriver::OnTimer(uint64_t generation, const asio::error_code& error) {
  if (error == asio::error::operation_aborted ||
      generation != timer_generation_ || closed_) {
    return;
  }
  armed_.reset();
  ++stats().timer_wakeups;
  now_ = net::MonotonicNow();
  streams_->OnTimer(now_);
  Drain(now_);
}

// --- Posting ----------------------------------------------------------------

void AsioDriver::Post(absl::AnyInvocable<void()> task) {
  asio::post(strand_, [alive = alive_, task = std::move(task)]() mutable {
    if (*alive) task();
  });
}

bool AsioDriver::InLoopThread() const {
  return strand_.running_in_this_thread();
}

}  // namespace swim

#include "swim/drivers/epoll/epoll_driver.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <iterator>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/net/open_member.h"

namespace swim {
namespace {

// epoll_event.data ids of the driver's own descriptors; connections use
// EpollStreams::kFirstConnectionId and up.
constexpr uint64_t kUdpId = 1;
constexpr uint64_t kListenerId = 2;
constexpr uint64_t kWakeId = 3;
constexpr uint64_t kTimerId = 4;

constexpr int kMaxEvents = 64;
// recvmmsg calls per round before other descriptors get their turn.
constexpr int kMaxReceiveBatchesPerRound = 16;

absl::Status SystemError(absl::string_view what) {
  return absl::ResourceExhaustedError(
      absl::StrCat("cannot create ", what, ": ", std::strerror(errno)));
}

bool Register(int epoll_fd, int fd, uint64_t id) {
  epoll_event event = {};
  event.events = EPOLLIN;
  event.data.u64 = id;
  return ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EpollDriver>> EpollDriver::Create(
    Config config, DriverOptions options) {
  absl::StatusOr<net::OpenedMember> opened =
      net::OpenMember(std::move(config), options);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<EpollDriver> driver(
      new EpollDriver(*std::move(opened), std::move(options)));
  if (absl::Status status = driver->Initialize(); !status.ok()) return status;
  return driver;
}

EpollDriver::EpollDriver(net::OpenedMember opened, DriverOptions options)
    : Driver(std::move(opened.node), opened.sockets.bound, std::move(options),
             std::move(opened.recording), opened.tls.get()),
      udp_(std::move(opened.sockets.udp)),
      family_(opened.sockets.family) {
  epoll_ = net::FileDescriptor(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return;  // Initialize reports it
  streams_ = std::make_unique<EpollStreams>(
      epoll_.get(), kListenerId, std::move(opened.sockets.tcp), this->options(),
      stats(),
      [this](uint64_t id, const Address& peer, absl::Span<const uint8_t> bytes,
             Instant now) { return OnStreamData(id, peer, bytes, now); },
      [this](uint64_t id) { OnStreamClosed(id); },
      [this](absl::string_view kind, absl::Status error) {
        ReportError(kind, std::move(error));
      });
  streams_->SetTls(std::move(opened.tls));
}

absl::Status EpollDriver::Initialize() {
  if (!epoll_.valid()) return SystemError("an epoll set");
  wake_ = net::FileDescriptor(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_.valid()) return SystemError("an eventfd");
  timer_ = net::FileDescriptor(
      ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer_.valid()) return SystemError("a timerfd");
  if (!Register(epoll_.get(), udp_.get(), kUdpId) ||
      !Register(epoll_.get(), wake_.get(), kWakeId) ||
      !Register(epoll_.get(), timer_.get(), kTimerId)) {
    return SystemError("epoll registrations");
  }

  const size_t receive_slot = options().max_datagram_size;
  receive_buffer_.resize(kBatch * receive_slot);
  receive_headers_.resize(kBatch);
  receive_iovecs_.resize(kBatch);
  receive_from_.resize(kBatch);
  for (int i = 0; i < kBatch; ++i) {
    receive_iovecs_[i].iov_base = receive_buffer_.data() + i * receive_slot;
    receive_iovecs_[i].iov_len = receive_slot;
    msghdr& header = receive_headers_[i].msg_hdr;
    header.msg_iov = &receive_iovecs_[i];
    header.msg_iovlen = 1;
    header.msg_name = &receive_from_[i].storage;
  }
  send_slot_size_ = node().config().datagram_budget;
  send_buffer_.resize(kBatch * send_slot_size_);
  send_headers_.resize(kBatch);
  send_iovecs_.resize(kBatch);
  send_to_.resize(kBatch);
  for (int i = 0; i < kBatch; ++i) {
    send_iovecs_[i].iov_base = send_buffer_.data() + i * send_slot_size_;
    msghdr& header = send_headers_[i].msg_hdr;
    header.msg_iov = &send_iovecs_[i];
    header.msg_iovlen = 1;
    header.msg_name = &send_to_[i].storage;
  }
  // The node armed its first timers at creation.
  now_ = net::MonotonicNow();
  Drain(now_);
  return absl::OkStatus();
}

EpollDriver::~EpollDriver() {
  StopBackgroundWork();
  streams_.reset();
}

// --- Loops ------------------------------------------------------------------

absl::Status EpollDriver::Run() {
  std::thread::id nobody;
  if (!loop_thread_.compare_exchange_strong(nobody,
                                            std::this_thread::get_id())) {
    return absl::FailedPreconditionError(
        "another thread is already running this driver's loop");
  }
  // Also when a listener or task throws (the exception goes on to the
  // caller): the loop can be run again.
  absl::Cleanup release = [this] { loop_thread_.store(std::thread::id()); };
  RunLoop([this] { return stop_.load(std::memory_order_acquire); });
  return absl::OkStatus();
}

void EpollDriver::RunLoop(absl::FunctionRef<bool()> done) {
  // The wait's timeout serves the deadline: no timerfd to re-arm and read
  // on every wake-up. (Armed before, the timerfd fires at most once more.)
  own_loop_ = true;
  // From then on whoever calls Process waits on fd(): the timerfd must hold
  // the deadline again.
  absl::Cleanup hand_back = [this] {
    own_loop_ = false;
    SyncTimerfd();
  };
  while (!done()) Poll(WaitTimeout());
}

int EpollDriver::WaitTimeout() const {
  if (!wake_at_) return -1;
  const int64_t nanos =
      absl::ToInt64Nanoseconds(*wake_at_ - net::MonotonicNow());
  if (nanos <= 0) return 0;
  // Rounded up: a wake-up a little late is fine, one too early finds
  // nothing due and costs another.
  // (Divided first: a deadline at infinity is INT64_MAX nanoseconds.)
  constexpr int64_t kNanosPerMilli = 1000000;
  const int64_t millis =
      nanos / kNanosPerMilli + (nanos % kNanosPerMilli != 0 ? 1 : 0);
  return static_cast<int>(std::min<int64_t>(millis, INT_MAX));
}

void EpollDriver::Stop() {
  stop_.store(true, std::memory_order_release);
  const uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof(one));
}

void EpollDriver::Process() {
  // Not while another thread runs the loop, nor re-entrantly from a
  // listener on this one.
  std::thread::id nobody;
  if (!loop_thread_.compare_exchange_strong(nobody,
                                            std::this_thread::get_id())) {
    return;
  }
  absl::Cleanup release = [this] { loop_thread_.store(std::thread::id()); };
  Poll(0);
}

absl::Status EpollDriver::Shutdown(absl::Duration timeout) {
  if (InLoopThread()) {
    return absl::FailedPreconditionError(
        "Shutdown waits for the loop, so it cannot run on the loop thread; "
        "call Leave() and Stop() from there instead");
  }
  struct Outcome {
    absl::Mutex mutex;
    bool done = false;
    absl::Status status;
  };
  auto outcome = std::make_shared<Outcome>();
  Leave(timeout, [outcome](absl::Status status) {
    absl::MutexLock lock(&outcome->mutex);
    outcome->done = true;
    outcome->status = std::move(status);
  });
  std::thread::id nobody;
  if (loop_thread_.compare_exchange_strong(nobody,
                                           std::this_thread::get_id())) {
    // No loop is running: run it here until the leave completes (the
    // leave's deadline bounds the wait, so this ends).
    absl::Cleanup release = [this] { loop_thread_.store(std::thread::id()); };
    RunLoop([&outcome] {
      absl::MutexLock lock(&outcome->mutex);
      return outcome->done;
    });
  } else {
    absl::MutexLock lock(&outcome->mutex);
    // The loop completes the leave by `timeout`; the margin covers a loop
    // busy elsewhere.
    if (!outcome->mutex.AwaitWithTimeout(absl::Condition(&outcome->done),
                                         timeout + absl::Seconds(1))) {
      outcome->status = absl::DeadlineExceededError(
          "the driver's loop did not complete the leave in time");
    }
  }
  Stop();
  absl::MutexLock lock(&outcome->mutex);
  return outcome->status;
}

void EpollDriver::Poll(int timeout_ms) {
  epoll_event events[kMaxEvents];
  const int count = ::epoll_wait(epoll_.get(), events, kMaxEvents, timeout_ms);
  if (count < 0) {
    if (errno != EINTR) {
      ReportError("epoll", absl::InternalError(absl::StrCat(
                               "epoll_wait: ", std::strerror(errno))));
    }
    return;
  }
  now_ = net::MonotonicNow();
  // Posted work first: a listener added before the loop started hears the
  // events of the first datagrams too (they are drained batch by batch).
  for (int i = 0; i < count; ++i) {
    if (events[i].data.u64 == kWakeId) {
      RunPosted();
      // Posted commands read the clock themselves: what follows must not
      // hand the node an earlier instant (a Node's clock never goes back).
      now_ = net::MonotonicNow();
      break;
    }
  }
  bool timerfd = false;
  for (int i = 0; i < count; ++i) {
    const uint64_t id = events[i].data.u64;
    switch (id) {
      case kUdpId:
        ReceiveDatagrams();
        break;
      case kListenerId:
        streams_->OnListenerReady(now_);
        break;
      case kWakeId:
        break;
      case kTimerId:
        timerfd = true;
        break;
      default:
        streams_->OnConnectionReady(id, events[i].events, now_);
        break;
    }
  }
  if (timerfd) {
    uint64_t expirations = 0;
    (void)!::read(timer_.get(), &expirations, sizeof(expirations));
    timerfd_at_.reset();  // a one-shot timer that fired is disarmed
  }
  if (wake_at_ && *wake_at_ <= now_) OnTimer();
  Drain(now_);
}

void EpollDriver::RunPosted() {
  uint64_t counter = 0;
  (void)!::read(wake_.get(), &counter, sizeof(counter));
  {
    absl::MutexLock lock(&posted_mutex_);
    running_.swap(posted_);
  }
  // A task that throws: those after it run at the next wake-up.
  size_t next = 0;
  absl::Cleanup keep_the_rest = [this, &next] {
    if (next < running_.size()) {
      absl::MutexLock lock(&posted_mutex_);
      posted_.insert(posted_.begin(),
                     std::make_move_iterator(running_.begin() + next),
                     std::make_move_iterator(running_.end()));
      const uint64_t one = 1;
      (void)!::write(wake_.get(), &one, sizeof(one));
    }
    running_.clear();
  };
  while (next < running_.size()) {
    absl::AnyInvocable<void()> task = std::move(running_[next++]);
    task();
  }
}

void EpollDriver::OnTimer() {
  ++stats().timer_wakeups;
  streams_->OnTimer(now_);
}

// --- Datagrams --------------------------------------------------------------

void EpollDriver::ReceiveDatagrams() {
  const size_t slot = options().max_datagram_size;
  for (int round = 0; round < kMaxReceiveBatchesPerRound; ++round) {
    for (int i = 0; i < kBatch; ++i) {
      receive_headers_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      receive_headers_[i].msg_hdr.msg_flags = 0;
    }
    const int count = ::recvmmsg(udp_.get(), receive_headers_.data(), kBatch,
                                 MSG_DONTWAIT, nullptr);
    if (count < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        ++stats().datagram_receive_errors;
        ReportError("receive",
                    absl::UnavailableError(absl::StrCat("receiving datagrams: ",
                                                        std::strerror(errno))));
      }
      return;
    }
    for (int i = 0; i < count; ++i) {
      const msghdr& header = receive_headers_[i].msg_hdr;
      if ((header.msg_flags & MSG_TRUNC) != 0) {
        ++stats().datagrams_truncated;
        continue;
      }
      const std::optional<Address> from =
          net::FromSocketAddress(receive_from_[i].get(), header.msg_namelen);
      if (!from) {
        ++stats().datagrams_bad_source;
        continue;
      }
      ++stats().datagrams_received;
      node().HandleDatagram(
          *from,
          absl::MakeConstSpan(receive_buffer_.data() + i * slot,
                              receive_headers_[i].msg_len),
          now_);
    }
    // Answer this batch (acks go out in one sendmmsg) before the next.
    Drain(now_);
    if (count < kBatch) return;
  }
}

void EpollDriver::SendDatagram(const Address& to,
                               absl::Span<const uint8_t> bytes) {
  if (bytes.size() > send_slot_size_) {
    ++stats().datagram_send_errors;
    return;
  }
  const std::optional<net::SocketAddress> where =
      net::ToSocketAddress(to, family_);
  if (!where) {
    CountUnreachable(to);
    return;
  }
  if (send_count_ == kBatch) FlushDatagrams();
  const int i = send_count_++;
  std::copy(bytes.begin(), bytes.end(),
            send_buffer_.begin() + i * send_slot_size_);
  send_iovecs_[i].iov_len = bytes.size();
  send_to_[i] = *where;
  send_headers_[i].msg_hdr.msg_namelen = where->length;
}

void EpollDriver::FlushDatagrams() {
  int sent = 0;
  while (sent < send_count_) {
    const int count = ::sendmmsg(udp_.get(), send_headers_.data() + sent,
                                 send_count_ - sent, MSG_DONTWAIT);
    if (count > 0) {
      sent += count;
      stats().datagrams_sent += count;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // The socket buffer is full: datagrams may be lost anyway, and the
      // protocol copes; waiting would stall the loop.
      stats().datagram_send_dropped += send_count_ - sent;
      break;
    }
    // This datagram failed (no route, interface down, ...): count it and
    // go on with the rest.
    ++stats().datagram_send_errors;
    const std::optional<Address> to = net::FromSocketAddress(
        send_to_[sent].get(), send_headers_[sent].msg_hdr.msg_namelen);
    ReportError("send", absl::UnavailableError(absl::StrCat(
                            "sending a datagram to ", to ? to->ToString() : "?",
                            ": ", std::strerror(errno))));
    ++sent;
  }
  send_count_ = 0;
}

// --- Streams and timers -----------------------------------------------------

void EpollDriver::SendStream(const Address& to, std::optional<StreamId> stream,
                             absl::Span<const uint8_t> bytes) {
  streams_->Send(to, stream, bytes, now_);
}

void EpollDriver::UseTls(std::shared_ptr<const net::TlsContext> tls) {
  if (!streams_) return;
  streams_->SetTls(std::move(tls));
  streams_->RetireConnections(net::MonotonicNow());
  RearmTimer();
}

void EpollDriver::CloseStreams() {
  if (streams_) streams_->CloseConnections();
}

size_t EpollDriver::QueuedStreamBytes() const {
  return streams_ ? streams_->unsent_bytes() : 0;
}

void EpollDriver::ArmTimer(std::optional<Instant> deadline) {
  node_wake_ = deadline;
  RearmTimer();
}

void EpollDriver::RearmTimer() {
  wake_at_ = net::Earliest(node_wake_, streams_->NextDeadline());
  if (!own_loop_) SyncTimerfd();
}

void EpollDriver::SyncTimerfd() {
  if (wake_at_ == timerfd_at_) return;
  timerfd_at_ = wake_at_;
  itimerspec spec = {};
  if (wake_at_) {
    const auto since = net::ToSteadyTime(*wake_at_).time_since_epoch();
    const int64_t nanos =
        std::max<int64_t>(1, std::chrono::nanoseconds(since).count());
    spec.it_value.tv_sec = nanos / 1000000000;
    spec.it_value.tv_nsec = nanos % 1000000000;
  }
  ::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

// --- Posting ----------------------------------------------------------------

void EpollDriver::Post(absl::AnyInvocable<void()> task) {
  bool was_empty;
  {
    absl::MutexLock lock(&posted_mutex_);
    was_empty = posted_.empty();
    posted_.push_back(std::move(task));
  }
  if (was_empty) {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
  }
}

bool EpollDriver::InLoopThread() const {
  return loop_thread_.load() == std::this_thread::get_id();
}

}  // namespace swim

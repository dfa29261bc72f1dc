#include "swim/drivers/epoll/epoll_streams.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "swim/drivers/net/listening_sockets.h"
#include "swim/drivers/net/monotonic_clock.h"

namespace swim {
namespace {

constexpr uint64_t kListenerId = 1;

// An EpollStreams in an epoll set of its own, pumped by the test.
class Endpoint {
 public:
  explicit Endpoint(const DriverOptions& options)
      : options_(options), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    absl::StatusOr<net::ListeningSockets> sockets =
        net::OpenListeningSockets(*Address::Parse("127.0.0.1:0"), options_);
    EXPECT_TRUE(sockets.ok()) << sockets.status();
    address_ = sockets->bound;
    streams_ = std::make_unique<EpollStreams>(
        epoll_.get(), kListenerId, std::move(sockets->tcp), options_, stats_,
        [this](const Address&, absl::Span<const uint8_t> frame) {
          frames_.emplace_back(frame.begin(), frame.end());
        },
        [](absl::string_view, absl::Status) {});
  }

  // One round of the loop: what is ready, then the deadlines.
  void Pump(int timeout_ms) {
    epoll_event events[16];
    const int count = ::epoll_wait(epoll_.get(), events, 16, timeout_ms);
    const absl::Time now = net::MonotonicNow();
    for (int i = 0; i < count; ++i) {
      if (events[i].data.u64 == kListenerId) {
        streams_->OnListenerReady(now);
      } else {
        streams_->OnConnectionReady(events[i].data.u64, events[i].events, now);
      }
    }
    streams_->OnTimer(net::MonotonicNow());
  }

  EpollStreams& streams() { return *streams_; }
  const DriverStats& stats() const { return stats_; }
  const Address& address() const { return address_; }
  const std::vector<std::string>& frames() const { return frames_; }

 private:
  DriverOptions options_;
  DriverStats stats_;
  net::FileDescriptor epoll_;
  Address address_;
  std::unique_ptr<EpollStreams> streams_;
  std::vector<std::string> frames_;
};

absl::Span<const uint8_t> Bytes(const std::string& text) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(text.data()),
                             text.size());
}

// Pumps both until `done` or a generous bound.
template <typename Done>
bool PumpUntil(Endpoint& a, Endpoint& b, Done done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    a.Pump(5);
    b.Pump(5);
  }
  return true;
}

TEST(EpollStreamsTest, FramesArriveInOrderOverOneReusedConnection) {
  DriverOptions options;
  Endpoint sender(options);
  Endpoint receiver(options);
  const std::vector<std::string> messages = {"one", "",
                                             std::string(300000, 'x'), "four"};
  for (const std::string& message : messages) {
    sender.streams().Send(receiver.address(), Bytes(message),
                          net::MonotonicNow());
  }
  ASSERT_TRUE(PumpUntil(sender, receiver, [&] {
    return receiver.frames().size() == messages.size();
  }));
  EXPECT_EQ(receiver.frames(), messages);
  EXPECT_EQ(sender.stats().connections_opened, 1u);
  EXPECT_EQ(sender.stats().frames_sent, messages.size());
  EXPECT_EQ(receiver.stats().frames_received, messages.size());
  EXPECT_EQ(sender.streams().outgoing_count(), 1u);
}

TEST(EpollStreamsTest, IdleOutgoingConnectionsClose) {
  DriverOptions options;
  options.idle_timeout = absl::Milliseconds(50);
  Endpoint sender(options);
  Endpoint receiver(options);
  sender.streams().Send(receiver.address(), Bytes("hello"),
                        net::MonotonicNow());
  ASSERT_TRUE(PumpUntil(sender, receiver, [&] {
    return receiver.frames().size() == 1 &&
           sender.streams().outgoing_count() == 0 &&
           receiver.streams().incoming_count() == 0;
  }));
  EXPECT_EQ(receiver.stats().stream_errors, 0u);  // a clean close
}

TEST(EpollStreamsTest, RefusedConnectionDropsItsFrames) {
  DriverOptions options;
  Endpoint sender(options);
  Address closed_port;
  {
    absl::StatusOr<net::ListeningSockets> sockets =
        net::OpenListeningSockets(*Address::Parse("127.0.0.1:0"), options);
    ASSERT_TRUE(sockets.ok());
    closed_port = sockets->bound;
  }  // closed: connecting there is refused
  sender.streams().Send(closed_port, Bytes("lost"), net::MonotonicNow());
  sender.streams().Send(closed_port, Bytes("lost too"), net::MonotonicNow());
  ASSERT_TRUE(PumpUntil(sender, sender, [&] {
    return sender.stats().stream_connect_failures == 1;
  }));
  EXPECT_EQ(sender.stats().frames_dropped, 2u);
  EXPECT_EQ(sender.streams().outgoing_count(), 0u);
}

TEST(EpollStreamsTest, APeerThatStopsReadingHitsTheCapThenTheWriteTimeout) {
  DriverOptions options;
  options.max_frame_size = 1 << 20;
  options.max_queued_stream_bytes = 4 << 20;
  options.write_timeout = absl::Milliseconds(300);
  Endpoint sender(options);
  // A listener that never accepts or reads: the kernel buffers a little,
  // then the sender's queue fills.
  absl::StatusOr<net::ListeningSockets> sink =
      net::OpenListeningSockets(*Address::Parse("127.0.0.1:0"), options);
  ASSERT_TRUE(sink.ok());
  const std::string chunk(1 << 20, 'z');
  for (int i = 0; i < 64; ++i) {
    sender.streams().Send(sink->bound, Bytes(chunk), net::MonotonicNow());
    sender.Pump(0);
  }
  EXPECT_GT(sender.stats().frames_dropped, 0u);  // over the cap, not stuck
  ASSERT_TRUE(PumpUntil(sender, sender, [&] {
    return sender.stats().stream_write_timeouts == 1;
  }));
  EXPECT_EQ(sender.streams().outgoing_count(), 0u);
  // Nothing is left queued: a new message goes out on a new connection.
  const uint64_t opened = sender.stats().connections_opened;
  sender.streams().Send(sink->bound, Bytes("again"), net::MonotonicNow());
  EXPECT_EQ(sender.stats().connections_opened, opened + 1);
}

TEST(EpollStreamsTest, MessagesAboveTheFrameLimitAreNotSent) {
  DriverOptions options;
  options.max_frame_size = 1000;
  Endpoint sender(options);
  Endpoint receiver(options);
  sender.streams().Send(receiver.address(), Bytes(std::string(1001, 'q')),
                        net::MonotonicNow());
  EXPECT_EQ(sender.stats().frames_dropped, 1u);
  EXPECT_EQ(sender.stats().connections_opened, 0u);
}

}  // namespace
}  // namespace swim

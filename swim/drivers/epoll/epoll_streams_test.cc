#include "swim/drivers/epoll/epoll_streams.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "swim/core/envelope.h"
#include "swim/core/instant.h"
#include "swim/core/stream.h"
#include "swim/drivers/net/listening_sockets.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/testing/raw_peer.h"

namespace swim {
namespace {

constexpr uint64_t kListenerId = 1;

Envelope Plaintext() {
  EnvelopeConfig config;
  config.mode = SecurityMode::kPlaintext;
  return *Envelope::Create(config, Keyring());
}

// An EpollStreams in an epoll set of its own, pumped by the test, whose
// data handler reads the stream format as a Node would (plaintext) and
// records each message with the connection it came on.
class Endpoint {
 public:
  struct Received {
    uint64_t connection;
    Address peer;
    std::string message;
  };

  explicit Endpoint(const DriverOptions& options)
      : options_(options),
        epoll_(::epoll_create1(EPOLL_CLOEXEC)),
        envelope_(Plaintext()) {
    absl::StatusOr<net::ListeningSockets> sockets =
        net::OpenListeningSockets(*Address::Parse("127.0.0.1:0"), options_);
    EXPECT_TRUE(sockets.ok()) << sockets.status();
    address_ = sockets->bound;
    streams_ = std::make_unique<EpollStreams>(
        epoll_.get(), kListenerId, std::move(sockets->tcp), options_, stats_,
        [this](uint64_t id, const Address& peer,
               absl::Span<const uint8_t> bytes, Instant) {
          if (verdict_override_) return *verdict_override_;
          auto [it, fresh] = readers_.try_emplace(id, 1 << 24);
          StreamVerdict verdict = StreamVerdict::kContinue;
          while (!bytes.empty()) {
            switch (it->second.Read(bytes, envelope_)) {
              case StreamReader::Result::kNeedMore:
                break;
              case StreamReader::Result::kChunk:
                verdict = StreamVerdict::kProgress;
                break;
              case StreamReader::Result::kMessage: {
                verdict = StreamVerdict::kProgress;
                const auto message = it->second.message();
                received_.push_back(
                    {id, peer, std::string(message.begin(), message.end())});
                break;
              }
              case StreamReader::Result::kError:
                readers_.erase(it);
                return StreamVerdict::kClose;
            }
          }
          return verdict;
        },
        [this](uint64_t id) {
          readers_.erase(id);
          closed_.push_back(id);
        },
        [](absl::string_view, absl::Status) {});
  }

  // One round of the loop: what is ready, then the deadlines.
  void Pump(int timeout_ms) {
    epoll_event events[16];
    const int count = ::epoll_wait(epoll_.get(), events, 16, timeout_ms);
    const Instant now = net::MonotonicNow();
    for (int i = 0; i < count; ++i) {
      if (events[i].data.u64 == kListenerId) {
        streams_->OnListenerReady(now);
      } else {
        streams_->OnConnectionReady(events[i].data.u64, events[i].events, now);
      }
    }
    streams_->OnTimer(net::MonotonicNow());
  }

  // `text` as one stream message to `to` (or as a reply on `stream`).
  void Send(const Address& to, const std::string& text,
            std::optional<StreamId> stream = std::nullopt) {
    std::vector<uint8_t> framed;
    ASSERT_TRUE(
        SealStreamMessage(
            envelope_, ++message_id_,
            absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(text.data()),
                                text.size()),
            framed)
            .ok());
    streams_->Send(to, stream, framed, net::MonotonicNow());
  }

  // Every verdict is this from now on (nullopt: read the format).
  void OverrideVerdict(std::optional<StreamVerdict> verdict) {
    verdict_override_ = verdict;
  }

  EpollStreams& streams() { return *streams_; }
  const DriverStats& stats() const { return stats_; }
  const Address& address() const { return address_; }
  const std::vector<Received>& received() const { return received_; }
  const std::vector<uint64_t>& closed() const { return closed_; }
  std::vector<std::string> messages() const {
    std::vector<std::string> texts;
    for (const Received& one : received_) texts.push_back(one.message);
    return texts;
  }

 private:
  DriverOptions options_;
  DriverStats stats_;
  net::FileDescriptor epoll_;
  Envelope envelope_;
  Address address_;
  std::unique_ptr<EpollStreams> streams_;
  std::map<uint64_t, StreamReader> readers_;
  std::vector<Received> received_;
  std::vector<uint64_t> closed_;
  std::optional<StreamVerdict> verdict_override_;
  uint64_t message_id_ = 0;
};

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

TEST(EpollStreamsTest, MessagesArriveInOrderOverOneReusedConnection) {
  DriverOptions options;
  Endpoint sender(options);
  Endpoint receiver(options);
  const std::vector<std::string> messages = {"one", "2",
                                             std::string(300000, 'x'), "four"};
  for (const std::string& message : messages) {
    sender.Send(receiver.address(), message);
  }
  ASSERT_TRUE(PumpUntil(sender, receiver, [&] {
    return receiver.received().size() == messages.size();
  }));
  EXPECT_EQ(receiver.messages(), messages);
  EXPECT_EQ(sender.stats().connections_opened, 1u);
  EXPECT_EQ(sender.stats().stream_messages_sent, messages.size());
  EXPECT_EQ(receiver.stats().streams_accepted, 1u);
  EXPECT_EQ(sender.streams().outgoing_count(), 1u);
}

TEST(EpollStreamsTest, RepliesGoBackOnTheConnectionTheRequestCameOn) {
  DriverOptions options;
  Endpoint requester(options);
  Endpoint responder(options);
  requester.Send(responder.address(), "state, please");
  ASSERT_TRUE(PumpUntil(requester, responder,
                        [&] { return responder.received().size() == 1; }));
  const Endpoint::Received request = responder.received()[0];
  // The request's source is an ephemeral port, not the requester's
  // listener: the reply must not go there by address.
  EXPECT_NE(request.peer, requester.address());
  responder.Send(request.peer, "here it is", request.connection);
  ASSERT_TRUE(PumpUntil(requester, responder,
                        [&] { return requester.received().size() == 1; }));
  EXPECT_EQ(requester.received()[0].message, "here it is");
  EXPECT_EQ(requester.received()[0].peer, responder.address());
  EXPECT_EQ(responder.stats().connections_opened, 0u);  // no new connection
  // A reply for a connection that is gone is dropped, never connected for.
  responder.Send(request.peer, "too late", /*stream=*/987654);
  EXPECT_EQ(responder.stats().stream_messages_dropped, 1u);
  EXPECT_EQ(responder.stats().connections_opened, 0u);
}

TEST(EpollStreamsTest, IdleOutgoingConnectionsClose) {
  DriverOptions options;
  options.idle_timeout = absl::Milliseconds(50);
  Endpoint sender(options);
  Endpoint receiver(options);
  sender.Send(receiver.address(), "hello");
  ASSERT_TRUE(PumpUntil(sender, receiver, [&] {
    return receiver.received().size() == 1 &&
           sender.streams().outgoing_count() == 0 &&
           receiver.streams().incoming_count() == 0;
  }));
  EXPECT_EQ(receiver.stats().stream_errors, 0u);  // a clean close
  EXPECT_EQ(receiver.closed().size(), 1u);        // and the node was told
  EXPECT_EQ(sender.closed().size(), 1u);
}

TEST(EpollStreamsTest, RefusedConnectionDropsItsMessages) {
  DriverOptions options;
  Endpoint sender(options);
  Address closed_port;
  {
    absl::StatusOr<net::ListeningSockets> sockets =
        net::OpenListeningSockets(*Address::Parse("127.0.0.1:0"), options);
    ASSERT_TRUE(sockets.ok());
    closed_port = sockets->bound;
  }  // closed: connecting there is refused
  sender.Send(closed_port, "lost");
  sender.Send(closed_port, "lost too");
  ASSERT_TRUE(PumpUntil(sender, sender, [&] {
    return sender.stats().stream_connect_failures == 1;
  }));
  EXPECT_EQ(sender.stats().stream_messages_dropped, 2u);
  EXPECT_EQ(sender.streams().outgoing_count(), 0u);
}

TEST(EpollStreamsTest, APeerThatStopsReadingHitsTheCapThenTheWriteTimeout) {
  DriverOptions options;
  options.max_queued_stream_bytes = 4 << 20;
  options.write_timeout = absl::Milliseconds(300);
  Endpoint sender(options);
  // A listener that never accepts or reads: the kernel buffers a little,
  // then the sender's queue fills.
  absl::StatusOr<net::ListeningSockets> sink =
      net::OpenListeningSockets(*Address::Parse("127.0.0.1:0"), options);
  ASSERT_TRUE(sink.ok());
  const std::string chunk(1 << 20, 'z');
  // Sends stop at the first drop: on a slow machine (sanitizers) sending
  // on past the write timeout would open a second connection.
  for (int i = 0; i < 64 && sender.stats().stream_messages_dropped == 0; ++i) {
    sender.Send(sink->bound, chunk);
    sender.Pump(0);
  }
  EXPECT_GT(sender.stats().stream_messages_dropped, 0u);  // capped, not stuck
  EXPECT_EQ(sender.stats().connections_opened, 1u);
  ASSERT_TRUE(PumpUntil(sender, sender, [&] {
    return sender.stats().stream_write_timeouts == 1;
  }));
  EXPECT_EQ(sender.streams().outgoing_count(), 0u);
  // Nothing is left queued: a new message goes out on a new connection.
  const uint64_t opened = sender.stats().connections_opened;
  sender.Send(sink->bound, "again");
  EXPECT_EQ(sender.stats().connections_opened, opened + 1);
}

TEST(EpollStreamsTest, TheNodesCloseVerdictClosesTheConnectionAtOnce) {
  DriverOptions options;
  options.read_timeout = absl::Seconds(60);
  Endpoint receiver(options);
  drivertest::RawTcpPeer junk;
  ASSERT_TRUE(junk.Connect(receiver.address()).ok());
  // A complete frame that is not a chunk (plaintext: any bytes "open", but
  // two bytes cannot hold a chunk's trailer).
  ASSERT_TRUE(junk.Send(std::vector<uint8_t>{0, 0, 0, 2, 'h', 'i'}).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (receiver.stats().streams_refused == 0 && absl::Now() < deadline) {
    receiver.Pump(5);
  }
  EXPECT_EQ(receiver.stats().streams_refused, 1u);
  EXPECT_TRUE(junk.AwaitClosedByPeer(absl::Seconds(10)));
  EXPECT_EQ(receiver.streams().incoming_count(), 0u);
}

TEST(EpollStreamsTest, BytesThatAuthenticateNothingDoNotKeepAConnection) {
  DriverOptions options;
  options.read_timeout = absl::Milliseconds(300);
  Endpoint receiver(options);
  receiver.OverrideVerdict(StreamVerdict::kContinue);
  drivertest::RawTcpPeer trickle;
  ASSERT_TRUE(trickle.Connect(receiver.address()).ok());
  const absl::Time start = absl::Now();
  bool closed = false;
  // A byte every 50 ms: steady input, none of it authentic.
  while (!closed && absl::Now() - start < absl::Seconds(10)) {
    (void)trickle.Send(std::vector<uint8_t>{0x42});
    for (int i = 0; i < 10; ++i) receiver.Pump(5);
    closed = receiver.streams().incoming_count() == 0;
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(receiver.stats().stream_read_timeouts, 1u);
}

TEST(EpollStreamsTest, UnauthenticatedConnectionsAreCappedPerHostAndEvicted) {
  DriverOptions options;
  options.max_connections = 6;
  options.max_unauthenticated_per_host = 4;
  options.read_timeout = absl::Seconds(60);
  Endpoint receiver(options);
  // Silent connections from another loopback host, 127.0.0.2.
  const Address junk_host = *Address::Parse("127.0.0.2:0");
  std::vector<drivertest::RawTcpPeer> junk(6);
  for (auto& peer : junk) {
    ASSERT_TRUE(peer.Connect(receiver.address(), junk_host).ok());
  }
  for (int i = 0; i < 50; ++i) receiver.Pump(5);
  // Four are held; the fifth and sixth are turned away at once.
  EXPECT_EQ(receiver.streams().incoming_count(), 4u);
  EXPECT_EQ(receiver.stats().streams_rejected, 2u);
  // Members from 127.0.0.1 still get in; at max_connections the oldest
  // connection that authenticated nothing makes room.
  std::vector<std::unique_ptr<Endpoint>> members;
  for (int i = 0; i < 3; ++i) {
    members.push_back(std::make_unique<Endpoint>(options));
    members.back()->Send(receiver.address(), "authentic");
    ASSERT_TRUE(PumpUntil(*members.back(), receiver, [&] {
      return receiver.received().size() == static_cast<size_t>(i + 1);
    }));
  }
  EXPECT_EQ(receiver.stats().streams_evicted, 1u);
  EXPECT_EQ(receiver.streams().incoming_count(), 6u);
  int evicted = 0;
  for (auto& peer : junk) evicted += peer.AwaitClosedByPeer(absl::Seconds(1));
  EXPECT_EQ(evicted, 3);  // two rejected, one evicted
}

}  // namespace
}  // namespace swim

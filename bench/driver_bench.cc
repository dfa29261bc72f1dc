// Throughput of the real drivers on loopback, on one core: a load generator
// on the same thread sends batches of pings (sealed as a cluster member
// would) to a member and collects its acks, pumping the driver in between
// (EpollDriver::Process, io_context::poll). One probe cycle is a ping in
// and an ack out: two datagrams the driver handles or, for a TCP-only
// member (Config::tcp_only), two stream messages on connections the load
// generator keeps open, with TLS on them too in the TLS rows (certificates
// made for the run). The load generator's own system calls (and its TLS)
// run on the same core, so the figures are a floor for the driver alone.

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "asio.hpp"
#include "benchmark/benchmark.h"
#include "swim/core/envelope.h"
#include "swim/core/keyring.h"
#include "swim/core/stream.h"
#include "swim/core/wire.h"
#include "swim/drivers/asio/asio_driver.h"
#include "swim/drivers/epoll/epoll_driver.h"
#include "swim/drivers/net/file_descriptor.h"
#include "swim/drivers/net/socket_address.h"
#include "swim/drivers/net/tls.h"
#include "swim/drivers/testing/test_pki.h"

namespace swim {
namespace {

constexpr int kBatch = 32;
const std::string kKey(32, 'k');

Config TargetConfig(SecurityMode mode, bool tcp_only = false) {
  Config config = Config::Lan();
  config.tcp_only = tcp_only;
  config.name = "target.bench";
  config.address = *Address::Parse("127.0.0.1:0");
  config.security_mode = mode;
  if (mode != SecurityMode::kPlaintext) config.keys = {kKey};
  return config;
}

// The load generator: a UDP socket sending sealed pings in batches.
class LoadGenerator {
 public:
  LoadGenerator(const Address& target, SecurityMode mode)
      : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)),
        target_(*net::ToSocketAddress(target, AF_INET)) {
    EnvelopeConfig config;
    config.mode = mode;
    config.nonce_seed[0] = 7;
    // (Plaintext ignores the key, but a keyring needs one.)
    Envelope envelope = *Envelope::Create(config, *Keyring::Create({kKey}));
    // Distinct pings (sequence numbers, nonces), as a real prober sends.
    for (uint32_t seq = 0; seq < 256; ++seq) {
      std::array<uint8_t, 256> packet;
      const size_t size = *EncodePacket({Message(Ping{seq, "target.bench"})},
                                        absl::MakeSpan(packet));
      std::vector<uint8_t> sealed(size + envelope.Overhead());
      sealed.resize(*envelope.Seal(absl::MakeConstSpan(packet.data(), size),
                                   absl::MakeSpan(sealed)));
      pings_.push_back(std::move(sealed));
    }
    send_iovecs_.resize(kBatch);
    send_headers_.resize(kBatch);
    receive_buffers_.resize(kBatch * 2048);
    receive_iovecs_.resize(kBatch);
    receive_headers_.resize(kBatch);
    for (int i = 0; i < kBatch; ++i) {
      send_headers_[i].msg_hdr.msg_iov = &send_iovecs_[i];
      send_headers_[i].msg_hdr.msg_iovlen = 1;
      send_headers_[i].msg_hdr.msg_name = &target_.storage;
      send_headers_[i].msg_hdr.msg_namelen = target_.length;
      receive_iovecs_[i].iov_base = receive_buffers_.data() + i * 2048;
      receive_iovecs_[i].iov_len = 2048;
      receive_headers_[i].msg_hdr.msg_iov = &receive_iovecs_[i];
      receive_headers_[i].msg_hdr.msg_iovlen = 1;
    }
  }

  // (Datagrams never wait for the driver: `pump` is not needed.)
  template <typename Pump>
  void SendBatch(Pump /*pump*/) {
    for (int i = 0; i < kBatch; ++i) {
      std::vector<uint8_t>& ping = pings_[next_++ % pings_.size()];
      send_iovecs_[i].iov_base = ping.data();
      send_iovecs_[i].iov_len = ping.size();
    }
    int sent = 0;
    while (sent < kBatch) {
      const int count =
          ::sendmmsg(fd_.get(), send_headers_.data() + sent, kBatch - sent, 0);
      if (count <= 0) break;
      sent += count;
    }
  }

  // Acks received so far (non-blocking).
  int Receive() {
    const int count = ::recvmmsg(fd_.get(), receive_headers_.data(), kBatch,
                                 MSG_DONTWAIT, nullptr);
    return count > 0 ? count : 0;
  }

 private:
  net::FileDescriptor fd_;
  net::SocketAddress target_;
  std::vector<std::vector<uint8_t>> pings_;
  size_t next_ = 0;
  std::vector<iovec> send_iovecs_;
  std::vector<mmsghdr> send_headers_;
  std::vector<uint8_t> receive_buffers_;
  std::vector<iovec> receive_iovecs_;
  std::vector<mmsghdr> receive_headers_;
};

// The TCP-only load generator: kConnections connections to the member, as
// that many probers, each carrying kPerConnection pings (stream messages)
// per batch; the member answers each on its connection.
class StreamLoadGenerator {
 public:
  static constexpr int kConnections = 4;
  static constexpr int kPerConnection = kBatch / kConnections;
  // More distinct messages than a member remembers against replays
  // (StreamTable::kRecentMessages): cycling through them is never one.
  static constexpr int kMessages = 32768;

  // With `tls`, every connection runs TLS (client side) under it.
  StreamLoadGenerator(const Address& target, SecurityMode mode,
                      std::shared_ptr<const net::TlsContext> tls = nullptr) {
    EnvelopeConfig config;
    config.mode = mode;
    config.nonce_seed[0] = 9;
    Envelope envelope = *Envelope::Create(config, *Keyring::Create({kKey}));
    for (uint32_t seq = 0; seq < kMessages; ++seq) {
      std::array<uint8_t, 256> packet;
      const size_t size = *EncodePacket({Message(Ping{seq, "target.bench"})},
                                        absl::MakeSpan(packet));
      offsets_.push_back(sealed_.size());
      (void)SealStreamMessage(
          envelope, seq + 1, absl::MakeConstSpan(packet.data(), size), sealed_);
    }
    offsets_.push_back(sealed_.size());
    const net::SocketAddress where = *net::ToSocketAddress(target, AF_INET);
    for (int i = 0; i < kConnections; ++i) {
      Connection& connection = connections_[i];
      connection.fd =
          net::FileDescriptor(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      (void)::connect(connection.fd.get(), where.get(), where.length);
      net::SendWithoutDelay(connection.fd.get());  // as the drivers do
      ::fcntl(connection.fd.get(), F_SETFL,
              ::fcntl(connection.fd.get(), F_GETFL) | O_NONBLOCK);
      if (tls != nullptr) {
        connection.tls =
            *net::TlsStream::Create(tls, net::TlsStream::Role::kClient, target);
      }
    }
  }

  // Writes kPerConnection pings on every connection (pumping while a
  // socket is full).
  template <typename Pump>
  void SendBatch(Pump pump) {
    for (Connection& connection : connections_) {
      batch_.clear();
      for (int i = 0; i < kPerConnection; ++i) {
        const size_t at = next_++ % kMessages;
        batch_.insert(batch_.end(), sealed_.begin() + offsets_[at],
                      sealed_.begin() + offsets_[at + 1]);
      }
      if (connection.tls != nullptr) {
        SendTls(connection, pump);
        continue;
      }
      size_t written = 0;
      while (written < batch_.size()) {
        const ssize_t count =
            ::write(connection.fd.get(), batch_.data() + written,
                    batch_.size() - written);
        if (count > 0) {
          written += static_cast<size_t>(count);
        } else {
          pump();
        }
      }
    }
  }

  // Acks (whole frames: each answer is one small message) received so
  // far, non-blocking.
  int Receive() {
    int acks = 0;
    for (Connection& connection : connections_) {
      uint8_t buffer[16384];
      const ssize_t count = ::read(connection.fd.get(), buffer, sizeof(buffer));
      if (count <= 0) continue;
      if (connection.tls != nullptr) {
        // Handshake messages and acks; the plaintext joins `pending`.
        (void)connection.tls->Receive(
            absl::MakeConstSpan(buffer, static_cast<size_t>(count)),
            connection.pending);
      } else {
        connection.pending.insert(connection.pending.end(), buffer,
                                  buffer + count);
      }
      size_t at = 0;
      while (connection.pending.size() - at >= kStreamFrameHeaderSize) {
        const uint8_t* header = connection.pending.data() + at;
        const size_t length = (static_cast<size_t>(header[0]) << 24) |
                              (static_cast<size_t>(header[1]) << 16) |
                              (static_cast<size_t>(header[2]) << 8) | header[3];
        if (connection.pending.size() - at < kStreamFrameHeaderSize + length) {
          break;
        }
        at += kStreamFrameHeaderSize + length;
        ++acks;
      }
      connection.pending.erase(connection.pending.begin(),
                               connection.pending.begin() + at);
    }
    return acks;
  }

 private:
  struct Connection {
    net::FileDescriptor fd;
    std::unique_ptr<net::TlsStream> tls;
    std::vector<uint8_t> pending;  // a partial frame
  };

  // Writes what TLS has for the socket, pumping (and reading the member's
  // handshake messages) while the socket is full.
  template <typename Pump>
  void Flush(Connection& connection, Pump pump) {
    while (connection.tls->pending_bytes() > 0) {
      const absl::Span<const uint8_t> out = connection.tls->Pending();
      const ssize_t count =
          ::write(connection.fd.get(), out.data(), out.size());
      if (count > 0) {
        connection.tls->Consumed(static_cast<size_t>(count));
      } else if (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        Fail("the member closed a TLS connection");
      } else {
        pump();
      }
    }
  }

  [[noreturn]] static void Fail(const char* what) {
    std::fprintf(stderr, "driver_bench: %s\n", what);
    std::abort();
  }

  // Seals the batch (after the handshake, which the first batch waits
  // for) and writes it.
  template <typename Pump>
  void SendTls(Connection& connection, Pump pump) {
    Flush(connection, pump);
    for (int spins = 0; !connection.tls->established() && spins < 100000;
         ++spins) {
      pump();
      uint8_t buffer[16384];
      const ssize_t count = ::read(connection.fd.get(), buffer, sizeof(buffer));
      if (count > 0) {
        (void)connection.tls->Receive(
            absl::MakeConstSpan(buffer, static_cast<size_t>(count)),
            connection.pending);
        Flush(connection, pump);
      }
    }
    if (!connection.tls->established()) Fail("no TLS handshake");
    size_t sealed = 0;
    while (sealed < batch_.size()) {
      sealed +=
          connection.tls->Seal(absl::MakeConstSpan(batch_).subspan(sealed));
      if (connection.tls->failed()) Fail("a TLS record failed");
      Flush(connection, pump);
    }
  }
  std::array<Connection, kConnections> connections_;
  std::vector<uint8_t> sealed_;
  std::vector<size_t> offsets_;
  std::vector<uint8_t> batch_;
  size_t next_ = 0;
};

// Runs probe cycles in batches, calling `pump` until every ack is back.
// `unit` names what a cycle is two of: "datagrams" or "messages".
template <typename Load, typename Pump>
void ProbeCycles(benchmark::State& state, Load& load, Pump pump,
                 const std::string& unit = "datagrams") {
  int64_t cycles = 0;
  int64_t lost = 0;
  for (auto _ : state) {
    load.SendBatch(pump);
    int acked = 0;
    for (int spins = 0; acked < kBatch && spins < 100000; ++spins) {
      pump();
      acked += load.Receive();
    }
    cycles += acked;
    lost += kBatch - acked;
  }
  state.counters["probe_cycles_per_s"] = benchmark::Counter(
      static_cast<double>(cycles), benchmark::Counter::kIsRate);
  state.counters[unit + "_per_s"] = benchmark::Counter(
      static_cast<double>(2 * cycles), benchmark::Counter::kIsRate);
  state.counters["lost"] = static_cast<double>(lost);
}

// The kernel's share: the same load against a bare recvmmsg/sendmmsg echo
// with no protocol at all. The drivers cannot beat this on one core.
void BM_KernelEchoBaseline(benchmark::State& state) {
  net::FileDescriptor echo(
      ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  net::SocketAddress bound =
      *net::ToSocketAddress(*Address::Parse("127.0.0.1:0"), AF_INET);
  ::bind(echo.get(), bound.get(), bound.length);
  bound.length = sizeof(bound.storage);
  ::getsockname(echo.get(), bound.get(), &bound.length);
  LoadGenerator load(*net::FromSocketAddress(bound.get(), bound.length),
                     SecurityMode::kPlaintext);
  std::vector<uint8_t> buffers(kBatch * 2048);
  std::vector<iovec> iovecs(kBatch);
  std::vector<mmsghdr> headers(kBatch);
  std::vector<net::SocketAddress> from(kBatch);
  ProbeCycles(state, load, [&] {
    for (int i = 0; i < kBatch; ++i) {
      iovecs[i] = {buffers.data() + i * 2048, 2048};
      headers[i] = {};
      headers[i].msg_hdr.msg_iov = &iovecs[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &from[i].storage;
      headers[i].msg_hdr.msg_namelen = sizeof(from[i].storage);
    }
    const int count =
        ::recvmmsg(echo.get(), headers.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (count <= 0) return;
    for (int i = 0; i < count; ++i) iovecs[i].iov_len = headers[i].msg_len;
    ::sendmmsg(echo.get(), headers.data(), count, 0);
  });
}

// range(1) 1: the member records every input to a file
// (DriverOptions::recording_file), what leaving recording on costs.
void BM_EpollProbeCycles(benchmark::State& state) {
  const auto mode = static_cast<SecurityMode>(state.range(0));
  DriverOptions options;
  // In memory (/dev/shm) where there is one: at this load the recording
  // takes about 70 MB/s, which would measure the disk's writeback instead
  // of the member's cost.
  const std::filesystem::path directory =
      std::filesystem::is_directory("/dev/shm")
          ? std::filesystem::path("/dev/shm")
          : std::filesystem::temp_directory_path();
  const std::string recording =
      (directory / "swim-driver-bench.swimrec").string();
  if (state.range(1) != 0) {
    options.recording_file = recording;
    options.recording_max_bytes = size_t{16} << 30;
  }
  auto driver = *EpollDriver::Create(TargetConfig(mode), options);
  LoadGenerator load(driver->address(), mode);
  ProbeCycles(state, load, [&] { driver->Process(); });
  state.SetLabel(absl::StrCat(SecurityModeName(mode),
                              state.range(1) != 0 ? ", recording" : ""));
  driver.reset();
  std::filesystem::remove(recording);
}

void BM_AsioProbeCycles(benchmark::State& state) {
  const auto mode = static_cast<SecurityMode>(state.range(0));
  asio::io_context io;
  auto driver = *AsioDriver::Create(io, TargetConfig(mode));
  io.poll();  // adopt the sockets, start receiving
  LoadGenerator load(driver->address(), mode);
  ProbeCycles(state, load, [&] {
    io.restart();
    io.poll();
  });
  state.SetLabel(std::string(SecurityModeName(mode)));
  driver.reset();
}

// Certificates for the TLS rows: the member's and the load generator's,
// from one CA made for the run (its files last as long as it does).
struct BenchTls {
  std::unique_ptr<drivertest::TestPki> pki;
  DriverOptions member;
  std::shared_ptr<const net::TlsContext> client;
};

// TCP-only rows: range(0) the security mode, range(1) 1 for TLS on the
// connections.
BenchTls MakeBenchTls(const benchmark::State& state) {
  BenchTls tls;
  if (state.range(1) == 0) return tls;
  tls.pki = *drivertest::TestPki::Create(
      std::filesystem::temp_directory_path().string(), "swim-driver-bench");
  tls.member.tls = *tls.pki->Issue("member");
  tls.client = *net::TlsContext::Load(*tls.pki->Issue("prober"));
  return tls;
}

std::string StreamLabel(const benchmark::State& state) {
  return absl::StrCat(
      SecurityModeName(static_cast<SecurityMode>(state.range(0))),
      state.range(1) != 0 ? " in TLS" : "");
}

void BM_EpollTcpOnlyProbeCycles(benchmark::State& state) {
  const auto mode = static_cast<SecurityMode>(state.range(0));
  const BenchTls tls = MakeBenchTls(state);
  auto driver =
      *EpollDriver::Create(TargetConfig(mode, /*tcp_only=*/true), tls.member);
  StreamLoadGenerator load(driver->address(), mode, tls.client);
  ProbeCycles(
      state, load, [&] { driver->Process(); }, "messages");
  state.SetLabel(StreamLabel(state));
}

void BM_AsioTcpOnlyProbeCycles(benchmark::State& state) {
  const auto mode = static_cast<SecurityMode>(state.range(0));
  const BenchTls tls = MakeBenchTls(state);
  asio::io_context io;
  auto driver = *AsioDriver::Create(io, TargetConfig(mode, /*tcp_only=*/true),
                                    tls.member);
  io.poll();
  StreamLoadGenerator load(driver->address(), mode, tls.client);
  ProbeCycles(
      state, load,
      [&] {
        io.restart();
        io.poll();
      },
      "messages");
  state.SetLabel(StreamLabel(state));
  driver.reset();
}

// What a ClientHello costs the member that accepts it: a new server-side
// TlsStream given the same ClientHello each time (a peer can repeat one
// for free) answers with its whole first flight, a key exchange and a
// signature. DriverOptions::max_handshakes_per_second bounds how many of
// these a member takes on a second.
void BM_TlsServerFlightForAReplayedClientHello(benchmark::State& state) {
  auto pki = *drivertest::TestPki::Create(
      std::filesystem::temp_directory_path().string(), "swim-handshake-bench");
  const auto member = *net::TlsContext::Load(*pki->Issue("member"));
  const auto prober = *net::TlsContext::Load(*pki->Issue("prober"));
  const Address peer = *Address::Parse("127.0.0.1:7946");
  auto client =
      *net::TlsStream::Create(prober, net::TlsStream::Role::kClient, peer);
  const std::vector<uint8_t> client_hello(client->Pending().begin(),
                                          client->Pending().end());
  std::vector<uint8_t> plaintext;
  for (auto _ : state) {
    auto server =
        *net::TlsStream::Create(member, net::TlsStream::Role::kServer, peer);
    if (!server->Receive(client_hello, plaintext).ok() ||
        server->pending_bytes() == 0) {
      state.SkipWithError("the member did not answer the ClientHello");
      break;
    }
    benchmark::DoNotOptimize(server->Pending().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("handshakes");
}

BENCHMARK(BM_KernelEchoBaseline);
BENCHMARK(BM_EpollProbeCycles)
    ->ArgsProduct({{static_cast<int>(SecurityMode::kPlaintext),
                    static_cast<int>(SecurityMode::kEncrypted)},
                   {0, 1}});
BENCHMARK(BM_AsioProbeCycles)
    ->Arg(static_cast<int>(SecurityMode::kPlaintext))
    ->Arg(static_cast<int>(SecurityMode::kEncrypted));
BENCHMARK(BM_EpollTcpOnlyProbeCycles)
    ->ArgsProduct({{static_cast<int>(SecurityMode::kPlaintext),
                    static_cast<int>(SecurityMode::kEncrypted)},
                   {0, 1}});
BENCHMARK(BM_AsioTcpOnlyProbeCycles)
    ->ArgsProduct({{static_cast<int>(SecurityMode::kPlaintext),
                    static_cast<int>(SecurityMode::kEncrypted)},
                   {0, 1}});
BENCHMARK(BM_TlsServerFlightForAReplayedClientHello);

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();

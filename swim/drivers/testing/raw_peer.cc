#include "swim/drivers/testing/raw_peer.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "swim/core/envelope.h"
#include "swim/core/keyring.h"
#include "swim/core/wire.h"
#include "swim/drivers/net/socket_address.h"

namespace swim::drivertest {
namespace {

// Waits until `fd` is readable; false after `timeout`.
bool AwaitReadable(int fd, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd entry = {fd, POLLIN, 0};
    const int ready = ::poll(
        &entry, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

}  // namespace

std::vector<uint8_t> SealedPing(const std::string& target,
                                const std::string& key,
                                const std::string& label) {
  std::array<uint8_t, 512> packet;
  const size_t size =
      *EncodePacket({Message(Ping{7, target})}, absl::MakeSpan(packet));
  EnvelopeConfig config;
  config.label = label;
  config.nonce_seed[0] = 42;
  Envelope envelope = *Envelope::Create(config, *Keyring::Create({key}));
  std::vector<uint8_t> sealed(size + envelope.Overhead());
  const size_t sealed_size = *envelope.Seal(
      absl::MakeConstSpan(packet.data(), size), absl::MakeSpan(sealed));
  sealed.resize(sealed_size);
  return sealed;
}

RawUdpPeer::RawUdpPeer()
    : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}

void RawUdpPeer::SendTo(const Address& to, absl::Span<const uint8_t> bytes) {
  const std::optional<net::SocketAddress> where =
      net::ToSocketAddress(to, AF_INET);
  ::sendto(fd_.get(), bytes.data(), bytes.size(), 0, where->get(),
           where->length);
}

std::optional<std::vector<uint8_t>> RawUdpPeer::Receive(
    absl::Duration timeout) {
  if (!AwaitReadable(fd_.get(), timeout)) return std::nullopt;
  std::vector<uint8_t> buffer(65536);
  const ssize_t count =
      ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (count < 0) return std::nullopt;
  buffer.resize(static_cast<size_t>(count));
  return buffer;
}

absl::Status RawTcpPeer::Connect(const Address& to,
                                 std::optional<Address> from) {
  const int family = net::SocketFamilyOf(to);
  fd_ = net::FileDescriptor(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (from) {
    const std::optional<net::SocketAddress> local =
        net::ToSocketAddress(*from, family);
    if (!local || ::bind(fd_.get(), local->get(), local->length) != 0) {
      return absl::UnavailableError(
          absl::StrCat("bind: ", std::strerror(errno)));
    }
  }
  const std::optional<net::SocketAddress> where =
      net::ToSocketAddress(to, family);
  if (::connect(fd_.get(), where->get(), where->length) != 0) {
    return absl::UnavailableError(
        absl::StrCat("connect: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status RawTcpPeer::Send(absl::Span<const uint8_t> bytes) {
  if (::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(bytes.size())) {
    return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

bool RawTcpPeer::AwaitClosedByPeer(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (!AwaitReadable(fd_.get(), deadline - absl::Now())) return false;
    char buffer[256];
    const ssize_t count =
        ::recv(fd_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (count == 0) return true;                                      // EOF
    if (count < 0 && errno != EAGAIN && errno != EINTR) return true;  // reset
  }
}

}  // namespace swim::drivertest

#include "swim/drivers/net/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>

namespace swim::net {
namespace {

constexpr std::array<uint8_t, 12> kIpv4MappedPrefix = {0, 0, 0, 0, 0,    0,
                                                       0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::optional<SocketAddress> ToSocketAddress(const Address& address,
                                             int socket_family) {
  SocketAddress result;
  const std::array<uint8_t, 16>& octets = address.octets();
  if (socket_family == AF_INET) {
    if (address.family() != Address::Family::kIpv4) return std::nullopt;
    auto* in = reinterpret_cast<sockaddr_in*>(&result.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(address.port());
    std::memcpy(&in->sin_addr, octets.data(), 4);
    result.length = sizeof(sockaddr_in);
    return result;
  }
  if (socket_family != AF_INET6) return std::nullopt;
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&result.storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(address.port());
  if (address.family() == Address::Family::kIpv4) {
    std::memcpy(in6->sin6_addr.s6_addr, kIpv4MappedPrefix.data(), 12);
    std::memcpy(in6->sin6_addr.s6_addr + 12, octets.data(), 4);
  } else {
    std::memcpy(in6->sin6_addr.s6_addr, octets.data(), 16);
  }
  result.length = sizeof(sockaddr_in6);
  return result;
}

std::optional<Address> FromSocketAddress(const sockaddr* address,
                                         socklen_t length) {
  if (address == nullptr) return std::nullopt;
  if (address->sa_family == AF_INET &&
      length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in;
    std::memcpy(&in, address, sizeof(in));
    std::array<uint8_t, 4> octets;
    std::memcpy(octets.data(), &in.sin_addr, 4);
    return Address::Ipv4(octets, ntohs(in.sin_port));
  }
  if (address->sa_family == AF_INET6 &&
      length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof(in6));
    const uint8_t* bytes = in6.sin6_addr.s6_addr;
    if (std::equal(kIpv4MappedPrefix.begin(), kIpv4MappedPrefix.end(), bytes)) {
      return Address::Ipv4({bytes[12], bytes[13], bytes[14], bytes[15]},
                           ntohs(in6.sin6_port));
    }
    std::array<uint8_t, 16> octets;
    std::memcpy(octets.data(), bytes, 16);
    return Address::Ipv6(octets, ntohs(in6.sin6_port));
  }
  return std::nullopt;
}

bool IsUnspecified(const Address& address) {
  const std::array<uint8_t, 16>& octets = address.octets();
  return std::all_of(octets.begin(), octets.begin() + address.octet_count(),
                     [](uint8_t octet) { return octet == 0; });
}

namespace {

enum class Scope { kWildcard, kLoopback, kLinkLocal, kGroup, kOther };

Scope ScopeOf(const Address& address) {
  const std::array<uint8_t, 16>& o = address.octets();
  if (IsUnspecified(address)) return Scope::kWildcard;
  if (address.family() == Address::Family::kIpv4) {
    if (o[0] == 127) return Scope::kLoopback;
    if (o[0] == 169 && o[1] == 254) return Scope::kLinkLocal;
    const bool broadcast = std::all_of(
        o.begin(), o.begin() + 4, [](uint8_t octet) { return octet == 255; });
    if ((o[0] & 0xf0) == 224 || broadcast) return Scope::kGroup;
    return Scope::kOther;
  }
  const bool loopback = std::all_of(o.begin(), o.begin() + 15,
                                    [](uint8_t octet) { return octet == 0; }) &&
                        o[15] == 1;
  if (loopback) return Scope::kLoopback;
  if (o[0] == 0xfe && (o[1] & 0xc0) == 0x80) return Scope::kLinkLocal;
  if (o[0] == 0xff) return Scope::kGroup;
  return Scope::kOther;
}

}  // namespace

std::optional<std::string> UnreachableAsMember(const Address& address,
                                               const Address& from) {
  const Scope scope = ScopeOf(address);
  switch (scope) {
    case Scope::kWildcard:
      return "it is a wildcard, which no member can reach";
    case Scope::kGroup:
      return "it is a multicast or broadcast address";
    case Scope::kLoopback:
    case Scope::kLinkLocal:
      if (ScopeOf(from) == scope) return std::nullopt;
      return scope == Scope::kLoopback
                 ? "it is a loopback address, which only this host reaches"
                 : "it is a link-local address, which only this link reaches";
    case Scope::kOther:
      return std::nullopt;
  }
  return std::nullopt;
}

void SendWithoutDelay(int fd) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

}  // namespace swim::net

#ifndef SWIM_DRIVERS_NET_SOCKET_ADDRESS_H_
#define SWIM_DRIVERS_NET_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <optional>

#include "swim/core/address.h"

namespace swim::net {

// A sockaddr big enough for IPv4 and IPv6, with its length.
struct SocketAddress {
  sockaddr_storage storage = {};
  socklen_t length = 0;

  const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};

// The sockaddr to reach `address` through a socket of `socket_family`
// (AF_INET or AF_INET6). An IPv4 address on an AF_INET6 socket becomes the
// IPv4-mapped ::ffff:a.b.c.d, so a dual-stack socket reaches both families;
// an IPv6 address cannot be reached from an AF_INET socket (nullopt).
std::optional<SocketAddress> ToSocketAddress(const Address& address,
                                             int socket_family);

// The Address of a received sockaddr; IPv4-mapped IPv6 addresses come back
// as IPv4, so a member is known by one address whichever socket heard it.
// Nullopt for other families or a short length.
std::optional<Address> FromSocketAddress(const sockaddr* address,
                                         socklen_t length);

// The family of the socket to open for `address`.
inline int SocketFamilyOf(const Address& address) {
  return address.family() == Address::Family::kIpv4 ? AF_INET : AF_INET6;
}

// True for 0.0.0.0 and ::.
bool IsUnspecified(const Address& address);

// Why no member elsewhere could reach `address` as a member's own, or
// empty: a wildcard, a multicast or broadcast address, or a loopback or
// link-local one unless `from` (the address now held) is of the same kind.
// For addresses learned at runtime (an advertised name's DNS records),
// which a sinkhole resolver may answer with 0.0.0.0 or 127.0.0.1.
std::optional<std::string> UnreachableAsMember(const Address& address,
                                               const Address& from);

// Sets TCP_NODELAY on stream socket `fd`: the drivers write whole stream
// messages, so Nagle's algorithm would only hold a small message (an ack,
// in TCP-only mode) back until the peer's delayed ACK, up to 40 ms.
void SendWithoutDelay(int fd);

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_SOCKET_ADDRESS_H_

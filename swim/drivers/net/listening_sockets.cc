#include "swim/drivers/net/listening_sockets.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "swim/drivers/net/socket_address.h"

namespace swim::net {
namespace {

absl::Status BindError(absl::string_view what, const Address& address,
                       int error) {
  const std::string where =
      absl::StrCat("cannot bind ", what, " on ", address.ToString(), ": ",
                   std::strerror(error));
  switch (error) {
    case EADDRINUSE:
      return absl::FailedPreconditionError(absl::StrCat(
          where,
          " (another process holds this port: stop it or choose another "
          "port, or port 0 for any free one)"));
    case EADDRNOTAVAIL:
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          " (not an address of this host: bind a local address or a "
          "wildcard such as 0.0.0.0, and advertise the reachable one)"));
    case EACCES:
      return absl::PermissionDeniedError(absl::StrCat(
          where, " (ports below 1024 need privileges: use a higher port)"));
    default:
      return absl::UnavailableError(where);
  }
}

absl::Status SocketError(absl::string_view what, int error) {
  return absl::ResourceExhaustedError(
      absl::StrCat("cannot open ", what, " socket: ", std::strerror(error)));
}

// One attempt at binding both sockets on `bind`.
absl::StatusOr<ListeningSockets> TryOpen(const Address& bind,
                                         const DriverOptions& options) {
  const int family = SocketFamilyOf(bind);
  const std::optional<SocketAddress> where = ToSocketAddress(bind, family);
  if (!where) return absl::InvalidArgumentError("unusable bind address");
  const int on = 1;
  const int off = 0;

  ListeningSockets sockets;
  sockets.family = family;
  sockets.udp = FileDescriptor(
      ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!sockets.udp.valid()) return SocketError("a UDP", errno);
  if (family == AF_INET6) {
    // Dual stack on a wildcard: IPv4 peers arrive as ::ffff:a.b.c.d.
    ::setsockopt(sockets.udp.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off,
                 sizeof(off));
  }
  if (options.socket_buffer_size > 0) {
    ::setsockopt(sockets.udp.get(), SOL_SOCKET, SO_RCVBUF,
                 &options.socket_buffer_size,
                 sizeof(options.socket_buffer_size));
    ::setsockopt(sockets.udp.get(), SOL_SOCKET, SO_SNDBUF,
                 &options.socket_buffer_size,
                 sizeof(options.socket_buffer_size));
  }
  if (::bind(sockets.udp.get(), where->get(), where->length) != 0) {
    return BindError("UDP", bind, errno);
  }
  SocketAddress bound;
  bound.length = sizeof(bound.storage);
  if (::getsockname(sockets.udp.get(), bound.get(), &bound.length) != 0) {
    return SocketError("a UDP", errno);
  }
  std::optional<Address> bound_address =
      FromSocketAddress(bound.get(), bound.length);
  if (!bound_address) return absl::InternalError("unknown bound address");
  // Keep the family and octets asked for (a wildcard stays a wildcard), with
  // the port the kernel chose.
  sockets.bound = bind.family() == Address::Family::kIpv4
                      ? Address::Ipv4({bind.octets()[0], bind.octets()[1],
                                       bind.octets()[2], bind.octets()[3]},
                                      bound_address->port())
                      : Address::Ipv6(bind.octets(), bound_address->port());

  sockets.tcp = FileDescriptor(
      ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!sockets.tcp.valid()) return SocketError("a TCP", errno);
  // A restarted member rebinds its port while old connections linger in
  // TIME_WAIT. (Not SO_REUSEPORT: two live members must not share a port.)
  ::setsockopt(sockets.tcp.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (family == AF_INET6) {
    ::setsockopt(sockets.tcp.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off,
                 sizeof(off));
  }
  const std::optional<SocketAddress> tcp_where =
      ToSocketAddress(sockets.bound, family);
  if (::bind(sockets.tcp.get(), tcp_where->get(), tcp_where->length) != 0) {
    return BindError("TCP", sockets.bound, errno);
  }
  if (::listen(sockets.tcp.get(), SOMAXCONN) != 0) {
    return BindError("TCP", sockets.bound, errno);
  }
  return sockets;
}

}  // namespace

absl::StatusOr<ListeningSockets> OpenListeningSockets(
    const Address& bind, const DriverOptions& options) {
  // With port 0 the kernel picks a free UDP port whose TCP twin may be
  // taken; try a few ports before giving up.
  constexpr int kAttempts = 16;
  absl::StatusOr<ListeningSockets> sockets;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    sockets = TryOpen(bind, options);
    if (sockets.ok() || bind.port() != 0 ||
        !absl::IsFailedPrecondition(sockets.status())) {
      return sockets;
    }
  }
  return sockets;
}

}  // namespace swim::net

#ifndef SWIM_DRIVERS_NET_LISTENING_SOCKETS_H_
#define SWIM_DRIVERS_NET_LISTENING_SOCKETS_H_

#include "absl/status/statusor.h"
#include "swim/core/address.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/net/file_descriptor.h"

namespace swim::net {

// A member's two sockets on one port: UDP for datagrams, a TCP listener for
// stream messages. Both non-blocking and close-on-exec.
struct ListeningSockets {
  FileDescriptor udp;
  FileDescriptor tcp;
  Address bound;   // with the port actually bound
  int family = 0;  // AF_INET or AF_INET6
};

// Binds UDP and TCP on `bind` (port 0: a free port, the same for both).
// An IPv6 wildcard ([::]) also accepts IPv4. Errors say what the user can
// do: a port in use, an address that is not this host's, a privileged port.
absl::StatusOr<ListeningSockets> OpenListeningSockets(
    const Address& bind, const DriverOptions& options);

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_LISTENING_SOCKETS_H_

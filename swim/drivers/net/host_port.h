#ifndef SWIM_DRIVERS_NET_HOST_PORT_H_
#define SWIM_DRIVERS_NET_HOST_PORT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "swim/core/address.h"

namespace swim::net {

// A seed as the user wrote it: a host (DNS name or IP literal) and a port.
struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;

  // "host:port", with brackets around IPv6 literals.
  std::string ToString() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Parses "name:7946", "10.0.0.1:7946" or "[fd00::1]:7946". Without a port
// ("name", "[::1]"), `default_port` is used when given (members of one
// service usually share a port); otherwise it is an error. Errors say what
// is wrong and show the accepted forms.
absl::StatusOr<HostPort> ParseHostPort(
    absl::string_view text, std::optional<uint16_t> default_port = {});

// The address when `host` is an IPv4 or IPv6 literal, nullopt for a name.
std::optional<Address> LiteralAddress(const HostPort& host_port);

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_HOST_PORT_H_

#ifndef SWIM_CORE_ADDRESS_H_
#define SWIM_CORE_ADDRESS_H_

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace swim {

// A transport address: an IPv4 or IPv6 literal and a port. The core never
// resolves names or opens sockets; drivers turn DNS names into Addresses and
// Addresses into sockaddrs. The simulator uses them as plain identifiers.
class Address {
 public:
  enum class Family : uint8_t { kIpv4 = 4, kIpv6 = 6 };

  // 0.0.0.0:0.
  Address() = default;

  static Address Ipv4(std::array<uint8_t, 4> octets, uint16_t port);
  static Address Ipv6(const std::array<uint8_t, 16>& octets, uint16_t port);

  // Parses "1.2.3.4:7946" or "[::1]:7946". Host names are not accepted here
  // (resolution is the driver's job); the error says so.
  static absl::StatusOr<Address> Parse(absl::string_view text);

  Family family() const { return family_; }
  uint16_t port() const { return port_; }
  // 4 meaningful bytes for IPv4, 16 for IPv6; the rest are zero.
  const std::array<uint8_t, 16>& octets() const { return octets_; }
  size_t octet_count() const { return family_ == Family::kIpv4 ? 4 : 16; }
  // The same host at another port (port 0: the host alone, for per-host
  // accounting).
  Address WithPort(uint16_t port) const {
    Address address = *this;
    address.port_ = port;
    return address;
  }

  // "1.2.3.4:7946" or "[::1]:7946".
  std::string ToString() const;

  friend bool operator==(const Address&, const Address&) = default;
  friend auto operator<=>(const Address&, const Address&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const Address& address) {
    return H::combine(std::move(h), address.family_, address.octets_,
                      address.port_);
  }

 private:
  Family family_ = Family::kIpv4;
  std::array<uint8_t, 16> octets_{};
  uint16_t port_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_ADDRESS_H_

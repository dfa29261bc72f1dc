#include "swim/core/address.h"

#include <arpa/inet.h>

#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace swim {

Address Address::Ipv4(std::array<uint8_t, 4> octets, uint16_t port) {
  Address address;
  address.family_ = Family::kIpv4;
  std::copy(octets.begin(), octets.end(), address.octets_.begin());
  address.port_ = port;
  return address;
}

Address Address::Ipv6(const std::array<uint8_t, 16>& octets, uint16_t port) {
  Address address;
  address.family_ = Family::kIpv6;
  address.octets_ = octets;
  address.port_ = port;
  return address;
}

absl::StatusOr<Address> Address::Parse(absl::string_view text) {
  absl::string_view host;
  absl::string_view port_text;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("address \"", text, "\": expected \"[ipv6]:port\""));
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("address \"", text, "\": missing \":port\""));
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("address \"", text,
                       "\": IPv6 addresses need brackets, as in [::1]:7946"));
    }
  }
  // Digits only, no sign, no whitespace, no leading zeros: one spelling per
  // port, so Parse(ToString()) is the identity.
  uint32_t port = 0;
  const bool digits_only =
      !port_text.empty() && port_text.size() <= 5 &&
      absl::c_all_of(port_text,
                     [](char c) { return absl::ascii_isdigit(c); }) &&
      (port_text.size() == 1 || port_text.front() != '0');
  if (!digits_only || !absl::SimpleAtoi(port_text, &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address \"", text, "\": port \"", port_text, "\" is not 0-65535"));
  }
  const std::string host_string(host);
  if (bracketed) {
    std::array<uint8_t, 16> octets{};
    if (inet_pton(AF_INET6, host_string.c_str(), octets.data()) != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "address \"", text, "\": \"", host, "\" is not an IPv6 literal"));
    }
    return Ipv6(octets, static_cast<uint16_t>(port));
  }
  std::array<uint8_t, 4> octets{};
  if (inet_pton(AF_INET, host_string.c_str(), octets.data()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address \"", text, "\": \"", host,
        "\" is not an IPv4 literal (resolve host names before passing them "
        "to the core)"));
  }
  return Ipv4(octets, static_cast<uint16_t>(port));
}

std::string Address::ToString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (family_ == Family::kIpv4) {
    inet_ntop(AF_INET, octets_.data(), buffer, sizeof(buffer));
    return absl::StrCat(buffer, ":", port_);
  }
  inet_ntop(AF_INET6, octets_.data(), buffer, sizeof(buffer));
  return absl::StrCat("[", buffer, "]:", port_);
}

}  // namespace swim

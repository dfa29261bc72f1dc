#include "swim/drivers/net/host_port.h"

#include <arpa/inet.h>

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace swim::net {
namespace {

absl::Status Malformed(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("seed \"", text, "\": ", why,
                   " (expected host:port, 1.2.3.4:port or [v6::addr]:port)"));
}

bool ValidHostName(absl::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '.' && c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       std::optional<uint16_t> default_port) {
  const absl::string_view original = text;
  HostPort result;
  absl::string_view port_text;
  bool has_port = false;
  if (absl::ConsumePrefix(&text, "[")) {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos) {
      return Malformed(original, "missing ']' after an IPv6 address");
    }
    result.host = std::string(text.substr(0, close));
    absl::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!absl::ConsumePrefix(&rest, ":")) {
        return Malformed(original, "expected ':' after ']'");
      }
      port_text = rest;
      has_port = true;
    }
    std::array<uint8_t, 16> octets;
    if (inet_pton(AF_INET6, result.host.c_str(), octets.data()) != 1) {
      return Malformed(original, "not an IPv6 address inside brackets");
    }
  } else {
    const size_t colon = text.rfind(':');
    if (colon != absl::string_view::npos && text.find(':') != colon) {
      return Malformed(original, "IPv6 addresses need brackets");
    }
    if (colon == absl::string_view::npos) {
      result.host = std::string(text);
    } else {
      result.host = std::string(text.substr(0, colon));
      port_text = text.substr(colon + 1);
      has_port = true;
    }
    if (!ValidHostName(result.host)) {
      return Malformed(original, "not a host name or IPv4 address");
    }
  }
  if (has_port) {
    uint32_t port = 0;
    if (!absl::SimpleAtoi(port_text, &port) || port == 0 || port > 65535) {
      return Malformed(original, "the port must be 1-65535");
    }
    result.port = static_cast<uint16_t>(port);
  } else if (default_port.has_value() && *default_port != 0) {
    result.port = *default_port;
  } else {
    return Malformed(original, "no port");
  }
  return result;
}

std::optional<Address> LiteralAddress(const HostPort& host_port) {
  std::array<uint8_t, 16> octets = {};
  if (inet_pton(AF_INET, host_port.host.c_str(), octets.data()) == 1) {
    return Address::Ipv4({octets[0], octets[1], octets[2], octets[3]},
                         host_port.port);
  }
  if (inet_pton(AF_INET6, host_port.host.c_str(), octets.data()) == 1) {
    return Address::Ipv6(octets, host_port.port);
  }
  return std::nullopt;
}

}  // namespace swim::net

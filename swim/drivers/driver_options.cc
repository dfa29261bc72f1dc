#include "swim/drivers/driver_options.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "swim/core/stream.h"
#include "swim/drivers/net/host_port.h"

namespace swim {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view requirement) {
  return absl::InvalidArgumentError(
      absl::StrCat("driver options: ", field, " must be ", requirement));
}

// A host name as a certificate's DNS subject alternative name carries it:
// labels of 1-63 letters, digits and inner hyphens, joined by dots (none
// at the end), 253 characters at most, the last label not all digits
// (RFC 1123: so no IPv4 address; addresses are the identity's to check).
bool ValidCertificateName(absl::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  bool all_digits = false;
  for (absl::string_view label : absl::StrSplit(name, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    all_digits = true;
    for (char c : label) {
      const unsigned char byte = static_cast<unsigned char>(c);
      if (!absl::ascii_isalnum(byte) && c != '-') return false;
      all_digits = all_digits && absl::ascii_isdigit(byte);
    }
  }
  return !all_digits;
}

}  // namespace

absl::Status TlsOptions::Validate() const {
  if (enabled() &&
      (certificate_file.empty() || key_file.empty() || ca_file.empty())) {
    return Invalid("tls",
                   "all of certificate_file, key_file and ca_file, or none");
  }
  if (!peer_names.empty() && !enabled()) {
    return Invalid("tls.peer_names", "empty without TLS (no certificate file)");
  }
  if (peer_names.size() > kMaxPeerNames) {
    return Invalid("tls.peer_names",
                   absl::StrCat("at most ", kMaxPeerNames, " names (has ",
                                peer_names.size(), ")"));
  }
  for (const std::string& name : peer_names) {
    if (!ValidCertificateName(name)) {
      return Invalid(
          absl::StrCat("tls.peer_names entry \"", absl::CHexEscape(name), "\""),
          "a DNS name: labels of 1-63 letters, digits and inner '-' joined "
          "by '.' (none at the end), 253 characters at most, no wildcard, "
          "and not an IP address (the identity checks addresses)");
    }
  }
  return absl::OkStatus();
}

absl::Status DriverOptions::Validate(const Config& config) const {
  if (connect_timeout <= absl::ZeroDuration()) {
    return Invalid("connect_timeout", "positive");
  }
  if (read_timeout <= absl::ZeroDuration()) {
    return Invalid("read_timeout", "positive");
  }
  if (write_timeout <= absl::ZeroDuration()) {
    return Invalid("write_timeout", "positive");
  }
  if (idle_timeout <= absl::ZeroDuration()) {
    return Invalid("idle_timeout", "positive");
  }
  if (max_connections < 1 || max_connections > 65536) {
    return Invalid("max_connections", "1-65536");
  }
  if (max_connections_per_host < 1 ||
      max_connections_per_host > max_connections) {
    return Invalid("max_connections_per_host", "1 to max_connections");
  }
  if (max_unauthenticated_per_host < 1 ||
      max_unauthenticated_per_host > max_connections_per_host) {
    return Invalid("max_unauthenticated_per_host",
                   "1 to max_connections_per_host");
  }
  for (const auto& [name, value] :
       {std::pair{"max_handshakes_per_host_per_second",
                  max_handshakes_per_host_per_second},
        std::pair{"max_handshakes_per_second", max_handshakes_per_second}}) {
    if (value < 0 || value > 1'000'000) {
      return Invalid(name, "0 (no limit) to 1000000");
    }
  }
  if (ipv6_host_prefix < 1 || ipv6_host_prefix > 128) {
    return Invalid("ipv6_host_prefix", "1-128");
  }
  // Room for one largest message with its framing.
  const size_t chunks = (config.max_stream_message + kMaxStreamChunkData - 1) /
                        kMaxStreamChunkData;
  const size_t largest =
      config.max_stream_message +
      chunks * (kStreamFrameHeaderSize + kMaxStreamFrame - kMaxStreamChunkData);
  if (max_queued_stream_bytes < largest) {
    return Invalid("max_queued_stream_bytes",
                   absl::StrCat("at least ", largest,
                                " (Config::max_stream_message, framed)"));
  }
  if (absl::Status status = tls.Validate(); !status.ok()) return status;
  if (max_datagram_size < config.datagram_budget || max_datagram_size > 65536) {
    return Invalid("max_datagram_size",
                   absl::StrCat("between Config::datagram_budget (",
                                config.datagram_budget, ") and 65536"));
  }
  if (socket_buffer_size < 0) {
    return Invalid("socket_buffer_size", "0 (system default) or positive");
  }
  if (min_resolve_backoff <= absl::ZeroDuration() ||
      max_resolve_backoff < min_resolve_backoff) {
    return Invalid("min_resolve_backoff and max_resolve_backoff",
                   "positive, min <= max");
  }
  if (seed_refresh_interval < absl::ZeroDuration()) {
    return Invalid("seed_refresh_interval", "zero (never) or positive");
  }
  if (!advertised_host.empty()) {
    if (net::LiteralAddress(net::HostPort{advertised_host, 1}).has_value() ||
        absl::StrContains(advertised_host, ':')) {
      return Invalid("advertised_host",
                     "a DNS name without a port (an IP address never moves; "
                     "the port is Config::address's)");
    }
    if (advertised_refresh_interval <= absl::ZeroDuration()) {
      return Invalid("advertised_refresh_interval", "positive");
    }
  }
  if (view_file_max_age < absl::ZeroDuration()) {
    return Invalid("view_file_max_age",
                   "zero (Config::tombstone_timeout) or positive");
  }
  if (view_save_interval <= absl::ZeroDuration()) {
    return Invalid("view_save_interval", "positive");
  }
  if (view_file_contacts < 0 || view_file_contacts > 1024) {
    return Invalid("view_file_contacts", "0-1024");
  }
  if (recording_max_bytes < 4096) {
    return Invalid("recording_max_bytes", "at least 4096");
  }
  return absl::OkStatus();
}

}  // namespace swim

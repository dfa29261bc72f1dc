#include "swim/core/config.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "swim/core/envelope.h"
#include "swim/core/keyring.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

ConfigError OutOfRange(absl::string_view field, absl::string_view range,
                       absl::string_view value) {
  return ConfigError{std::string(field),
                     absl::StrCat("must be ", range, ", is ", value)};
}

}  // namespace

Config::Lifeguard Config::Lifeguard::Off() {
  Lifeguard lifeguard;
  lifeguard.awareness = false;
  lifeguard.nacks = false;
  lifeguard.dynamic_suspicion = false;
  lifeguard.buddy_system = false;
  return lifeguard;
}

absl::Duration ScaledPushPullInterval(const Config& config, uint64_t members) {
  if (members <= 32) return config.push_pull_interval;
  // ceil(log2(n) - 5) + 1, by counting (exact at powers of two).
  int64_t multiplier = 1;
  for (uint64_t scale = 32; scale < members; scale *= 2) ++multiplier;
  return config.push_pull_interval * multiplier;
}

int RetransmitLimit(const Config& config, uint64_t members) {
  // ceil(log10(N + 1)) by counting, not with floating point, so the result
  // cannot differ between math libraries at exact powers of ten.
  int digits = 0;
  for (uint64_t power = 1; power < members + 1; power *= 10) ++digits;
  const int scaled = config.retransmit_mult * digits;
  // The floor keeps small clusters from stopping an update after a couple
  // of sends that may all have gone to the same few members.
  return std::max(scaled, 2 * config.gossip_nodes);
}

Config Config::Lan() { return Config(); }

Config Config::Wan() {
  Config config;
  config.probe_interval = absl::Seconds(5);
  config.probe_timeout = absl::Seconds(3);
  config.indirect_checks = 3;
  config.suspicion_mult = 6;
  config.retransmit_mult = 4;
  config.gossip_interval = absl::Milliseconds(500);
  config.gossip_nodes = 4;
  config.push_pull_interval = absl::Seconds(60);
  config.reconnect_interval = absl::Seconds(30);
  config.reconnect_timeout = absl::Hours(6);
  config.tombstone_timeout = absl::Minutes(30);
  return config;
}

Config Config::Local() {
  Config config;
  config.probe_interval = absl::Seconds(1);
  config.probe_timeout = absl::Milliseconds(200);
  config.indirect_checks = 1;
  config.suspicion_mult = 3;
  config.retransmit_mult = 2;
  config.gossip_interval = absl::Milliseconds(100);
  config.gossip_nodes = 3;
  config.push_pull_interval = absl::Seconds(15);
  config.reconnect_interval = absl::Seconds(5);
  config.reconnect_timeout = absl::Minutes(30);
  config.tombstone_timeout = absl::Minutes(5);
  return config;
}

std::string ConfigError::ToString() const {
  return absl::StrCat("config: ", field, " ", reason);
}

absl::Status Config::Validate() const {
  const std::optional<ConfigError> error = Check();
  if (!error.has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(error->ToString());
}

std::optional<ConfigError> Config::Check() const {
  if (name.empty() || name.size() > kMaxNameLength) {
    return OutOfRange("name", "1-255 bytes",
                      absl::StrCat(name.size(), " bytes"));
  }
  if (generation == 0) {
    return OutOfRange("generation", "positive (e.g. the start time in µs)",
                      "0");
  }
  if (max_clock_skew < absl::ZeroDuration()) {
    return OutOfRange("max_clock_skew",
                      "zero or positive (InfiniteDuration: "
                      "no check)",
                      absl::FormatDuration(max_clock_skew));
  }
  if (probe_interval < absl::Milliseconds(1)) {
    return OutOfRange("probe_interval", "at least 1ms",
                      absl::FormatDuration(probe_interval));
  }
  if (probe_timeout <= absl::ZeroDuration() ||
      probe_timeout >= probe_interval) {
    return OutOfRange("probe_timeout", "positive and below probe_interval",
                      absl::FormatDuration(probe_timeout));
  }
  if (indirect_checks < 0 || indirect_checks > 16) {
    return OutOfRange("indirect_checks", "0-16", absl::StrCat(indirect_checks));
  }
  if (suspicion_mult < 1 || suspicion_mult > 100) {
    return OutOfRange("suspicion_mult", "1-100", absl::StrCat(suspicion_mult));
  }
  if (lifeguard.awareness_max < 1 || lifeguard.awareness_max > 64) {
    return OutOfRange("lifeguard.awareness_max", "1-64",
                      absl::StrCat(lifeguard.awareness_max));
  }
  if (lifeguard.suspicion_max_timeout_mult < 1 ||
      lifeguard.suspicion_max_timeout_mult > 100) {
    return OutOfRange("lifeguard.suspicion_max_timeout_mult", "1-100",
                      absl::StrCat(lifeguard.suspicion_max_timeout_mult));
  }
  if (retransmit_mult < 1 || retransmit_mult > 100) {
    return OutOfRange("retransmit_mult", "1-100",
                      absl::StrCat(retransmit_mult));
  }
  if (gossip_interval < absl::Milliseconds(1)) {
    return OutOfRange("gossip_interval", "at least 1ms",
                      absl::FormatDuration(gossip_interval));
  }
  if (gossip_nodes < 1 || gossip_nodes > 64) {
    return OutOfRange("gossip_nodes", "1-64", absl::StrCat(gossip_nodes));
  }
  if (datagram_budget < 512 || datagram_budget > 65507) {
    return OutOfRange("datagram_budget", "512-65507 bytes",
                      absl::StrCat(datagram_budget));
  }
  if (!(user_broadcast_share >= 0 && user_broadcast_share <= 0.9)) {
    return OutOfRange("user_broadcast_share", "0-0.9",
                      absl::StrCat(user_broadcast_share));
  }
  if (push_pull_interval < absl::ZeroDuration()) {
    return OutOfRange("push_pull_interval", "zero (off) or positive",
                      absl::FormatDuration(push_pull_interval));
  }
  if (reconnect_interval < absl::ZeroDuration()) {
    return OutOfRange("reconnect_interval", "zero (off) or positive",
                      absl::FormatDuration(reconnect_interval));
  }
  if (reconnect_timeout <= absl::ZeroDuration()) {
    return OutOfRange("reconnect_timeout", "positive",
                      absl::FormatDuration(reconnect_timeout));
  }
  if (tombstone_timeout <= absl::ZeroDuration()) {
    return OutOfRange("tombstone_timeout", "positive",
                      absl::FormatDuration(tombstone_timeout));
  }
  if (isolation_probes < 0 || isolation_probes > 100) {
    return OutOfRange("isolation_probes", "0 (off) to 100",
                      absl::StrCat(isolation_probes));
  }
  if (max_metadata_size > kMaxMetadataEncodedSize) {
    return OutOfRange("max_metadata_size", "at most 65535 bytes",
                      absl::StrCat(max_metadata_size));
  }
  if (max_members < 1) {
    return OutOfRange("max_members", "at least 1", "0");
  }
  if (max_stream_message < (64 << 10) || max_stream_message > kMaxPacketSize) {
    return OutOfRange("max_stream_message", "64 KiB to 64 MiB",
                      absl::StrCat(max_stream_message));
  }
  if (wire_version < 1 || wire_version > SWIM_WIRE_VERSION) {
    return OutOfRange("wire_version", absl::StrCat("1 to ", SWIM_WIRE_VERSION),
                      absl::StrCat(wire_version));
  }
  if (label.size() > Envelope::kMaxLabelLength) {
    return OutOfRange("label", "0-255 bytes",
                      absl::StrCat(label.size(), " bytes"));
  }
  // Room for the largest envelope around the largest probe message (a
  // ping-req for a 255-byte name at an IPv6 address), so every member can
  // always be probed, directly and indirectly.
  const std::string longest_name(kMaxNameLength, 'n');
  const size_t needed =
      2 + label.size() + Envelope::kHmacTagSize + kWireHeaderSize +
      *EncodedSize(PingReq{UINT32_MAX, longest_name,
                           Address::Ipv6(std::array<uint8_t, 16>{}, 65535),
                           /*want_nack=*/true});
  if (datagram_budget < needed) {
    return OutOfRange("datagram_budget",
                      absl::StrCat("at least ", needed, " bytes with a ",
                                   label.size(), "-byte label"),
                      absl::StrCat(datagram_budget));
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (absl::Status status = Keyring::ValidateSecret(keys[i]); !status.ok()) {
      return ConfigError{absl::StrCat("keys[", i, "]"),
                         absl::StrCat("is refused: ", status.message())};
    }
  }
  if (security_mode == SecurityMode::kEncrypted &&
      std::all_of(nonce_seed.begin(), nonce_seed.end(),
                  [](uint8_t byte) { return byte == 0; })) {
    // Two processes with the same seed and key would reuse AES-GCM nonces,
    // which gives away the key stream and forgeries.
    return ConfigError{"nonce_seed",
                       "is all zero; fill it from the operating system's "
                       "random source (it must differ between processes "
                       "that share a key)"};
  }
  if (security_mode != SecurityMode::kPlaintext && keys.empty()) {
    return ConfigError{
        "security_mode",
        absl::StrCat(SecurityModeName(security_mode),
                     " needs at least one key; add one to keys, or set "
                     "security_mode to SecurityMode::kPlaintext explicitly "
                     "to run without protection")};
  }
  return std::nullopt;
}

}  // namespace swim

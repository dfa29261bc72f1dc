#include "tools/member/member_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "swim/core/cluster_key.h"
#include "swim/core/metadata.h"
#include "swim/drivers/net/host_port.h"
#include "swim/drivers/net/seed_resolver.h"
#include "swim/drivers/net/socket_address.h"
#include "tools/member/tunables.h"

namespace swim::tools {
namespace {

template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(parts...));
}

// A value and where it came from ("--name" or "SWIM_NAME"), so messages
// name what the user wrote.
struct Sourced {
  std::string value;
  std::string source;

  std::string Spelled() const { return absl::StrCat(source, "=", value); }
};

// The flag's value, else the environment variable's (or its _FILE's).
absl::StatusOr<std::optional<Sourced>> FlagOrEnvironment(
    const std::optional<std::string>& flag, absl::string_view flag_name,
    const Environment& environment, absl::string_view variable,
    const FileReader& read_file) {
  if (flag.has_value()) {
    return Sourced{*flag, absl::StrCat("--", flag_name)};
  }
  absl::StatusOr<std::optional<std::string>> value =
      LookupVariable(environment, variable, read_file);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  const std::string source = environment.contains(variable)
                                 ? std::string(variable)
                                 : absl::StrCat(variable, "_FILE");
  return Sourced{**value, source};
}

absl::StatusOr<std::optional<uint16_t>> PortFlag(const std::optional<int>& port,
                                                 absl::string_view flag) {
  if (!port.has_value()) return std::nullopt;
  if (*port < 1 || *port > 65535) {
    return Invalid("--", flag, "=", *port, ": the port must be 1-65535");
  }
  return static_cast<uint16_t>(*port);
}

// "host:port" text (":port" with the default host, "host" with the default
// port) as a HostPort; errors start with `spelled` (e.g. --peer=x:y).
absl::StatusOr<net::HostPort> ParseMemberAddress(
    absl::string_view spelled, absl::string_view text,
    const std::optional<std::string>& default_host,
    std::optional<uint16_t> default_port) {
  std::string full(text);
  // ":7001", not "::1:7946" (an IPv6 address without its brackets, which
  // ParseHostPort explains).
  if (absl::StartsWith(text, ":") && !absl::StrContains(text.substr(1), ':')) {
    if (!default_host.has_value()) {
      return Invalid(spelled, ": no host; write HOST", text,
                     " or pass --default-host");
    }
    const bool bare_ipv6 = absl::StrContains(*default_host, ':') &&
                           !absl::StartsWith(*default_host, "[");
    full = bare_ipv6 ? absl::StrCat("[", *default_host, "]", text)
                     : absl::StrCat(*default_host, text);
  }
  absl::StatusOr<net::HostPort> parsed = net::ParseHostPort(full, default_port);
  if (parsed.ok()) return parsed;
  // ParseHostPort speaks of seeds: keep only its reason.
  absl::string_view why = parsed.status().message();
  const size_t reason = why.find("\": ");
  if (absl::StartsWith(why, "seed \"") && reason != absl::string_view::npos) {
    why.remove_prefix(reason + 3);
  }
  std::string message = absl::StrCat(spelled, ": ", why);
  if (absl::StartsWith(why, "no port")) {
    absl::StrAppend(&message, "; add :PORT or pass --default-port");
  }
  return absl::InvalidArgumentError(message);
}

// "1.2.3.4" or "::1" (without brackets or port).
std::string HostText(const Address& address) {
  std::string text = address.ToString();
  text.erase(text.rfind(':'));
  if (absl::StartsWith(text, "[")) text = text.substr(1, text.size() - 2);
  return text;
}

// "host:port" for DriverOptions::bind, with brackets for IPv6.
std::string BindText(absl::string_view host, uint16_t port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

// The IP literal in --bind (brackets optional for IPv6), without a port.
absl::StatusOr<std::string> ParseBindHost(absl::string_view text) {
  absl::string_view host = text;
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return Invalid("--bind=", text, ": missing ']'");
  }
  std::array<uint8_t, 16> octets;
  const std::string host_string(host);
  if (inet_pton(AF_INET, host_string.c_str(), octets.data()) != 1 &&
      inet_pton(AF_INET6, host_string.c_str(), octets.data()) != 1) {
    return Invalid("--bind=", text,
                   ": not an IP address (bind one of this host's addresses, "
                   "or 0.0.0.0 or :: for all; the port is --bind-port)");
  }
  return host_string;
}

// Where each Config field the user set came from ("--probe-interval=2s",
// "SWIM_PROBE_INTERVAL=2s", "--label"), by Config::Check's field name.
using FieldSources = absl::flat_hash_map<std::string, std::string>;

// The tunables: each from its flag, else its variable (or the file its
// _FILE variable names), else the preset's value stays.
absl::Status ApplyTunables(const MemberOptions& options,
                           const Environment& environment,
                           const FileReader& read_file, Config& config,
                           FieldSources& sources) {
  for (const auto& [field, text] : options.tunables) {
    if (FindTunable(field) == nullptr) {
      return Invalid("no tunable named ", field);
    }
  }
  for (const Tunable& tunable : Tunables()) {
    std::optional<std::string> flag;
    for (const auto& [field, text] : options.tunables) {
      if (field == tunable.field) flag = text;  // the last one wins
    }
    absl::StatusOr<std::optional<Sourced>> value =
        FlagOrEnvironment(flag, tunable.FlagName(), environment,
                          tunable.VariableName(), read_file);
    if (!value.ok()) return value.status();
    if (!value->has_value()) continue;
    const std::string spelled = (*value)->Spelled();
    if (absl::Status status = tunable.Set((*value)->value, config);
        !status.ok()) {
      return Invalid(spelled, ": ", status.message());
    }
    sources[tunable.field] = spelled;
  }
  return absl::OkStatus();
}

// Config::Check, its finding reported against what the user wrote.
absl::Status CheckConfig(Config config, const FieldSources& sources) {
  // Filled by the driver at start.
  config.generation = 1;
  config.nonce_seed[0] = 1;
  const std::optional<ConfigError> error = config.Check();
  if (!error.has_value()) return absl::OkStatus();
  const std::string message = absl::StrCat(error->field, " ", error->reason);
  if (auto source = sources.find(error->field); source != sources.end()) {
    return Invalid(source->second, ": ", message);
  }
  if (const Tunable* tunable = FindTunable(error->field); tunable != nullptr) {
    // The preset's value, made wrong by another setting.
    return Invalid(message, " (the preset's value; set --", tunable->FlagName(),
                   " or ", tunable->VariableName(), ")");
  }
  return Invalid(message);
}

absl::Status ApplyMetadata(const MemberOptions& options, Config& config) {
  for (const auto& [key, value] : options.metadata) {
    if (key.empty()) {
      return Invalid("--metadata=", key, "=", value, ": empty key");
    }
    if (key.size() > kMaxMetadataKeyLength) {
      return Invalid("--metadata: key ", key.substr(0, 20), "... is ",
                     key.size(), " bytes, over the limit of ",
                     kMaxMetadataKeyLength);
    }
    config.metadata[key] = value;  // a repeated key: the last one wins
  }
  absl::StatusOr<std::string> encoded = EncodeMetadata(config.metadata);
  if (!encoded.ok()) return Invalid("--metadata: ", encoded.status().message());
  if (encoded->size() > config.max_metadata_size) {
    std::string largest;
    size_t largest_size = 0;
    for (const auto& [key, value] : config.metadata) {
      if (key.size() + value.size() > largest_size) {
        largest = key;
        largest_size = key.size() + value.size();
      }
    }
    return Invalid(
        "--metadata: ", config.metadata.size(), " entries encode to ",
        encoded->size(), " bytes, over the limit of ", config.max_metadata_size,
        " bytes (the largest is ", largest, ", ", largest_size, " bytes)");
  }
  return absl::OkStatus();
}

absl::Status ApplySecret(const MemberOptions& options,
                         const Environment& environment,
                         const SystemAccess& system, MemberSettings& out) {
  std::optional<Sourced> secret;
  if (options.secret_file.has_value()) {
    absl::StatusOr<std::string> contents =
        system.read_file(*options.secret_file);
    if (!contents.ok()) {
      return Invalid("--secret-file=", *options.secret_file, ": ",
                     contents.status().message());
    }
    secret = Sourced{*std::move(contents),
                     absl::StrCat("--secret-file=", *options.secret_file)};
  } else {
    absl::StatusOr<std::optional<std::string>> value =
        LookupVariable(environment, "SWIM_SECRET", system.read_file);
    if (!value.ok()) return value.status();
    if (value->has_value()) {
      secret = Sourced{**value, environment.contains("SWIM_SECRET")
                                    ? "SWIM_SECRET"
                                    : "SWIM_SECRET_FILE"};
    }
  }
  if (!secret.has_value()) {
    if (!options.insecure) {
      return Invalid(
          "no secret: set SWIM_SECRET to the cluster's key (generate one "
          "with: export SWIM_SECRET=\"$(swim-keygen)\"; every member needs "
          "the same), or name a file holding it with --secret-file or "
          "SWIM_SECRET_FILE. To run without encryption or authentication, "
          "pass --insecure");
    }
    out.config.security_mode = SecurityMode::kPlaintext;
    out.config.keys.clear();
    out.warnings.push_back(
        "running WITHOUT encryption or authentication (--insecure): anyone "
        "who can reach this port can read the cluster's traffic and join it");
    return absl::OkStatus();
  }
  absl::StatusOr<ClusterKeys> keys =
      ParseClusterKeys(secret->value, options.label, secret->source);
  if (!keys.ok()) return Invalid(keys.status().message());
  if (keys->passphrase) {
    out.warnings.push_back(absl::StrCat(
        "the secret from ", secret->source,
        " is a passphrase: anyone who captures one packet can try "
        "passphrases offline (each guess costs one scrypt); a generated key "
        "(swim-keygen) cannot be guessed"));
  }
  out.config.security_mode = SecurityMode::kEncrypted;
  out.config.keys = std::move(keys->keys);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> PeerTexts(
    const MemberOptions& options, const Environment& environment,
    const SystemAccess& system, std::string& source) {
  if (!options.peers.empty()) {
    source = "--peer";
    return options.peers;
  }
  absl::StatusOr<std::optional<std::string>> value =
      LookupVariable(environment, "SWIM_PEERS", system.read_file);
  if (!value.ok()) return value.status();
  std::vector<std::string> peers;
  if (!value->has_value()) return peers;
  source =
      environment.contains("SWIM_PEERS") ? "SWIM_PEERS" : "SWIM_PEERS_FILE";
  for (absl::string_view peer : absl::StrSplit(**value, ',')) {
    peer = absl::StripAsciiWhitespace(peer);
    if (!peer.empty()) peers.push_back(std::string(peer));
  }
  return peers;
}

// --tls-cert, --tls-key, --tls-ca (all or none), --tls-identity and
// --tls-peer-name.
absl::Status ResolveTls(const MemberOptions& options, TlsOptions& tls) {
  const bool any = options.tls_cert.has_value() ||
                   options.tls_key.has_value() || options.tls_ca.has_value();
  if (!any) {
    for (const auto& [flag, value] :
         {std::pair{"--tls-identity", &options.tls_identity},
          std::pair{"--tls-peer-name", &options.tls_peer_names}}) {
      if (value->has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            flag, " needs TLS: give --tls-cert, --tls-key and --tls-ca"));
      }
    }
    return absl::OkStatus();
  }
  for (const auto& [flag, value] : {std::pair{"--tls-cert", &options.tls_cert},
                                    std::pair{"--tls-key", &options.tls_key},
                                    std::pair{"--tls-ca", &options.tls_ca}}) {
    if (!value->has_value() || (*value)->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, " is missing: TLS needs --tls-cert, --tls-key and --tls-ca"));
    }
  }
  tls.certificate_file = *options.tls_cert;
  tls.key_file = *options.tls_key;
  tls.ca_file = *options.tls_ca;
  const std::string identity = options.tls_identity.value_or("address");
  if (identity == "address") {
    tls.identity = TlsIdentity::kAddress;
  } else if (identity == "ca") {
    tls.identity = TlsIdentity::kCaOnly;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-identity=", identity,
                     ": must be 'address' (the peer's certificate names its "
                     "IP address) or 'ca' (any certificate the CA signed)"));
  }
  if (options.tls_peer_names.has_value()) {
    for (absl::string_view name :
         absl::StrSplit(*options.tls_peer_names, ',')) {
      tls.peer_names.emplace_back(absl::StripAsciiWhitespace(name));
    }
    if (absl::Status valid = tls.Validate(); !valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls-peer-name=", *options.tls_peer_names, ": ", valid.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> PresetConfig(absl::string_view preset) {
  if (preset == "lan") return Config::Lan();
  if (preset == "wan") return Config::Wan();
  if (preset == "local") return Config::Local();
  return Invalid("--preset=", preset, ": unknown preset (lan, wan or local)");
}

absl::StatusOr<MemberSettings> ResolveMemberSettings(
    const MemberOptions& options, const Environment& environment,
    const SystemAccess& system) {
  MemberSettings out;
  absl::StatusOr<Config> preset = PresetConfig(options.preset);
  if (!preset.ok()) return preset.status();
  out.config = *std::move(preset);

  absl::StatusOr<std::optional<uint16_t>> default_port =
      PortFlag(options.default_port, "default-port");
  if (!default_port.ok()) return default_port.status();
  absl::StatusOr<std::optional<uint16_t>> bind_port =
      PortFlag(options.bind_port, "bind-port");
  if (!bind_port.ok()) return bind_port.status();
  if (options.default_host.has_value()) {
    // Checked as the host of a seed would be.
    absl::StatusOr<net::HostPort> host = ParseMemberAddress(
        absl::StrCat("--default-host=", *options.default_host),
        absl::StrCat(absl::StrContains(*options.default_host, ':') &&
                             !absl::StartsWith(*options.default_host, "[")
                         ? absl::StrCat("[", *options.default_host, "]")
                         : *options.default_host,
                     ":1"),
        std::nullopt, std::nullopt);
    if (!host.ok()) return host.status();
  }

  FieldSources sources;
  if (absl::Status status = ApplyTunables(
          options, environment, system.read_file, out.config, sources);
      !status.ok()) {
    return status;
  }
  // After the tunables: max_metadata_size is one.
  if (absl::Status status = ApplyMetadata(options, out.config); !status.ok()) {
    return status;
  }
  out.config.label = options.label;
  sources["label"] = "--label";
  if (absl::Status status = ApplySecret(options, environment, system, out);
      !status.ok()) {
    return status;
  }

  // --- Name and advertised address ---------------------------------------
  absl::StatusOr<std::optional<Sourced>> name = FlagOrEnvironment(
      options.name, "name", environment, "SWIM_NAME", system.read_file);
  if (!name.ok()) return name.status();
  if (!name->has_value()) {
    return Invalid(
        "no member name: pass --name=HOST:PORT (the address other members "
        "reach this one at, e.g. --name=10.0.0.1:7946) or set SWIM_NAME");
  }
  if ((*name)->value.empty()) {
    return Invalid((*name)->source, " is empty; give HOST:PORT");
  }
  absl::StatusOr<net::HostPort> host_port = ParseMemberAddress(
      (*name)->Spelled(), (*name)->value, options.default_host, *default_port);
  if (!host_port.ok()) return host_port.status();

  std::vector<std::string> seeds;
  if (options.discovery) {
    // The name's host lists every member: this member is the address the
    // kernel would send from toward them, and the name itself is a seed
    // (the driver resolves it, retrying until it resolves, and ignores this
    // member's own address among the records).
    if (net::LiteralAddress(*host_port).has_value()) {
      return Invalid((*name)->Spelled(),
                     ": --discovery needs a DNS name whose A/AAAA records "
                     "are the members, not an IP address");
    }
    absl::StatusOr<std::vector<Address>> records = system.resolve(*host_port);
    if (!records.ok() || records->empty()) {
      return absl::UnavailableError(absl::StrCat(
          "--discovery: ", host_port->host, " does not resolve",
          records.ok() ? "" : absl::StrCat(": ", records.status().message()),
          " (the platform may not have registered this member yet; exiting "
          "so a supervisor restarts it)"));
    }
    absl::StatusOr<Address> local =
        system.local_address_toward(records->front());
    if (!local.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "--discovery: cannot find this host's address toward ",
          records->front().ToString(), ": ", local.status().message()));
    }
    out.config.address = *local;
    out.config.name = local->ToString();
    seeds.push_back(host_port->ToString());
  } else {
    std::optional<Address> literal = net::LiteralAddress(*host_port);
    if (literal.has_value()) {
      out.config.address = *literal;
    } else {
      absl::StatusOr<std::vector<Address>> records = system.resolve(*host_port);
      if (!records.ok() || records->empty()) {
        return absl::UnavailableError(absl::StrCat(
            (*name)->Spelled(), ": ", host_port->host, " does not resolve",
            records.ok() ? ""
                         : absl::StrCat(": ", records.status().message())));
      }
      out.config.address = records->front();
      // Resolved again while the member runs: it follows the name if the
      // sockets can (a wildcard --bind), and says why not otherwise.
      out.driver_options.advertised_host = host_port->host;
    }
    out.config.name = host_port->ToString();
  }
  if (net::IsUnspecified(out.config.address)) {
    return Invalid((*name)->Spelled(),
                   ": a wildcard address cannot be advertised; name this "
                   "member by an address other members reach it at and bind "
                   "the wildcard with --bind=",
                   HostText(out.config.address));
  }

  // --- Bind ----------------------------------------------------------------
  if (options.bind.has_value() || bind_port->has_value()) {
    std::string bind_host = HostText(out.config.address);
    if (options.bind.has_value()) {
      absl::StatusOr<std::string> parsed = ParseBindHost(*options.bind);
      if (!parsed.ok()) return parsed.status();
      bind_host = *parsed;
    }
    out.driver_options.bind =
        BindText(bind_host, bind_port->value_or(out.config.address.port()));
  }

  // --- Peers ---------------------------------------------------------------
  std::string peer_source;
  absl::StatusOr<std::vector<std::string>> peers =
      PeerTexts(options, environment, system, peer_source);
  if (!peers.ok()) return peers.status();
  for (const std::string& peer : *peers) {
    // A peer without a port shares this member's, as members of one
    // service usually do.
    absl::StatusOr<net::HostPort> parsed = ParseMemberAddress(
        absl::StrCat(peer_source, "=", peer), peer, options.default_host,
        default_port->value_or(host_port->port));
    if (!parsed.ok()) return parsed.status();
    seeds.push_back(parsed->ToString());
  }
  out.seeds = std::move(seeds);
  if (options.view_file.has_value()) {
    out.driver_options.view_file = *options.view_file;
  }
  if (absl::Status tls = ResolveTls(options, out.driver_options.tls);
      !tls.ok()) {
    return tls;
  }
  // TLS covers the TCP connections only: without a key nothing
  // authenticates the datagrams, and anyone could join through them.
  if (out.driver_options.tls.enabled() &&
      out.config.security_mode == SecurityMode::kPlaintext &&
      !out.config.tcp_only) {
    return absl::InvalidArgumentError(
        "TLS without a secret (--insecure) protects the TCP connections "
        "only: the UDP datagrams would carry no authentication, so anyone "
        "could join through them. Add --tcp-only (every byte under TLS), or "
        "give the cluster a secret (SWIM_SECRET)");
  }

  sources["name"] = (*name)->Spelled();
  if (absl::Status status = CheckConfig(out.config, sources); !status.ok()) {
    return status;
  }
  return out;
}

SystemAccess RealSystem() {
  SystemAccess system;
  system.read_file = [](const std::string& path) {
    return ReadWholeFile(path);
  };
  system.resolve = net::ResolveWithGetaddrinfo;
  system.local_address_toward =
      [](const Address& peer) -> absl::StatusOr<Address> {
    // Connecting a UDP socket sends nothing; it only makes the kernel pick
    // the route and with it the source address.
    const int family = net::SocketFamilyOf(peer);
    std::optional<net::SocketAddress> remote =
        net::ToSocketAddress(peer, family);
    if (!remote.has_value()) {
      return absl::UnavailableError("unsupported address family");
    }
    const int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::UnavailableError(strerror(errno));
    net::SocketAddress local;
    local.length = sizeof(local.storage);
    if (::connect(fd, remote->get(), remote->length) != 0 ||
        ::getsockname(fd, local.get(), &local.length) != 0) {
      const int error = errno;
      ::close(fd);
      return absl::UnavailableError(strerror(error));
    }
    ::close(fd);
    std::optional<Address> address =
        net::FromSocketAddress(local.get(), local.length);
    if (!address.has_value()) {
      return absl::UnavailableError("unexpected local address");
    }
    // The member listens on the name's port, not the ephemeral one.
    return address->family() == Address::Family::kIpv4
               ? Address::Ipv4({address->octets()[0], address->octets()[1],
                                address->octets()[2], address->octets()[3]},
                               peer.port())
               : Address::Ipv6(address->octets(), peer.port());
  };
  return system;
}

}  // namespace swim::tools

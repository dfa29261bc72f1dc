#ifndef TOOLS_MEMBER_MEMBER_CONFIG_H_
#define TOOLS_MEMBER_MEMBER_CONFIG_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/drivers/driver_options.h"
#include "tools/common/environment.h"

namespace swim::tools {

// What the member flags of swim-demo and swim-sync say (see member_flags.h
// for their spelling), before the environment and the defaults fill in.
// Unset optionals were not given.
struct MemberOptions {
  // This member's name, "host:port": also the address other members reach
  // it at. ":port" takes --default-host, "host" takes --default-port.
  std::optional<std::string> name;
  // Members to join through; empty: SWIM_PEERS, else none (the first
  // member of a cluster has nobody to join).
  std::vector<std::string> peers;
  // A file holding the cluster's keys (else SWIM_SECRET, SWIM_SECRET_FILE).
  std::optional<std::string> secret_file;
  // An IP address to bind instead of the name's (e.g. 0.0.0.0), and a port
  // to bind instead of the name's (e.g. behind port forwarding).
  std::optional<std::string> bind;
  std::optional<int> bind_port;
  std::optional<std::string> default_host;
  std::optional<int> default_port;
  // The name's host is a DNS name whose A/AAAA records are the members.
  bool discovery = false;
  std::string preset = "lan";
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string label;
  // Allows running without a secret (no encryption, no authentication).
  bool insecure = false;
  // Where the driver keeps this member's view for a warm restart
  // (DriverOptions::view_file).
  std::optional<std::string> view_file;

  // Config fields set on the command line, by tunables.h's field name,
  // as the user wrote them ("probe_interval", "500ms"); the rest come from
  // their SWIM_ variables, else the preset.
  std::vector<std::pair<std::string, std::string>> tunables;
  // TLS on the streams (DriverOptions::tls): this member's certificate,
  // its key, the CA bundle; all three or none. --tls-identity: "address"
  // (the default) or "ca". --tls-peer-name: the DNS names a peer's
  // certificate must carry one of, separated by commas.
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> tls_ca;
  std::optional<std::string> tls_identity;
  std::optional<std::string> tls_peer_names;
};

// The operating-system services resolving a configuration needs, so that
// tests can substitute their own.
struct SystemAccess {
  FileReader read_file;
  // Every address a host name resolves to.
  ResolveFunction resolve;
  // The local address the kernel would send from toward `peer` (for
  // --discovery: which of the name's addresses is this member's).
  std::function<absl::StatusOr<Address>(const Address& peer)>
      local_address_toward;
};

// The real ones: files, getaddrinfo, a connected UDP socket.
SystemAccess RealSystem();

// A member ready to be started on a driver.
struct MemberSettings {
  // Name, advertised address, keys or plaintext, label, metadata, timing.
  // The identity fields a process fills at start (generation, seeds) are
  // left to the driver.
  Config config;
  // Where to bind, when that differs from the advertised address.
  DriverOptions driver_options;
  // "host:port" seeds for Driver::Join (names are resolved by the driver).
  std::vector<std::string> seeds;
  // Worth telling the user (e.g. running without encryption).
  std::vector<std::string> warnings;
};

// Fills in the environment and the defaults, checks every value and builds
// the member's settings. Environment fallbacks, each also readable from
// the file named by <VARIABLE>_FILE (a flag wins over the environment):
//
//   SWIM_SECRET  the keys (--secret-file names a file holding them)
//   SWIM_NAME    the member name (--name)
//   SWIM_PEERS   comma-separated peers (--peer)
//   SWIM_<FIELD> each tunable (tunables.h), e.g. SWIM_PROBE_INTERVAL
//
// The secret becomes the cluster's keys through ParseClusterKeys
// (cluster_key.h: generated keys, or marked passphrases). Without a secret
// this fails unless options.insecure is set.
//
// Errors: INVALID_ARGUMENT for a bad or missing value, naming the flag or
// variable and the value (exit status 2 in the programs); a value
// Config::Check refuses is reported against the flag or variable that set
// its field, or as the preset's when none did; UNAVAILABLE when
// a host name does not resolve (exit status 1: it may later).
absl::StatusOr<MemberSettings> ResolveMemberSettings(
    const MemberOptions& options, const Environment& environment,
    const SystemAccess& system);

// Config::Lan(), Wan() or Local() by name; INVALID_ARGUMENT names the
// preset and the choices.
absl::StatusOr<Config> PresetConfig(absl::string_view preset);

}  // namespace swim::tools

#endif  // TOOLS_MEMBER_MEMBER_CONFIG_H_

#include "tools/member_flags.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/command_line.h"
#include "tools/member_args.h"

// --peer and --metadata are collected by ExtractMemberArgs (Abseil keeps
// only a flag's last value); they are defined here for --help.
ABSL_FLAG(std::string, peer, "",
          "HOST:PORT of a member to join through; repeat it (or separate "
          "with commas) for several. Without a port, this member's port. "
          "Default: $SWIM_PEERS (comma-separated), else none: the first "
          "member of a cluster starts alone.");
ABSL_FLAG(std::string, metadata, "",
          "KEY=VALUE this member publishes; repeatable. Also spelled "
          "--metadata KEY VALUE (as in the Python swim-protocol).");
ABSL_FLAG(std::optional<std::string>, name, std::nullopt,
          "This member's name, HOST:PORT: also the address other members "
          "reach it at (e.g. 10.0.0.1:7946). ':PORT' takes --default-host, "
          "'HOST' takes --default-port. A host name is resolved again every "
          "30 s, and the member follows it to a new address when --bind is "
          "a wildcard. Default: $SWIM_NAME.");
ABSL_FLAG(std::optional<std::string>, secret_file, std::nullopt,
          "A file holding the cluster's key (from swim-keygen; every member "
          "needs the same). Default: $SWIM_SECRET, or the file "
          "$SWIM_SECRET_FILE names. Also spelled --secret-file.");
// Refused with an explanation: a flag's value is visible in `ps`.
ABSL_FLAG(std::optional<std::string>, secret, std::nullopt,
          "Refused: a secret on the command line is visible to every user "
          "of the machine (ps). Use SWIM_SECRET or --secret-file.");
ABSL_FLAG(std::optional<std::string>, bind, std::nullopt,
          "IP address to bind instead of the name's, e.g. 0.0.0.0 or :: "
          "(all interfaces) when the name is a public or NATed address.");
ABSL_FLAG(std::optional<int>, bind_port, std::nullopt,
          "Port to bind instead of the name's (e.g. behind port "
          "forwarding). Also spelled --bind-port.");
ABSL_FLAG(std::optional<std::string>, default_host, std::nullopt,
          "Host for names and peers written ':PORT'. Also spelled "
          "--default-host.");
ABSL_FLAG(std::optional<int>, default_port, std::nullopt,
          "Port for names and peers written without one. Also spelled "
          "--default-port.");
ABSL_FLAG(bool, discovery, false,
          "The name's host is a DNS name whose A/AAAA records are the "
          "cluster's members (e.g. a headless service): this member is the "
          "record the kernel routes from, and joins through all the others "
          "(resolved again until they resolve).");
ABSL_FLAG(std::string, preset, "lan",
          "Timing preset: lan, wan or local (memberlist's numbers).");
ABSL_FLAG(std::string, label, "",
          "Cluster label bound into every packet: members with another "
          "label ignore this one (several clusters, one secret).");
ABSL_FLAG(bool, insecure, false,
          "Allow running without a secret: no encryption, no "
          "authentication. Anyone who reaches the port can join.");
ABSL_FLAG(std::optional<std::string>, view_file, std::nullopt,
          "A file where this member keeps its view of the cluster, so that "
          "it rejoins without peers after a restart (one file per member).");
ABSL_FLAG(std::optional<absl::Duration>, probe_interval, std::nullopt,
          "Time between probes (e.g. 1s). Default: the preset's.");
ABSL_FLAG(std::optional<absl::Duration>, probe_timeout, std::nullopt,
          "Wait for a direct ack before asking helpers; below "
          "--probe-interval. Default: the preset's.");
ABSL_FLAG(std::optional<int>, indirect_checks, std::nullopt,
          "Helpers asked to probe when a direct probe fails, 0-16. "
          "Default: the preset's (lan 4, wan 3, local 1).");
ABSL_FLAG(std::optional<bool>, stream_fallback, std::nullopt,
          "When a direct probe times out, also ping the target over TCP "
          "(true or false). Default: true.");
ABSL_FLAG(bool, tcp_only, false,
          "Send every message over TCP, none over UDP, for networks that "
          "drop UDP. Every member of the cluster must use it.");
ABSL_FLAG(std::optional<std::string>, tls_cert, std::nullopt,
          "TLS 1.3 on every TCP connection: this member's certificate (PEM, "
          "then any intermediates). Needs --tls-key and --tls-ca.");
ABSL_FLAG(std::optional<std::string>, tls_key, std::nullopt,
          "The private key of --tls-cert (PEM).");
ABSL_FLAG(std::optional<std::string>, tls_ca, std::nullopt,
          "The CA certificates (PEM) whose members this one trusts.");
ABSL_FLAG(std::optional<std::string>, tls_identity, std::nullopt,
          "address (default): a peer's certificate must name the IP address "
          "it is reached at or connects from; ca: any certificate the CA "
          "signed (networks with NAT).");
ABSL_FLAG(std::optional<int>, suspicion_mult, std::nullopt,
          "Suspicion timeout multiplier, 1-100 (higher: fewer false "
          "OFFLINEs, slower detection).");
ABSL_FLAG(std::optional<absl::Duration>, gossip_interval, std::nullopt,
          "Time between gossip rounds (e.g. 200ms).");
ABSL_FLAG(std::optional<int>, gossip_nodes, std::nullopt,
          "Members gossiped to per round, 1-64.");
ABSL_FLAG(std::optional<int>, retransmit_mult, std::nullopt,
          "Retransmissions of each update, times log10(members + 1), 1-100.");
ABSL_FLAG(std::optional<absl::Duration>, push_pull_interval, std::nullopt,
          "Time between full-state exchanges (0: only on join).");
ABSL_FLAG(std::optional<absl::Duration>, reconnect_interval, std::nullopt,
          "How often to try one OFFLINE member again, so partitions heal "
          "(0: never).");
ABSL_FLAG(std::optional<absl::Duration>, reconnect_timeout, std::nullopt,
          "OFFLINE members are forgotten after this long.");
ABSL_FLAG(std::optional<absl::Duration>, tombstone_timeout, std::nullopt,
          "LEFT members are forgotten after this long.");
ABSL_FLAG(std::optional<int64_t>, max_members, std::nullopt,
          "Members this member keeps track of at most (default 100000); "
          "news of more is refused and reported. Size it to about twice "
          "the cluster. Also spelled --max-members.");
ABSL_FLAG(std::optional<int64_t>, max_stream_message, std::nullopt,
          "Largest state exchange in bytes, sent or accepted (default "
          "16777216); members are admitted only while the state fits. The "
          "same on every member. Also spelled --max-stream-message.");

namespace swim::tools {

const absl::string_view kMemberFlagsHelp =
    R"help(Member flags (dashes or underscores; --flag=value or --flag value):
  --name=HOST:PORT        this member's name and address   [$SWIM_NAME]
  --peer=HOST:PORT        a member to join through, repeatable [$SWIM_PEERS]
  --secret-file=PATH      a file holding the cluster's key [$SWIM_SECRET]
  --metadata=KEY=VALUE    published metadata, repeatable; also
                          --metadata KEY VALUE
  --bind=IP --bind-port=N where to listen, if not the name's address
  --default-host=H --default-port=N   for names like ':7001' or 'myhost'
  --discovery             the name's host lists every member in DNS
  --preset=lan|wan|local  timing preset (default lan)
  --label=TEXT            cluster label (clusters sharing a secret)
  --insecure              allow running without a secret (no encryption)
  --view-file=PATH        keep this member's view there; restarted, it
                          rejoins from it, with or without peers
  --tcp-only              every message over TCP (networks without UDP)
  --tls-cert=PATH --tls-key=PATH --tls-ca=PATH   TLS 1.3 with certificates
                          on every TCP connection; SIGHUP re-reads them
  --tls-identity=address|ca   what a peer's certificate must name
  --probe-interval, --probe-timeout, --indirect-checks, --suspicion-mult,
  --gossip-interval, --gossip-nodes, --retransmit-mult,
  --push-pull-interval, --reconnect-interval, --reconnect-timeout,
  --tombstone-timeout     timing (durations like 500ms, 2s)
  --max-members=N, --max-stream-message=BYTES   limits on what a member
                          holds (default 100000 members, 16 MiB)

Each of SWIM_SECRET, SWIM_NAME and SWIM_PEERS may instead name a file in
SWIM_SECRET_FILE, SWIM_NAME_FILE, SWIM_PEERS_FILE (container secrets); a
flag wins over the environment. The secret is a key from swim-keygen
(export SWIM_SECRET="$(swim-keygen)"); several, comma-separated, rotate
(the first seals, all open). A passphrase a person chose must be written
passphrase:TEXT and is weaker (stretched with scrypt, but open to offline
guessing). Without a secret the program refuses to start unless --insecure
is given.)help";

absl::StatusOr<MemberOptions> ParseMemberCommandLine(
    int argc, char** argv, std::vector<std::string>* positional) {
  absl::StatusOr<MemberArgs> extracted =
      ExtractMemberArgs(std::vector<std::string>(argv, argv + argc));
  if (!extracted.ok()) return extracted.status();
  absl::StatusOr<std::vector<std::string>> checked =
      CheckCommandLine(extracted->rest, positional);
  if (!checked.ok()) return checked.status();
  // Abseil reads an empty value of an optional flag as "not given", which
  // would quietly fall back to the environment.
  for (const std::string& arg : *checked) {
    for (absl::string_view flag :
         {"name", "secret_file", "bind", "default_host", "view_file",
          "tls_cert", "tls_key", "tls_ca", "tls_identity"}) {
      if (arg == absl::StrCat("--", flag, "=")) {
        std::string dashed(flag);
        std::replace(dashed.begin(), dashed.end(), '_', '-');
        return absl::InvalidArgumentError(
            absl::StrCat("--", dashed, " is empty"));
      }
    }
  }
  std::vector<char*> pointers;
  for (std::string& arg : *checked) pointers.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(pointers.size()), pointers.data());

  MemberOptions options;
  options.name = absl::GetFlag(FLAGS_name);
  options.peers = std::move(extracted->peers);
  if (absl::GetFlag(FLAGS_secret).has_value()) {
    return absl::InvalidArgumentError(
        "--secret is not taken: a secret on the command line is visible to "
        "every user of this machine (ps). Put the key in SWIM_SECRET, or in "
        "a file named by --secret-file or SWIM_SECRET_FILE (generate one: "
        "swim-keygen)");
  }
  options.secret_file = absl::GetFlag(FLAGS_secret_file);
  options.bind = absl::GetFlag(FLAGS_bind);
  options.bind_port = absl::GetFlag(FLAGS_bind_port);
  options.default_host = absl::GetFlag(FLAGS_default_host);
  options.default_port = absl::GetFlag(FLAGS_default_port);
  options.discovery = absl::GetFlag(FLAGS_discovery);
  options.preset = absl::GetFlag(FLAGS_preset);
  options.metadata = std::move(extracted->metadata);
  options.label = absl::GetFlag(FLAGS_label);
  options.insecure = absl::GetFlag(FLAGS_insecure);
  options.view_file = absl::GetFlag(FLAGS_view_file);
  options.probe_interval = absl::GetFlag(FLAGS_probe_interval);
  options.probe_timeout = absl::GetFlag(FLAGS_probe_timeout);
  options.indirect_checks = absl::GetFlag(FLAGS_indirect_checks);
  options.stream_fallback = absl::GetFlag(FLAGS_stream_fallback);
  options.tcp_only = absl::GetFlag(FLAGS_tcp_only);
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  options.tls_identity = absl::GetFlag(FLAGS_tls_identity);
  options.suspicion_mult = absl::GetFlag(FLAGS_suspicion_mult);
  options.gossip_interval = absl::GetFlag(FLAGS_gossip_interval);
  options.gossip_nodes = absl::GetFlag(FLAGS_gossip_nodes);
  options.retransmit_mult = absl::GetFlag(FLAGS_retransmit_mult);
  options.push_pull_interval = absl::GetFlag(FLAGS_push_pull_interval);
  options.reconnect_interval = absl::GetFlag(FLAGS_reconnect_interval);
  options.reconnect_timeout = absl::GetFlag(FLAGS_reconnect_timeout);
  options.tombstone_timeout = absl::GetFlag(FLAGS_tombstone_timeout);
  options.max_members = absl::GetFlag(FLAGS_max_members);
  options.max_stream_message = absl::GetFlag(FLAGS_max_stream_message);
  return options;
}

bool ListsFlagsOf(absl::string_view path, absl::string_view program_file) {
  return absl::EndsWith(path, "tools/member_flags.cc") ||
         absl::EndsWith(path, program_file);
}

void ConfigureMemberProgramUsage(absl::string_view name,
                                 absl::string_view program_file,
                                 absl::string_view usage) {
  absl::SetProgramUsageMessage(absl::StrCat(usage, "\n", kMemberFlagsHelp));
  absl::FlagsUsageConfig config;
  config.contains_help_flags =
      [file = std::string(program_file)](absl::string_view path) {
        return ListsFlagsOf(path, file);
      };
  config.contains_helpshort_flags = config.contains_help_flags;
  config.version_string = [version = VersionText(name)] { return version; };
  absl::SetFlagsUsageConfig(config);
}

}  // namespace swim::tools

#include "tools/member/member_flags.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "tools/common/command_line.h"
#include "tools/member/member_args.h"
#include "tools/member/tunables.h"

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
          "it rejoins without peers after a restart (one file per member: "
          "FILE.1, FILE.2, ... with swim-demo --local).");
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
ABSL_FLAG(std::optional<std::string>, tls_peer_name, std::nullopt,
          "NAME[,NAME...]: a peer's certificate must also carry one of these "
          "DNS names (subjectAltName=DNS:NAME), so that certificates its CA "
          "made for anything else cannot join. Repeatable: each adds its "
          "names.");
// The tunables (tunables.h): one flag per row, named after its Config
// field. Typed, so that Abseil checks the syntax; the row reads the value.
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
ABSL_FLAG(std::optional<int>, suspicion_mult, std::nullopt,
          "Suspicion timeout multiplier, 1-100 (higher: fewer false "
          "OFFLINEs, slower detection).");
ABSL_FLAG(std::optional<int>, isolation_probes, std::nullopt,
          "Probes without hearing from anyone after which this member "
          "holds itself isolated and declares nobody OFFLINE, 0 (off) to "
          "100. Default 3.");
ABSL_FLAG(std::optional<absl::Duration>, gossip_interval, std::nullopt,
          "Time between gossip rounds (e.g. 200ms).");
ABSL_FLAG(std::optional<int>, gossip_nodes, std::nullopt,
          "Members gossiped to per round, 1-64.");
ABSL_FLAG(std::optional<int>, retransmit_mult, std::nullopt,
          "Retransmissions of each update, times log10(members + 1), 1-100.");
ABSL_FLAG(std::optional<int64_t>, datagram_budget, std::nullopt,
          "Largest datagram sent, in bytes, 512-65507 (default 1400: below "
          "the path MTU of Ethernet with tunnels).");
ABSL_FLAG(std::optional<double>, user_broadcast_share, std::nullopt,
          "Share of each datagram's piggyback space kept for user "
          "broadcasts when any are queued, 0-0.9 (default 0.3).");
ABSL_FLAG(std::optional<absl::Duration>, push_pull_interval, std::nullopt,
          "Time between full-state exchanges (0: only on join).");
ABSL_FLAG(std::optional<absl::Duration>, reconnect_interval, std::nullopt,
          "How often to try one OFFLINE member again, so partitions heal "
          "(0: never).");
ABSL_FLAG(std::optional<absl::Duration>, reconnect_timeout, std::nullopt,
          "OFFLINE members are forgotten after this long.");
ABSL_FLAG(std::optional<absl::Duration>, tombstone_timeout, std::nullopt,
          "LEFT members are forgotten after this long.");
ABSL_FLAG(bool, tcp_only, false,
          "Send every message over TCP, none over UDP, for networks that "
          "drop UDP. Every member of the cluster must use it.");
ABSL_FLAG(std::optional<int>, wire_version, std::nullopt,
          "Newest wire version sent, 1 or 2 (default 2: state exchanges "
          "compressed). 1 while members of release 0.1.0 remain.");
ABSL_FLAG(std::optional<int64_t>, max_members, std::nullopt,
          "Members this member keeps track of at most (default 100000); "
          "news of more is refused and reported. Size it to about twice "
          "the cluster.");
ABSL_FLAG(std::optional<int64_t>, max_stream_message, std::nullopt,
          "Largest state exchange in bytes, sent or accepted, 64 KiB to 64 "
          "MiB (default 16777216); members are admitted only while the "
          "state fits. The same on every member.");
ABSL_FLAG(std::optional<int64_t>, max_metadata_size, std::nullopt,
          "Largest encoded metadata in bytes, this member's and what it "
          "accepts from others, at most 65535 (default 512). The same on "
          "every member.");

namespace swim::tools {

std::string MemberFlagsHelp() {
  // The tunables' flags, wrapped.
  std::vector<std::string> lines(1);
  for (const Tunable& tunable : Tunables()) {
    const std::string flag = absl::StrCat("--", tunable.FlagName());
    if (!lines.back().empty() && lines.back().size() + flag.size() > 72) {
      lines.emplace_back();
    }
    if (!lines.back().empty()) absl::StrAppend(&lines.back(), " ");
    absl::StrAppend(&lines.back(), flag, ",");
  }
  lines.back().pop_back();
  const std::string tunables =
      absl::StrCat("  ", absl::StrJoin(lines, "\n  "), "\n");
  return absl::StrCat(
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
                          (PATH.1, PATH.2, ... with swim-demo --local)
  --tls-cert=PATH --tls-key=PATH --tls-ca=PATH   TLS 1.3 with certificates
                          on every TCP connection; SIGHUP re-reads them
  --tls-identity=address|ca   what a peer's certificate must name
  --tls-peer-name=NAME[,NAME...]   a DNS name it must carry too
                          (repeatable: each adds its names)

Tunables, over the preset's values (durations like 500ms, 2s); each is
also read from SWIM_<NAME>, e.g. SWIM_PROBE_INTERVAL=500ms,
SWIM_TCP_ONLY=true:
)help",
      tunables,
      R"help(
Each of SWIM_SECRET, SWIM_NAME, SWIM_PEERS and the tunables' variables may
instead name a file in <VARIABLE>_FILE (e.g. SWIM_SECRET_FILE: container
secrets); a flag wins over the environment. The secret is a key from
swim-keygen (export SWIM_SECRET="$(swim-keygen)"); several,
comma-separated, rotate (the first seals, all open). A passphrase a person
chose must be written passphrase:TEXT and is weaker (stretched with
scrypt, but open to offline guessing). Without a secret the program
refuses to start unless --insecure is given.)help");
}

namespace {

// Whether CheckCommandLine's output (--name=value, underscores) sets the
// flag `name`: --name=value, or for a bool --name or --noname.
bool Given(const std::vector<std::string>& args, absl::string_view name) {
  for (absl::string_view arg : args) {
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--")) continue;
    arg = arg.substr(0, arg.find('='));
    if (arg == name || (absl::ConsumePrefix(&arg, "no") && arg == name)) {
      return true;
    }
  }
  return false;
}

}  // namespace

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
          "tls_cert", "tls_key", "tls_ca", "tls_identity", "tls_peer_name"}) {
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
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  options.tls_identity = absl::GetFlag(FLAGS_tls_identity);
  // Each --tls-peer-name adds its names (Abseil would keep the last).
  std::vector<absl::string_view> peer_names;
  for (absl::string_view arg : *checked) {
    if (arg == "--") break;
    if (absl::ConsumePrefix(&arg, "--tls_peer_name=")) {
      peer_names.push_back(arg);
    }
  }
  if (!peer_names.empty()) {
    options.tls_peer_names = absl::StrJoin(peer_names, ",");
  }
  // The tunables as the user wrote them (Abseil has checked the syntax).
  for (const Tunable& tunable : Tunables()) {
    const absl::CommandLineFlag* flag =
        absl::FindCommandLineFlag(tunable.field);
    if (flag != nullptr && Given(*checked, tunable.field)) {
      options.tunables.emplace_back(tunable.field, flag->CurrentValue());
    }
  }
  return options;
}

bool ListsFlagsOf(absl::string_view path, absl::string_view program_file) {
  return absl::EndsWith(path, "tools/member/member_flags.cc") ||
         absl::EndsWith(path, program_file);
}

void ConfigureMemberProgramUsage(absl::string_view name,
                                 absl::string_view program_file,
                                 absl::string_view usage) {
  absl::SetProgramUsageMessage(absl::StrCat(usage, "\n", MemberFlagsHelp()));
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

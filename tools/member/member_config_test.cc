#include "tools/member/member_config.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/cluster_key.h"
#include "swim/core/config.h"

namespace swim::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

// The cluster key the tests use (base64 of 32 bytes), and its bytes.
constexpr absl::string_view kKey =
    "bWVtYmVyLWNvbmZpZyB0ZXN0cyBrZXkgb2YgMzIgYnk=";
std::string Raw(absl::string_view base64) {
  std::string raw;
  EXPECT_TRUE(absl::Base64Unescape(base64, &raw));
  return raw;
}

// Files, DNS and routing as a test wants them.
struct FakeSystem {
  absl::flat_hash_map<std::string, std::string> files = {
      {"/run/swim/key", absl::StrCat(kKey, "\n")}};
  absl::flat_hash_map<std::string, std::vector<std::string>> hosts;
  std::string local_address = "10.0.0.5";
  std::vector<std::string> resolved;  // hosts asked for, in order

  SystemAccess Access() {
    SystemAccess system;
    system.read_file =
        [this](const std::string& path) -> absl::StatusOr<std::string> {
      auto found = files.find(path);
      if (found == files.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot read ", path, ": No such file or directory"));
      }
      return found->second;
    };
    system.resolve = [this](const net::HostPort& host_port)
        -> absl::StatusOr<std::vector<Address>> {
      resolved.push_back(host_port.host);
      auto found = hosts.find(host_port.host);
      if (found == hosts.end()) {
        return absl::NotFoundError("Name or service not known");
      }
      std::vector<Address> addresses;
      for (const std::string& ip : found->second) {
        addresses.push_back(
            *Address::Parse(absl::StrCat(ip, ":", host_port.port)));
      }
      return addresses;
    };
    system.local_address_toward =
        [this](const Address& peer) -> absl::StatusOr<Address> {
      return Address::Parse(absl::StrCat(local_address, ":", peer.port()));
    };
    return system;
  }
};

MemberOptions Minimal() {
  MemberOptions options;
  options.name = "10.0.0.1:7946";
  options.secret_file = "/run/swim/key";
  return options;
}

absl::StatusOr<MemberSettings> Resolve(const MemberOptions& options,
                                       const Environment& environment = {}) {
  FakeSystem system;
  return ResolveMemberSettings(options, environment, system.Access());
}

// The message of a failed resolution, with its code checked.
std::string InvalidMessage(const MemberOptions& options,
                           const Environment& environment = {}) {
  absl::StatusOr<MemberSettings> settings = Resolve(options, environment);
  EXPECT_FALSE(settings.ok());
  if (settings.ok()) return "";
  EXPECT_TRUE(absl::IsInvalidArgument(settings.status())) << settings.status();
  return std::string(settings.status().message());
}

TEST(MemberConfigTest, MinimalOptionsGiveAnEncryptedLanMember) {
  absl::StatusOr<MemberSettings> settings = Resolve(Minimal());
  ASSERT_TRUE(settings.ok()) << settings.status();
  const Config& config = settings->config;
  EXPECT_EQ(config.name, "10.0.0.1:7946");
  EXPECT_EQ(config.address, *Address::Parse("10.0.0.1:7946"));
  EXPECT_EQ(config.security_mode, SecurityMode::kEncrypted);
  EXPECT_THAT(config.keys, ElementsAre(Raw(kKey)));
  EXPECT_EQ(config.probe_interval, Config::Lan().probe_interval);
  EXPECT_TRUE(config.stream_fallback);
  EXPECT_FALSE(config.tcp_only);
  EXPECT_EQ(config.generation, 0u);  // the driver fills it at start
  EXPECT_THAT(settings->seeds, IsEmpty());
  EXPECT_TRUE(settings->driver_options.bind.empty());
  EXPECT_THAT(settings->warnings, IsEmpty());
}

TEST(MemberConfigTest, PresetsAndTimingFlags) {
  MemberOptions options = Minimal();
  options.preset = "wan";
  absl::StatusOr<MemberSettings> wan = Resolve(options);
  ASSERT_TRUE(wan.ok()) << wan.status();
  EXPECT_EQ(wan->config.probe_interval, Config::Wan().probe_interval);

  options.preset = "local";
  options.tunables = {{"probe_interval", "300ms"},  {"probe_timeout", "100ms"},
                      {"suspicion_mult", "2"},      {"gossip_interval", "50ms"},
                      {"gossip_nodes", "2"},        {"indirect_checks", "0"},
                      {"stream_fallback", "false"}, {"tcp_only", "true"},
                      {"retransmit_mult", "3"},     {"push_pull_interval", "0"},
                      {"reconnect_interval", "3s"}, {"reconnect_timeout", "7m"},
                      {"tombstone_timeout", "30s"}};
  absl::StatusOr<MemberSettings> local = Resolve(options);
  ASSERT_TRUE(local.ok()) << local.status();
  const Config& config = local->config;
  EXPECT_EQ(config.probe_interval, absl::Milliseconds(300));
  EXPECT_EQ(config.probe_timeout, absl::Milliseconds(100));
  EXPECT_EQ(config.suspicion_mult, 2);
  EXPECT_EQ(config.gossip_interval, absl::Milliseconds(50));
  EXPECT_EQ(config.gossip_nodes, 2);
  EXPECT_EQ(config.indirect_checks, 0);
  EXPECT_FALSE(config.stream_fallback);
  EXPECT_TRUE(config.tcp_only);
  EXPECT_EQ(config.retransmit_mult, 3);
  EXPECT_EQ(config.push_pull_interval, absl::ZeroDuration());
  EXPECT_EQ(config.reconnect_interval, absl::Seconds(3));
  EXPECT_EQ(config.reconnect_timeout, absl::Minutes(7));
  EXPECT_EQ(config.tombstone_timeout, absl::Seconds(30));
  // Untouched fields keep the preset's value.
  EXPECT_EQ(config.max_metadata_size, Config::Local().max_metadata_size);
}

TEST(MemberConfigTest, UnknownPresetNamesTheValueAndTheChoices) {
  MemberOptions options = Minimal();
  options.preset = "moon";
  EXPECT_EQ(InvalidMessage(options),
            "--preset=moon: unknown preset (lan, wan or local)");
}

TEST(MemberConfigTest, BadTimingNamesTheFlag) {
  MemberOptions options = Minimal();
  options.tunables = {{"probe_interval", "-5ms"}};
  EXPECT_EQ(InvalidMessage(options),
            "--probe-interval=-5ms: probe_interval must be at least 1ms, is "
            "-5ms");

  options.tunables = {{"probe_interval", "soon"}};
  EXPECT_EQ(InvalidMessage(options),
            "--probe-interval=soon: not a duration (e.g. 500ms, 2s, 1h)");

  options.tunables = {{"probe_timeout", "2s"}};  // above the 1 s interval
  EXPECT_THAT(InvalidMessage(options),
              HasSubstr("--probe-timeout=2s: probe_timeout must be positive "
                        "and below probe_interval"));

  options.tunables = {{"suspicion_mult", "0"}};
  EXPECT_THAT(InvalidMessage(options),
              HasSubstr("--suspicion-mult=0: suspicion_mult must be 1-100"));

  options.tunables = {{"indirect_checks", "17"}};
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--indirect-checks=17: "));

  options.tunables = {{"push_pull_interval", "-1s"}};
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--push-pull-interval=-1s"));

  options.tunables = {{"no_such_field", "1"}};
  EXPECT_EQ(InvalidMessage(options), "no tunable named no_such_field");
}

TEST(MemberConfigTest, TunablesComeFromTheEnvironmentToo) {
  MemberOptions options = Minimal();
  FakeSystem system;
  system.files["/run/gossip-nodes"] = "5\n";
  absl::StatusOr<MemberSettings> settings =
      ResolveMemberSettings(options,
                            {{"SWIM_PROBE_INTERVAL", "2s"},
                             {"SWIM_TCP_ONLY", "true"},
                             {"SWIM_GOSSIP_NODES_FILE", "/run/gossip-nodes"}},
                            system.Access());
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.probe_interval, absl::Seconds(2));
  EXPECT_TRUE(settings->config.tcp_only);
  EXPECT_EQ(settings->config.gossip_nodes, 5);

  // A flag wins over the variable.
  options.tunables = {{"probe_interval", "3s"}};
  settings = Resolve(options, {{"SWIM_PROBE_INTERVAL", "nonsense"}});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.probe_interval, absl::Seconds(3));

  // Refusals name the variable.
  options.tunables.clear();
  EXPECT_EQ(InvalidMessage(options, {{"SWIM_GOSSIP_NODES", "lots"}}),
            "SWIM_GOSSIP_NODES=lots: not a whole number");
  EXPECT_EQ(InvalidMessage(options, {{"SWIM_GOSSIP_NODES", "65"}}),
            "SWIM_GOSSIP_NODES=65: gossip_nodes must be 1-64, is 65");
}

TEST(MemberConfigTest, APresetValueMadeWrongNamesTheFlagToSet) {
  // Lan's probe timeout (500ms) is not below a 300ms probe interval.
  MemberOptions options = Minimal();
  options.tunables = {{"probe_interval", "300ms"}};
  EXPECT_EQ(InvalidMessage(options),
            "probe_timeout must be positive and below probe_interval, is "
            "500ms (the preset's value; set --probe-timeout or "
            "SWIM_PROBE_TIMEOUT)");
}

TEST(MemberConfigTest, MetadataEntries) {
  MemberOptions options = Minimal();
  options.metadata = {{"name", "one"}, {"role", "db"}, {"name", "uno"}};
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  // A repeated key: the last one wins, as with any repeated flag.
  EXPECT_THAT(settings->config.metadata,
              ElementsAre(Pair("name", "uno"), Pair("role", "db")));
}

TEST(MemberConfigTest, MetadataOverTheLimitIsRefusedWithItsSize) {
  MemberOptions options = Minimal();
  options.metadata = {{"small", "x"}, {"blob", std::string(600, 'b')}};
  const std::string message = InvalidMessage(options);
  EXPECT_THAT(message, HasSubstr("--metadata"));
  EXPECT_THAT(message, HasSubstr("over the limit of 512 bytes"));
  EXPECT_THAT(message, HasSubstr("the largest is blob"));
}

TEST(MemberConfigTest, BadMetadataKeys) {
  MemberOptions options = Minimal();
  options.metadata = {{"", "x"}};
  EXPECT_THAT(InvalidMessage(options), HasSubstr("empty key"));
  options.metadata = {{std::string(300, 'k'), "x"}};
  EXPECT_THAT(InvalidMessage(options), HasSubstr("over the limit of 255"));
}

// --- Secret -------------------------------------------------------------

TEST(MemberConfigTest, NoSecretRefusesToStart) {
  MemberOptions options = Minimal();
  options.secret_file.reset();
  const std::string message = InvalidMessage(options);
  EXPECT_THAT(message, HasSubstr("no secret"));
  EXPECT_THAT(message, HasSubstr("SWIM_SECRET"));
  EXPECT_THAT(message, HasSubstr("swim-keygen"));
  EXPECT_THAT(message, HasSubstr("--insecure"));
}

TEST(MemberConfigTest, InsecureRunsInPlaintextAndSaysSo) {
  MemberOptions options = Minimal();
  options.secret_file.reset();
  options.insecure = true;
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.security_mode, SecurityMode::kPlaintext);
  EXPECT_THAT(settings->config.keys, IsEmpty());
  ASSERT_EQ(settings->warnings.size(), 1u);
  EXPECT_THAT(settings->warnings[0], HasSubstr("WITHOUT encryption"));
}

TEST(MemberConfigTest, InsecureWithASecretStillEncrypts) {
  MemberOptions options = Minimal();
  options.insecure = true;
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.security_mode, SecurityMode::kEncrypted);
}

TEST(MemberConfigTest, SecretFromTheEnvironmentOrItsFile) {
  MemberOptions options = Minimal();
  options.secret_file.reset();
  const std::string variable = *GenerateKey();
  const std::string file = *GenerateKey(16);
  FakeSystem system;
  system.files["/run/secrets/swim"] = absl::StrCat(file, "\n");

  absl::StatusOr<MemberSettings> from_variable = ResolveMemberSettings(
      options, {{"SWIM_SECRET", variable}}, system.Access());
  ASSERT_TRUE(from_variable.ok()) << from_variable.status();
  EXPECT_THAT(from_variable->config.keys, ElementsAre(Raw(variable)));

  absl::StatusOr<MemberSettings> from_file = ResolveMemberSettings(
      options, {{"SWIM_SECRET_FILE", "/run/secrets/swim"}}, system.Access());
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_THAT(from_file->config.keys, ElementsAre(Raw(file)));
}

TEST(MemberConfigTest, TheSecretFileFlagWinsOverTheEnvironment) {
  absl::StatusOr<MemberSettings> settings =
      Resolve(Minimal(), {{"SWIM_SECRET", *GenerateKey()},
                          {"SWIM_NAME", "10.9.9.9:1"},
                          {"SWIM_PEERS", "10.9.9.9:2"}});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_THAT(settings->config.keys, ElementsAre(Raw(kKey)));
  EXPECT_EQ(settings->config.name, "10.0.0.1:7946");
  // No --peer given: SWIM_PEERS applies.
  EXPECT_THAT(settings->seeds, ElementsAre("10.9.9.9:2"));
}

TEST(MemberConfigTest, UnreadableSecretFilesNameTheirSourceAndPath) {
  MemberOptions options = Minimal();
  options.secret_file.reset();
  EXPECT_EQ(InvalidMessage(options, {{"SWIM_SECRET_FILE", "/nope"}}),
            "SWIM_SECRET_FILE=/nope: cannot read /nope: No such file or "
            "directory");
  options.secret_file = "/nope";
  EXPECT_EQ(InvalidMessage(options),
            "--secret-file=/nope: cannot read /nope: No such file or "
            "directory");
}

// A person's text is not a key: refused with the way out, never echoed.
TEST(MemberConfigTest, TextThatIsNotAKeyIsRefused) {
  MemberOptions options = Minimal();
  options.secret_file.reset();
  EXPECT_THAT(InvalidMessage(options, {{"SWIM_SECRET", ""}}),
              HasSubstr("SWIM_SECRET is empty"));
  const std::string message =
      InvalidMessage(options, {{"SWIM_SECRET", "our cluster secret"}});
  EXPECT_THAT(message, HasSubstr("SWIM_SECRET is not a key"));
  EXPECT_THAT(message, HasSubstr("swim-keygen"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("our cluster secret")));
}

// A marked passphrase works, salted with the label, with a warning.
TEST(MemberConfigTest, APassphraseWorksWithAWarning) {
  MemberOptions options = Minimal();
  options.secret_file.reset();
  options.label = "prod-eu";
  absl::StatusOr<MemberSettings> settings =
      Resolve(options, {{"SWIM_SECRET", "passphrase:our cluster secret"}});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_THAT(settings->config.keys,
              ElementsAre(KeyFromPassphrase("our cluster secret", "prod-eu")));
  ASSERT_EQ(settings->warnings.size(), 1u);
  EXPECT_THAT(settings->warnings[0], HasSubstr("passphrase"));
  EXPECT_THAT(settings->warnings[0], HasSubstr("swim-keygen"));
}

// Several keys rotate: the first seals, every one opens.
TEST(MemberConfigTest, SeveralKeysRotate) {
  MemberOptions options = Minimal();
  options.secret_file.reset();
  const std::string next = *GenerateKey();
  absl::StatusOr<MemberSettings> settings =
      Resolve(options, {{"SWIM_SECRET", absl::StrCat(next, ",", kKey)}});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_THAT(settings->config.keys, ElementsAre(Raw(next), Raw(kKey)));
}

TEST(MemberConfigTest, LimitsAreAppliedAndChecked) {
  MemberOptions options = Minimal();
  options.tunables = {{"max_members", "5000"},
                      {"max_stream_message", "1048576"}};
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.max_members, 5000u);
  EXPECT_EQ(settings->config.max_stream_message, 1u << 20);
  options.tunables = {{"max_members", "0"}};
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--max-members=0: "));
  options.tunables = {{"max_stream_message", "1000"}};
  EXPECT_THAT(InvalidMessage(options),
              HasSubstr("--max-stream-message=1000: max_stream_message must "
                        "be 64 KiB to 64 MiB"));
  // max_metadata_size bounds --metadata.
  options.tunables = {{"max_metadata_size", "16"}};
  options.metadata = {{"role", std::string(20, 'x')}};
  EXPECT_THAT(InvalidMessage(options), HasSubstr("over the limit of 16"));
}

TEST(MemberConfigTest, LabelIsBoundIntoTheConfig) {
  MemberOptions options = Minimal();
  options.label = "prod-eu";
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.label, "prod-eu");
  options.label = std::string(300, 'l');
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--label: "));
}

// --- Name ----------------------------------------------------------------

TEST(MemberConfigTest, NoNameIsAnError) {
  MemberOptions options = Minimal();
  options.name.reset();
  const std::string message = InvalidMessage(options);
  EXPECT_THAT(message, HasSubstr("no member name"));
  EXPECT_THAT(message, HasSubstr("SWIM_NAME"));
}

TEST(MemberConfigTest, NameFromTheEnvironmentOrItsFile) {
  MemberOptions options = Minimal();
  options.name.reset();
  FakeSystem system;
  system.files["/etc/swim/name"] = "10.0.0.3:7000\n";
  absl::StatusOr<MemberSettings> settings = ResolveMemberSettings(
      options, {{"SWIM_NAME_FILE", "/etc/swim/name"}}, system.Access());
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.name, "10.0.0.3:7000");

  EXPECT_THAT(InvalidMessage(options, {{"SWIM_NAME", "10.0.0.1:99999"}}),
              HasSubstr("SWIM_NAME=10.0.0.1:99999: the port must be 1-65535"));
}

TEST(MemberConfigTest, UnparsableNamesNameTheValue) {
  for (const char* name :
       {"10.0.0.1:0", "10.0.0.1:http", "::1:7946", "bad host!:7946", "[::1"}) {
    MemberOptions options = Minimal();
    options.name = name;
    EXPECT_THAT(InvalidMessage(options),
                HasSubstr(absl::StrCat("--name=", name, ": ")));
  }
  MemberOptions options = Minimal();
  options.name = "";
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--name is empty"));
}

TEST(MemberConfigTest, DefaultHostAndPort) {
  MemberOptions options = Minimal();
  options.name = ":7001";
  EXPECT_THAT(InvalidMessage(options), HasSubstr("pass --default-host"));
  options.default_host = "10.0.0.7";
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.name, "10.0.0.7:7001");

  options = Minimal();
  options.name = "10.0.0.8";
  EXPECT_THAT(InvalidMessage(options), HasSubstr("pass --default-port"));
  options.default_port = 7100;
  settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.name, "10.0.0.8:7100");

  options = Minimal();
  options.name = ":7002";
  options.default_host = "fd00::1";  // brackets added
  settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.name, "[fd00::1]:7002");
  EXPECT_EQ(settings->config.address, *Address::Parse("[fd00::1]:7002"));
}

TEST(MemberConfigTest, BadDefaultsNameTheFlag) {
  MemberOptions options = Minimal();
  options.default_port = 70000;
  EXPECT_EQ(InvalidMessage(options),
            "--default-port=70000: the port must be 1-65535");
  options = Minimal();
  options.default_host = "not a host";
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--default-host=not a host"));
}

TEST(MemberConfigTest, AHostNameIsResolvedForTheAddressButKeptAsTheName) {
  FakeSystem system;
  system.hosts["db-1.internal"] = {"10.1.2.3", "10.1.2.4"};
  MemberOptions options = Minimal();
  options.name = "db-1.internal:7946";
  absl::StatusOr<MemberSettings> settings =
      ResolveMemberSettings(options, {}, system.Access());
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.name, "db-1.internal:7946");
  EXPECT_EQ(settings->config.address, *Address::Parse("10.1.2.3:7946"));
  // The driver follows the name.
  EXPECT_EQ(settings->driver_options.advertised_host, "db-1.internal");
}

TEST(MemberConfigTest, LiteralAndDiscoveredAddressesAreNotFollowed) {
  FakeSystem system;
  system.hosts["swim.default.svc"] = {"10.0.0.4", "10.0.0.5"};
  system.local_address = "10.0.0.5";
  MemberOptions literal = Minimal();
  literal.name = "10.1.2.3:7946";
  absl::StatusOr<MemberSettings> settings =
      ResolveMemberSettings(literal, {}, system.Access());
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.advertised_host, "");
  MemberOptions discovery = Minimal();
  discovery.name = "swim.default.svc:7946";
  discovery.discovery = true;
  settings = ResolveMemberSettings(discovery, {}, system.Access());
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.advertised_host, "");
}

TEST(MemberConfigTest, AnUnresolvableNameIsUnavailable) {
  MemberOptions options = Minimal();
  options.name = "nowhere.invalid:7946";
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_FALSE(settings.ok());
  EXPECT_TRUE(absl::IsUnavailable(settings.status())) << settings.status();
  EXPECT_THAT(settings.status().message(),
              HasSubstr("--name=nowhere.invalid:7946: nowhere.invalid does "
                        "not resolve"));
}

TEST(MemberConfigTest, AWildcardNameIsRefused) {
  MemberOptions options = Minimal();
  options.name = "0.0.0.0:7946";
  EXPECT_THAT(InvalidMessage(options),
              HasSubstr("a wildcard address cannot be advertised"));
}

// --- Bind ----------------------------------------------------------------

TEST(MemberConfigTest, BindAddressAndPort) {
  MemberOptions options = Minimal();
  options.bind = "0.0.0.0";
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.bind, "0.0.0.0:7946");

  options.bind_port = 8000;
  settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.bind, "0.0.0.0:8000");

  options.bind.reset();  // the name's address, another port
  settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.bind, "10.0.0.1:8000");

  options.bind = "::";
  settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.bind, "[::]:8000");

  options.bind = "[::]";
  settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.bind, "[::]:8000");
}

TEST(MemberConfigTest, BadBindValuesNameTheFlag) {
  MemberOptions options = Minimal();
  options.bind = "eth0";
  EXPECT_THAT(InvalidMessage(options),
              HasSubstr("--bind=eth0: not an IP address"));
  options = Minimal();
  options.bind_port = 0;
  EXPECT_EQ(InvalidMessage(options), "--bind-port=0: the port must be 1-65535");
}

// --- Peers ---------------------------------------------------------------

TEST(MemberConfigTest, PeersWithDefaults) {
  MemberOptions options = Minimal();
  options.peers = {"10.0.0.2:7000", "10.0.0.3", "seed.internal", ":7005",
                   "[fd00::2]:7006"};
  options.default_host = "10.0.0.9";
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  // Without a port: this member's. Names are left for the driver to
  // resolve (retrying until they do).
  EXPECT_THAT(settings->seeds, ElementsAre("10.0.0.2:7000", "10.0.0.3:7946",
                                           "seed.internal:7946",
                                           "10.0.0.9:7005", "[fd00::2]:7006"));
}

TEST(MemberConfigTest, PeersFromTheEnvironment) {
  MemberOptions options = Minimal();
  absl::StatusOr<MemberSettings> settings =
      Resolve(options, {{"SWIM_PEERS", "10.0.0.2:1, 10.0.0.3:2,"}});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_THAT(settings->seeds, ElementsAre("10.0.0.2:1", "10.0.0.3:2"));

  EXPECT_THAT(InvalidMessage(options, {{"SWIM_PEERS", "10.0.0.2:1,bad:port"}}),
              HasSubstr("SWIM_PEERS=bad:port: the port must be 1-65535"));
  EXPECT_THAT(InvalidMessage(options, {{"SWIM_PEERS_FILE", "/missing"}}),
              HasSubstr("SWIM_PEERS_FILE=/missing: cannot read"));
}

TEST(MemberConfigTest, BadPeersNameTheValue) {
  MemberOptions options = Minimal();
  options.peers = {"10.0.0.2:1", "10.0.0.2:x"};
  EXPECT_THAT(InvalidMessage(options),
              HasSubstr("--peer=10.0.0.2:x: the port must be 1-65535"));
}

// --- Discovery -----------------------------------------------------------

TEST(MemberConfigTest, DiscoveryTakesTheRoutedAddressAndSeedsWithTheName) {
  FakeSystem system;
  system.hosts["swim.default.svc"] = {"10.0.0.4", "10.0.0.5", "10.0.0.6"};
  system.local_address = "10.0.0.5";
  MemberOptions options = Minimal();
  options.name = "swim.default.svc:7946";
  options.discovery = true;
  options.peers = {"10.0.1.1:7946"};
  absl::StatusOr<MemberSettings> settings =
      ResolveMemberSettings(options, {}, system.Access());
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->config.name, "10.0.0.5:7946");
  EXPECT_EQ(settings->config.address, *Address::Parse("10.0.0.5:7946"));
  EXPECT_THAT(settings->seeds,
              ElementsAre("swim.default.svc:7946", "10.0.1.1:7946"));
}

TEST(MemberConfigTest, DiscoveryNeedsAResolvableName) {
  MemberOptions options = Minimal();
  options.discovery = true;  // the name is an IP address
  EXPECT_THAT(InvalidMessage(options),
              HasSubstr("--discovery needs a DNS name"));

  options.name = "not-yet.internal:7946";
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_FALSE(settings.ok());
  EXPECT_TRUE(absl::IsUnavailable(settings.status())) << settings.status();
  EXPECT_THAT(settings.status().message(),
              HasSubstr("--discovery: not-yet.internal does not resolve"));
}

TEST(MemberConfigTest, TlsFlagsGoToTheDriverOptions) {
  absl::StatusOr<MemberSettings> plain = Resolve(Minimal());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->driver_options.tls.enabled());

  MemberOptions options = Minimal();
  options.tls_cert = "member.crt";
  options.tls_key = "member.key";
  options.tls_ca = "ca.pem";
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  const TlsOptions& tls = settings->driver_options.tls;
  EXPECT_EQ(tls.certificate_file, "member.crt");
  EXPECT_EQ(tls.key_file, "member.key");
  EXPECT_EQ(tls.ca_file, "ca.pem");
  EXPECT_EQ(tls.identity, TlsIdentity::kAddress);

  options.tls_identity = "ca";
  settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.tls.identity, TlsIdentity::kCaOnly);
  EXPECT_TRUE(settings->driver_options.tls.peer_names.empty());

  options.tls_peer_names = "members.swim.example, members.other.example";
  settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->driver_options.tls.peer_names,
            (std::vector<std::string>{"members.swim.example",
                                      "members.other.example"}));
}

// TLS protects streams only: without a key, datagrams would let anyone in,
// so TLS with --insecure takes --tcp-only.
TEST(MemberConfigTest, TlsWithoutASecretNeedsTcpOnly) {
  MemberOptions options = Minimal();
  options.secret_file.reset();
  options.insecure = true;
  options.tls_cert = "member.crt";
  options.tls_key = "member.key";
  options.tls_ca = "ca.pem";
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--tcp-only"));
  options.tunables = {{"tcp_only", "true"}};
  absl::StatusOr<MemberSettings> settings = Resolve(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_TRUE(settings->config.tcp_only);
  EXPECT_EQ(settings->config.security_mode, SecurityMode::kPlaintext);
}

TEST(MemberConfigTest, IncompleteTlsFlagsNameWhatIsMissing) {
  MemberOptions options = Minimal();
  options.tls_cert = "member.crt";
  options.tls_ca = "ca.pem";
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--tls-key is missing"));
  options.tls_key = "";
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--tls-key is missing"));
  options.tls_key = "member.key";
  options.tls_identity = "name";
  EXPECT_THAT(InvalidMessage(options), HasSubstr("--tls-identity=name"));

  MemberOptions identity_only = Minimal();
  identity_only.tls_identity = "ca";
  EXPECT_THAT(InvalidMessage(identity_only),
              HasSubstr("--tls-identity needs TLS"));
  MemberOptions names_only = Minimal();
  names_only.tls_peer_names = "members.swim.example";
  EXPECT_THAT(InvalidMessage(names_only),
              HasSubstr("--tls-peer-name needs TLS"));

  options.tls_identity.reset();
  for (const char* bad : {"*.swim.example", "members.swim.example,,other",
                          "members.swim.example,", ""}) {
    SCOPED_TRACE(bad);
    options.tls_peer_names = bad;
    const std::string message = InvalidMessage(options);
    EXPECT_THAT(message, HasSubstr(absl::StrCat("--tls-peer-name=", bad)));
    EXPECT_THAT(message, HasSubstr("a DNS name"));
  }
}

}  // namespace
}  // namespace swim::tools

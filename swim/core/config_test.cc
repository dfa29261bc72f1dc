#include "swim/core/config.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/envelope.h"

namespace swim {
namespace {

struct PresetCase {
  const char* name;
  Config config;
  absl::Duration probe_interval;
  absl::Duration probe_timeout;
  int indirect_checks;
  int suspicion_mult;
  int retransmit_mult;
  absl::Duration gossip_interval;
  int gossip_nodes;
  absl::Duration push_pull_interval;
};

// memberlist's DefaultLANConfig, DefaultWANConfig and DefaultLocalConfig,
// except LAN's fourth indirect helper (config.h says why).
TEST(ConfigTest, PresetsHaveMemberlistNumbers) {
  const PresetCase presets[] = {
      {"Lan", Config::Lan(), absl::Seconds(1), absl::Milliseconds(500), 4, 4, 4,
       absl::Milliseconds(200), 3, absl::Seconds(30)},
      {"Wan", Config::Wan(), absl::Seconds(5), absl::Seconds(3), 3, 6, 4,
       absl::Milliseconds(500), 4, absl::Seconds(60)},
      {"Local", Config::Local(), absl::Seconds(1), absl::Milliseconds(200), 1,
       3, 2, absl::Milliseconds(100), 3, absl::Seconds(15)},
  };
  for (const PresetCase& p : presets) {
    SCOPED_TRACE(p.name);
    EXPECT_EQ(p.config.probe_interval, p.probe_interval);
    EXPECT_EQ(p.config.probe_timeout, p.probe_timeout);
    EXPECT_EQ(p.config.indirect_checks, p.indirect_checks);
    EXPECT_EQ(p.config.suspicion_mult, p.suspicion_mult);
    EXPECT_EQ(p.config.retransmit_mult, p.retransmit_mult);
    EXPECT_EQ(p.config.gossip_interval, p.gossip_interval);
    EXPECT_EQ(p.config.gossip_nodes, p.gossip_nodes);
    EXPECT_EQ(p.config.push_pull_interval, p.push_pull_interval);
    EXPECT_EQ(p.config.datagram_budget, 1400u);
    // Identity is left to the caller, and the safe mode is the default.
    EXPECT_TRUE(p.config.name.empty());
    EXPECT_EQ(p.config.generation, 0u);
    EXPECT_TRUE(p.config.keys.empty());
    EXPECT_EQ(p.config.security_mode, SecurityMode::kEncrypted);
  }
}

TEST(ConfigTest, DefaultConstructedIsLan) {
  const Config defaults;
  const Config lan = Config::Lan();
  EXPECT_EQ(defaults.probe_interval, lan.probe_interval);
  EXPECT_EQ(defaults.probe_timeout, lan.probe_timeout);
  EXPECT_EQ(defaults.indirect_checks, lan.indirect_checks);
  EXPECT_EQ(defaults.suspicion_mult, lan.suspicion_mult);
  EXPECT_EQ(defaults.retransmit_mult, lan.retransmit_mult);
  EXPECT_EQ(defaults.gossip_interval, lan.gossip_interval);
  EXPECT_EQ(defaults.gossip_nodes, lan.gossip_nodes);
  EXPECT_EQ(defaults.push_pull_interval, lan.push_pull_interval);
  EXPECT_EQ(defaults.datagram_budget, lan.datagram_budget);
}

TEST(ConfigTest, LifeguardIsOnInEveryPresetWithMemberlistNumbers) {
  for (const Config& config : {Config::Lan(), Config::Wan(), Config::Local()}) {
    EXPECT_TRUE(config.lifeguard.awareness);
    EXPECT_EQ(config.lifeguard.awareness_max, 8);
    EXPECT_TRUE(config.lifeguard.nacks);
    EXPECT_TRUE(config.lifeguard.dynamic_suspicion);
    EXPECT_EQ(config.lifeguard.suspicion_max_timeout_mult, 6);
    EXPECT_TRUE(config.lifeguard.buddy_system);
  }
  const Config::Lifeguard off = Config::Lifeguard::Off();
  EXPECT_FALSE(off.awareness);
  EXPECT_FALSE(off.nacks);
  EXPECT_FALSE(off.dynamic_suspicion);
  EXPECT_FALSE(off.buddy_system);
}

Config Valid(Config config = Config::Lan()) {
  config.name = "node-1";
  config.generation = 1;
  config.keys = {std::string(32, 'k')};
  config.nonce_seed[0] = 1;
  return config;
}

TEST(ConfigTest, AnAllZeroNonceSeedIsRefusedWhenEncrypting) {
  Config config = Valid();
  config.nonce_seed.fill(0);
  EXPECT_THAT(std::string(config.Validate().message()),
              ::testing::HasSubstr("nonce_seed is all zero"));
  config.security_mode = SecurityMode::kAuthenticated;  // no nonces
  EXPECT_TRUE(config.Validate().ok());
}

TEST(ConfigTest, ValidConfigValidates) {
  EXPECT_TRUE(Valid().Validate().ok()) << Valid().Validate();
  EXPECT_TRUE(Valid(Config::Wan()).Validate().ok());
  EXPECT_TRUE(Valid(Config::Local()).Validate().ok());
}

TEST(ConfigTest, PresetsAloneNeedIdentity) {
  // Without a name the presets are incomplete, not silently usable.
  EXPECT_FALSE(Config::Lan().Validate().ok());
  EXPECT_FALSE(Config::Wan().Validate().ok());
  EXPECT_FALSE(Config::Local().Validate().ok());
}

TEST(ConfigTest, PlaintextWithoutKeysIsValid) {
  Config config = Valid();
  config.keys.clear();
  config.security_mode = SecurityMode::kPlaintext;
  EXPECT_TRUE(config.Validate().ok()) << config.Validate();
}

struct FieldCase {
  const char* description;
  std::function<void(Config&)> mutate;
  // A substring the error message must contain: the field's name.
  const char* field;
};

TEST(ConfigTest, EachInvalidFieldIsNamed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<FieldCase> cases = {
      {"empty name", [](Config& c) { c.name.clear(); }, "name"},
      {"256-byte name", [](Config& c) { c.name = std::string(256, 'n'); },
       "name"},
      {"generation 0", [](Config& c) { c.generation = 0; }, "generation"},
      {"probe_interval 0",
       [](Config& c) { c.probe_interval = absl::ZeroDuration(); },
       "probe_interval"},
      {"probe_interval negative",
       [](Config& c) { c.probe_interval = absl::Seconds(-1); },
       "probe_interval"},
      {"probe_timeout == probe_interval",
       [](Config& c) { c.probe_timeout = c.probe_interval; }, "probe_timeout"},
      {"probe_timeout > probe_interval",
       [](Config& c) { c.probe_timeout = c.probe_interval * 2; },
       "probe_timeout"},
      {"probe_timeout 0",
       [](Config& c) { c.probe_timeout = absl::ZeroDuration(); },
       "probe_timeout"},
      {"indirect_checks -1", [](Config& c) { c.indirect_checks = -1; },
       "indirect_checks"},
      {"indirect_checks 17", [](Config& c) { c.indirect_checks = 17; },
       "indirect_checks"},
      {"suspicion_mult 0", [](Config& c) { c.suspicion_mult = 0; },
       "suspicion_mult"},
      {"awareness_max 0", [](Config& c) { c.lifeguard.awareness_max = 0; },
       "lifeguard.awareness_max"},
      {"awareness_max 65", [](Config& c) { c.lifeguard.awareness_max = 65; },
       "lifeguard.awareness_max"},
      {"suspicion_max_timeout_mult 0",
       [](Config& c) { c.lifeguard.suspicion_max_timeout_mult = 0; },
       "lifeguard.suspicion_max_timeout_mult"},
      {"retransmit_mult 0", [](Config& c) { c.retransmit_mult = 0; },
       "retransmit_mult"},
      {"gossip_interval 0",
       [](Config& c) { c.gossip_interval = absl::ZeroDuration(); },
       "gossip_interval"},
      {"gossip_nodes 0", [](Config& c) { c.gossip_nodes = 0; }, "gossip_nodes"},
      {"gossip_nodes 65", [](Config& c) { c.gossip_nodes = 65; },
       "gossip_nodes"},
      {"datagram_budget 511", [](Config& c) { c.datagram_budget = 511; },
       "datagram_budget"},
      {"datagram_budget 65508", [](Config& c) { c.datagram_budget = 65508; },
       "datagram_budget"},
      {"user_broadcast_share -0.1",
       [](Config& c) { c.user_broadcast_share = -0.1; },
       "user_broadcast_share"},
      {"user_broadcast_share 0.95",
       [](Config& c) { c.user_broadcast_share = 0.95; },
       "user_broadcast_share"},
      {"user_broadcast_share NaN",
       [nan](Config& c) { c.user_broadcast_share = nan; },
       "user_broadcast_share"},
      {"push_pull_interval negative",
       [](Config& c) { c.push_pull_interval = absl::Seconds(-1); },
       "push_pull_interval"},
      {"reconnect_timeout 0",
       [](Config& c) { c.reconnect_timeout = absl::ZeroDuration(); },
       "reconnect_timeout"},
      {"tombstone_timeout 0",
       [](Config& c) { c.tombstone_timeout = absl::ZeroDuration(); },
       "tombstone_timeout"},
      {"reconnect_interval negative",
       [](Config& c) { c.reconnect_interval = absl::Seconds(-1); },
       "reconnect_interval"},
      {"isolation_probes 101", [](Config& c) { c.isolation_probes = 101; },
       "isolation_probes"},
      {"max_metadata_size 65536",
       [](Config& c) { c.max_metadata_size = 65536; }, "max_metadata_size"},
      {"max_members 0", [](Config& c) { c.max_members = 0; }, "max_members"},
      {"256-byte label", [](Config& c) { c.label = std::string(256, 'l'); },
       "label"},
      {"15-byte key", [](Config& c) { c.keys = {std::string(15, 'k')}; },
       "keys"},
      {"second key bad",
       [](Config& c) { c.keys.push_back(std::string(33, 'k')); }, "keys[1]"},
      {"encrypted without keys",
       [](Config& c) {
         c.security_mode = SecurityMode::kEncrypted;
         c.keys.clear();
       },
       "kPlaintext"},
      {"authenticated without keys",
       [](Config& c) {
         c.security_mode = SecurityMode::kAuthenticated;
         c.keys.clear();
       },
       "kPlaintext"},
  };
  for (const FieldCase& c : cases) {
    SCOPED_TRACE(c.description);
    Config config = Valid();
    c.mutate(config);
    const absl::Status status = config.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_TRUE(absl::StrContains(status.message(), c.field))
        << "\"" << status.message() << "\" does not name " << c.field;
  }
}

TEST(ConfigTest, KeysErrorNamesTheField) {
  Config config = Valid();
  config.keys = {std::string(15, 'k')};
  const absl::Status status = config.Validate();
  EXPECT_TRUE(absl::StrContains(status.message(), "keys[0]")) << status;
  config.keys = {};
  config.security_mode = SecurityMode::kEncrypted;
  const absl::Status no_keys = config.Validate();
  EXPECT_TRUE(absl::StrContains(no_keys.message(), "keys")) << no_keys;
  EXPECT_TRUE(absl::StrContains(no_keys.message(), "security_mode")) << no_keys;
}

TEST(ConfigTest, CheckReportsTheFieldAsData) {
  EXPECT_EQ(Valid().Check(), std::nullopt);
  const struct {
    std::function<void(Config&)> mutate;
    std::string field;
  } cases[] = {
      {[](Config& c) { c.probe_timeout = absl::Seconds(5); }, "probe_timeout"},
      {[](Config& c) { c.gossip_nodes = 0; }, "gossip_nodes"},
      {[](Config& c) { c.lifeguard.awareness_max = 0; },
       "lifeguard.awareness_max"},
      {[](Config& c) { c.keys.push_back("short"); }, "keys[1]"},
      {[](Config& c) { c.nonce_seed = {}; }, "nonce_seed"},
      {[](Config& c) {
         c.security_mode = SecurityMode::kAuthenticated;
         c.keys.clear();
       },
       "security_mode"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    Config config = Valid();
    config.security_mode = SecurityMode::kEncrypted;
    config.nonce_seed[0] = 1;
    c.mutate(config);
    const std::optional<ConfigError> error = config.Check();
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->field, c.field);
    // Validate says the same, as text.
    EXPECT_EQ(config.Validate(), absl::InvalidArgumentError(error->ToString()));
    EXPECT_EQ(error->ToString(),
              absl::StrCat("config: ", error->field, " ", error->reason));
  }
}

TEST(ConfigTest, BoundaryValuesAreValid) {
  const std::vector<FieldCase> cases = {
      {"255-byte name", [](Config& c) { c.name = std::string(255, 'n'); }, ""},
      {"1-byte name", [](Config& c) { c.name = "n"; }, ""},
      {"generation max",
       [](Config& c) { c.generation = std::numeric_limits<uint64_t>::max(); },
       ""},
      {"probe_timeout just below probe_interval",
       [](Config& c) {
         c.probe_timeout = c.probe_interval - absl::Nanoseconds(1);
       },
       ""},
      {"indirect_checks 0", [](Config& c) { c.indirect_checks = 0; }, ""},
      {"indirect_checks 16", [](Config& c) { c.indirect_checks = 16; }, ""},
      {"gossip_nodes 1", [](Config& c) { c.gossip_nodes = 1; }, ""},
      {"gossip_nodes 64", [](Config& c) { c.gossip_nodes = 64; }, ""},
      {"datagram_budget 512", [](Config& c) { c.datagram_budget = 512; }, ""},
      {"datagram_budget 65507", [](Config& c) { c.datagram_budget = 65507; },
       ""},
      {"user_broadcast_share 0", [](Config& c) { c.user_broadcast_share = 0; },
       ""},
      {"user_broadcast_share 0.9",
       [](Config& c) { c.user_broadcast_share = 0.9; }, ""},
      {"push_pull_interval 0 (off)",
       [](Config& c) { c.push_pull_interval = absl::ZeroDuration(); }, ""},
      {"max_metadata_size 65535",
       [](Config& c) { c.max_metadata_size = 65535; }, ""},
      {"max_members 1", [](Config& c) { c.max_members = 1; }, ""},
      {"255-byte label", [](Config& c) { c.label = std::string(255, 'l'); },
       ""},
      {"16-byte key", [](Config& c) { c.keys = {std::string(16, 'k')}; }, ""},
      {"24-byte key", [](Config& c) { c.keys = {std::string(24, 'k')}; }, ""},
      {"three keys",
       [](Config& c) {
         c.keys = {std::string(32, 'a'), std::string(16, 'b'),
                   std::string(24, 'c')};
       },
       ""},
      {"authenticated with a key",
       [](Config& c) { c.security_mode = SecurityMode::kAuthenticated; }, ""},
  };
  for (const FieldCase& c : cases) {
    SCOPED_TRACE(c.description);
    Config config = Valid();
    c.mutate(config);
    EXPECT_TRUE(config.Validate().ok()) << config.Validate();
  }
}

}  // namespace
}  // namespace swim

namespace swim {
namespace {

TEST(ScaledPushPullIntervalTest, GrowsWithEachDoublingAbove32) {
  const Config config = Config::Lan();  // 30 s
  EXPECT_EQ(ScaledPushPullInterval(config, 1), absl::Seconds(30));
  EXPECT_EQ(ScaledPushPullInterval(config, 32), absl::Seconds(30));
  EXPECT_EQ(ScaledPushPullInterval(config, 33), absl::Seconds(60));
  EXPECT_EQ(ScaledPushPullInterval(config, 64), absl::Seconds(60));
  EXPECT_EQ(ScaledPushPullInterval(config, 65), absl::Seconds(90));
  EXPECT_EQ(ScaledPushPullInterval(config, 1000), absl::Seconds(180));
  EXPECT_EQ(ScaledPushPullInterval(config, 10000), absl::Seconds(300));
}

TEST(RetransmitLimitTest, LambdaTimesDigitsWithAFloor) {
  const Config config = Config::Lan();  // retransmit_mult 4, gossip_nodes 3
  EXPECT_EQ(RetransmitLimit(config, 9), 6);  // 4 * 1, floored at 2 * 3
  EXPECT_EQ(RetransmitLimit(config, 10), 8);
  EXPECT_EQ(RetransmitLimit(config, 999), 12);
  EXPECT_EQ(RetransmitLimit(config, 1000), 16);
  EXPECT_EQ(RetransmitLimit(config, 10000), 20);
}

}  // namespace
}  // namespace swim

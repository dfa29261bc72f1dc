#include "tools/member/tunables.h"

#include <string>

#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "tools/member/member_flags.h"

namespace swim::tools {
namespace {

Config Valid() {
  Config config = Config::Lan();
  config.name = "127.0.0.1:7946";
  config.generation = 1;
  config.keys = {std::string(32, 'k')};
  config.nonce_seed[0] = 1;
  return config;
}

TEST(TunablesTest, EveryRowHasItsFlagAndItsHelpLine) {
  const std::string help = MemberFlagsHelp();
  for (const Tunable& tunable : Tunables()) {
    SCOPED_TRACE(tunable.field);
    const absl::CommandLineFlag* flag =
        absl::FindCommandLineFlag(tunable.field);
    ASSERT_NE(flag, nullptr)
        << "define --" << tunable.FlagName() << " in member_flags.cc";
    EXPECT_FALSE(flag->Help().empty());
    EXPECT_NE(help.find(absl::StrCat("--", tunable.FlagName())),
              std::string::npos);
    EXPECT_EQ(FindTunable(tunable.field), &tunable);
  }
  EXPECT_EQ(FindTunable("name"), nullptr);
  EXPECT_EQ(FindTunable("probe-interval"), nullptr);
}

TEST(TunablesTest, NamesFollowTheField) {
  const Tunable* tunable = FindTunable("push_pull_interval");
  ASSERT_NE(tunable, nullptr);
  EXPECT_EQ(tunable->FlagName(), "push-pull-interval");
  EXPECT_EQ(tunable->VariableName(), "SWIM_PUSH_PULL_INTERVAL");
}

// Every row's field is the one Config::Check names when the value is out
// of range, so that a refusal maps back to the flag the user wrote.
TEST(TunablesTest, EveryRowNamesTheFieldConfigCheckReports) {
  for (const Tunable& tunable : Tunables()) {
    SCOPED_TRACE(tunable.field);
    if (tunable.Expected() == "true or false") continue;  // no bad value
    bool refused = false;
    for (const char* text :
         {"-1h", "-1000000", "1000000", "0", "1000000000000", "5"}) {
      Config config = Valid();
      if (!tunable.Set(text, config).ok()) continue;
      const std::optional<ConfigError> error = config.Check();
      if (!error.has_value()) continue;
      EXPECT_EQ(error->field, tunable.field) << text;
      refused = true;
    }
    EXPECT_TRUE(refused) << "no value tried was out of range";
  }
}

TEST(TunablesTest, ValuesRoundTripThroughText) {
  const Config lan = Valid();
  for (const Tunable& tunable : Tunables()) {
    SCOPED_TRACE(tunable.field);
    Config config = Valid();
    const std::string text = tunable.Get(lan);
    ASSERT_TRUE(tunable.Set(text, config).ok()) << text;
    EXPECT_EQ(tunable.Get(config), text);
  }
  Config config = Valid();
  ASSERT_TRUE(FindTunable("probe_interval")->Set("1.5s", config).ok());
  EXPECT_EQ(config.probe_interval, absl::Milliseconds(1500));
  ASSERT_TRUE(FindTunable("tcp_only")->Set("true", config).ok());
  EXPECT_TRUE(config.tcp_only);
  ASSERT_TRUE(FindTunable("max_members")->Set("5000", config).ok());
  EXPECT_EQ(config.max_members, 5000u);
  ASSERT_TRUE(FindTunable("user_broadcast_share")->Set("0.5", config).ok());
  EXPECT_EQ(config.user_broadcast_share, 0.5);
}

TEST(TunablesTest, TextOfTheWrongTypeIsRefusedAndChangesNothing) {
  const struct {
    const char* field;
    const char* text;
    const char* message;
  } cases[] = {
      {"probe_interval", "soon", "not a duration (e.g. 500ms, 2s, 1h)"},
      {"probe_interval", "", "not a duration (e.g. 500ms, 2s, 1h)"},
      {"gossip_nodes", "many", "not a whole number"},
      {"gossip_nodes", "99999999999", "not a whole number"},
      {"max_members", "-1", "not a whole number"},
      {"max_members", "1.5", "not a whole number"},
      {"tcp_only", "maybe", "not true or false"},
      {"user_broadcast_share", "nan", "not a number (e.g. 0.3)"},
      {"user_broadcast_share", "lots", "not a number (e.g. 0.3)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.field, "=", c.text));
    const Tunable* tunable = FindTunable(c.field);
    ASSERT_NE(tunable, nullptr);
    Config config = Valid();
    const std::string before = tunable->Get(config);
    const absl::Status status = tunable->Set(c.text, config);
    EXPECT_EQ(status, absl::InvalidArgumentError(c.message));
    EXPECT_EQ(tunable->Get(config), before);
  }
}

}  // namespace
}  // namespace swim::tools

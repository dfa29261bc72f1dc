#include "tools/common/command_line.h"

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, test_count, 1, "A number.");
ABSL_FLAG(bool, test_switch, false, "A switch.");
ABSL_FLAG(std::string, test_text, "", "Text.");

namespace swim::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CommandLineTest, NormalizesSpellings) {
  absl::StatusOr<std::vector<std::string>> args =
      CheckCommandLine({"prog", "--test-count", "3", "-test_text=a b",
                        "--test-switch", "--notest_switch"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(*args, ElementsAre("prog", "--test_count=3", "--test_text=a b",
                                 "--test_switch", "--notest_switch"));
}

TEST(CommandLineTest, BadValuesAndUnknownFlagsNameTheFlag) {
  absl::StatusOr<std::vector<std::string>> bad =
      CheckCommandLine({"prog", "--test-count=many"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--test-count=many"));

  absl::StatusOr<std::vector<std::string>> unknown =
      CheckCommandLine({"prog", "--frobnicate"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("unknown flag --frobnicate"));

  absl::StatusOr<std::vector<std::string>> missing =
      CheckCommandLine({"prog", "--test-text"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("needs a value"));
}

// Flags read from a file or the environment would pass around every check
// and every setting the programs read from the command line itself.
TEST(CommandLineTest, FlagsFromElsewhereAreRefused) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"prog", "--flagfile=/dev/null"},
           {"prog", "-flagfile", "/dev/null"},
           {"prog", "--fromenv=test_count"},
           {"prog", "--tryfromenv", "test_count"}}) {
    absl::StatusOr<std::vector<std::string>> refused = CheckCommandLine(args);
    ASSERT_FALSE(refused.ok()) << args[1];
    EXPECT_THAT(refused.status().message(), HasSubstr("is not supported"))
        << args[1];
  }
}

TEST(CommandLineTest, PositionalArgumentsAreRefusedUnlessCollected) {
  absl::StatusOr<std::vector<std::string>> refused =
      CheckCommandLine({"prog", "dir"});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("unexpected argument 'dir'"));

  std::vector<std::string> positional;
  absl::StatusOr<std::vector<std::string>> args = CheckCommandLine(
      {"prog", "dir", "--test-text", "value", "other", "--", "--test-count=2"},
      &positional);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(*args, ElementsAre("prog", "--test_text=value"));
  // A flag's value is not an operand; after "--" everything is.
  EXPECT_THAT(positional, ElementsAre("dir", "other", "--test-count=2"));
}

}  // namespace
}  // namespace swim::tools

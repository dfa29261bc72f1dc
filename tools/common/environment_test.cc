#include "tools/common/environment.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace swim::tools {
namespace {

using ::testing::HasSubstr;

FileReader Files(absl::flat_hash_map<std::string, std::string> files) {
  return [files](const std::string& path) -> absl::StatusOr<std::string> {
    auto found = files.find(path);
    if (found == files.end()) {
      return absl::InvalidArgumentError("cannot read " + path +
                                        ": No such file or directory");
    }
    return found->second;
  };
}

TEST(EnvironmentTest, ChildEnvironmentLeavesOutTheKeys) {
  ASSERT_EQ(setenv("SWIM_SECRET", "key material", 1), 0);
  ASSERT_EQ(setenv("SWIM_SECRET_FILE", "/run/secrets/swim", 1), 0);
  const std::vector<std::string> child = ChildEnvironment();
  const Environment parent = ProcessEnvironment();
  unsetenv("SWIM_SECRET");
  unsetenv("SWIM_SECRET_FILE");
  EXPECT_THAT(child, ::testing::Contains("SWIM_SECRET_FILE=/run/secrets/swim"));
  for (const std::string& entry : child) {
    EXPECT_FALSE(entry.starts_with("SWIM_SECRET=")) << entry;
  }
  // Everything else is there.
  EXPECT_EQ(child.size(), parent.size() - 1);
}

TEST(EnvironmentTest, UnsetIsNullopt) {
  absl::StatusOr<std::optional<std::string>> value =
      LookupVariable({}, "SWIM_SECRET", Files({}));
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_FALSE(value->has_value());
}

TEST(EnvironmentTest, TheVariableItself) {
  absl::StatusOr<std::optional<std::string>> value =
      LookupVariable({{"SWIM_SECRET", "s3cret\n"}}, "SWIM_SECRET", Files({}));
  ASSERT_TRUE(value.ok()) << value.status();
  // Taken as it is: only files lose their trailing line break.
  EXPECT_EQ(**value, "s3cret\n");
}

TEST(EnvironmentTest, TheFileTheFileVariableNames) {
  absl::StatusOr<std::optional<std::string>> value =
      LookupVariable({{"SWIM_SECRET_FILE", "/run/secrets/swim"}}, "SWIM_SECRET",
                     Files({{"/run/secrets/swim", "from a file\r\n\n"}}));
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(**value, "from a file");
}

TEST(EnvironmentTest, BothSetIsAnError) {
  absl::StatusOr<std::optional<std::string>> value =
      LookupVariable({{"SWIM_NAME", "a:1"}, {"SWIM_NAME_FILE", "/f"}},
                     "SWIM_NAME", Files({{"/f", "b:1"}}));
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(),
              HasSubstr("both SWIM_NAME and SWIM_NAME_FILE are set"));
}

TEST(EnvironmentTest, AnUnreadableFileIsAnErrorNamingVariableAndPath) {
  absl::StatusOr<std::optional<std::string>> value = LookupVariable(
      {{"SWIM_SECRET_FILE", "/missing"}}, "SWIM_SECRET", Files({}));
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(),
              HasSubstr("SWIM_SECRET_FILE=/missing: cannot read /missing"));
}

TEST(EnvironmentTest, AnEmptyFileVariableIsAnError) {
  absl::StatusOr<std::optional<std::string>> value =
      LookupVariable({{"SWIM_PEERS_FILE", ""}}, "SWIM_PEERS", Files({}));
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(), HasSubstr("SWIM_PEERS_FILE"));
}

TEST(EnvironmentTest, ReadWholeFileReadsAndReportsErrors) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/environment_test_file";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(5000, 'x') << "\n";
  }
  absl::StatusOr<std::string> contents = ReadWholeFile(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(contents->size(), 5001u);

  absl::StatusOr<std::string> too_large = ReadWholeFile(path, 100);
  ASSERT_FALSE(too_large.ok());
  EXPECT_THAT(too_large.status().message(), HasSubstr("larger than 100"));

  absl::StatusOr<std::string> missing = ReadWholeFile(dir + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              HasSubstr("No such file or directory"));

  absl::StatusOr<std::string> directory = ReadWholeFile(dir);
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.status().message(), HasSubstr("Is a directory"));
}

TEST(EnvironmentTest, ProcessEnvironmentSeesTheProcessVariables) {
  ASSERT_EQ(setenv("ENVIRONMENT_TEST_VARIABLE", "a=b", 1), 0);
  const Environment environment = ProcessEnvironment();
  auto found = environment.find("ENVIRONMENT_TEST_VARIABLE");
  ASSERT_NE(found, environment.end());
  EXPECT_EQ(found->second, "a=b");
}

}  // namespace
}  // namespace swim::tools

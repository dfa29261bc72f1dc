#include "tools/member/member_args.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace swim::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(MemberArgsTest, CollectsEveryPeerInOrder) {
  absl::StatusOr<MemberArgs> args = ExtractMemberArgs(
      {"prog", "--peer", "a:1", "--name=x:2", "--peer=b:1", "-peer", "c:1"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->peers, ElementsAre("a:1", "b:1", "c:1"));
  EXPECT_THAT(args->rest, ElementsAre("prog", "--name=x:2"));
}

TEST(MemberArgsTest, SplitsCommaSeparatedPeers) {
  absl::StatusOr<MemberArgs> args =
      ExtractMemberArgs({"prog", "--peer=a:1, b:1", "--peer", "c:1,d:1"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->peers, ElementsAre("a:1", "b:1", "c:1", "d:1"));
}

TEST(MemberArgsTest, MetadataInEverySpelling) {
  absl::StatusOr<MemberArgs> args = ExtractMemberArgs(
      {"prog", "--metadata=a=1", "--metadata", "b=2=3", "--metadata", "c",
       "four words", "--metadata", "empty", "", "--metadata=d="});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->metadata, ElementsAre(Pair("a", "1"), Pair("b", "2=3"),
                                          Pair("c", "four words"),
                                          Pair("empty", ""), Pair("d", "")));
  EXPECT_THAT(args->rest, ElementsAre("prog"));
}

TEST(MemberArgsTest, ThePythonDemoCommandLine) {
  absl::StatusOr<MemberArgs> args =
      ExtractMemberArgs({"swim-demo", "--name", "127.0.0.1:2001", "--peer",
                         "127.0.0.1:2003", "--metadata", "name", "one"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->peers, ElementsAre("127.0.0.1:2003"));
  EXPECT_THAT(args->metadata, ElementsAre(Pair("name", "one")));
  EXPECT_THAT(args->rest, ElementsAre("swim-demo", "--name", "127.0.0.1:2001"));
}

TEST(MemberArgsTest, LeavesOtherFlagsAndEverythingAfterDoubleDash) {
  absl::StatusOr<MemberArgs> args = ExtractMemberArgs(
      {"prog", "--peers=x", "--metadatax", "dir", "--", "--peer", "a:1"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_TRUE(args->peers.empty());
  EXPECT_THAT(args->rest, ElementsAre("prog", "--peers=x", "--metadatax", "dir",
                                      "--", "--peer", "a:1"));
}

TEST(MemberArgsTest, MissingValuesAreErrorsNamingTheFlag) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"prog", "--peer"},
           {"prog", "--metadata"},
           {"prog", "--metadata", "key"},
       }) {
    absl::StatusOr<MemberArgs> result = ExtractMemberArgs(args);
    ASSERT_FALSE(result.ok()) << args.back();
    EXPECT_THAT(result.status().message(), HasSubstr("needs a value"));
  }
}

TEST(MemberArgsTest, MetadataWithoutEqualsIsAnError) {
  absl::StatusOr<MemberArgs> args =
      ExtractMemberArgs({"prog", "--metadata=novalue"});
  ASSERT_FALSE(args.ok());
  EXPECT_THAT(args.status().message(), HasSubstr("--metadata=novalue"));
  EXPECT_THAT(args.status().message(), HasSubstr("KEY=VALUE"));
}

TEST(MemberArgsTest, AFlagWhereTheKeyShouldBeIsAnError) {
  absl::StatusOr<MemberArgs> args =
      ExtractMemberArgs({"prog", "--metadata", "--peer", "a:1"});
  ASSERT_FALSE(args.ok());
  EXPECT_THAT(args.status().message(), HasSubstr("got the flag --peer"));
}

TEST(MemberArgsTest, EmptyPeersAreErrors) {
  for (const char* arg : {"--peer=", "--peer=a:1,,b:1", "--peer= "}) {
    absl::StatusOr<MemberArgs> args = ExtractMemberArgs({"prog", arg});
    ASSERT_FALSE(args.ok()) << arg;
    EXPECT_THAT(args.status().message(), HasSubstr("empty peer"));
  }
}

}  // namespace
}  // namespace swim::tools

#include "swim/core/cluster_key.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/keyring.h"

namespace swim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ClusterKeyTest, GeneratedKeysAreRandomBase64KeysOfEverySize) {
  for (size_t bytes : {16, 24, 32}) {
    absl::StatusOr<std::string> a = GenerateKey(bytes);
    absl::StatusOr<std::string> b = GenerateKey(bytes);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(*a, *b);
    std::string raw;
    ASSERT_TRUE(absl::Base64Unescape(*a, &raw));
    EXPECT_EQ(raw.size(), bytes);
    absl::StatusOr<ClusterKeys> keys = ParseClusterKeys(*a, "", "SWIM_SECRET");
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ(keys->keys, std::vector<std::string>{raw});
    EXPECT_FALSE(keys->passphrase);
    EXPECT_TRUE(Keyring::ValidateSecret(raw).ok());
  }
  EXPECT_FALSE(GenerateKey(20).ok());
}

TEST(ClusterKeyTest, SeveralKeysRotateWithTheFirstSealing) {
  const std::string first = *GenerateKey();
  const std::string second = *GenerateKey(16);
  absl::StatusOr<ClusterKeys> keys = ParseClusterKeys(
      absl::StrCat(" ", first, " ,\n", second, "\n"), "", "SWIM_SECRET");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->keys.size(), 2u);
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(first, &raw));
  EXPECT_EQ(keys->keys[0], raw);
}

// Text a person chose is refused unless marked as a passphrase: the error
// says why and what to do, and never repeats the secret.
TEST(ClusterKeyTest, TextThatIsNotAKeyIsRefusedWithTheWayOut) {
  for (const char* text : {"correct horse battery staple",
                           "c2hvcnQ=", "not base64 at all!!", "AAAA"}) {
    absl::StatusOr<ClusterKeys> keys =
        ParseClusterKeys(text, "", "SWIM_SECRET");
    ASSERT_FALSE(keys.ok()) << text;
    EXPECT_THAT(keys.status().message(), HasSubstr("SWIM_SECRET is not a key"));
    EXPECT_THAT(keys.status().message(), HasSubstr("swim-keygen"));
    EXPECT_THAT(keys.status().message(), HasSubstr("passphrase:"));
    EXPECT_THAT(keys.status().message(), Not(HasSubstr(text)));
  }
  EXPECT_THAT(ParseClusterKeys("", "", "SWIM_SECRET").status().message(),
              HasSubstr("SWIM_SECRET is empty"));
  EXPECT_THAT(
      ParseClusterKeys("passphrase:", "", "--secret-file").status().message(),
      HasSubstr("needs the passphrase"));
  EXPECT_THAT(
      ParseClusterKeys(absl::StrCat(*GenerateKey(), ",nope"), "", "SWIM_SECRET")
          .status()
          .message(),
      HasSubstr("key 2 of SWIM_SECRET is not a key"));
}

// A passphrase is stretched with scrypt, salted with the label: the same
// passphrase gives the same key everywhere in one cluster, another key in
// a cluster with another label, and each guess costs real work.
TEST(ClusterKeyTest, PassphrasesAreStretchedAndSaltedWithTheLabel) {
  const absl::Time start = absl::Now();
  absl::StatusOr<ClusterKeys> keys = ParseClusterKeys(
      "passphrase:correct horse battery staple", "prod", "SWIM_SECRET");
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE(keys->passphrase);
  ASSERT_EQ(keys->keys.size(), 1u);
  EXPECT_EQ(keys->keys[0].size(), 32u);
  EXPECT_EQ(keys->keys[0],
            KeyFromPassphrase("correct horse battery staple", "prod"));
  EXPECT_NE(keys->keys[0],
            KeyFromPassphrase("correct horse battery staple", "test"));
  EXPECT_NE(keys->keys[0], KeyFromPassphrase("correct horse battery", "prod"));
  // Not a timing assertion on this code's speed: scrypt's memory-hard work
  // cannot be skipped, whatever the machine.
  EXPECT_GT(took, absl::Milliseconds(10));
  // Fixed vectors (from Python's hashlib.scrypt), so another
  // implementation can check itself: RFC 7914 scrypt, N = 65536, r = 8,
  // p = 1, salt "swim passphrase v1", a NUL byte, the label.
  EXPECT_EQ(absl::BytesToHexString(KeyFromPassphrase("abc", "")),
            "e80614d8c36eabe040610f49bfffba775e5a6eccad003d338cdbd0d8112862ae");
  EXPECT_EQ(absl::BytesToHexString(KeyFromPassphrase("abc", "prod")),
            "09f336154e50221f9472e865bc088faf9e73d2c97e16e61419a7a9a7e0d72331");
}

}  // namespace
}  // namespace swim

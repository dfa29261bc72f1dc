#include "tools/secret_key.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "swim/core/keyring.h"

namespace swim::tools {
namespace {

TEST(SecretKeyTest, IsTheSha256OfTheSecret) {
  // FIPS 180-2's "abc" example, so another implementation can check itself
  // against the same numbers.
  EXPECT_EQ(absl::BytesToHexString(KeyFromSecret("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SecretKeyTest, IsAValidAes256SecretForAnyText) {
  for (const char* secret : {"x", "correct horse battery staple",
                             "q7Vv2mJ0y1xjQ0b3v1Y3d8Zr5m5n7Q2c9Xw3Zs1c0bA="}) {
    const std::string key = KeyFromSecret(secret);
    EXPECT_EQ(key.size(), 32u);
    EXPECT_TRUE(Keyring::ValidateSecret(key).ok()) << secret;
  }
}

TEST(SecretKeyTest, DifferentSecretsGiveDifferentKeys) {
  EXPECT_NE(KeyFromSecret("secret-a"), KeyFromSecret("secret-b"));
  EXPECT_EQ(KeyFromSecret("same"), KeyFromSecret("same"));
}

}  // namespace
}  // namespace swim::tools

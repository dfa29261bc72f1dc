#include "swim/core/keyring.h"

#include <string>

#include "gtest/gtest.h"

namespace swim {
namespace {

const std::string kKeyA(16, 'a');
const std::string kKeyB(24, 'b');
const std::string kKeyC(32, 'c');

TEST(KeyringTest, AcceptsEachKeySize) {
  for (const std::string& key : {kKeyA, kKeyB, kKeyC}) {
    absl::StatusOr<Keyring> keyring = Keyring::Create({key});
    ASSERT_TRUE(keyring.ok()) << keyring.status();
    EXPECT_EQ(keyring->size(), 1u);
    EXPECT_EQ(keyring->primary().secret, key);
  }
}

TEST(KeyringTest, RejectsOtherSizes) {
  for (size_t size : {0, 1, 15, 17, 23, 25, 31, 33, 64}) {
    absl::StatusOr<Keyring> keyring = Keyring::Create({std::string(size, 'k')});
    ASSERT_FALSE(keyring.ok()) << size;
    EXPECT_EQ(keyring.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(keyring.status().message().find("16, 24 or 32"),
              absl::string_view::npos);
  }
}

TEST(KeyringTest, CreateNeedsAKeyAndRejectsDuplicates) {
  EXPECT_FALSE(Keyring::Create({}).ok());
  absl::StatusOr<Keyring> keyring = Keyring::Create({kKeyA, kKeyA});
  ASSERT_FALSE(keyring.ok());
  EXPECT_EQ(keyring.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST(KeyringTest, FirstKeyIsPrimaryAndUseReordersOnlyThePrimary) {
  absl::StatusOr<Keyring> keyring = Keyring::Create({kKeyA, kKeyB, kKeyC});
  ASSERT_TRUE(keyring.ok());
  EXPECT_EQ(keyring->primary().secret, kKeyA);
  ASSERT_TRUE(keyring->Use(kKeyC).ok());
  ASSERT_EQ(keyring->size(), 3u);
  EXPECT_EQ(keyring->keys()[0]->secret, kKeyC);
  EXPECT_EQ(keyring->keys()[1]->secret, kKeyA);
  EXPECT_EQ(keyring->keys()[2]->secret, kKeyB);
}

TEST(KeyringTest, UseAndRemoveUnknownKeysFail) {
  absl::StatusOr<Keyring> keyring = Keyring::Create({kKeyA});
  ASSERT_TRUE(keyring.ok());
  EXPECT_EQ(keyring->Use(kKeyB).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(keyring->Remove(kKeyB).code(), absl::StatusCode::kNotFound);
}

TEST(KeyringTest, PrimaryCannotBeRemoved) {
  absl::StatusOr<Keyring> keyring = Keyring::Create({kKeyA, kKeyB});
  ASSERT_TRUE(keyring.ok());
  EXPECT_EQ(keyring->Remove(kKeyA).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(keyring->Remove(kKeyB).ok());
  EXPECT_EQ(keyring->size(), 1u);
  ASSERT_TRUE(keyring->Add(kKeyB).ok());
  ASSERT_TRUE(keyring->Use(kKeyB).ok());
  ASSERT_TRUE(keyring->Remove(kKeyA).ok());
  EXPECT_EQ(keyring->primary().secret, kKeyB);
}

TEST(KeyringTest, AddRejectsBadAndDuplicateKeys) {
  absl::StatusOr<Keyring> keyring = Keyring::Create({kKeyA});
  ASSERT_TRUE(keyring.ok());
  EXPECT_EQ(keyring->Add(kKeyA).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(keyring->Add("short").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(keyring->size(), 1u);
}

}  // namespace
}  // namespace swim

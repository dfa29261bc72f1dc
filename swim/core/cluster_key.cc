#include "swim/core/cluster_key.h"

#include <cstdint>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "swim/core/crypto.h"

namespace swim {
namespace {

constexpr absl::string_view kPassphrasePrefix = "passphrase:";
constexpr absl::string_view kSalt = "swim passphrase v1";
// scrypt's cost: 2^16 blocks of 128 * r bytes, 64 MiB and a few tenths of
// a second once per start, and the same for every guess an attacker makes.
constexpr uint64_t kScryptN = 1 << 16;
constexpr uint64_t kScryptR = 8;
constexpr uint64_t kScryptP = 1;
constexpr size_t kScryptMaxMemory = 80 << 20;

bool IsKeySize(size_t size) { return size == 16 || size == 24 || size == 32; }

}  // namespace

std::string KeyFromPassphrase(absl::string_view passphrase,
                              absl::string_view label) {
  const std::string salt = absl::StrCat(kSalt, std::string(1, '\0'), label);
  std::string key(32, '\0');
  if (!crypto::Scrypt(
          passphrase,
          absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(salt.data()),
                              salt.size()),
          kScryptN, kScryptR, kScryptP, kScryptMaxMemory,
          absl::MakeSpan(reinterpret_cast<uint8_t*>(key.data()), key.size()))) {
    crypto::CleanseString(key);
    return "";  // out of memory
  }
  return key;
}

absl::StatusOr<ClusterKeys> ParseClusterKeys(absl::string_view secret,
                                             absl::string_view label,
                                             absl::string_view source) {
  ClusterKeys out;
  // Keys parsed before a refusal leave no copy (on success they move out
  // first).
  absl::Cleanup wipe_keys = [&out] { crypto::CleanseStrings(out.keys); };
  int index = 0;
  for (absl::string_view item : absl::StrSplit(secret, ',')) {
    ++index;
    item = absl::StripAsciiWhitespace(item);
    const std::string which = absl::StrContains(secret, ',')
                                  ? absl::StrCat("key ", index, " of ")
                                  : "";
    if (item.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(which, source,
                       " is empty; generate a key with "
                       "swim-keygen"));
    }
    if (absl::ConsumePrefix(&item, kPassphrasePrefix)) {
      if (item.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            which, source, ": \"passphrase:\" needs the passphrase after it"));
      }
      std::string key = KeyFromPassphrase(item, label);
      if (key.empty()) {
        return absl::ResourceExhaustedError(
            "not enough memory to stretch the passphrase (scrypt, 64 MiB)");
      }
      out.keys.push_back(std::move(key));
      out.passphrase = true;
      continue;
    }
    std::string key;
    if (!absl::Base64Unescape(item, &key) || !IsKeySize(key.size())) {
      crypto::CleanseString(key);  // a failed decode may leave bytes
      return absl::InvalidArgumentError(absl::StrCat(
          which, source,
          " is not a key: a key is the base64 of 16, 24 or 32 random bytes "
          "(generate one with swim-keygen). A passphrase a person chose "
          "must be written passphrase:TEXT, and is weaker: anyone who "
          "captures a packet can try passphrases offline"));
    }
    out.keys.push_back(std::move(key));
  }
  return out;
}

absl::StatusOr<std::string> GenerateKey(size_t bytes) {
  if (!IsKeySize(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("a key has 16, 24 or 32 bytes, not ", bytes));
  }
  std::string key(bytes, '\0');
  if (!crypto::RandomBytes(
          absl::MakeSpan(reinterpret_cast<uint8_t*>(key.data()), key.size()))) {
    return absl::InternalError("the system's random source failed");
  }
  std::string encoded = absl::Base64Escape(key);
  crypto::Cleanse(key.data(), key.size());
  return encoded;
}

}  // namespace swim

#include "swim/core/keyring.h"

#include <openssl/digest.h>
#include <openssl/hkdf.h>
#include <openssl/mem.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace swim {
namespace {

constexpr absl::string_view kAeadInfo = "swim v1 aes-256-gcm";
constexpr absl::string_view kMacInfo = "swim v1 hmac-sha256";

bool Derive(absl::string_view secret, absl::string_view info, uint8_t* out,
            size_t out_len) {
  return HKDF(out, out_len, EVP_sha256(),
              reinterpret_cast<const uint8_t*>(secret.data()), secret.size(),
              /*salt=*/nullptr, 0,
              reinterpret_cast<const uint8_t*>(info.data()), info.size()) == 1;
}

absl::StatusOr<std::unique_ptr<Keyring::Key>> MakeKey(
    absl::string_view secret) {
  if (absl::Status status = Keyring::ValidateSecret(secret); !status.ok()) {
    return status;
  }
  auto key = std::make_unique<Keyring::Key>();
  key->secret = std::string(secret);
  uint8_t aead_key[32];
  uint8_t mac_key[32];
  const bool derived = Derive(secret, kAeadInfo, aead_key, sizeof(aead_key)) &&
                       Derive(secret, kMacInfo, mac_key, sizeof(mac_key));
  const bool initialized =
      derived &&
      EVP_AEAD_CTX_init(key->aead.get(), EVP_aead_aes_256_gcm(), aead_key,
                        sizeof(aead_key), EVP_AEAD_DEFAULT_TAG_LENGTH,
                        nullptr) == 1 &&
      HMAC_Init_ex(key->mac.get(), mac_key, sizeof(mac_key), EVP_sha256(),
                   nullptr) == 1;
  OPENSSL_cleanse(aead_key, sizeof(aead_key));
  OPENSSL_cleanse(mac_key, sizeof(mac_key));
  if (!initialized) {
    return absl::InternalError("BoringSSL failed to set up a key");
  }
  return key;
}

}  // namespace

absl::Status Keyring::ValidateSecret(absl::string_view secret) {
  if (secret.size() != 16 && secret.size() != 24 && secret.size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a key must be 16, 24 or 32 bytes, this one is ", secret.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Keyring> Keyring::Create(
    const std::vector<std::string>& secrets) {
  if (secrets.empty()) {
    return absl::InvalidArgumentError("a keyring needs at least one key");
  }
  Keyring keyring;
  for (const std::string& secret : secrets) {
    if (absl::Status status = keyring.Add(secret); !status.ok()) return status;
  }
  return keyring;
}

int Keyring::Find(absl::string_view secret) const {
  for (size_t i = 0; i < keys_.size(); ++i) {
    const std::string& installed = keys_[i]->secret;
    if (installed.size() == secret.size() &&
        CRYPTO_memcmp(installed.data(), secret.data(), secret.size()) == 0) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

absl::Status Keyring::Add(absl::string_view secret) {
  if (Find(secret) >= 0) {
    return absl::AlreadyExistsError("the key is already installed");
  }
  absl::StatusOr<std::unique_ptr<Key>> key = MakeKey(secret);
  if (!key.ok()) return key.status();
  keys_.push_back(*std::move(key));
  return absl::OkStatus();
}

absl::Status Keyring::Use(absl::string_view secret) {
  const int index = Find(secret);
  if (index < 0) {
    return absl::NotFoundError("the key is not installed; Add it first");
  }
  std::rotate(keys_.begin(), keys_.begin() + index, keys_.begin() + index + 1);
  return absl::OkStatus();
}

absl::Status Keyring::Remove(absl::string_view secret) {
  const int index = Find(secret);
  if (index < 0) return absl::NotFoundError("the key is not installed");
  if (index == 0) {
    return absl::FailedPreconditionError(
        "the primary key cannot be removed; Use another key first");
  }
  keys_.erase(keys_.begin() + index);
  return absl::OkStatus();
}

}  // namespace swim

#include "swim/core/keyring.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/core/crypto.h"

namespace swim {
namespace {

constexpr absl::string_view kAeadInfo = "swim v1 aes-256-gcm";
constexpr absl::string_view kMacInfo = "swim v1 hmac-sha256";

bool Derive(absl::string_view secret, absl::string_view info,
            absl::Span<uint8_t> out) {
  return crypto::HkdfSha256(
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(secret.data()),
                          secret.size()),
      /*salt=*/{}, info, out);
}

absl::StatusOr<std::unique_ptr<Keyring::Key>> MakeKey(
    absl::string_view secret) {
  if (absl::Status status = Keyring::ValidateSecret(secret); !status.ok()) {
    return status;
  }
  auto key = std::make_unique<Keyring::Key>();
  key->secret = std::string(secret);
  uint8_t aead_key[crypto::kKeySize];
  uint8_t mac_key[crypto::kKeySize];
  const bool initialized = Derive(secret, kAeadInfo, aead_key) &&
                           Derive(secret, kMacInfo, mac_key) &&
                           key->aead.Init(aead_key) && key->mac.Init(mac_key);
  crypto::Cleanse(aead_key, sizeof(aead_key));
  crypto::Cleanse(mac_key, sizeof(mac_key));
  if (!initialized) {
    return absl::InternalError(
        absl::StrCat(crypto::BackendName(), " failed to set up a key"));
  }
  return key;
}

}  // namespace

Keyring::Key::~Key() { crypto::CleanseString(secret); }

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
        crypto::ConstantTimeEqual(installed.data(), secret.data(),
                                  secret.size())) {
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

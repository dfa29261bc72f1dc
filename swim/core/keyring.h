#ifndef SWIM_CORE_KEYRING_H_
#define SWIM_CORE_KEYRING_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "swim/core/crypto.h"

namespace swim {

// The shared secrets of a cluster. The primary key (the first) seals
// outgoing packets; every key opens incoming ones, so keys rotate without
// downtime: Add the new key on every member, then Use it on every member,
// then Remove the old one.
//
// Each secret is 16, 24 or 32 bytes. Whatever its size, the keys actually
// used are derived with HKDF-SHA256, one per purpose (AES-256-GCM, HMAC),
// so a short secret still gets AES-256 and the two modes never share a key.
class Keyring {
 public:
  // One installed secret with the keys derived from it. Destroying it (on
  // Remove, or with the keyring) wipes the secret and the derived keys.
  struct Key {
    ~Key();
    std::string secret;
    crypto::AesGcm aead;
    // Keyed once: each packet starts from the keyed state instead of
    // re-keying, which saves two SHA-256 blocks per packet.
    crypto::HmacSha256 mac;
  };

  // An empty keyring (only useful with the plaintext envelope mode).
  Keyring() = default;
  Keyring(Keyring&&) = default;
  Keyring& operator=(Keyring&&) = default;

  // `secrets.front()` becomes the primary key.
  static absl::StatusOr<Keyring> Create(
      const std::vector<std::string>& secrets);

  // Installs a secret that opens packets (not yet used to seal).
  absl::Status Add(absl::string_view secret);
  // Makes an installed secret the primary key.
  absl::Status Use(absl::string_view secret);
  // Uninstalls a secret. The primary key cannot be removed; Use another first.
  absl::Status Remove(absl::string_view secret);

  // Uninstalls every key, wiping each (Node::WipeKeys).
  void Clear() { keys_.clear(); }

  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }
  // Primary first. Requires !empty() for primary().
  const Key& primary() const { return *keys_.front(); }
  const std::vector<std::unique_ptr<Key>>& keys() const { return keys_; }

  static absl::Status ValidateSecret(absl::string_view secret);

 private:
  int Find(absl::string_view secret) const;

  std::vector<std::unique_ptr<Key>> keys_;
};

}  // namespace swim

#endif  // SWIM_CORE_KEYRING_H_

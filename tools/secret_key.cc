#include "tools/secret_key.h"

#include <openssl/sha.h>

#include <cstdint>

namespace swim::tools {

std::string KeyFromSecret(absl::string_view secret) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(secret.data()), secret.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace swim::tools

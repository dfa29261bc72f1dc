// The parts of the crypto interface that BoringSSL and OpenSSL 3 spell the
// same way; compiled against whichever library the build uses.

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "swim/core/crypto.h"

namespace swim::crypto {

bool Scrypt(absl::string_view password, absl::Span<const uint8_t> salt,
            uint64_t n, uint64_t r, uint64_t p, size_t max_memory,
            absl::Span<uint8_t> out) {
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(),
                        salt.size(), n, r, p, max_memory, out.data(),
                        out.size()) == 1;
}

void Cleanse(void* data, size_t size) { OPENSSL_cleanse(data, size); }

void CleanseString(std::string& secret) {
  // Growing to the capacity neither moves nor reallocates the buffer.
  secret.resize(secret.capacity());
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

void CleanseStrings(std::vector<std::string>& secrets) {
  for (std::string& secret : secrets) CleanseString(secret);
  secrets.clear();
}

bool ConstantTimeEqual(const void* a, const void* b, size_t size) {
  return CRYPTO_memcmp(a, b, size) == 0;
}

}  // namespace swim::crypto

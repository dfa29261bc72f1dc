// The crypto interface on OpenSSL 3 (libssl-dev on Debian), selected with
// the CMake option SWIM_CRYPTO=openssl.
//
// HMAC-SHA256 is built on the low-level SHA-256 functions: OpenSSL 3.0's
// EVP_MAC and EVP_MD contexts allocate whenever they are copied or reset,
// and a tag per packet must not allocate. They are deprecated in 3.0 but
// still part of its API.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "swim/core/crypto.h"

namespace swim::crypto {
namespace {

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

constexpr size_t kSha256BlockSize = 64;

}  // namespace

absl::string_view BackendName() {
  static const std::string* const name = new std::string(
      absl::StrCat("OpenSSL ", OpenSSL_version(OPENSSL_VERSION_STRING)));
  return *name;
}

bool HkdfSha256(absl::Span<const uint8_t> secret,
                absl::Span<const uint8_t> salt, absl::string_view info,
                absl::Span<uint8_t> out) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  if (kdf == nullptr) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return false;
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  OSSL_PARAM* param = params;
  *param++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  *param++ = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size());
  if (!salt.empty()) {
    *param++ = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size());
  }
  if (!info.empty()) {
    *param++ = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size());
  }
  *param = OSSL_PARAM_construct_end();
  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

bool RandomBytes(absl::Span<uint8_t> out) {
  while (!out.empty()) {
    const size_t chunk = std::min<size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) return false;
    out.remove_prefix(chunk);
  }
  return true;
}

// --- AesGcm -----------------------------------------------------------------

// One keyed context per direction: re-initializing with only a new nonce
// keeps the key schedule and does not allocate.
struct AesGcm::State {
  CipherContext seal{EVP_CIPHER_CTX_new()};
  CipherContext open{EVP_CIPHER_CTX_new()};
};

AesGcm::AesGcm() = default;
AesGcm::~AesGcm() = default;
AesGcm::AesGcm(AesGcm&&) noexcept = default;
AesGcm& AesGcm::operator=(AesGcm&&) noexcept = default;

bool AesGcm::Init(absl::Span<const uint8_t> key) {
  if (key.size() != kKeySize) return false;
  auto state = std::make_unique<State>();
  if (state->seal == nullptr || state->open == nullptr ||
      EVP_EncryptInit_ex(state->seal.get(), EVP_aes_256_gcm(), nullptr,
                         key.data(), nullptr) != 1 ||
      EVP_DecryptInit_ex(state->open.get(), EVP_aes_256_gcm(), nullptr,
                         key.data(), nullptr) != 1) {
    return false;
  }
  state_ = std::move(state);
  return true;
}

bool AesGcm::Seal(const uint8_t* nonce, absl::Span<const uint8_t> plaintext,
                  absl::Span<const uint8_t> aad, uint8_t* out) const {
  if (state_ == nullptr) return false;
  EVP_CIPHER_CTX* ctx = state_->seal.get();
  int length = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) != 1) {
    return false;
  }
  if (!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &length, aad.data(),
                                        static_cast<int>(aad.size())) != 1) {
    return false;
  }
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx, out, &length, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1) {
      return false;
    }
    written = length;
  }
  if (EVP_EncryptFinal_ex(ctx, out + written, &length) != 1) return false;
  written += length;
  if (static_cast<size_t>(written) != plaintext.size()) return false;
  return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kGcmTagSize,
                             out + written) == 1;
}

bool AesGcm::Open(const uint8_t* nonce, absl::Span<const uint8_t> sealed,
                  absl::Span<const uint8_t> aad, uint8_t* out) const {
  if (state_ == nullptr || sealed.size() < kGcmTagSize) return false;
  EVP_CIPHER_CTX* ctx = state_->open.get();
  const size_t plaintext_size = sealed.size() - kGcmTagSize;
  uint8_t tag[kGcmTagSize];
  std::memcpy(tag, sealed.data() + plaintext_size, kGcmTagSize);
  int length = 0;
  int written = 0;
  bool ok =
      EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
      (aad.empty() || EVP_DecryptUpdate(ctx, nullptr, &length, aad.data(),
                                        static_cast<int>(aad.size())) == 1);
  if (ok && plaintext_size > 0) {
    ok = EVP_DecryptUpdate(ctx, out, &length, sealed.data(),
                           static_cast<int>(plaintext_size)) == 1;
    written = length;
  }
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) == 1 &&
       EVP_DecryptFinal_ex(ctx, out + written, &length) == 1 &&
       static_cast<size_t>(written + length) == plaintext_size;
  if (!ok) OPENSSL_cleanse(out, plaintext_size);
  return ok;
}

// --- HmacSha256 -------------------------------------------------------------

// HMAC(K, m) = H((K ^ opad) | H((K ^ ipad) | m)) (RFC 2104), with both pad
// blocks hashed once at Init and the states copied per tag.
struct HmacSha256::State {
  // Wiped however it goes: on destruction, a move-assignment over it or a
  // second Init.
  ~State() { OPENSSL_cleanse(this, sizeof(*this)); }
  SHA256_CTX inner;
  SHA256_CTX outer;
};

HmacSha256::HmacSha256() = default;
HmacSha256::~HmacSha256() = default;
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;

bool HmacSha256::Init(absl::Span<const uint8_t> key) {
  uint8_t block[kSha256BlockSize] = {};
  if (key.size() > kSha256BlockSize) {
    SHA256(key.data(), key.size(), block);
  } else if (!key.empty()) {
    std::memcpy(block, key.data(), key.size());
  }
  auto state = std::make_unique<State>();
  uint8_t pad[kSha256BlockSize];
  for (size_t i = 0; i < kSha256BlockSize; ++i) pad[i] = block[i] ^ 0x36;
  bool ok = SHA256_Init(&state->inner) == 1 &&
            SHA256_Update(&state->inner, pad, sizeof(pad)) == 1;
  for (size_t i = 0; i < kSha256BlockSize; ++i) pad[i] = block[i] ^ 0x5c;
  ok = ok && SHA256_Init(&state->outer) == 1 &&
       SHA256_Update(&state->outer, pad, sizeof(pad)) == 1;
  OPENSSL_cleanse(block, sizeof(block));
  OPENSSL_cleanse(pad, sizeof(pad));
  if (!ok) return false;
  state_ = std::move(state);
  return true;
}

void HmacSha256::Compute(absl::Span<const uint8_t> first,
                         absl::Span<const uint8_t> second, uint8_t* tag) const {
  uint8_t inner_hash[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx = state_->inner;
  SHA256_Update(&ctx, first.data(), first.size());
  SHA256_Update(&ctx, second.data(), second.size());
  SHA256_Final(inner_hash, &ctx);
  ctx = state_->outer;
  SHA256_Update(&ctx, inner_hash, sizeof(inner_hash));
  SHA256_Final(tag, &ctx);
  OPENSSL_cleanse(&ctx, sizeof(ctx));
}

// --- AesBlock ---------------------------------------------------------------

struct AesBlock::State {
  CipherContext ctx{EVP_CIPHER_CTX_new()};
};

AesBlock::AesBlock() = default;
AesBlock::~AesBlock() = default;
AesBlock::AesBlock(AesBlock&&) noexcept = default;
AesBlock& AesBlock::operator=(AesBlock&&) noexcept = default;

bool AesBlock::Init(absl::Span<const uint8_t> key) {
  if (key.size() != kKeySize) return false;
  auto state = std::make_unique<State>();
  if (state->ctx == nullptr ||
      EVP_EncryptInit_ex(state->ctx.get(), EVP_aes_256_ecb(), nullptr,
                         key.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(state->ctx.get(), 0) != 1) {
    return false;
  }
  state_ = std::move(state);
  return true;
}

void AesBlock::Encrypt(const uint8_t* in, uint8_t* out) const {
  int length = 0;
  EVP_EncryptUpdate(state_->ctx.get(), out, &length, in, kBlockSize);
}

}  // namespace swim::crypto

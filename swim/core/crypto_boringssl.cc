// The crypto interface on BoringSSL (android-libboringssl-dev on Debian).

#include <openssl/aead.h>
#include <openssl/aes.h>
#include <openssl/digest.h>
#include <openssl/hkdf.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/rand.h>

#include "swim/core/crypto.h"

namespace swim::crypto {

absl::string_view BackendName() { return "BoringSSL"; }

bool HkdfSha256(absl::Span<const uint8_t> secret,
                absl::Span<const uint8_t> salt, absl::string_view info,
                absl::Span<uint8_t> out) {
  return HKDF(out.data(), out.size(), EVP_sha256(), secret.data(),
              secret.size(), salt.data(), salt.size(),
              reinterpret_cast<const uint8_t*>(info.data()), info.size()) == 1;
}

bool RandomBytes(absl::Span<uint8_t> out) {
  return RAND_bytes(out.data(), out.size()) == 1;
}

// --- AesGcm -----------------------------------------------------------------

struct AesGcm::State {
  // EVP_AEAD_CTX keeps AES-GCM's key schedule inline and its cleanup leaves
  // it there: wipe it before the memory is freed.
  ~State() {
    EVP_AEAD_CTX_cleanup(ctx.get());
    OPENSSL_cleanse(ctx.get(), sizeof(EVP_AEAD_CTX));
  }
  bssl::ScopedEVP_AEAD_CTX ctx;
};

AesGcm::AesGcm() = default;
AesGcm::~AesGcm() = default;
AesGcm::AesGcm(AesGcm&&) noexcept = default;
AesGcm& AesGcm::operator=(AesGcm&&) noexcept = default;

bool AesGcm::Init(absl::Span<const uint8_t> key) {
  if (key.size() != kKeySize) return false;
  state_ = std::make_unique<State>();
  if (EVP_AEAD_CTX_init(state_->ctx.get(), EVP_aead_aes_256_gcm(), key.data(),
                        key.size(), kGcmTagSize, nullptr) != 1) {
    state_.reset();
    return false;
  }
  return true;
}

bool AesGcm::Seal(const uint8_t* nonce, absl::Span<const uint8_t> plaintext,
                  absl::Span<const uint8_t> aad, uint8_t* out) const {
  if (state_ == nullptr) return false;
  size_t written = 0;
  return EVP_AEAD_CTX_seal(state_->ctx.get(), out, &written,
                           plaintext.size() + kGcmTagSize, nonce, kNonceSize,
                           plaintext.data(), plaintext.size(), aad.data(),
                           aad.size()) == 1 &&
         written == plaintext.size() + kGcmTagSize;
}

bool AesGcm::Open(const uint8_t* nonce, absl::Span<const uint8_t> sealed,
                  absl::Span<const uint8_t> aad, uint8_t* out) const {
  if (state_ == nullptr || sealed.size() < kGcmTagSize) return false;
  const size_t plaintext_size = sealed.size() - kGcmTagSize;
  size_t written = 0;
  if (EVP_AEAD_CTX_open(state_->ctx.get(), out, &written, plaintext_size, nonce,
                        kNonceSize, sealed.data(), sealed.size(), aad.data(),
                        aad.size()) == 1 &&
      written == plaintext_size) {
    return true;
  }
  OPENSSL_cleanse(out, plaintext_size);
  return false;
}

// --- HmacSha256 -------------------------------------------------------------

struct HmacSha256::State {
  bssl::ScopedHMAC_CTX keyed;
  // Copying the keyed context into a context of the same digest reuses its
  // state buffer, so a tag does not allocate.
  bssl::ScopedHMAC_CTX scratch;
};

HmacSha256::HmacSha256() = default;
HmacSha256::~HmacSha256() = default;
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;

bool HmacSha256::Init(absl::Span<const uint8_t> key) {
  state_ = std::make_unique<State>();
  if (HMAC_Init_ex(state_->keyed.get(), key.data(), key.size(), EVP_sha256(),
                   nullptr) != 1) {
    state_.reset();
    return false;
  }
  return true;
}

void HmacSha256::Compute(absl::Span<const uint8_t> first,
                         absl::Span<const uint8_t> second, uint8_t* tag) const {
  HMAC_CTX* scratch = state_->scratch.get();
  unsigned int tag_length = 0;
  HMAC_CTX_copy_ex(scratch, state_->keyed.get());
  HMAC_Update(scratch, first.data(), first.size());
  HMAC_Update(scratch, second.data(), second.size());
  HMAC_Final(scratch, tag, &tag_length);
}

// --- AesBlock ---------------------------------------------------------------

struct AesBlock::State {
  AES_KEY key;
};

AesBlock::AesBlock() = default;
AesBlock::~AesBlock() = default;
AesBlock::AesBlock(AesBlock&&) noexcept = default;
AesBlock& AesBlock::operator=(AesBlock&&) noexcept = default;

bool AesBlock::Init(absl::Span<const uint8_t> key) {
  if (key.size() != kKeySize) return false;
  state_ = std::make_unique<State>();
  return AES_set_encrypt_key(key.data(), 256, &state_->key) == 0;
}

void AesBlock::Encrypt(const uint8_t* in, uint8_t* out) const {
  AES_encrypt(in, out, &state_->key);
}

}  // namespace swim::crypto

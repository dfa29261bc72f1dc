#ifndef SWIM_CORE_CRYPTO_H_
#define SWIM_CORE_CRYPTO_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

// The cryptography swim uses, behind one small interface with two
// implementations: crypto_boringssl.cc (the default, and the only one the
// Bazel build compiles) and crypto_openssl.cc (OpenSSL 3, selected with the
// CMake option SWIM_CRYPTO=openssl). Nothing else in swim includes a crypto
// library's header, so the two are interchangeable: for the same keys and
// nonces they produce the same bytes (crypto_interop_test).
//
// Keyed objects are keyed once and then used for many packets without
// allocating. They are not thread-safe: like the Node that owns them, one
// thread at a time.
namespace swim::crypto {

inline constexpr size_t kKeySize = 32;     // AES-256 and HMAC keys
inline constexpr size_t kNonceSize = 12;   // AES-GCM nonce
inline constexpr size_t kGcmTagSize = 16;  // AES-GCM tag
inline constexpr size_t kHmacSize = 32;    // HMAC-SHA256 tag
inline constexpr size_t kBlockSize = 16;   // one AES block

// The library behind this build, e.g. "BoringSSL" or "OpenSSL 3.0.19".
absl::string_view BackendName();

// HKDF-SHA256 (RFC 5869) of `secret` with `salt` (may be empty) and
// `info`, filling `out` (at most 255 * 32 bytes). False on failure.
bool HkdfSha256(absl::Span<const uint8_t> secret,
                absl::Span<const uint8_t> salt, absl::string_view info,
                absl::Span<uint8_t> out);

// scrypt (RFC 7914) with cost n (a power of two), r, p, using at most
// `max_memory` bytes. False when the parameters need more memory or are
// invalid.
bool Scrypt(absl::string_view password, absl::Span<const uint8_t> salt,
            uint64_t n, uint64_t r, uint64_t p, size_t max_memory,
            absl::Span<uint8_t> out);

// Fills `out` from the operating system's CSPRNG. False on failure.
bool RandomBytes(absl::Span<uint8_t> out);

// Overwrites `size` bytes at `data` in a way the compiler cannot elide.
void Cleanse(void* data, size_t size);

// Overwrites every byte `secret` holds (its whole capacity, not only its
// size), then empties it; for secrets kept in a std::string.
void CleanseString(std::string& secret);
// CleanseString on each, then empties the vector.
void CleanseStrings(std::vector<std::string>& secrets);

// Compares in time that depends only on `size`.
bool ConstantTimeEqual(const void* a, const void* b, size_t size);

// AES-256-GCM with a 16-byte tag, keyed once.
class AesGcm {
 public:
  AesGcm();
  ~AesGcm();
  AesGcm(AesGcm&&) noexcept;
  AesGcm& operator=(AesGcm&&) noexcept;

  // Keys it with a 32-byte key. False on failure (then unusable).
  bool Init(absl::Span<const uint8_t> key);

  // Writes ciphertext | tag (plaintext.size() + kGcmTagSize bytes) to
  // `out`, which must not overlap the inputs. `nonce` is kNonceSize bytes.
  bool Seal(const uint8_t* nonce, absl::Span<const uint8_t> plaintext,
            absl::Span<const uint8_t> aad, uint8_t* out) const;

  // Authenticates ciphertext | tag (`sealed`, at least kGcmTagSize bytes)
  // and writes the sealed.size() - kGcmTagSize bytes of plaintext to `out`.
  // False, with `out` wiped, when authentication fails.
  bool Open(const uint8_t* nonce, absl::Span<const uint8_t> sealed,
            absl::Span<const uint8_t> aad, uint8_t* out) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HMAC-SHA256, keyed once: each tag starts from the keyed state instead of
// hashing the key again.
class HmacSha256 {
 public:
  HmacSha256();
  ~HmacSha256();
  HmacSha256(HmacSha256&&) noexcept;
  HmacSha256& operator=(HmacSha256&&) noexcept;

  bool Init(absl::Span<const uint8_t> key);

  // The tag of first | second (kHmacSize bytes into `tag`).
  void Compute(absl::Span<const uint8_t> first,
               absl::Span<const uint8_t> second, uint8_t* tag) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// AES-256 on single blocks (the envelope's nonce sequence).
class AesBlock {
 public:
  AesBlock();
  ~AesBlock();
  AesBlock(AesBlock&&) noexcept;
  AesBlock& operator=(AesBlock&&) noexcept;

  bool Init(absl::Span<const uint8_t> key);

  // Encrypts kBlockSize bytes from `in` to `out`.
  void Encrypt(const uint8_t* in, uint8_t* out) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace swim::crypto

#endif  // SWIM_CORE_CRYPTO_H_

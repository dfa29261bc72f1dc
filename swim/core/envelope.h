#ifndef SWIM_CORE_ENVELOPE_H_
#define SWIM_CORE_ENVELOPE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "swim/core/crypto.h"
#include "swim/core/keyring.h"
#include "swim/core/security_mode.h"

namespace swim {

struct EnvelopeConfig {
  SecurityMode mode = SecurityMode::kEncrypted;
  // Binds packets to one cluster: members with different labels ignore each
  // other even when they share a key. At most 255 bytes; may be empty.
  std::string label;
  // Seeds the AES-GCM nonce sequence. Must differ between processes that
  // share a key: drivers fill it from the operating system's CSPRNG; the
  // simulator derives it from its seed so runs replay exactly.
  std::array<uint8_t, 32> nonce_seed = {};
};

// Seals outgoing packets and opens incoming ones (docs/wire.md, "Envelope").
// Layout: mode (1 byte) | label length (1) | label | body, where the body
// is the packet in plaintext mode, packet | HMAC-SHA256 tag (32) in
// authenticated mode, and nonce (12) | ciphertext | GCM tag (16) in
// encrypted mode. The mode byte and label are authenticated in both secure
// modes.
class Envelope {
 public:
  static constexpr size_t kMaxLabelLength = 255;
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kGcmTagSize = 16;
  static constexpr size_t kHmacTagSize = 32;

  // Fails on a label over 255 bytes, or a secure mode with an empty keyring
  // (InvalidArgument), or when the crypto library cannot set up the nonce
  // key (Internal: out of memory).
  static absl::StatusOr<Envelope> Create(EnvelopeConfig config,
                                         Keyring keyring);

  Envelope(Envelope&&) = default;
  Envelope& operator=(Envelope&&) = default;

  SecurityMode mode() const { return mode_; }
  const std::string& label() const { return label_; }
  Keyring& keyring() { return keyring_; }
  const Keyring& keyring() const { return keyring_; }

  // Bytes Seal adds to a packet.
  size_t Overhead() const;

  // Writes the sealed form of `packet` into `out` and returns its size.
  // ResourceExhausted (nothing written) when `out` is smaller than
  // packet.size() + Overhead(). `out` must not overlap `packet`.
  //
  // Nonces: the n-th sealed packet uses the first 12 bytes of
  // AES-256(nonce key, n), where the nonce key is derived from nonce_seed.
  // AES is a permutation, so one Envelope never repeats a nonce within 2^64
  // packets except by a 96-bit truncation collision; across processes the
  // sequences are independent as long as their seeds are, which makes them
  // as safe as random nonces (collision chance about n^2 / 2^97 for n
  // packets under one key), yet reproducible in simulation.
  absl::StatusOr<size_t> Seal(absl::Span<const uint8_t> packet,
                              absl::Span<uint8_t> out);

  // Authenticates (and decrypts) `sealed`. Returns the packet: a view into
  // `sealed` in plaintext and authenticated modes, into `scratch` (which
  // must hold sealed.size() bytes) in encrypted mode. On failure returns an
  // error whose message says why, and sets `*drop` to the reason.
  absl::StatusOr<absl::Span<const uint8_t>> Open(
      absl::Span<const uint8_t> sealed, absl::Span<uint8_t> scratch,
      EnvelopeDrop* drop = nullptr) const;

 private:
  Envelope(SecurityMode mode, std::string label, Keyring keyring,
           crypto::AesBlock nonce_key);
  size_t HeaderSize() const { return 2 + label_.size(); }
  void NextNonce(uint8_t* nonce);

  SecurityMode mode_;
  std::string label_;
  Keyring keyring_;
  crypto::AesBlock nonce_key_;
  uint64_t nonce_counter_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_ENVELOPE_H_

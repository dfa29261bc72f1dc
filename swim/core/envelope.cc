#include "swim/core/envelope.h"

#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "swim/core/crypto.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

constexpr absl::string_view kNonceInfo = "swim v1 gcm nonce";

bool IsKnownMode(uint8_t value) {
  return value >= static_cast<uint8_t>(SecurityMode::kPlaintext) &&
         value <= static_cast<uint8_t>(SecurityMode::kEncrypted);
}

absl::Status Reject(EnvelopeDrop reason, EnvelopeDrop* drop,
                    absl::string_view message) {
  if (drop != nullptr) *drop = reason;
  return absl::InvalidArgumentError(
      absl::StrCat("envelope: ", EnvelopeDropName(reason), ": ", message));
}

}  // namespace

absl::StatusOr<Envelope> Envelope::Create(EnvelopeConfig config,
                                          Keyring keyring) {
  if (!IsKnownMode(static_cast<uint8_t>(config.mode))) {
    return absl::InvalidArgumentError("unknown security mode");
  }
  if (config.label.size() > kMaxLabelLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("cluster label is ", config.label.size(),
                     " bytes, the limit is ", kMaxLabelLength));
  }
  if (config.mode != SecurityMode::kPlaintext && keyring.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        SecurityModeName(config.mode),
        " mode needs at least one key; give a key, or choose "
        "SecurityMode::kPlaintext explicitly to run without protection"));
  }
  uint8_t key[crypto::kKeySize];
  crypto::AesBlock nonce_key;
  const bool keyed =
      crypto::HkdfSha256(config.nonce_seed, /*salt=*/{}, kNonceInfo, key) &&
      nonce_key.Init(key);
  crypto::Cleanse(key, sizeof(key));
  if (!keyed) {
    return absl::InternalError(
        absl::StrCat(crypto::BackendName(), " failed to set up the nonce key"));
  }
  return Envelope(config.mode, std::move(config.label), std::move(keyring),
                  std::move(nonce_key));
}

Envelope::Envelope(SecurityMode mode, std::string label, Keyring keyring,
                   crypto::AesBlock nonce_key)
    : mode_(mode),
      label_(std::move(label)),
      keyring_(std::move(keyring)),
      nonce_key_(std::move(nonce_key)) {}

size_t Envelope::Overhead() const {
  switch (mode_) {
    case SecurityMode::kPlaintext:
      return HeaderSize();
    case SecurityMode::kAuthenticated:
      return HeaderSize() + kHmacTagSize;
    case SecurityMode::kEncrypted:
      return HeaderSize() + kNonceSize + kGcmTagSize;
  }
  return HeaderSize();
}

void Envelope::NextNonce(uint8_t* nonce) {
  uint8_t block[16] = {};
  uint64_t counter = nonce_counter_++;
  for (int i = 15; i >= 8; --i) {
    block[i] = static_cast<uint8_t>(counter);
    counter >>= 8;
  }
  uint8_t encrypted[16];
  nonce_key_.Encrypt(block, encrypted);
  std::memcpy(nonce, encrypted, kNonceSize);
}

absl::StatusOr<size_t> Envelope::Seal(absl::Span<const uint8_t> packet,
                                      absl::Span<uint8_t> out) {
  const size_t sealed_size = packet.size() + Overhead();
  if (packet.size() > kMaxPacketSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "packet is ", packet.size(), " bytes, the limit is ", kMaxPacketSize));
  }
  if (out.size() < sealed_size) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "sealing needs ", sealed_size, " bytes, buffer holds ", out.size()));
  }
  uint8_t* cursor = out.data();
  *cursor++ = static_cast<uint8_t>(mode_);
  *cursor++ = static_cast<uint8_t>(label_.size());
  if (!label_.empty()) std::memcpy(cursor, label_.data(), label_.size());
  cursor += label_.size();
  const absl::Span<const uint8_t> header = out.first(HeaderSize());
  switch (mode_) {
    case SecurityMode::kPlaintext:
      if (!packet.empty()) std::memcpy(cursor, packet.data(), packet.size());
      break;
    case SecurityMode::kAuthenticated:
      if (!packet.empty()) std::memcpy(cursor, packet.data(), packet.size());
      keyring_.primary().mac.Compute(header, packet, cursor + packet.size());
      break;
    case SecurityMode::kEncrypted: {
      uint8_t* nonce = cursor;
      NextNonce(nonce);
      cursor += kNonceSize;
      if (!keyring_.primary().aead.Seal(nonce, packet, header, cursor)) {
        return absl::InternalError("AES-GCM seal failed");
      }
      break;
    }
  }
  return sealed_size;
}

absl::StatusOr<absl::Span<const uint8_t>> Envelope::Open(
    absl::Span<const uint8_t> sealed, absl::Span<uint8_t> scratch,
    EnvelopeDrop* drop) const {
  if (drop != nullptr) *drop = EnvelopeDrop::kNone;
  if (sealed.size() < 2) {
    return Reject(EnvelopeDrop::kTooShort, drop,
                  absl::StrCat(sealed.size(), " bytes"));
  }
  if (sealed.size() > kMaxPacketSize + Overhead()) {
    return Reject(EnvelopeDrop::kTooLarge, drop,
                  absl::StrCat(sealed.size(), " bytes"));
  }
  const uint8_t mode = sealed[0];
  if (!IsKnownMode(mode)) {
    return Reject(EnvelopeDrop::kUnknownMode, drop,
                  absl::StrCat("mode byte ", mode));
  }
  if (mode != static_cast<uint8_t>(mode_)) {
    return Reject(
        EnvelopeDrop::kWrongMode, drop,
        absl::StrCat("packet is ",
                     SecurityModeName(static_cast<SecurityMode>(mode)),
                     ", this cluster is ", SecurityModeName(mode_)));
  }
  const size_t label_length = sealed[1];
  if (sealed.size() < 2 + label_length) {
    return Reject(EnvelopeDrop::kTruncated, drop, "inside the label");
  }
  const absl::string_view label(
      reinterpret_cast<const char*>(sealed.data() + 2), label_length);
  if (label != label_) {
    return Reject(
        EnvelopeDrop::kWrongLabel, drop,
        absl::StrCat("label \"", absl::CHexEscape(label.substr(0, 64)),
                     "\" is not this cluster's"));
  }
  const absl::Span<const uint8_t> header = sealed.first(HeaderSize());
  const absl::Span<const uint8_t> body = sealed.subspan(HeaderSize());
  switch (mode_) {
    case SecurityMode::kPlaintext:
      return body;
    case SecurityMode::kAuthenticated: {
      if (body.size() < kHmacTagSize) {
        return Reject(EnvelopeDrop::kTruncated, drop,
                      absl::StrCat("body of ", body.size(),
                                   " bytes has no room for the tag"));
      }
      const absl::Span<const uint8_t> packet =
          body.first(body.size() - kHmacTagSize);
      const uint8_t* tag = body.data() + packet.size();
      for (const auto& key : keyring_.keys()) {
        uint8_t expected[kHmacTagSize];
        key->mac.Compute(header, packet, expected);
        if (crypto::ConstantTimeEqual(expected, tag, kHmacTagSize)) {
          return packet;
        }
      }
      return Reject(EnvelopeDrop::kAuthenticationFailed, drop,
                    "no installed key verifies the HMAC");
    }
    case SecurityMode::kEncrypted: {
      if (body.size() < kNonceSize + kGcmTagSize) {
        return Reject(EnvelopeDrop::kTruncated, drop,
                      absl::StrCat("body of ", body.size(),
                                   " bytes has no room for nonce and tag"));
      }
      const uint8_t* nonce = body.data();
      const absl::Span<const uint8_t> ciphertext = body.subspan(kNonceSize);
      const size_t plaintext_size = ciphertext.size() - kGcmTagSize;
      if (scratch.size() < plaintext_size) {
        return Reject(EnvelopeDrop::kBufferTooSmall, drop,
                      absl::StrCat("needs ", plaintext_size, " bytes, has ",
                                   scratch.size()));
      }
      for (const auto& key : keyring_.keys()) {
        if (key->aead.Open(nonce, ciphertext, header, scratch.data())) {
          return absl::Span<const uint8_t>(scratch.data(), plaintext_size);
        }
      }
      return Reject(EnvelopeDrop::kAuthenticationFailed, drop,
                    "no installed key decrypts the packet");
    }
  }
  return Reject(EnvelopeDrop::kUnknownMode, drop, "unreachable");
}

}  // namespace swim

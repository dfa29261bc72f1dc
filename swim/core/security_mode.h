#ifndef SWIM_CORE_SECURITY_MODE_H_
#define SWIM_CORE_SECURITY_MODE_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace swim {

// How packets are protected on the network. Every member of a cluster must
// use the same mode.
enum class SecurityMode : uint8_t {
  // No protection at all: anyone on the network can read and forge
  // membership. Only for trusted networks and debugging; never a default.
  kPlaintext = 1,
  // HMAC-SHA256 authentication, no secrecy: the Python swim-protocol's
  // model. Readable with a packet capture, which helps debugging.
  kAuthenticated = 2,
  // AES-256-GCM: encrypted and authenticated. The default.
  kEncrypted = 3,
};

absl::string_view SecurityModeName(SecurityMode mode);

// Why Open rejected a packet; a driver or Node counts these.
enum class EnvelopeDrop : uint8_t {
  kNone = 0,
  kTooShort,              // shorter than any envelope
  kTooLarge,              // longer than the largest packet plus overhead
  kUnknownMode,           // first byte names no known mode
  kWrongMode,             // a known mode, but not this cluster's
  kWrongLabel,            // another cluster's label
  kTruncated,             // too short for the mode's nonce and tag
  kAuthenticationFailed,  // wrong key, or a bit flipped anywhere
  kBufferTooSmall,        // the caller's scratch buffer is too small
};
inline constexpr int kEnvelopeDropCount = 9;

absl::string_view EnvelopeDropName(EnvelopeDrop drop);

}  // namespace swim

#endif  // SWIM_CORE_SECURITY_MODE_H_

#include "swim/core/security_mode.h"

namespace swim {

absl::string_view SecurityModeName(SecurityMode mode) {
  switch (mode) {
    case SecurityMode::kPlaintext:
      return "plaintext";
    case SecurityMode::kAuthenticated:
      return "authenticated";
    case SecurityMode::kEncrypted:
      return "encrypted";
  }
  return "unknown";
}

absl::string_view EnvelopeDropName(EnvelopeDrop drop) {
  switch (drop) {
    case EnvelopeDrop::kNone:
      return "none";
    case EnvelopeDrop::kTooShort:
      return "too-short";
    case EnvelopeDrop::kTooLarge:
      return "too-large";
    case EnvelopeDrop::kUnknownMode:
      return "unknown-mode";
    case EnvelopeDrop::kWrongMode:
      return "wrong-mode";
    case EnvelopeDrop::kWrongLabel:
      return "wrong-label";
    case EnvelopeDrop::kTruncated:
      return "truncated";
    case EnvelopeDrop::kAuthenticationFailed:
      return "authentication-failed";
    case EnvelopeDrop::kBufferTooSmall:
      return "buffer-too-small";
  }
  return "unknown";
}

}  // namespace swim

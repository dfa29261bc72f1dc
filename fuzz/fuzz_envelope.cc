#include "fuzz/fuzz_envelope.h"

#include <cstdlib>
#include <string>
#include <utility>

namespace swim::fuzzing {

Envelope MakeFuzzEnvelope(SecurityMode mode) {
  EnvelopeConfig config;
  config.mode = mode;
  config.label = "fuzz";
  Keyring keyring;
  if (mode != SecurityMode::kPlaintext) {
    absl::StatusOr<Keyring> created =
        Keyring::Create({std::string(32, 'k'), std::string(16, 'o')});
    if (!created.ok()) std::abort();
    keyring = *std::move(created);
  }
  absl::StatusOr<Envelope> envelope =
      Envelope::Create(config, std::move(keyring));
  if (!envelope.ok()) std::abort();
  return *std::move(envelope);
}

}  // namespace swim::fuzzing

#include "swim/drivers/net/node_identity.h"

#include <algorithm>
#include <cstring>

#include "absl/time/clock.h"
#include "swim/core/crypto.h"

namespace swim::net {

void CompleteIdentity(Config& config) {
  if (config.generation == 0) {
    config.generation = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  }
  if (config.seed == 0) {
    uint8_t bytes[sizeof(uint64_t)];
    (void)crypto::RandomBytes(bytes);
    std::memcpy(&config.seed, bytes, sizeof(bytes));
    if (config.seed == 0) config.seed = 1;
  }
  if (std::all_of(config.nonce_seed.begin(), config.nonce_seed.end(),
                  [](uint8_t byte) { return byte == 0; })) {
    (void)crypto::RandomBytes(absl::MakeSpan(config.nonce_seed));
  }
}

}  // namespace swim::net

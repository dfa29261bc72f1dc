#include "swim/drivers/net/node_identity.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "absl/time/clock.h"

namespace swim::net {

void CompleteIdentity(Config& config) {
  if (config.generation == 0) {
    config.generation = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  }
  if (config.seed == 0) {
    uint8_t bytes[sizeof(uint64_t)];
    RAND_bytes(bytes, sizeof(bytes));
    std::memcpy(&config.seed, bytes, sizeof(bytes));
    if (config.seed == 0) config.seed = 1;
  }
  if (std::all_of(config.nonce_seed.begin(), config.nonce_seed.end(),
                  [](uint8_t byte) { return byte == 0; })) {
    RAND_bytes(config.nonce_seed.data(), config.nonce_seed.size());
  }
}

}  // namespace swim::net

#include "swim/drivers/net/node_identity.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/time/clock.h"
#include "swim/core/crypto.h"

namespace swim::net {

absl::Status CompleteIdentity(Config& config) {
  const absl::Status failed = absl::InternalError(
      "the operating system's random source failed: cannot draw this "
      "member's seeds");
  if (config.seed == 0) {
    uint8_t bytes[sizeof(uint64_t)] = {};
    if (!crypto::RandomBytes(bytes)) return failed;
    uint64_t seed = 0;
    std::memcpy(&seed, bytes, sizeof(bytes));
    config.seed = seed == 0 ? 1 : seed;
  }
  if (std::all_of(config.nonce_seed.begin(), config.nonce_seed.end(),
                  [](uint8_t byte) { return byte == 0; })) {
    std::array<uint8_t, sizeof(config.nonce_seed)> drawn = {};
    if (!crypto::RandomBytes(absl::MakeSpan(drawn))) return failed;
    std::copy(drawn.begin(), drawn.end(), config.nonce_seed.begin());
  }
  if (config.generation == 0) {
    config.generation = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  }
  return absl::OkStatus();
}

}  // namespace swim::net

#ifndef SWIM_DRIVERS_NET_NODE_IDENTITY_H_
#define SWIM_DRIVERS_NET_NODE_IDENTITY_H_

#include "absl/status/status.h"
#include "swim/core/config.h"

namespace swim::net {

// Fills what a real process must supply and the user left unset: the
// generation (wall-clock microseconds at start, so a restarted member's
// claims win), the PRNG seed and the AES-GCM nonce seed (both from the
// operating system's CSPRNG, so no two processes share them). Internal if
// the CSPRNG fails (nothing is left half drawn).
absl::Status CompleteIdentity(Config& config);

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_NODE_IDENTITY_H_

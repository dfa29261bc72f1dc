#ifndef SWIM_CORE_CLUSTER_KEY_H_
#define SWIM_CORE_CLUSTER_KEY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace swim {

// The cluster's keys from the secret setting the programs take (SWIM_SECRET,
// the file SWIM_SECRET_FILE or --secret-file names): one or more items
// separated by commas, the first sealing and all opening (so keys rotate
// without downtime: add the new one second everywhere, move it first
// everywhere, then drop the old). Each item is either
//
//   - a key: standard base64 of 16, 24 or 32 random bytes, as swim-keygen
//     prints (the default; nothing can guess it), or
//   - "passphrase:TEXT": text a person chose, stretched with scrypt
//     (N = 2^16, r = 8, p = 1, salted with "swim passphrase v1" and the
//     cluster label) into a 32-byte key. Weaker: anyone who captures one
//     packet can try passphrases offline, at the cost of one scrypt each.
//
// Surrounding white space is ignored. Errors say what is wrong with which
// item, naming `source` (e.g. "SWIM_SECRET"), never the secret itself.
struct ClusterKeys {
  std::vector<std::string> keys;  // raw bytes, for swim::Config::keys
  bool passphrase = false;        // an item was a passphrase
};
absl::StatusOr<ClusterKeys> ParseClusterKeys(absl::string_view secret,
                                             absl::string_view label,
                                             absl::string_view source);

// The key a passphrase stretches to (see above).
std::string KeyFromPassphrase(absl::string_view passphrase,
                              absl::string_view label);

// A fresh key of `bytes` (16, 24 or 32) random bytes from the operating
// system, as base64.
absl::StatusOr<std::string> GenerateKey(size_t bytes = 32);

}  // namespace swim

#endif  // SWIM_CORE_CLUSTER_KEY_H_

#ifndef TOOLS_SECRET_KEY_H_
#define TOOLS_SECRET_KEY_H_

#include <string>

#include "absl/strings/string_view.h"

namespace swim::tools {

// The cluster key for a secret the user typed (--secret, SWIM_SECRET or
// the contents of SWIM_SECRET_FILE): SHA-256 of the secret's bytes, 32 raw
// bytes, which swim::Config::keys takes as an AES-256 secret. Any text
// works, so a generated secret can be pasted as base64
// (`head -c 32 /dev/urandom | base64`: the key then carries all 256 random
// bits), and every member that is given the same text gets the same key.
// Another implementation joins the cluster by hashing the same text.
std::string KeyFromSecret(absl::string_view secret);

}  // namespace swim::tools

#endif  // TOOLS_SECRET_KEY_H_

#ifndef FUZZ_FUZZ_ENVELOPE_H_
#define FUZZ_FUZZ_ENVELOPE_H_

#include "swim/core/envelope.h"

namespace swim::fuzzing {

// The envelope the envelope fuzzer opens with, and its seeds are sealed
// with: label "fuzz", keys of 32 x 'k' (primary) and 16 x 'o' in the secure
// modes. Sharing it lets seeds reach the fuzzer's success paths.
Envelope MakeFuzzEnvelope(SecurityMode mode);

}  // namespace swim::fuzzing

#endif  // FUZZ_FUZZ_ENVELOPE_H_

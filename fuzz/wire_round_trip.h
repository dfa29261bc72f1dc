#ifndef FUZZ_WIRE_ROUND_TRIP_H_
#define FUZZ_WIRE_ROUND_TRIP_H_

#include <cstddef>
#include <cstdint>

namespace swim::fuzzing {

// The wire fuzzers' property: decoding `data` is total (messages or an
// error, never a crash), and whatever decodes re-encodes to exactly the
// same bytes (the encoding is canonical) and decodes again to equal
// messages. Aborts otherwise.
void CheckWireRoundTrip(const uint8_t* data, size_t size);

}  // namespace swim::fuzzing

#endif  // FUZZ_WIRE_ROUND_TRIP_H_

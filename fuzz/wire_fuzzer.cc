// Fuzzes the wire decoder with libFuzzer's byte-level mutations. Property:
// decoding is total, and whatever decodes re-encodes to exactly the same
// bytes, because the encoding is canonical (minimal varints, sorted
// metadata, no free bits). The same for saved views, whose body is a
// packet. See also wire_structured_fuzzer.

#include <cstddef>
#include <cstdint>

#include "fuzz/wire_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swim::fuzzing::CheckWireRoundTrip(data, size);
  swim::fuzzing::CheckSavedViewRoundTrip(data, size);
  return 0;
}

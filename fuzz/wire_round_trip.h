#ifndef FUZZ_WIRE_ROUND_TRIP_H_
#define FUZZ_WIRE_ROUND_TRIP_H_

#include <cstddef>
#include <cstdint>

namespace swim::fuzzing {

// The wire fuzzers' property: decoding `data` is total (messages or an
// error, never a crash), and whatever decodes re-encodes to exactly the
// same bytes (the encoding is canonical) and decodes again to equal
// messages; compressed, it expands back to itself. A compressed packet
// expands within its bound or is refused, and what it holds is checked
// the same way. Aborts otherwise.
void CheckWireRoundTrip(const uint8_t* data, size_t size);

// The same for saved views (swim/core/saved_view.h): `data` decoded as a
// view file, and framed as one (checksum included, so the body's decoding
// is reached), is a view or an error; a view re-encodes to exactly the
// framed bytes. Aborts otherwise.
void CheckSavedViewRoundTrip(const uint8_t* data, size_t size);

}  // namespace swim::fuzzing

#endif  // FUZZ_WIRE_ROUND_TRIP_H_

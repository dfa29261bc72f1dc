#ifndef SWIM_CORE_COMPRESSION_H_
#define SWIM_CORE_COMPRESSION_H_

// Compressed packets (docs/wire.md, "Compressed packets"): wire version 2,
// a version-1 packet compressed with zlib. Only streams carry them; a member
// compresses the state exchanges it sends (push-pull), the bulk of its
// stream bytes, when that makes them smaller.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "swim/core/wire.h"

namespace swim {

// kCompressedWireVersion (wire.h) is the version byte of its header.

// How the data of a compressed packet is compressed.
enum class Compression : uint8_t {
  kZlib = 1,  // RFC 1950 (zlib), deflate inside
};

// Whether `packet` has the header of a compressed packet (magic, version
// 2). Says nothing about the rest.
bool IsCompressedPacket(absl::Span<const uint8_t> packet);

// `packet` (a version-1 packet, not checked) as a compressed packet, or
// nullopt when compressing does not make it smaller (send it as it is).
// Deterministic: the same packet always gives the same bytes.
std::optional<std::vector<uint8_t>> CompressPacket(
    absl::Span<const uint8_t> packet);

// Inflates the compressed packet `packet` into `out` (cleared first, its
// storage reused): the version-1 packet inside, not yet decoded. Bounded
// for any input: `out` grows only as output arrives, never beyond the size
// the packet states, and that size must be at most `max_size`, so a
// compression bomb costs at most `max_size` bytes and the time to inflate
// them. InvalidArgument, saying what is wrong, for anything but a whole
// zlib stream that inflates to exactly the stated size: another header or
// algorithm, a size above `max_size` or too small for a packet, corrupt or
// cut-short data, more output than stated (a bomb), bytes after the end.
absl::Status ExpandPacket(absl::Span<const uint8_t> packet, size_t max_size,
                          std::vector<uint8_t>& out);

}  // namespace swim

#endif  // SWIM_CORE_COMPRESSION_H_

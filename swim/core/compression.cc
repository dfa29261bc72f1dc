#include "swim/core/compression.h"

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "swim/core/byte_reader.h"
#include "swim/core/byte_writer.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

// Header, algorithm, and the size as a varint at its largest.
constexpr size_t kCompressedOverhead = kWireHeaderSize + 1 + 10;

// The deflate window: the smallest power of two that covers the packet,
// within zlib's 2^9..2^15. A small window is what makes compressing a small
// state cheap: zlib's set-up cost grows with it.
int WindowBits(size_t size) {
  int bits = 9;
  while (bits < 15 && (size_t{1} << bits) < size) ++bits;
  return bits;
}

// zlib's fastest level. A state exchange is made of short, repeated
// records (names, addresses, incarnations), and the matches of the fastest
// level find nearly all there is to find: against the default level (6), a
// 1 000-member state compresses about 7 times faster to within 0.1 % of
// the size (docs/performance.md, "Compressed state exchanges").
constexpr int kLevel = Z_BEST_SPEED;

// Output arrives in pieces of at most this many bytes beyond what the
// input could plausibly give, so a bomb is caught before it allocates its
// stated size.
constexpr size_t kFirstOutput = 16 << 10;

// Ends a zlib stream that was started, however the scope is left.
template <int (*kEnd)(z_streamp)>
class StreamEnd {
 public:
  explicit StreamEnd(z_stream& z) : z_(z) {}
  StreamEnd(const StreamEnd&) = delete;
  StreamEnd& operator=(const StreamEnd&) = delete;
  ~StreamEnd() { kEnd(&z_); }

 private:
  z_stream& z_;
};

}  // namespace

bool IsCompressedPacket(absl::Span<const uint8_t> packet) {
  return packet.size() >= kWireHeaderSize && packet[0] == kWireMagic0 &&
         packet[1] == kWireMagic1 && packet[2] == kCompressedWireVersion;
}

std::optional<std::vector<uint8_t>> CompressPacket(
    absl::Span<const uint8_t> packet) {
  if (packet.size() > kMaxPacketSize) return std::nullopt;
  z_stream z{};
  if (deflateInit2(&z, kLevel, Z_DEFLATED, WindowBits(packet.size()),
                   /*memLevel=*/8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  const StreamEnd<deflateEnd> end(z);
  const size_t bound = deflateBound(&z, static_cast<uLong>(packet.size()));
  std::vector<uint8_t> out(kCompressedOverhead + bound);
  ByteWriter header(absl::MakeSpan(out));
  header.U8(kWireMagic0);
  header.U8(kWireMagic1);
  header.U8(kCompressedWireVersion);
  header.U8(static_cast<uint8_t>(Compression::kZlib));
  header.Varint(packet.size());
  const size_t start = header.size();
  // zlib's interface is not const-correct; it only reads next_in.
  z.next_in = const_cast<Bytef*>(packet.data());
  z.avail_in = static_cast<uInt>(packet.size());
  z.next_out = out.data() + start;
  z.avail_out = static_cast<uInt>(out.size() - start);
  const int result = deflate(&z, Z_FINISH);
  const size_t written = start + z.total_out;
  if (result != Z_STREAM_END || written >= packet.size()) return std::nullopt;
  out.resize(written);
  return out;
}

absl::Status ExpandPacket(absl::Span<const uint8_t> packet, size_t max_size,
                          std::vector<uint8_t>& out) {
  out.clear();
  if (!IsCompressedPacket(packet)) {
    return absl::InvalidArgumentError("not a compressed packet");
  }
  ByteReader in(packet.subspan(kWireHeaderSize));
  const uint8_t algorithm = in.U8("compression");
  const uint64_t size = in.Varint("compressed packet size");
  if (!in.ok()) return in.status();
  if (algorithm != static_cast<uint8_t>(Compression::kZlib)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown compression ", algorithm));
  }
  if (size > max_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("compressed packet states ", size,
                     " bytes, above the limit of ", max_size));
  }
  if (size <= kWireHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compressed packet states ", size, " bytes, too few for a packet"));
  }
  const absl::Span<const uint8_t> data = in.Bytes(in.remaining(), "data");
  if (data.empty() || data.size() > UINT32_MAX) {
    return absl::InvalidArgumentError("compressed packet has no data");
  }
  z_stream z{};
  if (inflateInit(&z) != Z_OK) {
    return absl::ResourceExhaustedError("cannot start inflating");
  }
  const StreamEnd<inflateEnd> end(z);
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  // One byte more than stated, so that more output than stated shows.
  const size_t limit = static_cast<size_t>(size) + 1;
  size_t produced = 0;
  int result = Z_OK;
  while (result == Z_OK) {
    if (produced == out.size()) {
      if (out.size() == limit) break;  // full: more than stated
      const size_t next =
          std::min(limit, std::max(kFirstOutput, 2 * out.size()));
      out.reserve(next);  // exactly: never past the limit
      out.resize(next);
    }
    z.next_out = out.data() + produced;
    z.avail_out = static_cast<uInt>(out.size() - produced);
    result = inflate(&z, Z_NO_FLUSH);
    produced = out.size() - z.avail_out;
  }
  const size_t unread = z.avail_in;
  const char* message = z.msg;
  out.resize(produced);
  absl::Status status;
  if (produced > size) {
    status = absl::InvalidArgumentError(absl::StrCat(
        "compressed packet inflates to more than its stated ", size, " bytes"));
  } else if (result == Z_BUF_ERROR) {
    status = absl::InvalidArgumentError("compressed data is cut short");
  } else if (result != Z_STREAM_END) {
    status = absl::InvalidArgumentError(
        absl::StrCat("compressed data is corrupt: ",
                     message != nullptr ? message : "zlib error"));
  } else if (produced != size) {
    status = absl::InvalidArgumentError(
        absl::StrCat("compressed packet inflates to ", produced,
                     " bytes, not its stated ", size));
  } else if (unread != 0) {
    status = absl::InvalidArgumentError(
        absl::StrCat(unread, " bytes after the compressed data"));
  }
  if (!status.ok()) out.clear();
  return status;
}

}  // namespace swim

// Fuzzes the wire decoder. Property: decoding is total (any bytes give
// messages or an error, never a crash), and whatever decodes re-encodes to
// exactly the same bytes, because the encoding is canonical (minimal
// varints, sorted metadata, no free bits).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "swim/core/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<swim::Message>* messages = new std::vector<swim::Message>;
  const absl::Span<const uint8_t> input(data, size);
  if (!swim::DecodePacket(input, *messages).ok()) return 0;

  std::vector<uint8_t> encoded(size);
  absl::StatusOr<size_t> written =
      swim::EncodePacket(*messages, absl::MakeSpan(encoded));
  if (!written.ok() || *written != size ||
      std::memcmp(encoded.data(), data, size) != 0) {
    std::fprintf(stderr, "decoded packet does not re-encode identically: %s\n",
                 written.ok()
                     ? "bytes differ"
                     : std::string(written.status().message()).c_str());
    std::abort();
  }
  // And the re-encoding decodes to equal messages.
  absl::StatusOr<std::vector<swim::Message>> again =
      swim::DecodePacket(absl::MakeConstSpan(encoded));
  if (!again.ok() || *again != *messages) std::abort();
  return 0;
}

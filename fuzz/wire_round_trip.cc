#include "fuzz/wire_round_trip.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "swim/core/compression.h"
#include "swim/core/saved_view.h"
#include "swim/core/wire.h"

namespace swim::fuzzing {

namespace {

// The most a compressed input may expand to here: enough for any packet
// the fuzzer's inputs could compress, small enough to stay fast.
constexpr size_t kExpansionLimit = 1 << 20;

// Only the outermost input is expanded: a packet inside a compressed one
// is decoded as a packet (and a compressed one there refused), as members
// do; a zlib quine cannot make this recurse.
void CheckPacket(const uint8_t* data, size_t size, bool outermost) {
  static std::vector<Message>* messages = new std::vector<Message>;
  static std::vector<uint8_t>* expanded = new std::vector<uint8_t>;
  const absl::Span<const uint8_t> input(data, size);
  if (outermost && IsCompressedPacket(input)) {
    // Expanding is total and bounded; what it gives is checked as a
    // packet of its own.
    if (!ExpandPacket(input, kExpansionLimit, *expanded).ok()) {
      if (!expanded->empty()) std::abort();
      return;
    }
    if (expanded->size() > kExpansionLimit) std::abort();
    const std::vector<uint8_t> inner = *expanded;
    CheckPacket(inner.data(), inner.size(), /*outermost=*/false);
    return;
  }
  if (!DecodePacket(input, *messages).ok()) return;

  // Compressing a packet and expanding it gives it back.
  if (std::optional<std::vector<uint8_t>> compressed = CompressPacket(input)) {
    if (compressed->size() >= size ||
        !ExpandPacket(*compressed, size, *expanded).ok() ||
        *expanded != std::vector<uint8_t>(input.begin(), input.end())) {
      std::fprintf(stderr, "a compressed packet does not expand to itself\n");
      std::abort();
    }
  }

  std::vector<uint8_t> encoded(size);
  absl::StatusOr<size_t> written =
      EncodePacket(*messages, absl::MakeSpan(encoded));
  if (!written.ok() || *written != size ||
      std::memcmp(encoded.data(), data, size) != 0) {
    std::fprintf(stderr, "decoded packet does not re-encode identically: %s\n",
                 written.ok()
                     ? "bytes differ"
                     : std::string(written.status().message()).c_str());
    std::abort();
  }
  absl::StatusOr<std::vector<Message>> again =
      DecodePacket(absl::MakeConstSpan(encoded));
  if (!again.ok() || *again != *messages) std::abort();
}

}  // namespace

void CheckWireRoundTrip(const uint8_t* data, size_t size) {
  CheckPacket(data, size, /*outermost=*/true);
}

void CheckSavedViewRoundTrip(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  (void)DecodeSavedView(input);  // total: any bytes, a view or an error
  const absl::Time saved_at = absl::FromUnixSeconds(1'800'000'000);
  const std::string framed = saved_view_internal::Frame(saved_at, input);
  absl::StatusOr<SavedView> view = DecodeSavedView(framed);
  if (!view.ok()) return;
  absl::StatusOr<std::string> encoded = EncodeSavedView(*view);
  if (!encoded.ok() || *encoded != framed) {
    std::fprintf(
        stderr, "decoded saved view does not re-encode identically: %s\n",
        encoded.ok() ? "bytes differ"
                     : std::string(encoded.status().message()).c_str());
    std::abort();
  }
}

}  // namespace swim::fuzzing

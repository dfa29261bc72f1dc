#include "fuzz/wire_round_trip.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "swim/core/saved_view.h"
#include "swim/core/wire.h"

namespace swim::fuzzing {

void CheckWireRoundTrip(const uint8_t* data, size_t size) {
  static std::vector<Message>* messages = new std::vector<Message>;
  const absl::Span<const uint8_t> input(data, size);
  if (!DecodePacket(input, *messages).ok()) return;

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

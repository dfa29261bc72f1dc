// Fuzzes the envelope. The first input byte picks a security mode; the rest
// is (a) opened as a received packet, which must fail cleanly or, in
// plaintext mode, yield bytes that then go through the wire decoder, and
// (b) sealed and reopened, which must give the same bytes back.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/fuzz_envelope.h"
#include "swim/core/envelope.h"
#include "swim/core/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static swim::Envelope* envelopes[3] = {
      new swim::Envelope(
          swim::fuzzing::MakeFuzzEnvelope(swim::SecurityMode::kPlaintext)),
      new swim::Envelope(
          swim::fuzzing::MakeFuzzEnvelope(swim::SecurityMode::kAuthenticated)),
      new swim::Envelope(
          swim::fuzzing::MakeFuzzEnvelope(swim::SecurityMode::kEncrypted)),
  };
  if (size == 0) return 0;
  swim::Envelope& envelope = *envelopes[data[0] % 3];
  const absl::Span<const uint8_t> input(data + 1, size - 1);

  std::vector<uint8_t> scratch(input.size());
  swim::EnvelopeDrop drop = swim::EnvelopeDrop::kNone;
  absl::StatusOr<absl::Span<const uint8_t>> opened =
      envelope.Open(input, absl::MakeSpan(scratch), &drop);
  if (opened.ok() != (drop == swim::EnvelopeDrop::kNone)) std::abort();
  if (opened.ok()) {
    if (opened->size() > input.size()) std::abort();
    (void)swim::DecodePacket(*opened);
  }

  std::vector<uint8_t> sealed(input.size() + envelope.Overhead());
  absl::StatusOr<size_t> sealed_size =
      envelope.Seal(input, absl::MakeSpan(sealed));
  if (!sealed_size.ok() || *sealed_size != sealed.size()) std::abort();
  std::vector<uint8_t> plain(sealed.size());
  absl::StatusOr<absl::Span<const uint8_t>> reopened =
      envelope.Open(sealed, absl::MakeSpan(plain));
  if (!reopened.ok() || reopened->size() != input.size() ||
      (!input.empty() &&
       std::memcmp(reopened->data(), input.data(), input.size()) != 0)) {
    std::abort();
  }
  return 0;
}

#include "swim/testing/in_memory.h"

#include <atomic>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "swim/core/compression.h"
#include "swim/core/envelope.h"
#include "swim/core/instant.h"
#include "swim/core/keyring.h"
#include "swim/core/wire.h"

namespace swim::testing {
namespace {

// Connection numbers for in-memory streams: distinct from one another,
// which is all a Node asks of them.
StreamId NextStreamId() {
  // Ids only tell connections apart; any unused one will do.
  static std::atomic<StreamId> next{StreamId{1} << 20};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

std::vector<uint8_t> PlaintextStream(absl::Span<const uint8_t> packet) {
  EnvelopeConfig config;
  config.mode = SecurityMode::kPlaintext;
  absl::StatusOr<Envelope> envelope = Envelope::Create(config, Keyring());
  std::vector<uint8_t> bytes;
  if (!envelope.ok() ||
      !SealStreamMessage(*envelope, /*message_id=*/1, packet, bytes).ok()) {
    std::abort();  // a plaintext envelope seals any non-empty packet
  }
  return bytes;
}

StreamVerdict DeliverStream(Node& to, const Address& from,
                            absl::Span<const uint8_t> bytes, Instant now,
                            std::optional<StreamId> stream) {
  const StreamId id = stream.value_or(NextStreamId());
  const StreamVerdict verdict = to.HandleStreamData(id, from, bytes, now);
  to.HandleStreamClosed(id);
  return verdict;
}

void Deliver(Node& to, const Address& from, const Transmit& transmit,
             Instant now) {
  if (transmit.channel == Channel::kDatagram) {
    to.HandleDatagram(from, transmit.bytes, now);
  } else {
    DeliverStream(to, from, transmit.bytes, now, transmit.stream);
  }
}

absl::StatusOr<std::vector<uint8_t>> OpenTransmit(
    const Envelope& envelope, Channel channel, absl::Span<const uint8_t> bytes,
    bool* compressed) {
  if (compressed != nullptr) *compressed = false;
  if (channel == Channel::kDatagram) {
    std::vector<uint8_t> scratch(bytes.size());
    absl::StatusOr<absl::Span<const uint8_t>> packet =
        envelope.Open(bytes, absl::MakeSpan(scratch));
    if (!packet.ok()) return packet.status();
    return std::vector<uint8_t>(packet->begin(), packet->end());
  }
  StreamReader reader(kMaxPacketSize);
  absl::Span<const uint8_t> input = bytes;
  StreamReader::Result result = StreamReader::Result::kChunk;
  while (result == StreamReader::Result::kChunk) {
    result = reader.Read(input, envelope);
  }
  if (result != StreamReader::Result::kMessage) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not one whole stream message: ", result == StreamReader::Result::kError
                                              ? StreamErrorName(reader.error())
                                              : "it ends early"));
  }
  if (!input.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(input.size(), " bytes after the stream message"));
  }
  if (IsCompressedPacket(reader.message())) {
    if (compressed != nullptr) *compressed = true;
    std::vector<uint8_t> expanded;
    if (absl::Status status =
            ExpandPacket(reader.message(), kMaxPacketSize, expanded);
        !status.ok()) {
      return status;
    }
    return expanded;
  }
  return std::vector<uint8_t>(reader.message().begin(), reader.message().end());
}

}  // namespace swim::testing

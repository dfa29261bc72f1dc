#include "swim/testing/packet_inspector.h"

#include <utility>

#include "swim/core/keyring.h"
#include "swim/testing/in_memory.h"

namespace swim::testing {

PacketInspector::PacketInspector(const std::string& key) {
  absl::StatusOr<Keyring> keyring = Keyring::Create({key});
  EnvelopeConfig config;
  config.mode = SecurityMode::kEncrypted;
  if (keyring.ok()) {
    absl::StatusOr<Envelope> envelope =
        Envelope::Create(std::move(config), *std::move(keyring));
    if (envelope.ok()) envelope_.emplace(*std::move(envelope));
  }
}

bool PacketInspector::ForEachMessage(
    Channel channel, const std::vector<uint8_t>& sealed,
    const std::function<void(const Message&)>& visit) {
  if (!envelope_) return false;
  absl::StatusOr<std::vector<uint8_t>> packet =
      OpenTransmit(*envelope_, channel, sealed);
  if (!packet.ok()) return false;
  packet_ = *std::move(packet);
  if (!DecodePacket(packet_, messages_).ok()) return false;
  for (const Message& message : messages_) visit(message);
  return true;
}

}  // namespace swim::testing

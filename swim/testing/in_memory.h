#ifndef SWIM_TESTING_IN_MEMORY_H_
#define SWIM_TESTING_IN_MEMORY_H_

// Moving a Node's transmits to another Node in memory, as the simulator
// does, for tests and benchmarks that wire up a few Nodes by hand: a
// datagram is handed over as it is; a stream message arrives on a
// connection of its own (a reply on the connection its request came on),
// which then closes.

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/envelope.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/core/stream.h"

namespace swim::testing {

// `packet` as the bytes of one plaintext stream message (label "").
std::vector<uint8_t> PlaintextStream(absl::Span<const uint8_t> packet);

// Hands `bytes` (whole stream messages) to `to` on connection `stream`, or
// on a fresh one, then closes it there. Returns the Node's verdict.
StreamVerdict DeliverStream(Node& to, const Address& from,
                            absl::Span<const uint8_t> bytes, Instant now,
                            std::optional<StreamId> stream = std::nullopt);

// Hands one transmit of the node at `from` to `to`.
void Deliver(Node& to, const Address& from, const Transmit& transmit,
             Instant now);

// The packet a transmit carries, as a member with `envelope` reads it: a
// datagram opened, or the stream bytes read as exactly one whole stream
// message, expanded if it came compressed (`compressed`, when given, says
// whether it did). An error says what is wrong.
absl::StatusOr<std::vector<uint8_t>> OpenTransmit(
    const Envelope& envelope, Channel channel, absl::Span<const uint8_t> bytes,
    bool* compressed = nullptr);

}  // namespace swim::testing

#endif  // SWIM_TESTING_IN_MEMORY_H_

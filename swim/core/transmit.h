#ifndef SWIM_CORE_TRANSMIT_H_
#define SWIM_CORE_TRANSMIT_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "swim/core/address.h"

namespace swim {

// The driver's number for one stream connection (both directions of it).
// Unique among the connections the driver has open; the driver may reuse a
// number only after telling the Node the old connection closed.
using StreamId = uint64_t;

// What the driver does with a connection after handing the Node its bytes.
enum class StreamVerdict : uint8_t {
  // Nothing new was authenticated: keep reading, but do not extend the
  // connection's read deadline.
  kContinue,
  // At least one chunk authenticated: restart the read deadline.
  kProgress,
  // Close the connection now. It broke the format, failed authentication
  // or exceeded a limit (counted in Stats); the Node has already forgotten
  // it (HandleStreamClosed is then optional).
  kClose,
};

absl::string_view StreamVerdictName(StreamVerdict verdict);

// How a Transmit travels.
enum class Channel : uint8_t {
  kDatagram,  // one UDP datagram, at most Config::datagram_budget bytes
  kStream,    // one message on a reliable stream (TCP), already framed
};

// Bytes the driver must send. `bytes` stays valid until the next
// PollTransmit call (the Node reuses its buffers).
struct Transmit {
  Address to;
  absl::Span<const uint8_t> bytes;
  Channel channel = Channel::kDatagram;
  // kStream only. Set: a reply, to be written on that connection (the one
  // the request came on, whose peer is `to`); if it has closed meanwhile,
  // drop it, never open a connection for it. Unset: a request, written on
  // the driver's connection to `to`, opened if needed (and then reused).
  std::optional<StreamId> stream;
};

}  // namespace swim

#endif  // SWIM_CORE_TRANSMIT_H_

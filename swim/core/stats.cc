#include "swim/core/stats.h"

namespace swim {

absl::string_view DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kEnvelope:
      return "envelope";
    case DropReason::kMalformed:
      return "malformed";
    case DropReason::kWrongChannel:
      return "wrong-channel";
    case DropReason::kMisdirectedPing:
      return "misdirected-ping";
    case DropReason::kUnknownAck:
      return "unknown-ack";
    case DropReason::kMetadataTooLarge:
      return "metadata-too-large";
    case DropReason::kTableFull:
      return "table-full";
    case DropReason::kRelayLimit:
      return "relay-limit";
    case DropReason::kTransmitQueueFull:
      return "transmit-queue-full";
    case DropReason::kEventQueueFull:
      return "event-queue-full";
    case DropReason::kBroadcastQueueFull:
      return "broadcast-queue-full";
    case DropReason::kDuplicateBroadcast:
      return "duplicate-broadcast";
    case DropReason::kUnknownPushPullSender:
      return "unknown-push-pull-sender";
    case DropReason::kPushPullRateLimited:
      return "push-pull-rate-limited";
    case DropReason::kTombstoned:
      return "tombstoned";
    case DropReason::kMessageTooLarge:
      return "message-too-large";
    case DropReason::kStreamFraming:
      return "stream-framing";
    case DropReason::kStreamLimit:
      return "stream-limit";
    case DropReason::kExtraRequest:
      return "extra-request";
    case DropReason::kUnknownTarget:
      return "unknown-target";
    case DropReason::kFutureGeneration:
      return "future-generation";
    case DropReason::kAddressConflict:
      return "address-conflict";
    case DropReason::kUnknownOrigin:
      return "unknown-origin";
    case DropReason::kStreamReplay:
      return "stream-replay";
  }
  return "unknown";
}

}  // namespace swim

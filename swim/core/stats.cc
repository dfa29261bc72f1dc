#include "swim/core/stats.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace swim {

absl::Span<const StatsCounter> StatsCounters() {
  static constexpr std::array kCounters = std::to_array<StatsCounter>(
      {{"datagrams_sent", &Stats::datagrams_sent},
       {"datagrams_received", &Stats::datagrams_received},
       {"streams_sent", &Stats::streams_sent},
       {"streams_received", &Stats::streams_received},
       {"streams_closed", &Stats::streams_closed},
       {"streams_truncated", &Stats::streams_truncated},
       {"bytes_sent", &Stats::bytes_sent},
       {"bytes_received", &Stats::bytes_received},
       {"datagram_bytes_sent", &Stats::datagram_bytes_sent},
       {"datagram_bytes_received", &Stats::datagram_bytes_received},
       {"stream_bytes_sent", &Stats::stream_bytes_sent},
       {"stream_bytes_received", &Stats::stream_bytes_received},
       {"probes", &Stats::probes},
       {"probes_acked", &Stats::probes_acked},
       {"indirect_probes", &Stats::indirect_probes},
       {"stream_probes", &Stats::stream_probes},
       {"stream_probes_acked", &Stats::stream_probes_acked},
       {"nacks_received", &Stats::nacks_received},
       {"suspicions", &Stats::suspicions},
       {"declared_offline", &Stats::declared_offline},
       {"refutations", &Stats::refutations},
       {"updates_applied", &Stats::updates_applied},
       {"updates_stale", &Stats::updates_stale},
       {"push_pulls_sent", &Stats::push_pulls_sent},
       {"push_pulls_received", &Stats::push_pulls_received},
       {"push_pulls_truncated", &Stats::push_pulls_truncated},
       {"push_pulls_compressed", &Stats::push_pulls_compressed},
       {"state_bytes_uncompressed", &Stats::state_bytes_uncompressed},
       {"state_bytes_compressed", &Stats::state_bytes_compressed},
       {"gossip_rounds", &Stats::gossip_rounds},
       {"name_conflicts", &Stats::name_conflicts},
       {"reannouncements", &Stats::reannouncements},
       {"reaped", &Stats::reaped},
       {"removals", &Stats::removals},
       {"corrections_sent", &Stats::corrections_sent},
       {"reconnect_attempts", &Stats::reconnect_attempts},
       {"reconnects", &Stats::reconnects},
       {"seed_retries", &Stats::seed_retries},
       {"isolations", &Stats::isolations},
       {"declarations_held", &Stats::declarations_held}});
  return kCounters;
}

absl::Span<const GaugeField> GaugeFields() {
  static constexpr std::array kFields = std::to_array<GaugeField>({
      {"queued_broadcasts",
       "Claims and user broadcasts waiting to be piggybacked.",
       &Gauges::queued_broadcasts},
      {"queued_transmits", "Transmits not yet taken by the driver.",
       &Gauges::queued_transmits},
      {"queued_stream_bytes",
       "Bytes of stream messages among the queued transmits.",
       &Gauges::queued_stream_bytes},
      {"queued_events", "Events not yet taken by the application.",
       &Gauges::queued_events},
      {"pending_streams",
       "Incoming stream connections holding a message in progress.",
       &Gauges::pending_streams},
      {"pending_stream_bytes", "Bytes those connections hold.",
       &Gauges::pending_stream_bytes},
      {"relays", "Pings relayed for others in flight.", &Gauges::relays},
      {"fallback_waits", "Probe verdicts waiting for their stream fallback.",
       &Gauges::fallback_waits},
      {"member_timers", "Per-member timers queued.", &Gauges::member_timers},
  });
  return kFields;
}

Histogram::Histogram(absl::Span<const absl::Duration> bounds)
    : bounds_(bounds.first(std::min(bounds.size(), kMaxBounds))) {}

void Histogram::Record(absl::Duration value) {
  value = std::max(value, absl::ZeroDuration());
  const size_t bucket =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++buckets_[bucket];
  ++count_;
  sum_ += value;
}

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
    case DropReason::kCompression:
      return "compression";
  }
  return "unknown";
}

}  // namespace swim

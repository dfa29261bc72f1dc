#ifndef SWIM_CORE_STATS_H_
#define SWIM_CORE_STATS_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/security_mode.h"

namespace swim {

// Why a Node dropped input or output. Every drop is counted; none changes
// membership.
enum class DropReason : uint8_t {
  kEnvelope,            // failed the envelope (see Stats::envelope_drops)
  kMalformed,           // authentic, but the packet does not decode
  kWrongChannel,        // a message type that does not belong on that channel
                        // (with Config::tcp_only: any datagram)
  kMisdirectedPing,     // a ping for another name (a recycled address)
  kUnknownAck,          // an ack or nack matching no outstanding probe
  kMetadataTooLarge,    // an update whose metadata exceeds the limit
  kTableFull,           // an update about a new member beyond max_members,
                        // or beyond what one state exchange can carry
                        // (max_stream_message)
  kRelayLimit,          // too many ping-reqs in flight to relay another
  kTransmitQueueFull,   // the driver is not draining PollTransmit
  kEventQueueFull,      // the application is not draining PollEvent
  kBroadcastQueueFull,  // the dissemination queue overflowed
  kDuplicateBroadcast,  // a user broadcast seen before, or from an earlier
                        // life of its origin
  kUnknownPushPullSender,  // a push-pull asking for a reply but not listing
                           // its sender, so there is nowhere to reply
  kPushPullRateLimited,    // a push-pull reply refused: same sender too
                           // soon, or too many state bytes already queued
  kTombstoned,             // a claim about a member forgotten (reaped) at a
                           // newer incarnation: a replay
  kMessageTooLarge,        // an outgoing message that cannot fit a datagram
  kStreamFraming,     // a stream broke the format: a frame length out of range,
                      // or an authentic chunk out of sequence; it is closed
  kStreamLimit,       // a stream over a limit: a message above
                      // Config::max_stream_message, or more streams or
                      // buffered stream bytes than a node holds; it is closed
  kExtraRequest,      // a second ping or ping-req in one datagram: a datagram
                      // is answered once
  kUnknownTarget,     // a ping-req for a member this node does not know at
                      // that address: it relays only to members it knows
  kFutureGeneration,  // a claim at a generation later than any live
                      // process can have started (Config::max_clock_skew)
  kAddressConflict,   // a claim naming another address than the life held
                      // here (docs/protocol.md, "Identity")
  kUnknownOrigin,     // a user broadcast from a member, or a life of one,
                      // this node does not know: it cannot tell a replay
                      // from news (copies from others follow)
  kStreamReplay,      // a stream message seen before (a replay of a
                      // captured one); its stream is closed
  kCompression,       // an authentic compressed packet that does not expand
                      // to what it states: corrupt, cut short, or larger
                      // than stated or than Config::max_stream_message (a
                      // compression bomb); nothing in it is applied, the
                      // stream stays open
};
inline constexpr int kDropReasonCount = 25;

absl::string_view DropReasonName(DropReason reason);

// A distribution of durations over fixed buckets (Prometheus' cumulative
// histogram, kept as per-bucket counts): recording never allocates, and a
// copy is a snapshot. `bounds` are the buckets' inclusive upper limits in
// increasing order, static (a span into a constant table); one more bucket
// takes what exceeds the last.
class Histogram {
 public:
  static constexpr size_t kMaxBounds = 16;
  // The buckets of a probe's round trip: 250 µs to 5 s.
  static constexpr std::array<absl::Duration, 12> kRoundTripBounds = {
      absl::Microseconds(250),  absl::Microseconds(500),
      absl::Milliseconds(1),    absl::Milliseconds(2),
      absl::Milliseconds(5),    absl::Milliseconds(10),
      absl::Milliseconds(25),   absl::Milliseconds(50),
      absl::Milliseconds(100),  absl::Milliseconds(250),
      absl::Milliseconds(1000), absl::Seconds(5)};
  // The buckets of a suspicion's life: 100 ms to 5 minutes.
  static constexpr std::array<absl::Duration, 12> kSuspicionBounds = {
      absl::Milliseconds(100), absl::Milliseconds(250), absl::Milliseconds(500),
      absl::Seconds(1),        absl::Seconds(2),        absl::Seconds(5),
      absl::Seconds(10),       absl::Seconds(20),       absl::Seconds(30),
      absl::Seconds(60),       absl::Seconds(120),      absl::Seconds(300)};

  explicit Histogram(absl::Span<const absl::Duration> bounds);

  // Counts one observation (a negative one as zero).
  void Record(absl::Duration value);

  absl::Span<const absl::Duration> bounds() const { return bounds_; }
  // Observations in bucket `i` alone (not cumulative); bucket
  // bounds().size() holds those above the last bound.
  uint64_t bucket(size_t i) const { return buckets_[i]; }
  uint64_t count() const { return count_; }
  absl::Duration sum() const { return sum_; }

 private:
  absl::Span<const absl::Duration> bounds_;
  std::array<uint64_t, kMaxBounds + 1> buckets_ = {};
  uint64_t count_ = 0;
  absl::Duration sum_;
};

// Counters a Node keeps; all only ever grow (but for the two marked gauges).
struct Stats {
  // Indexed by MessageType (1..7); index 0 is unused.
  std::array<uint64_t, 8> messages_sent = {};
  std::array<uint64_t, 8> messages_received = {};
  uint64_t datagrams_sent = 0;
  uint64_t datagrams_received = 0;
  uint64_t streams_sent = 0;      // stream messages
  uint64_t streams_received = 0;  // stream messages, reassembled
  // Stream connections this node told its driver to close (a drop says
  // why), and ones that closed in the middle of a message.
  uint64_t streams_closed = 0;
  uint64_t streams_truncated = 0;
  uint64_t bytes_sent = 0;      // sealed bytes, both channels
  uint64_t bytes_received = 0;  // as the driver delivered them
  // The same bytes by channel: datagrams (UDP), and stream chunks as sealed
  // or as fed (TCP payload, before TLS if any).
  uint64_t datagram_bytes_sent = 0;
  uint64_t datagram_bytes_received = 0;
  uint64_t stream_bytes_sent = 0;
  uint64_t stream_bytes_received = 0;

  std::array<uint64_t, kDropReasonCount> drops = {};
  // Indexed by EnvelopeDrop.
  std::array<uint64_t, kEnvelopeDropCount> envelope_drops = {};

  uint64_t probes = 0;           // direct pings sent as prober
  uint64_t probes_acked = 0;     // probes answered (directly or not)
  uint64_t indirect_probes = 0;  // ping-reqs sent
  // Config::stream_fallback: pings sent over the stream plane when a
  // direct probe timed out, and the probes whose first answer came back
  // that way (a suspicion the fallback saved).
  uint64_t stream_probes = 0;
  uint64_t stream_probes_acked = 0;
  uint64_t nacks_received = 0;
  uint64_t suspicions = 0;        // members this node started suspecting
  uint64_t declared_offline = 0;  // suspicions this node turned OFFLINE
  uint64_t refutations = 0;       // times this node refuted a claim
  uint64_t updates_applied = 0;   // claims that changed the table
  uint64_t updates_stale = 0;     // claims ignored as older or repeated
  uint64_t push_pulls_sent = 0;
  uint64_t push_pulls_received = 0;
  // State exchanges sent incomplete because the state outgrew
  // Config::max_stream_message (metadata grown since members were
  // admitted): what fits, from a random member on.
  uint64_t push_pulls_truncated = 0;
  // State exchanges sent compressed (wire version 2; Config::wire_version),
  // and the bytes their packets had before and after compressing.
  uint64_t push_pulls_compressed = 0;
  uint64_t state_bytes_uncompressed = 0;
  uint64_t state_bytes_compressed = 0;
  uint64_t gossip_rounds = 0;
  // Claims about this member's name from another life (another address).
  uint64_t name_conflicts = 0;
  // Times this member queued its claim again because the cluster still
  // believed an earlier life of it at another address.
  uint64_t reannouncements = 0;
  uint64_t reaped = 0;
  // Members this node removed (Node::Remove).
  uint64_t removals = 0;
  // Newer claims sent straight back to members that gossiped a stale
  // suspicion or declaration (one that a refutation here supersedes).
  uint64_t corrections_sent = 0;
  // Healing (docs/protocol.md, "Healing"). Pings to members held OFFLINE,
  // and the ones answered.
  uint64_t reconnect_attempts = 0;
  uint64_t reconnects = 0;
  // State exchanges sent to seeds after joining (seeds that are not
  // members this node knows, or all of them when it knows nobody live).
  uint64_t seed_retries = 0;
  // Times this member found itself cut off (it heard from nobody, or its
  // process was paused), and suspicions it did not turn OFFLINE meanwhile
  // (each time one fell due).
  uint64_t isolations = 0;
  uint64_t declarations_held = 0;
  // Whether this member is cut off now. A gauge.
  bool isolated = false;
  // Lifeguard's local health score now (0 = healthy; probe interval and
  // timeout are scaled by score + 1). A gauge, not a counter.
  int awareness = 0;

  // From a probe's ping to its first answer (direct, relayed by a helper,
  // or over the stream fallback); probes left unanswered are not in it.
  Histogram probe_rtt{Histogram::kRoundTripBounds};
  // How long members this node held SUSPECT stayed so: until it held them
  // OFFLINE (its own timeout or another member's declaration), and until
  // they refuted (ONLINE again, same life).
  Histogram suspicion_to_offline{Histogram::kSuspicionBounds};
  Histogram suspicion_to_refuted{Histogram::kSuspicionBounds};

  uint64_t Drops(DropReason reason) const {
    return drops[static_cast<int>(reason)];
  }
  uint64_t TotalDrops() const {
    uint64_t total = 0;
    for (uint64_t count : drops) total += count;
    return total;
  }
};

// Every scalar counter of Stats by its name (the field's), in declaration
// order, for exporters (the arrays, histograms and gauges are apart).
struct StatsCounter {
  absl::string_view name;
  uint64_t Stats::*value;
};
absl::Span<const StatsCounter> StatsCounters();

// What a Node holds at one moment (Node::gauges()), counted when asked
// (it walks the member table): for metrics and status dumps, not for every
// input.
struct Gauges {
  // Remote members, by status.
  size_t online = 0;
  size_t suspect = 0;
  size_t offline = 0;
  size_t left = 0;
  // Lifeguard's health score, and whether this member is cut off (as in
  // Stats).
  int health = 0;
  bool isolated = false;
  // Claims and user broadcasts waiting to be piggybacked.
  size_t queued_broadcasts = 0;
  // Outputs the driver and the application have not polled yet, and the
  // stream bytes among those transmits.
  size_t queued_transmits = 0;
  size_t queued_stream_bytes = 0;
  size_t queued_events = 0;
  // Incoming stream connections holding bytes of a message in progress,
  // and those bytes (authenticated or not yet).
  size_t pending_streams = 0;
  size_t pending_stream_bytes = 0;
  // Pings relayed for others (ping-reqs) in flight, and probe verdicts
  // waiting for their stream fallback.
  size_t relays = 0;
  size_t fallback_waits = 0;
  // Per-member timers queued (Node::queued_member_timers).
  size_t member_timers = 0;
};

// The queue gauges of Gauges by name (every size_t field but the member
// counts by status), with a line saying what each is, for exporters.
struct GaugeField {
  absl::string_view name;
  absl::string_view help;
  size_t Gauges::*value;
};
absl::Span<const GaugeField> GaugeFields();

}  // namespace swim

#endif  // SWIM_CORE_STATS_H_

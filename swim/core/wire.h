#ifndef SWIM_CORE_WIRE_H_
#define SWIM_CORE_WIRE_H_

// The swim wire format: messages, packets (one or more messages after a
// header) and their encoding. docs/wire.md is the byte-level specification;
// wire_doc_test keeps its examples in step with this code.
//
// Decoded messages are views: names, payloads and metadata point into the
// decoded bytes, so decoding allocates nothing for the common messages and
// the caller must keep the input alive while it uses them.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/incarnation.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/version.h"

namespace swim {

inline constexpr uint8_t kWireMagic0 = 0x53;  // 'S'
inline constexpr uint8_t kWireMagic1 = 0x57;  // 'W'
// The header version of every packet this file encodes and decodes. Wire
// version 2 (SWIM_WIRE_VERSION, the newest this build speaks) adds one
// thing, the compressed packet around a version-1 packet (compression.h),
// which only streams carry.
inline constexpr uint8_t kWireVersion = 1;
// The header version of a compressed packet (compression.h).
inline constexpr uint8_t kCompressedWireVersion = 2;
static_assert(SWIM_WIRE_VERSION == kCompressedWireVersion,
              "a new wire version: DecodePacket and IsCompressedPacket must "
              "say what its packets are");
inline constexpr size_t kWireHeaderSize = 3;

// Limits every decoder enforces.
inline constexpr size_t kMaxNameLength = 255;
inline constexpr size_t kMaxUserPayloadSize = 65535;
// The largest packet: a stream message (push-pull of a large cluster).
// Datagrams are far smaller (the datagram budget, 1400 bytes by default).
inline constexpr size_t kMaxPacketSize = 64 << 20;
// The most messages one packet may hold. A packet decodes into one
// Message (about a hundred bytes) per message however small it is on the
// wire (an ack takes two bytes), so without a cap a stream packet of acks
// would cost some fifty times its size to decode. Senders put at most one
// ping and one ack in a packet; what they repeat are claims (13 bytes at
// least) and user broadcasts (6), so the largest datagram (65 507 bytes)
// holds fewer than 11 000, and a state exchange is one message.
inline constexpr size_t kMaxMessagesPerPacket = 16384;

enum class MessageType : uint8_t {
  kPing = 1,
  kPingReq = 2,
  kAck = 3,
  kNack = 4,
  kMemberUpdate = 5,
  kUserBroadcast = 6,
  kPushPull = 7,
};

// "Are you alive?" to `target`, which must answer Ack{seq} unless the name
// is not its own (a stale address now used by another member).
struct Ping {
  uint32_t seq = 0;
  absl::string_view target;
  friend bool operator==(const Ping&, const Ping&) = default;
};

// "Please ping `target` at `target_address` for me": the receiver pings it
// and relays the Ack (with this seq) to the sender; with `want_nack` it
// answers Nack{seq} when the target stays silent (Lifeguard).
struct PingReq {
  uint32_t seq = 0;
  absl::string_view target;
  Address target_address;
  bool want_nack = false;
  friend bool operator==(const PingReq&, const PingReq&) = default;
};

struct Ack {
  uint32_t seq = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};

// A helper's "I asked, the target did not answer" (Lifeguard): tells the
// requester that its own network path to the helper works.
struct Nack {
  uint32_t seq = 0;
  friend bool operator==(const Nack&, const Nack&) = default;
};

// A claim about one member: its status at an incarnation. ONLINE claims
// carry metadata; SUSPECT and OFFLINE claims name the member that made
// them (`origin`), so independent suspicions can be counted. A member's own
// LEFT claim is the graceful-leave message. Also the record type of
// push-pull state. On the wire it is the member-update message
// (MessageType::kMemberUpdate, docs/wire.md).
struct Claim {
  MemberStatus status = MemberStatus::kOnline;
  absl::string_view name;
  Incarnation incarnation;
  Address address;
  bool has_metadata = false;
  MetadataView metadata;     // meaningful only with has_metadata
  absl::string_view origin;  // empty: not given
  // Metadata takes part only when present, as on the wire.
  friend bool operator==(const Claim& a, const Claim& b) {
    return a.status == b.status && a.name == b.name &&
           a.incarnation == b.incarnation && a.address == b.address &&
           a.has_metadata == b.has_metadata &&
           (!a.has_metadata || a.metadata == b.metadata) &&
           a.origin == b.origin;
  }
};

// An application message disseminated to every member, identified by its
// origin, the origin's life (generation) and a sequence number that life
// counts from 1: receivers keep, per origin, the highest sequence seen and
// which of the ones just below it arrived, so a replay is recognised
// however long ago it was sent.
struct UserBroadcast {
  absl::string_view origin;
  uint64_t generation = 0;
  uint64_t sequence = 0;
  absl::string_view payload;
  friend bool operator==(const UserBroadcast&, const UserBroadcast&) = default;
};

// Where a member's record of one origin's broadcasts stands: every
// broadcast of that life up to `sequence` counts as seen. Sent to a joining
// member, so that broadcasts from before it joined, replayed to it, are not
// taken for news.
struct BroadcastFloor {
  absl::string_view origin;
  uint64_t generation = 0;
  uint64_t sequence = 0;
  friend bool operator==(const BroadcastFloor&,
                         const BroadcastFloor&) = default;
};

// Full membership state for anti-entropy, sent over a stream. The receiver
// merges it; with `reply_wanted` it answers with its own state, on the
// same stream connection. A joining member sets `joining`, and the reply
// then carries the replier's broadcast floors.
struct PushPull {
  bool reply_wanted = false;
  bool joining = false;
  absl::string_view sender;
  std::vector<Claim> members;
  std::vector<BroadcastFloor> floors;
  friend bool operator==(const PushPull&, const PushPull&) = default;
};

using Message =
    std::variant<Ping, PingReq, Ack, Nack, Claim, UserBroadcast, PushPull>;

MessageType TypeOf(const Message& message);
absl::string_view MessageTypeName(MessageType type);

// Bytes `message` takes inside a packet (type byte included), or an error
// naming the field if it cannot be encoded (name too long, and so on).
absl::StatusOr<size_t> EncodedSize(const Message& message);

// Writes header + messages into `out`. Returns the size written, or
// InvalidArgument for a message that cannot be encoded, or
// ResourceExhausted when `out` is too small; on error nothing is written.
absl::StatusOr<size_t> EncodePacket(absl::Span<const Message> messages,
                                    absl::Span<uint8_t> out);

// One message's encoding (type byte included, no packet header), for
// senders that keep messages queued and append them to many packets.
absl::StatusOr<std::vector<uint8_t>> EncodeMessage(const Message& message);

// Builds a packet message by message into a caller's buffer, so a sender
// can fill a datagram up to its budget. A message that does not fit is not
// written at all.
class PacketBuilder {
 public:
  // `out` must hold at least kWireHeaderSize bytes.
  explicit PacketBuilder(absl::Span<uint8_t> out);

  // OK, InvalidArgument (message cannot be encoded) or ResourceExhausted
  // (does not fit the remaining space; the packet is unchanged).
  absl::Status Append(const Message& message);

  // Appends a message already encoded by EncodeMessage (trusted: not
  // re-validated). Same results as Append.
  absl::Status AppendEncoded(absl::Span<const uint8_t> message);

  size_t size() const { return size_; }
  size_t remaining() const { return out_.size() - size_; }
  size_t message_count() const { return message_count_; }
  absl::Span<const uint8_t> bytes() const { return out_.first(size_); }

 private:
  absl::Span<uint8_t> out_;
  size_t size_ = 0;
  size_t message_count_ = 0;
};

// Decodes a whole packet into `messages` (cleared first; reuse the vector to
// avoid allocating). Total: any input gives either every message or an
// error saying what is wrong and where; nothing is trusted. The messages
// point into `packet`. At most kMaxMessagesPerPacket messages, and at most
// `max_state_records` records (and as many floors) in all of its states,
// and no more than their bytes could hold (13 a record, 4 a floor): a
// count beyond either is refused before anything is decoded for it. Each
// decoded message
// or record takes about a hundred bytes however few it took on the wire,
// so those caps, not the packet's size, bound what decoding costs.
absl::Status DecodePacket(
    absl::Span<const uint8_t> packet, std::vector<Message>& messages,
    size_t max_state_records = std::numeric_limits<size_t>::max());

absl::StatusOr<std::vector<Message>> DecodePacket(
    absl::Span<const uint8_t> packet);

}  // namespace swim

#endif  // SWIM_CORE_WIRE_H_

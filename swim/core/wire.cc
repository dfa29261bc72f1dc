#include "swim/core/wire.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/core/byte_reader.h"
#include "swim/core/byte_writer.h"

namespace swim {
namespace {

constexpr uint8_t kUpdateHasMetadata = 0x01;
constexpr uint8_t kUpdateHasOrigin = 0x02;
constexpr uint8_t kPingReqWantNack = 0x01;
constexpr uint8_t kPushPullReplyWanted = 0x01;
constexpr uint8_t kPushPullJoining = 0x02;

// status + flags + name (length + 1 byte) + two 1-byte varints + IPv4
// address (family + 4 + port): the least a member record can take, used to
// cap the record count a push-pull may claim.
constexpr size_t kMinMemberUpdateSize = 1 + 1 + 2 + 2 + 7;
// origin (length + 1 byte) + two 1-byte varints.
constexpr size_t kMinBroadcastFloorSize = 2 + 1 + 1;

// Counts bytes with ByteWriter's interface, so one template both sizes and
// writes a message and the two can never disagree.
class SizeCounter {
 public:
  size_t size() const { return size_; }
  void U8(uint8_t) { size_ += 1; }
  void U16(uint16_t) { size_ += 2; }
  void Varint(uint64_t value) { size_ += ByteWriter::VarintSize(value); }
  void Bytes(absl::Span<const uint8_t> bytes) { size_ += bytes.size(); }
  void Bytes(absl::string_view bytes) { size_ += bytes.size(); }
  void LengthPrefixed(absl::string_view bytes) {
    Varint(bytes.size());
    size_ += bytes.size();
  }

 private:
  size_t size_ = 0;
};

absl::Status CheckName(absl::string_view name, absl::string_view field) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " must be 1-", kMaxNameLength, " bytes, is ", name.size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateUpdate(const Claim& update) {
  if (!IsMemberStatus(static_cast<uint8_t>(update.status))) {
    return absl::InvalidArgumentError("member update has an invalid status");
  }
  if (absl::Status status = CheckName(update.name, "member name");
      !status.ok()) {
    return status;
  }
  if (!update.origin.empty() && update.origin.size() > kMaxNameLength) {
    return CheckName(update.origin, "origin name");
  }
  return absl::OkStatus();
}

absl::Status Validate(const Message& message) {
  struct Visitor {
    absl::Status operator()(const Ping& ping) {
      return CheckName(ping.target, "ping target");
    }
    absl::Status operator()(const PingReq& req) {
      return CheckName(req.target, "ping-req target");
    }
    absl::Status operator()(const Ack&) { return absl::OkStatus(); }
    absl::Status operator()(const Nack&) { return absl::OkStatus(); }
    absl::Status operator()(const Claim& update) {
      return ValidateUpdate(update);
    }
    absl::Status operator()(const UserBroadcast& broadcast) {
      if (absl::Status status = CheckName(broadcast.origin, "broadcast origin");
          !status.ok()) {
        return status;
      }
      if (broadcast.payload.size() > kMaxUserPayloadSize) {
        return absl::InvalidArgumentError(
            absl::StrCat("broadcast payload is ", broadcast.payload.size(),
                         " bytes, above the limit of ", kMaxUserPayloadSize));
      }
      return absl::OkStatus();
    }
    absl::Status operator()(const PushPull& state) {
      if (absl::Status status = CheckName(state.sender, "push-pull sender");
          !status.ok()) {
        return status;
      }
      for (const Claim& member : state.members) {
        if (absl::Status status = ValidateUpdate(member); !status.ok()) {
          return status;
        }
      }
      for (const BroadcastFloor& floor : state.floors) {
        if (absl::Status status = CheckName(floor.origin, "floor origin");
            !status.ok()) {
          return status;
        }
      }
      return absl::OkStatus();
    }
  };
  return std::visit(Visitor{}, message);
}

template <typename Sink>
void WriteAddress(Sink& out, const Address& address) {
  out.U8(static_cast<uint8_t>(address.family()));
  out.Bytes(absl::Span<const uint8_t>(address.octets().data(),
                                      address.octet_count()));
  out.U16(address.port());
}

template <typename Sink>
void WriteUpdate(Sink& out, const Claim& update) {
  out.U8(static_cast<uint8_t>(update.status));
  out.U8((update.has_metadata ? kUpdateHasMetadata : 0) |
         (update.origin.empty() ? 0 : kUpdateHasOrigin));
  out.LengthPrefixed(update.name);
  out.Varint(update.incarnation.generation);
  out.Varint(update.incarnation.version);
  WriteAddress(out, update.address);
  if (update.has_metadata) out.Bytes(update.metadata.encoded());
  if (!update.origin.empty()) out.LengthPrefixed(update.origin);
}

template <typename Sink>
void WriteMessage(Sink& out, const Message& message) {
  out.U8(static_cast<uint8_t>(TypeOf(message)));
  struct Visitor {
    Sink& out;
    void operator()(const Ping& ping) {
      out.Varint(ping.seq);
      out.LengthPrefixed(ping.target);
    }
    void operator()(const PingReq& req) {
      out.Varint(req.seq);
      out.U8(req.want_nack ? kPingReqWantNack : 0);
      out.LengthPrefixed(req.target);
      WriteAddress(out, req.target_address);
    }
    void operator()(const Ack& ack) { out.Varint(ack.seq); }
    void operator()(const Nack& nack) { out.Varint(nack.seq); }
    void operator()(const Claim& update) { WriteUpdate(out, update); }
    void operator()(const UserBroadcast& broadcast) {
      out.LengthPrefixed(broadcast.origin);
      out.Varint(broadcast.generation);
      out.Varint(broadcast.sequence);
      out.LengthPrefixed(broadcast.payload);
    }
    void operator()(const PushPull& state) {
      out.U8((state.reply_wanted ? kPushPullReplyWanted : 0) |
             (state.joining ? kPushPullJoining : 0));
      out.LengthPrefixed(state.sender);
      out.Varint(state.members.size());
      for (const Claim& member : state.members) WriteUpdate(out, member);
      out.Varint(state.floors.size());
      for (const BroadcastFloor& floor : state.floors) {
        out.LengthPrefixed(floor.origin);
        out.Varint(floor.generation);
        out.Varint(floor.sequence);
      }
    }
  };
  std::visit(Visitor{out}, message);
}

void WriteHeader(ByteWriter& out) {
  out.U8(kWireMagic0);
  out.U8(kWireMagic1);
  out.U8(kWireVersion);
}

void CheckFlags(ByteReader& in, uint8_t flags, uint8_t allowed,
                absl::string_view what) {
  if ((flags & ~allowed) != 0) {
    in.Fail(absl::InvalidArgumentError(absl::StrCat(
        "reserved flag bits 0x",
        absl::Hex(static_cast<uint8_t>(flags & ~allowed)), " set in ", what)));
  }
}

absl::string_view ReadName(ByteReader& in, absl::string_view field) {
  absl::string_view name = in.LengthPrefixed(field, kMaxNameLength);
  if (in.ok() && name.empty()) {
    in.Fail(absl::InvalidArgumentError(absl::StrCat("empty ", field)));
  }
  return name;
}

uint32_t ReadSeq(ByteReader& in) {
  return static_cast<uint32_t>(in.Varint("sequence number", UINT32_MAX));
}

Address ReadAddress(ByteReader& in) {
  const uint8_t family = in.U8("address family");
  if (!in.ok()) return Address();
  if (family == 4) {
    std::array<uint8_t, 4> octets{};
    absl::Span<const uint8_t> bytes = in.Bytes(4, "IPv4 address");
    if (in.ok()) std::copy(bytes.begin(), bytes.end(), octets.begin());
    return Address::Ipv4(octets, in.U16("port"));
  }
  if (family == 6) {
    std::array<uint8_t, 16> octets{};
    absl::Span<const uint8_t> bytes = in.Bytes(16, "IPv6 address");
    if (in.ok()) std::copy(bytes.begin(), bytes.end(), octets.begin());
    return Address::Ipv6(octets, in.U16("port"));
  }
  in.Fail(absl::InvalidArgumentError(
      absl::StrCat("unknown address family ", family, " (expected 4 or 6)")));
  return Address();
}

Claim ReadUpdate(ByteReader& in) {
  Claim update;
  const uint8_t status = in.U8("member status");
  if (in.ok() && !IsMemberStatus(status)) {
    in.Fail(absl::InvalidArgumentError(
        absl::StrCat("unknown member status ", status)));
  }
  update.status = static_cast<MemberStatus>(status);
  const uint8_t flags = in.U8("member update flags");
  CheckFlags(in, flags, kUpdateHasMetadata | kUpdateHasOrigin, "member update");
  update.name = ReadName(in, "member name");
  update.incarnation.generation = in.Varint("incarnation generation");
  update.incarnation.version = in.Varint("incarnation version");
  update.address = ReadAddress(in);
  update.has_metadata = (flags & kUpdateHasMetadata) != 0;
  if (update.has_metadata) update.metadata = MetadataView::Read(in);
  if (flags & kUpdateHasOrigin) update.origin = ReadName(in, "origin name");
  return update;
}

// `records` and `floors`: how many more the packet's states may hold.
Message ReadMessage(ByteReader& in, size_t& records, size_t& floors) {
  const size_t offset = in.position();
  const uint8_t type = in.U8("message type");
  if (!in.ok()) return Ack{};
  switch (static_cast<MessageType>(type)) {
    case MessageType::kPing: {
      Ping ping;
      ping.seq = ReadSeq(in);
      ping.target = ReadName(in, "ping target");
      return ping;
    }
    case MessageType::kPingReq: {
      PingReq req;
      req.seq = ReadSeq(in);
      const uint8_t flags = in.U8("ping-req flags");
      CheckFlags(in, flags, kPingReqWantNack, "ping-req");
      req.want_nack = (flags & kPingReqWantNack) != 0;
      req.target = ReadName(in, "ping-req target");
      req.target_address = ReadAddress(in);
      return req;
    }
    case MessageType::kAck:
      return Ack{ReadSeq(in)};
    case MessageType::kNack:
      return Nack{ReadSeq(in)};
    case MessageType::kMemberUpdate:
      return ReadUpdate(in);
    case MessageType::kUserBroadcast: {
      UserBroadcast broadcast;
      broadcast.origin = ReadName(in, "broadcast origin");
      broadcast.generation = in.Varint("broadcast generation");
      broadcast.sequence = in.Varint("broadcast sequence");
      broadcast.payload =
          in.LengthPrefixed("broadcast payload", kMaxUserPayloadSize);
      return broadcast;
    }
    case MessageType::kPushPull: {
      PushPull state;
      const uint8_t flags = in.U8("push-pull flags");
      CheckFlags(in, flags, kPushPullReplyWanted | kPushPullJoining,
                 "push-pull");
      state.reply_wanted = (flags & kPushPullReplyWanted) != 0;
      state.joining = (flags & kPushPullJoining) != 0;
      state.sender = ReadName(in, "push-pull sender");
      // Never trust the count: it may not exceed what the bytes could hold.
      const uint64_t count =
          in.Varint("push-pull member count",
                    std::min(in.remaining() / kMinMemberUpdateSize, records));
      if (!in.ok()) return state;
      records -= count;
      // Reserve at most a little: a forged count within the cap would
      // still cost 8 bytes of memory per input byte if trusted at once.
      state.members.reserve(std::min<uint64_t>(count, 256));
      for (uint64_t i = 0; i < count && in.ok(); ++i) {
        state.members.push_back(ReadUpdate(in));
      }
      const uint64_t floor_count =
          in.Varint("broadcast floor count",
                    std::min(in.remaining() / kMinBroadcastFloorSize, floors));
      if (!in.ok()) return state;
      floors -= floor_count;
      state.floors.reserve(std::min<uint64_t>(floor_count, 256));
      for (uint64_t i = 0; i < floor_count && in.ok(); ++i) {
        BroadcastFloor floor;
        floor.origin = ReadName(in, "floor origin");
        floor.generation = in.Varint("floor generation");
        floor.sequence = in.Varint("floor sequence");
        state.floors.push_back(floor);
      }
      return state;
    }
  }
  in.Fail(absl::InvalidArgumentError(
      absl::StrCat("unknown message type ", type, " at offset ", offset)));
  return Ack{};
}

}  // namespace

MessageType TypeOf(const Message& message) {
  struct Visitor {
    MessageType operator()(const Ping&) { return MessageType::kPing; }
    MessageType operator()(const PingReq&) { return MessageType::kPingReq; }
    MessageType operator()(const Ack&) { return MessageType::kAck; }
    MessageType operator()(const Nack&) { return MessageType::kNack; }
    MessageType operator()(const Claim&) { return MessageType::kMemberUpdate; }
    MessageType operator()(const UserBroadcast&) {
      return MessageType::kUserBroadcast;
    }
    MessageType operator()(const PushPull&) { return MessageType::kPushPull; }
  };
  return std::visit(Visitor{}, message);
}

absl::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kPing:
      return "ping";
    case MessageType::kPingReq:
      return "ping-req";
    case MessageType::kAck:
      return "ack";
    case MessageType::kNack:
      return "nack";
    case MessageType::kMemberUpdate:
      return "member-update";
    case MessageType::kUserBroadcast:
      return "user-broadcast";
    case MessageType::kPushPull:
      return "push-pull";
  }
  return "unknown";
}

absl::StatusOr<size_t> EncodedSize(const Message& message) {
  if (absl::Status status = Validate(message); !status.ok()) return status;
  SizeCounter counter;
  WriteMessage(counter, message);
  return counter.size();
}

absl::StatusOr<size_t> EncodePacket(absl::Span<const Message> messages,
                                    absl::Span<uint8_t> out) {
  if (messages.empty()) {
    return absl::InvalidArgumentError("a packet needs at least one message");
  }
  size_t total = kWireHeaderSize;
  for (const Message& message : messages) {
    absl::StatusOr<size_t> size = EncodedSize(message);
    if (!size.ok()) return size.status();
    total += *size;
  }
  if (total > kMaxPacketSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("packet would be ", total, " bytes, above the limit of ",
                     kMaxPacketSize));
  }
  if (total > out.size()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "packet needs ", total, " bytes, buffer holds ", out.size()));
  }
  ByteWriter writer(out);
  WriteHeader(writer);
  for (const Message& message : messages) WriteMessage(writer, message);
  return writer.size();
}

absl::StatusOr<std::vector<uint8_t>> EncodeMessage(const Message& message) {
  absl::StatusOr<size_t> size = EncodedSize(message);
  if (!size.ok()) return size.status();
  std::vector<uint8_t> encoded(*size);
  ByteWriter writer(absl::MakeSpan(encoded));
  WriteMessage(writer, message);
  return encoded;
}

PacketBuilder::PacketBuilder(absl::Span<uint8_t> out) : out_(out) {
  ByteWriter writer(out_);
  WriteHeader(writer);
  size_ = writer.ok() ? writer.size() : 0;
}

absl::Status PacketBuilder::Append(const Message& message) {
  absl::StatusOr<size_t> size = EncodedSize(message);
  if (!size.ok()) return size.status();
  if (size_ == 0 || *size > remaining() || size_ + *size > kMaxPacketSize) {
    return absl::ResourceExhaustedError(
        absl::StrCat(MessageTypeName(TypeOf(message)), " needs ", *size,
                     " bytes, ", remaining(), " remain"));
  }
  ByteWriter writer(out_.subspan(size_));
  WriteMessage(writer, message);
  size_ += writer.size();
  ++message_count_;
  return absl::OkStatus();
}

absl::Status PacketBuilder::AppendEncoded(absl::Span<const uint8_t> message) {
  if (message.empty()) {
    return absl::InvalidArgumentError("an encoded message cannot be empty");
  }
  if (size_ == 0 || message.size() > remaining() ||
      size_ + message.size() > kMaxPacketSize) {
    return absl::ResourceExhaustedError(absl::StrCat("encoded message needs ",
                                                     message.size(), " bytes, ",
                                                     remaining(), " remain"));
  }
  std::memcpy(out_.data() + size_, message.data(), message.size());
  size_ += message.size();
  ++message_count_;
  return absl::OkStatus();
}

absl::Status DecodePacket(absl::Span<const uint8_t> packet,
                          std::vector<Message>& messages,
                          size_t max_state_records) {
  messages.clear();
  if (packet.size() > kMaxPacketSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("packet is ", packet.size(), " bytes, above the limit of ",
                     kMaxPacketSize));
  }
  ByteReader in(packet);
  const uint8_t magic0 = in.U8("magic");
  const uint8_t magic1 = in.U8("magic");
  const uint8_t version = in.U8("version");
  if (!in.ok()) return in.status();
  if (magic0 != kWireMagic0 || magic1 != kWireMagic1) {
    return absl::InvalidArgumentError("bad magic: not a swim packet");
  }
  if (version == kCompressedWireVersion) {
    // Compressed (compression.h): a stream's receiver expands it first.
    return absl::InvalidArgumentError(
        absl::StrCat("a compressed packet (wire version ", version,
                     ") where only a version-", kWireVersion,
                     " packet may be: in a datagram, or inside another"));
  }
  if (version != kWireVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported wire version ", version, " (this is ",
                     kWireVersion, " to ", SWIM_WIRE_VERSION, ")"));
  }
  if (in.AtEnd()) {
    return absl::InvalidArgumentError("packet has no messages");
  }
  // Across all of the packet's states: legitimate senders put one in a
  // packet, and a cap per state would let many add up.
  size_t records = max_state_records;
  size_t floors = max_state_records;
  while (!in.AtEnd() && in.ok()) {
    if (messages.size() == kMaxMessagesPerPacket) {
      in.Fail(absl::InvalidArgumentError(
          absl::StrCat("more than ", kMaxMessagesPerPacket,
                       " messages in one packet, at offset ", in.position())));
      break;
    }
    Message message = ReadMessage(in, records, floors);
    if (in.ok()) messages.push_back(std::move(message));
  }
  if (!in.ok()) {
    messages.clear();
    return in.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Message>> DecodePacket(
    absl::Span<const uint8_t> packet) {
  std::vector<Message> messages;
  if (absl::Status status = DecodePacket(packet, messages); !status.ok()) {
    return status;
  }
  return messages;
}

}  // namespace swim

// Fuzzes a whole Node, not only its parser. The input is a program: each
// step advances the (monotonic) clock, delivers a datagram or stream
// bytes — raw bytes, or well-formed messages built from the input's
// choices so they reach the protocol logic, split across reads and
// interleaved over a few connections that close at chosen points — or
// calls the API (join, rejoin from a saved view, leave, set metadata,
// broadcast, remove). After every step
// the fuzzer drains transmits and events and checks invariants; a
// violation aborts:
//   - every transmit opens and decodes (a stream transmit is exactly one
//     stream message), a datagram fits the budget, and a reply goes on a
//     connection the node was given;
//   - the local incarnation never decreases;
//   - the member table, the queues and the per-member timers stay within
//     their bounds;
//   - no event contradicts the table (the last event about a member in a
//     step names the status it has);
//   - after HandleTimeout(now), NextDeadline() is later than now;
//   - a TCP-only node (an input of odd length: either kind of corpus
//     entry keeps its meaning) sends no datagram at all.
// Plaintext mode, so raw bytes reach the decoder without a key.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "fuzz/fuzz_input.h"
#include "swim/core/address.h"
#include "swim/core/compression.h"
#include "swim/core/config.h"
#include "swim/core/envelope.h"
#include "swim/core/instant.h"
#include "swim/core/keyring.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/stream.h"
#include "swim/core/wire.h"
#include "swim/testing/in_memory.h"

namespace swim::fuzzing {
namespace {

constexpr int kMaxSteps = 256;
constexpr size_t kMaxMembers = 48;
constexpr absl::string_view kLabel = "node-fuzz";

void Check(bool ok) {
  if (!ok) std::abort();
}

Address Addr(uint8_t last) { return Address::Ipv4({10, 0, 0, last}, 7946); }

// A small pool, so messages keep talking about the same members.
absl::string_view NameOf(size_t choice) {
  static const std::string* const kNames = new std::string[]{
      "self", "a", "b", "c", "d", "e", "f", std::string(255, 'n'),
      "g",    "h", "i", "j", "",  "k", "l", "m"};
  return kNames[choice % 16];
}

Config NodeConfig(bool tcp_only) {
  Config config = Config::Local();
  config.tcp_only = tcp_only;
  config.name = "self";
  config.address = Addr(1);
  config.generation = 100;
  config.seed = 7;
  config.security_mode = SecurityMode::kPlaintext;
  config.label = std::string(kLabel);
  config.max_members = kMaxMembers;
  return config;
}

Envelope PeerEnvelope() {
  EnvelopeConfig config;
  config.mode = SecurityMode::kPlaintext;
  config.label = std::string(kLabel);
  absl::StatusOr<Envelope> envelope = Envelope::Create(config, Keyring());
  Check(envelope.ok());
  return *std::move(envelope);
}

Incarnation IncarnationOf(FuzzInput& in) {
  // Mostly small numbers near the node's (generation 100), sometimes any.
  if (in.Pick(8) == 0) return {in.U64(), in.U64()};
  return {100 + in.Pick(3) - 1, in.Pick(6)};
}

// Storage for the strings a built message points into.
struct Arena {
  std::vector<std::unique_ptr<std::string>> strings;
  absl::string_view Keep(std::string value) {
    strings.push_back(std::make_unique<std::string>(std::move(value)));
    return *strings.back();
  }
};

Claim UpdateOf(FuzzInput& in, Arena& arena) {
  Claim update;
  update.status = static_cast<MemberStatus>(in.Pick(4));
  update.name = NameOf(in.Byte());
  update.incarnation = IncarnationOf(in);
  update.address = Addr(static_cast<uint8_t>(1 + in.Pick(8)));
  if (update.status == MemberStatus::kOnline && in.Bool()) {
    Metadata metadata;
    const size_t keys = in.Pick(4);
    for (size_t i = 0; i < keys; ++i) {
      metadata[std::string(in.Bytes(8))] = std::string(in.Bytes(600));
    }
    absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
    if (encoded.ok()) {
      absl::StatusOr<MetadataView> view =
          MetadataView::Parse(arena.Keep(*std::move(encoded)));
      if (view.ok()) {
        update.has_metadata = true;
        update.metadata = *view;
      }
    }
  }
  if (in.Bool()) update.origin = NameOf(in.Byte());
  return update;
}

Message MessageOf(FuzzInput& in, Arena& arena, uint32_t last_probe_seq) {
  // Sequence numbers: often the node's current probe, to reach ack paths.
  auto seq = [&] { return in.Bool() ? last_probe_seq : in.U32(); };
  switch (in.Pick(7)) {
    case 0:
      return Ping{seq(), NameOf(in.Byte())};
    case 1:
      return PingReq{seq(), NameOf(in.Byte()),
                     Addr(static_cast<uint8_t>(1 + in.Pick(8))), in.Bool()};
    case 2:
      return Ack{seq()};
    case 3:
      return Nack{seq()};
    case 4:
      return UpdateOf(in, arena);
    case 5:
      return UserBroadcast{NameOf(in.Byte()), IncarnationOf(in).generation,
                           in.Pick(4), arena.Keep(std::string(in.Bytes(64)))};
    default: {
      PushPull state;
      state.reply_wanted = in.Bool();
      state.sender = NameOf(in.Byte());
      const size_t count = in.Pick(20);
      for (size_t i = 0; i < count; ++i) {
        state.members.push_back(UpdateOf(in, arena));
      }
      return state;
    }
  }
}

class NodeProgram {
 public:
  explicit NodeProgram(bool tcp_only)
      : peer_(PeerEnvelope()), opener_(PeerEnvelope()) {
    absl::StatusOr<std::unique_ptr<Node>> node =
        Node::Create(NodeConfig(tcp_only), now_);
    Check(node.ok());
    node_ = *std::move(node);
    incarnation_ = node_->local().incarnation;
    Drain();
  }

  void Step(FuzzInput& in) {
    switch (in.Pick(11)) {
      case 0: {  // time passes
        now_ += absl::Milliseconds(in.U16());
        Timeout();
        break;
      }
      case 1: {  // the next deadline, exactly
        if (std::optional<Instant> next = node_->NextDeadline()) {
          now_ = std::max(now_, *next);
        }
        Timeout();
        break;
      }
      case 2:
      case 3: {  // well-formed messages
        Arena arena;
        std::vector<uint8_t> packet(kMaxPacketSize / 1024);
        PacketBuilder builder(absl::MakeSpan(packet));
        const size_t count = 1 + in.Pick(4);
        for (size_t i = 0; i < count; ++i) {
          (void)builder.Append(MessageOf(in, arena, last_probe_seq_));
        }
        Deliver(in, builder.bytes());
        break;
      }
      case 4: {  // raw packet bytes in a valid envelope
        const absl::string_view raw = in.Bytes(4096);
        Deliver(in, absl::MakeSpan(reinterpret_cast<const uint8_t*>(raw.data()),
                                   raw.size()));
        break;
      }
      case 5: {  // raw bytes, envelope and all
        const absl::string_view raw = in.Bytes(4096);
        const absl::Span<const uint8_t> bytes(
            reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
        if (in.Bool()) {
          node_->HandleDatagram(Addr(2), bytes, now_);
        } else {
          StreamBytes(in, Addr(2), bytes);
        }
        break;
      }
      case 6: {
        std::vector<Address> seeds;
        const size_t count = in.Pick(4);
        for (size_t i = 0; i < count; ++i) {
          seeds.push_back(Addr(static_cast<uint8_t>(1 + in.Pick(8))));
        }
        if (in.Pick(4) != 0) {
          (void)node_->Join(seeds, now_);
          break;
        }
        // A restart from a saved view: any statuses, names and metadata.
        Arena arena;
        std::vector<Member> saved;
        const size_t members = in.Pick(8);
        for (size_t i = 0; i < members; ++i) {
          const Claim claim = UpdateOf(in, arena);
          Member member;
          member.name = std::string(claim.name);
          member.address = claim.address;
          member.status = claim.status;
          member.incarnation = claim.incarnation;
          if (claim.has_metadata) member.metadata = claim.metadata.ToMap();
          saved.push_back(std::move(member));
        }
        (void)node_->Rejoin(saved, seeds, now_);
        break;
      }
      case 7:
        if (in.Pick(4) == 0) (void)node_->Leave(now_);
        break;
      case 8: {
        Metadata metadata;
        metadata[std::string(in.Bytes(8))] = std::string(in.Bytes(700));
        (void)node_->SetMetadata(metadata, now_);
        break;
      }
      case 9: {  // the application forgets a member, or keeps it longer
        const absl::string_view name = NameOf(in.Pick(16));
        if (in.Bool()) {
          (void)node_->Remove(name, now_);
        } else {
          (void)node_->RememberFor(
              name, absl::Milliseconds(static_cast<int64_t>(in.U16()) - 100),
              now_);
        }
        break;
      }
      default:
        (void)node_->Broadcast(in.Bytes(2000), now_);
        break;
    }
    Drain();
    CheckInvariants();
  }

 private:
  void Timeout() {
    node_->HandleTimeout(now_);
    const std::optional<Instant> next = node_->NextDeadline();
    Check(!next || *next > now_);
  }

  void Deliver(FuzzInput& in, absl::Span<const uint8_t> packet) {
    const Address from = Addr(static_cast<uint8_t>(1 + in.Pick(8)));
    if (in.Pick(4) == 0 && !packet.empty()) {
      // An odd message id sends it compressed (wire version 2), when that
      // makes it smaller: the id's other bits stay the input's.
      const uint64_t id = in.U64();
      std::optional<std::vector<uint8_t>> compressed;
      if (id % 2 == 1) compressed = CompressPacket(packet);
      if (compressed && in.Pick(4) == 0) {
        // Damaged before it was sealed (a key holder's doing): cut short
        // or one byte changed past the header. The invariants must hold
        // whether it is dropped or (a changed bit zlib ignores) taken.
        const size_t at = kWireHeaderSize +
                          static_cast<size_t>(in.U64() % (compressed->size() -
                                                          kWireHeaderSize));
        if (in.Pick(2) == 0) {
          compressed->resize(at);
        } else {
          (*compressed)[at] ^= static_cast<uint8_t>(1 + in.Pick(255));
        }
      }
      std::vector<uint8_t> bytes;
      Check(
          SealStreamMessage(peer_, id, compressed ? *compressed : packet, bytes)
              .ok());
      StreamBytes(in, from, bytes);
      return;
    }
    std::vector<uint8_t> sealed(packet.size() + peer_.Overhead());
    absl::StatusOr<size_t> size = peer_.Seal(packet, absl::MakeSpan(sealed));
    Check(size.ok());
    node_->HandleDatagram(from, sealed, now_);
  }

  // Stream bytes on one of a few connections, in one or two reads; the
  // connection then stays open or closes, as the input says.
  void StreamBytes(FuzzInput& in, const Address& from,
                   absl::Span<const uint8_t> bytes) {
    const StreamId stream = 1 + in.Pick(4);
    const size_t split = in.Pick(bytes.size() + 1);
    for (absl::Span<const uint8_t> piece :
         {bytes.first(split), bytes.subspan(split)}) {
      if (piece.empty()) continue;
      open_.insert(stream);
      used_.insert(stream);
      if (node_->HandleStreamData(stream, from, piece, now_) ==
          StreamVerdict::kClose) {
        open_.erase(stream);
        break;
      }
    }
    if (in.Bool() && open_.contains(stream)) {
      Drain();  // replies go out before the close
      node_->HandleStreamClosed(stream);
      open_.erase(stream);
    }
  }

  void Drain() {
    const size_t budget = node_->config().datagram_budget;
    while (std::optional<Transmit> transmit = node_->PollTransmit()) {
      if (transmit->channel == Channel::kDatagram) {
        Check(transmit->bytes.size() <= budget);
        Check(!node_->config().tcp_only);
      }
      // A reply goes on a connection the node was given.
      Check(transmit->channel == Channel::kStream ||
            !transmit->stream.has_value());
      Check(!transmit->stream || used_.contains(*transmit->stream));
      absl::StatusOr<std::vector<uint8_t>> packet =
          testing::OpenTransmit(opener_, transmit->channel, transmit->bytes);
      Check(packet.ok());
      packet_ = *std::move(packet);
      Check(DecodePacket(packet_, decoded_).ok());
      for (const Message& message : decoded_) {
        if (const Ping* ping = std::get_if<Ping>(&message)) {
          last_probe_seq_ = ping->seq;
        }
      }
    }
    last_.clear();
    while (std::optional<Event> event = node_->PollEvent()) {
      if (std::holds_alternative<MemberJoined>(*event) ||
          std::holds_alternative<MemberStatusChanged>(*event) ||
          std::holds_alternative<MemberReaped>(*event)) {
        const Member& member = *EventMember(*event);
        if (member.name == node_->local().name) continue;
        last_[member.name] = *event;
      }
    }
  }

  void CheckInvariants() {
    Check(node_->local().incarnation >= incarnation_);
    incarnation_ = node_->local().incarnation;
    Check(node_->size() <= kMaxMembers);
    Check(node_->queued_broadcasts() <= 65536 + 256);
    Check(node_->queued_member_timers() <= 8 * (node_->size() + 1));
    for (const auto& [name, event] : last_) {
      const std::optional<Member> member = node_->Find(name);
      if (std::holds_alternative<MemberReaped>(event)) {
        Check(!member.has_value());
      } else {
        Check(member.has_value() &&
              member->status == EventMember(event)->status);
      }
    }
  }

  Instant now_ = Instant(absl::Seconds(1700000000));
  Envelope peer_;
  Envelope opener_;
  std::unique_ptr<Node> node_;
  Incarnation incarnation_;
  uint32_t last_probe_seq_ = 0;
  std::vector<uint8_t> packet_;
  std::vector<Message> decoded_;
  absl::flat_hash_set<StreamId> open_;  // connections not closed yet
  absl::flat_hash_set<StreamId> used_;  // every connection ever given
  absl::flat_hash_map<std::string, Event> last_;
};

}  // namespace
}  // namespace swim::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swim::fuzzing::FuzzInput in(absl::MakeConstSpan(data, size));
  swim::fuzzing::NodeProgram program(/*tcp_only=*/size % 2 == 1);
  for (int step = 0; step < swim::fuzzing::kMaxSteps && !in.empty(); ++step) {
    program.Step(in);
  }
  return 0;
}

#include "swim/testing/wire_examples.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "swim/core/keyring.h"
#include "swim/core/stream.h"

namespace swim::testing {
namespace {

// Names of 16 bytes, the size the ping target was set for.
constexpr absl::string_view kAlice = "alice.example:01";
constexpr absl::string_view kBob = "bob.example:0002";

const std::string& ExampleMetadataEncoding() {
  static const std::string* encoded = new std::string(
      *EncodeMetadata(Metadata{{"role", "db"}, {"zone", "eu-1"}}));
  return *encoded;
}

MetadataView ExampleMetadata() {
  return *MetadataView::Parse(ExampleMetadataEncoding());
}

Address Ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  return Address::Ipv4({a, b, c, d}, port);
}

Claim AliceOnline() {
  Claim update;
  update.status = MemberStatus::kOnline;
  update.name = kAlice;
  update.incarnation = {1700000000, 3};
  update.address = Ipv4(10, 0, 0, 1, 7946);
  update.has_metadata = true;
  update.metadata = ExampleMetadata();
  return update;
}

}  // namespace

std::vector<WireExample> WireExamples() {
  std::vector<WireExample> examples;
  examples.push_back({"ping",
                      "Ping seq 42 to a member with a 16-byte name",
                      {Ping{42, kBob}}});
  examples.push_back({"ping-req",
                      "Ping-req seq 300 for bob at 10.0.0.2:7946, nack wanted",
                      {PingReq{300, kBob, Ipv4(10, 0, 0, 2, 7946), true}}});
  std::array<uint8_t, 16> loopback6{};
  loopback6[15] = 1;
  examples.push_back(
      {"ping-req-ipv6",
       "Ping-req seq 7 for bob at [::1]:7946, no nack",
       {PingReq{7, kBob, Address::Ipv6(loopback6, 7946), false}}});
  examples.push_back({"ack", "Ack seq 42", {Ack{42}}});
  examples.push_back({"nack", "Nack seq 300", {Nack{300}}});
  examples.push_back(
      {"alive",
       "alice is ONLINE at incarnation 1700000000.3 with metadata",
       {AliceOnline()}});
  Claim suspect;
  suspect.status = MemberStatus::kSuspect;
  suspect.name = kAlice;
  suspect.incarnation = {1700000000, 3};
  suspect.address = Ipv4(10, 0, 0, 1, 7946);
  suspect.origin = kBob;
  examples.push_back(
      {"suspect", "bob suspects alice at incarnation 1700000000.3", {suspect}});
  Claim offline = suspect;
  offline.status = MemberStatus::kOffline;
  examples.push_back({"offline", "bob declares alice OFFLINE", {offline}});
  Claim left;
  left.status = MemberStatus::kLeft;
  left.name = kAlice;
  left.incarnation = {1700000000, 4};
  left.address = Ipv4(10, 0, 0, 1, 7946);
  examples.push_back(
      {"leave", "alice leaves gracefully (her own LEFT claim)", {left}});
  examples.push_back({"user-broadcast",
                      "Broadcast 9 of alice's life 1700000000, carrying "
                      "\"hello\"",
                      {UserBroadcast{kAlice, 1700000000, 9, "hello"}}});
  PushPull state;
  state.reply_wanted = true;
  state.sender = kAlice;
  state.members.push_back(AliceOnline());
  Claim bob;
  bob.status = MemberStatus::kOnline;
  bob.name = kBob;
  bob.incarnation = {1700000100, 0};
  bob.address = Ipv4(10, 0, 0, 2, 7946);
  bob.has_metadata = true;  // empty map
  state.members.push_back(bob);
  examples.push_back({"push-pull",
                      "alice's push-pull state of two members, reply wanted",
                      {state}});
  examples.push_back({"compound",
                      "Ping with two piggybacked updates in one datagram",
                      {Ping{43, kBob}, suspect, left}});
  return examples;
}

std::vector<uint8_t> EncodeExample(const WireExample& example) {
  std::vector<uint8_t> out(kMaxPacketSize < 65536 ? kMaxPacketSize : 65536);
  absl::StatusOr<size_t> size =
      EncodePacket(example.messages, absl::MakeSpan(out));
  if (!size.ok()) std::abort();  // examples are valid by construction
  out.resize(*size);
  return out;
}

std::vector<SealedExample> SealedExamples() {
  std::vector<SealedExample> examples;
  examples.push_back({"datagram-encrypted",
                      "The ping example as an encrypted datagram, label "
                      "\"example\", the envelope's first nonce",
                      "ping", SecurityMode::kEncrypted, "example",
                      /*stream=*/false, 0});
  examples.push_back({"stream-plaintext",
                      "The ack example as a plaintext stream message (one "
                      "frame, one chunk), no label, message id "
                      "0102030405060708",
                      "ack", SecurityMode::kPlaintext, "", /*stream=*/true,
                      0x0102030405060708});
  examples.push_back({"stream-encrypted",
                      "The user-broadcast example as an encrypted stream "
                      "message, label \"example\", message id 1",
                      "user-broadcast", SecurityMode::kEncrypted, "example",
                      /*stream=*/true, 1});
  return examples;
}

Envelope SealedExampleEnvelope(const SealedExample& example) {
  EnvelopeConfig config;
  config.mode = example.mode;
  config.label = example.label;
  for (size_t i = 0; i < config.nonce_seed.size(); ++i) {
    config.nonce_seed[i] = static_cast<uint8_t>(0x20 + i);
  }
  Keyring keyring;
  if (example.mode != SecurityMode::kPlaintext) {
    std::string key(32, '\0');
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i);
    keyring = *Keyring::Create({key});
  }
  return *Envelope::Create(config, std::move(keyring));
}

std::vector<uint8_t> SealExample(const SealedExample& example) {
  std::vector<uint8_t> packet;
  for (const WireExample& candidate : WireExamples()) {
    if (candidate.name == example.packet) packet = EncodeExample(candidate);
  }
  if (packet.empty()) std::abort();  // names an example that exists
  Envelope envelope = SealedExampleEnvelope(example);
  std::vector<uint8_t> out;
  if (example.stream) {
    if (!SealStreamMessage(envelope, example.message_id, packet, out).ok()) {
      std::abort();
    }
    return out;
  }
  out.resize(packet.size() + envelope.Overhead());
  if (!envelope.Seal(packet, absl::MakeSpan(out)).ok()) std::abort();
  return out;
}

std::string HexDump(absl::Span<const uint8_t> bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) absl::StrAppend(&out, i % 16 == 0 ? "\n" : " ");
    absl::StrAppendFormat(&out, "%02x", bytes[i]);
  }
  return out;
}

}  // namespace swim::testing

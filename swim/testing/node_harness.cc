#include "swim/testing/node_harness.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/core/keyring.h"
#include "swim/core/probe.h"
#include "swim/testing/in_memory.h"

namespace swim::testing {

namespace {

std::string Describe(const Member& member) {
  return absl::StrCat(member.name, "@", member.address.ToString(), " ",
                      MemberStatusName(member.status), " ",
                      member.incarnation.ToString(),
                      " meta=", member.metadata.size());
}

}  // namespace

std::string Key() { return std::string(32, 'k'); }

Address Addr(uint8_t last, uint16_t port) {
  return Address::Ipv4({10, 0, 0, last}, port);
}

Config TestConfig(absl::string_view label) {
  Config config = Config::Local();
  config.name = std::string(kSelf);
  config.address = Addr(1);
  config.generation = kGeneration;
  config.seed = 42;
  config.keys = {Key()};
  config.label = std::string(label);
  config.nonce_seed.fill(1);
  return config;
}

Config NoPeriodicPushPull(Config config) {
  config.push_pull_interval = absl::ZeroDuration();
  return config;
}

absl::Duration ProbeVerdictAfter(const Config& config) {
  if (!config.stream_fallback) return config.probe_interval;
  return std::max(config.probe_interval,
                  2 * config.probe_timeout + FallbackWaits::kStreamRetransmit);
}

Envelope MakeEnvelope(SecurityMode mode, const std::vector<std::string>& keys,
                      absl::string_view label, uint8_t nonce) {
  EnvelopeConfig config;
  config.mode = mode;
  config.label = std::string(label);
  config.nonce_seed.fill(nonce);
  Keyring keyring;
  if (!keys.empty()) {
    absl::StatusOr<Keyring> created = Keyring::Create(keys);
    if (!created.ok()) {
      ADD_FAILURE() << created.status();
      std::abort();
    }
    keyring = *std::move(created);
  }
  absl::StatusOr<Envelope> envelope =
      Envelope::Create(std::move(config), std::move(keyring));
  if (!envelope.ok()) {
    ADD_FAILURE() << envelope.status();
    std::abort();
  }
  return *std::move(envelope);
}

std::vector<uint8_t> EncodeMessages(const std::vector<Message>& messages) {
  size_t total = kWireHeaderSize;
  for (const Message& message : messages) {
    absl::StatusOr<size_t> size = EncodedSize(message);
    EXPECT_TRUE(size.ok()) << size.status();
    if (size.ok()) total += *size;
  }
  std::vector<uint8_t> packet(total);
  absl::StatusOr<size_t> written =
      EncodePacket(messages, absl::MakeSpan(packet));
  EXPECT_TRUE(written.ok()) << written.status();
  return packet;
}

std::vector<uint8_t> SealPacket(Envelope& envelope,
                                absl::Span<const uint8_t> packet) {
  std::vector<uint8_t> sealed(packet.size() + envelope.Overhead());
  absl::StatusOr<size_t> size = envelope.Seal(packet, absl::MakeSpan(sealed));
  EXPECT_TRUE(size.ok()) << size.status();
  return sealed;
}

std::vector<uint8_t> SealStreamPacket(Envelope& envelope,
                                      absl::Span<const uint8_t> packet,
                                      uint64_t message_id) {
  std::vector<uint8_t> sealed;
  absl::Status status = SealStreamMessage(envelope, message_id, packet, sealed);
  EXPECT_TRUE(status.ok()) << status;
  return sealed;
}

Claim MakeClaim(MemberStatus status, absl::string_view name,
                const Address& address, Incarnation incarnation,
                absl::string_view origin) {
  Claim update;
  update.status = status;
  update.name = name;
  update.incarnation = incarnation;
  update.address = address;
  if (status == MemberStatus::kOnline) {
    update.has_metadata = true;
  } else {
    update.origin = origin;
  }
  return update;
}

Claim Online(absl::string_view name, const Address& address,
             Incarnation incarnation) {
  return MakeClaim(MemberStatus::kOnline, name, address, incarnation);
}

std::optional<Claim> UpdateAbout(const Sent& sent, absl::string_view name) {
  for (const Claim& update : MessagesOf<Claim>(sent)) {
    if (update.name == name) return update;
  }
  return std::nullopt;
}

std::string Describe(const Snapshot& snapshot) {
  std::string out = absl::StrCat("local: ", Describe(snapshot.local));
  for (const Member& member : snapshot.members) {
    absl::StrAppend(&out, "; ", Describe(member));
  }
  return out;
}

Harness::Harness(Config config, Instant start)
    : now_(start),
      datagram_budget_(config.datagram_budget),
      opener_(
          MakeEnvelope(config.security_mode, config.keys, config.label, 200)),
      peer_(
          MakeEnvelope(config.security_mode, config.keys, config.label, 201)) {
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(std::move(config), start);
  if (!node.ok()) {
    ADD_FAILURE() << node.status();
    std::abort();
  }
  node_ = *std::move(node);
  Collect();
}

std::vector<uint8_t> Harness::Seal(const std::vector<Message>& messages) {
  return SealPacket(peer_, EncodeMessages(messages));
}

std::vector<uint8_t> Harness::SealRaw(absl::Span<const uint8_t> packet) {
  return SealPacket(peer_, packet);
}

void Harness::Datagram(const Address& from,
                       const std::vector<Message>& messages) {
  DatagramBytes(from, Seal(messages));
}

void Harness::DatagramBytes(const Address& from,
                            absl::Span<const uint8_t> bytes) {
  node_->HandleDatagram(from, bytes, now_);
  Collect();
}

std::vector<uint8_t> Harness::SealStream(const std::vector<Message>& messages) {
  return SealStreamRaw(EncodeMessages(messages));
}

std::vector<uint8_t> Harness::SealStreamRaw(absl::Span<const uint8_t> packet) {
  return SealStreamPacket(peer_, packet, next_message_id_++ * 7919);
}

StreamVerdict Harness::Stream(const Address& from,
                              const std::vector<Message>& messages) {
  return StreamBytes(from, SealStream(messages));
}

StreamVerdict Harness::StreamBytes(const Address& from,
                                   absl::Span<const uint8_t> bytes) {
  const StreamId stream = NewStreamId();
  const StreamVerdict verdict = StreamData(stream, from, bytes);
  CloseStream(stream);
  return verdict;
}

StreamVerdict Harness::StreamData(StreamId stream, const Address& from,
                                  absl::Span<const uint8_t> bytes) {
  const StreamVerdict verdict =
      node_->HandleStreamData(stream, from, bytes, now_);
  Collect();
  return verdict;
}

void Harness::CloseStream(StreamId stream) {
  node_->HandleStreamClosed(stream);
  Collect();
}

void Harness::Learn(absl::string_view name, const Address& address,
                    Incarnation incarnation) {
  if (node_->config().tcp_only) {
    Stream(address, {Online(name, address, incarnation)});
  } else {
    Datagram(address, {Online(name, address, incarnation)});
  }
  ASSERT_NE(node_->Find(name), std::nullopt) << name;
}

absl::Status Harness::Join(const std::vector<Address>& seeds) {
  absl::Status status = node_->Join(seeds, now_);
  Collect();
  return status;
}

absl::Status Harness::Rejoin(const std::vector<Member>& saved,
                             const std::vector<Address>& seeds) {
  absl::Status status = node_->Rejoin(saved, seeds, now_);
  Collect();
  return status;
}

absl::Status Harness::Remove(absl::string_view name) {
  absl::Status status = node_->Remove(name, now_);
  Collect();
  return status;
}

absl::Status Harness::RememberFor(absl::string_view name,
                                  absl::Duration duration) {
  absl::Status status = node_->RememberFor(name, duration, now_);
  Collect();
  return status;
}

absl::Status Harness::Leave() {
  absl::Status status = node_->Leave(now_);
  Collect();
  return status;
}

absl::Status Harness::SetMetadata(Metadata metadata) {
  absl::Status status = node_->SetMetadata(std::move(metadata), now_);
  Collect();
  return status;
}

absl::Status Harness::Broadcast(absl::string_view payload) {
  absl::Status status = node_->Broadcast(payload, now_);
  Collect();
  return status;
}

void Harness::TimeoutAt(Instant at) {
  now_ = at;
  node_->HandleTimeout(at);
  Collect();
  CheckDeadlineAfterNow();
}

bool Harness::StepOnce(Instant limit) {
  std::optional<Instant> deadline = node_->NextDeadline();
  if (!deadline || *deadline > limit) return false;
  EXPECT_GE(*deadline, now_) << "a deadline was left in the past";
  now_ = std::max(now_, *deadline);
  node_->HandleTimeout(now_);
  Collect();
  CheckDeadlineAfterNow();
  return true;
}

void Harness::AdvanceTo(Instant until) {
  for (int steps = 0; StepOnce(until); ++steps) {
    if (steps > 1000000) {
      ADD_FAILURE() << "timers never settle";
      break;
    }
  }
  now_ = std::max(now_, until);
}

std::optional<size_t> Harness::AdvanceUntil(
    const std::function<bool(const Sent&)>& match, Instant limit) {
  size_t checked = sent_.size();
  while (StepOnce(limit)) {
    for (; checked < sent_.size(); ++checked) {
      if (match(sent_[checked])) return checked;
    }
  }
  now_ = std::max(now_, limit);
  return std::nullopt;
}

std::optional<Ping> Harness::AdvanceToNextPing(absl::Duration slack) {
  std::optional<size_t> index = AdvanceUntil(
      [tcp_only = node_->config().tcp_only](const Sent& sent) {
        // A probe's ping (its stream fallback repeats it on a stream; in
        // TCP-only mode the ping itself goes by stream).
        return (sent.channel == Channel::kDatagram || tcp_only) &&
               FirstIs<Ping>(sent);
      },
      now_ + node_->config().probe_interval + slack);
  if (!index) {
    ADD_FAILURE() << "no probe within a probe interval";
    return std::nullopt;
  }
  ping_to_ = sent_[*index].to;
  return std::get<Ping>(sent_[*index].messages[0]);
}

std::vector<Sent> Harness::TakeSent() { return std::exchange(sent_, {}); }

std::vector<Event> Harness::TakeEvents() { return std::exchange(events_, {}); }

Snapshot Harness::Snap() const {
  Snapshot snapshot;
  snapshot.local = node_->local();
  snapshot.members = node_->Members();
  return snapshot;
}

void Harness::CheckDeadlineAfterNow() {
  std::optional<Instant> next = node_->NextDeadline();
  EXPECT_TRUE(!next || *next > now_)
      << "HandleTimeout(" << now_ << ") left NextDeadline() at " << *next;
}

void Harness::Collect() {
  while (std::optional<Transmit> transmit = node_->PollTransmit()) {
    Sent sent;
    sent.at = now_;
    sent.to = transmit->to;
    sent.channel = transmit->channel;
    sent.stream = transmit->stream;
    sent.sealed.assign(transmit->bytes.begin(), transmit->bytes.end());
    if (sent.channel == Channel::kDatagram) {
      EXPECT_LE(sent.sealed.size(), datagram_budget_);
      EXPECT_EQ(sent.stream, std::nullopt);
    }
    absl::StatusOr<std::vector<uint8_t>> packet =
        OpenTransmit(opener_, sent.channel, sent.sealed, &sent.compressed);
    if (!packet.ok()) {
      ADD_FAILURE() << "the node sent a packet peers cannot open: "
                    << packet.status();
    } else {
      sent.packet = *std::move(packet);
      absl::Status decoded = DecodePacket(sent.packet, sent.messages);
      EXPECT_TRUE(decoded.ok()) << decoded;
    }
    sent_.push_back(std::move(sent));
  }
  while (std::optional<Event> event = node_->PollEvent()) {
    events_.push_back(*std::move(event));
  }
}

std::optional<Claim> SelfNewsOnNextDatagram(Harness& h,
                                            std::vector<Sent>& keep) {
  h.TakeSent();
  // A reply is never larger than what it answers: pad the ping as a busy
  // peer's probe is padded with gossip (with the node's own broadcast,
  // which it ignores, so nothing else changes).
  static const std::string* const kFiller = new std::string(900, 'f');
  h.Datagram(Addr(2), {Ping{4242, kSelf},
                       UserBroadcast{kSelf, kGeneration, 1, *kFiller}});
  keep = h.TakeSent();
  EXPECT_EQ(keep.size(), 1u);
  if (keep.empty()) return std::nullopt;
  EXPECT_EQ(First<Ack>(keep[0]), Ack{4242});
  return UpdateAbout(keep[0], kSelf);
}

}  // namespace swim::testing

#include "swim/core/node_impl.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/core/member_record.h"
#include "swim/core/metadata.h"
#include "swim/core/packed_time.h"
#include "swim/core/suspicion.h"

namespace swim {
namespace {

using Kind = TimerQueue::Kind;

// Bounds that keep a misbehaving peer or a stalled driver from growing a
// Node without limit; each overflow is counted in Stats.
// State replies queued and not yet taken by the driver.
constexpr size_t kMaxPendingStreamBytes = 64 << 20;
// The largest UDP payload: a datagram buffer never grows beyond it.
constexpr size_t kMaxDatagramSize = 65507;
constexpr size_t kMaxTrackedPushPullSenders = 4096;
// (member, sender) pairs remembered for rate-limiting answers to stale
// accusations.
constexpr size_t kMaxTrackedCorrections = 4096;
constexpr size_t kMaxTombstones = 4096;
// Addresses a name conflict was recently reported for.
constexpr size_t kMaxTrackedConflicts = 256;
constexpr size_t kMaxEvents = 65536;
constexpr int kMaxTimersPerCall = 1 << 16;

// Keys of the dissemination queue: a kind byte keeps member names and
// user-broadcast ids from ever colliding.
std::string MemberKey(absl::string_view name) {
  return absl::StrCat("m", name);
}
std::string BroadcastKey(const UserBroadcast& broadcast) {
  return absl::StrCat("u", broadcast.generation, ".", broadcast.sequence, ":",
                      broadcast.origin);
}

// The most one member's entry can take in a state exchange: varints at
// their largest, an IPv6 address, its metadata.
size_t EntryBound(size_t name_size, size_t metadata_size) {
  return 1 + 1 + 2 + name_size + 10 + 10 + 19 + metadata_size;
}

// The rest of a state exchange at its largest: packet header, type, flags,
// sender, the two counts.
constexpr size_t kStateOverhead = 3 + 1 + 1 + 2 + kMaxNameLength + 10 + 10;

bool AllowedOn(Channel channel, const Message& message) {
  const MessageType type = TypeOf(message);
  if (channel == Channel::kStream) {
    return type == MessageType::kPushPull ||
           type == MessageType::kMemberUpdate ||
           type == MessageType::kUserBroadcast;
  }
  return type != MessageType::kPushPull;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeImpl>> NodeImpl::Create(Config config,
                                                           Instant now) {
  if (absl::Status status = config.Validate(); !status.ok()) return status;
  absl::StatusOr<std::string> metadata = EncodeMetadata(config.metadata);
  if (!metadata.ok()) return metadata.status();
  if (metadata->size() > config.max_metadata_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: metadata encodes to ", metadata->size(),
        " bytes, above max_metadata_size ", config.max_metadata_size));
  }
  Keyring keyring;
  if (!config.keys.empty()) {
    absl::StatusOr<Keyring> created = Keyring::Create(config.keys);
    if (!created.ok()) return created.status();
    keyring = *std::move(created);
  }
  EnvelopeConfig envelope_config;
  envelope_config.mode = config.security_mode;
  envelope_config.label = config.label;
  envelope_config.nonce_seed = config.nonce_seed;
  absl::StatusOr<Envelope> envelope =
      Envelope::Create(std::move(envelope_config), std::move(keyring));
  if (!envelope.ok()) return envelope.status();
  std::unique_ptr<NodeImpl> node(
      new NodeImpl(std::move(config), *std::move(envelope), now));
  node->local_metadata_encoded_ = *std::move(metadata);
  return node;
}

NodeImpl::NodeImpl(Config config, Envelope envelope, Instant now)
    : config_(std::move(config)),
      envelope_(std::move(envelope)),
      random_(config_.seed),
      awareness_(config_.lifeguard.awareness ? config_.lifeguard.awareness_max
                                             : 1),
      broadcasts_(config_.datagram_budget - envelope_.Overhead() -
                  kWireHeaderSize),
      conflicts_reported_(kMaxTrackedConflicts),
      push_pull_replies_(kMaxTrackedPushPullSenders),
      tombstones_(kMaxTombstones),
      join_backoff_(config_.probe_interval),
      broadcast_history_(config_.max_members + 1),
      outbox_(config_.datagram_budget),
      streams_(config_.max_stream_message),
      corrections_answered_(kMaxTrackedCorrections) {
  local_.name = config_.name;
  local_.address = config_.address;
  local_.status = MemberStatus::kOnline;
  local_.incarnation = {config_.generation, 0};
  local_.metadata = config_.metadata;
  local_.last_change = now;
  created_ = now;
  // Stagger the periodic work so members started together do not probe and
  // gossip in lockstep.
  auto stagger = [this](absl::Duration interval) {
    return absl::Nanoseconds(random_.Uniform(
        static_cast<uint64_t>(absl::ToInt64Nanoseconds(interval)) + 1));
  };
  timers_.Set(Kind::kProbeTick, now + stagger(config_.probe_interval));
  timers_.Set(Kind::kGossip, now + stagger(config_.gossip_interval));
  if (config_.push_pull_interval > absl::ZeroDuration()) {
    timers_.Set(Kind::kPushPull, now + config_.push_pull_interval +
                                     stagger(config_.push_pull_interval));
  }
  packet_scratch_.resize(config_.datagram_budget);
  local_key_ = MemberKey(local_.name);
  broadcasts_.Protect(local_key_);
  // Sequence numbers start at a random point (from the seeded PRNG, so runs
  // still replay): an ack captured from another member's or an earlier
  // life's probes then matches a live probe only by a 1-in-2^32 chance, so
  // replaying acks cannot vouch for a dead member. (Acks are not checked
  // against the target's address, which would break members behind NAT.)
  next_seq_ = static_cast<uint32_t>(random_.Next());
}

// --- Commands ---------------------------------------------------------------

absl::Status NodeImpl::CheckActive(absl::string_view command) const {
  if (active()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(command, ": this member has left the cluster"));
}

absl::Status NodeImpl::Join(absl::Span<const Address> seeds, Instant now) {
  if (absl::Status status = CheckActive("Join"); !status.ok()) return status;
  join_seeds_.clear();
  for (const Address& seed : seeds) {
    if (seed == local_.address) continue;
    if (std::find(join_seeds_.begin(), join_seeds_.end(), seed) ==
        join_seeds_.end()) {
      join_seeds_.push_back(seed);
    }
  }
  if (join_seeds_.empty()) return absl::OkStatus();  // first member
  awaiting_floors_ = true;
  // Announce ourselves too, so the news rides our first packets instead of
  // waiting for the seeds to gossip it.
  QueueLocalUpdate();
  for (const Address& seed : join_seeds_) {
    SendPushPull(seed, PushPullKind::kJoin);
  }
  join_backoff_ = config_.probe_interval;
  timers_.Set(Kind::kJoinRetry, now + join_backoff_);
  return absl::OkStatus();
}

absl::Status NodeImpl::Leave(Instant now) {
  if (absl::Status status = CheckActive("Leave"); !status.ok()) return status;
  ++local_.incarnation.version;
  local_.status = MemberStatus::kLeft;
  local_.last_change = now;
  // The one place this member's own periodic work stops (Lifecycle): no
  // probe, state exchange or join retry from here on; gossip goes on, to
  // spread the LEFT.
  probe_.Finish();
  timers_.Cancel(Kind::kProbeTick);
  timers_.Cancel(Kind::kJoinRetry);
  timers_.Cancel(Kind::kPushPull);
  QueueLocalUpdate();
  OnGossipTick(now);  // tell a few members right away
  return absl::OkStatus();
}

absl::Status NodeImpl::SetMetadata(Metadata metadata, Instant now) {
  if (absl::Status status = CheckActive("SetMetadata"); !status.ok()) {
    return status;
  }
  absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
  if (!encoded.ok()) return encoded.status();
  if (encoded->size() > config_.max_metadata_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metadata encodes to ", encoded->size(),
        " bytes, above max_metadata_size ", config_.max_metadata_size));
  }
  if (*encoded == local_metadata_encoded_) return absl::OkStatus();
  local_metadata_encoded_ = *std::move(encoded);
  local_.metadata = std::move(metadata);
  ++local_.incarnation.version;
  local_.last_change = now;
  QueueLocalUpdate();
  return absl::OkStatus();
}

absl::Status NodeImpl::Restore(absl::Span<const Member> members, Instant now) {
  if (absl::Status status = CheckActive("Restore"); !status.ok()) {
    return status;
  }
  // Validate everything first, so a bad entry changes nothing. Nothing is
  // kept between the passes (metadata is encoded again when adding, which
  // for the usual small maps is cheaper than holding N encodings): a
  // simulator restores N members into each of N nodes.
  auto is_new = [this](const Member& member) {
    if (member.name == local_.name || table_.Find(member.name) != nullptr) {
      return false;
    }
    const Incarnation* buried = tombstones_.Find(member.name);
    return buried == nullptr || member.incarnation > *buried;
  };
  size_t candidates = 0;
  size_t candidate_bytes = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const Member& member = members[i];
    if (member.name.empty() || member.name.size() > kMaxNameLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "restore: member ", i, " has a name of ", member.name.size(),
          " bytes (1 to ", kMaxNameLength, " allowed)"));
    }
    if (FromTheFuture(member.incarnation.generation, now)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "restore: member '", member.name, "' has generation ",
          member.incarnation.generation,
          ", later than any live process can have started (this member's "
          "clock plus max_clock_skew)"));
    }
    if (member.status != MemberStatus::kOnline) {
      return absl::InvalidArgumentError(absl::StrCat(
          "restore: member '", member.name, "' is ",
          MemberStatusName(member.status),
          "; only ONLINE members are restored (the cluster reports the rest)"));
    }
    absl::StatusOr<std::string> encoded = EncodeMetadata(member.metadata);
    if (!encoded.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "restore: member '", member.name, "': ", encoded.status().message()));
    }
    if (encoded->size() > config_.max_metadata_size) {
      return absl::InvalidArgumentError(
          absl::StrCat("restore: member '", member.name, "' has metadata of ",
                       encoded->size(), " bytes, above max_metadata_size ",
                       config_.max_metadata_size));
    }
    if (is_new(member)) {
      ++candidates;
      candidate_bytes += EntryBound(member.name.size(), encoded->size());
    }
  }
  if (table_.size() + candidates > config_.max_members ||
      !StateFits(candidate_bytes)) {
    // Repeated names count once: only now is the exact count worth a set.
    absl::flat_hash_map<absl::string_view, size_t> fresh;
    for (const Member& member : members) {
      if (is_new(member)) {
        fresh.try_emplace(member.name,
                          EntryBound(member.name.size(),
                                     EncodeMetadata(member.metadata)->size()));
      }
    }
    if (table_.size() + fresh.size() > config_.max_members) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "restore: ", fresh.size(), " new members would exceed max_members ",
          config_.max_members, " (", table_.size(), " known)"));
    }
    candidate_bytes = 0;
    for (const auto& [name, bytes] : fresh) candidate_bytes += bytes;
    if (!StateFits(candidate_bytes)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("restore: ", fresh.size(),
                       " new members would make a state exchange larger than "
                       "max_stream_message ",
                       config_.max_stream_message));
    }
  }
  table_.Reserve(table_.size() + candidates);
  for (const Member& member : members) {
    if (!is_new(member)) continue;  // includes a repeat: the first one won
    absl::StatusOr<std::string> encoded = EncodeMetadata(member.metadata);
    state_bound_ += EntryBound(member.name.size(), encoded->size());
    MemberRecord& record = table_.Add(member.name, MemberStatus::kOnline,
                                      *encoded, random_, /*vouched=*/true);
    record.set_address(member.address);
    record.set_incarnation(member.incarnation);
    record.set_last_change(now);
  }
  return absl::OkStatus();
}

absl::Status NodeImpl::Broadcast(absl::string_view payload, Instant) {
  if (absl::Status status = CheckActive("Broadcast"); !status.ok()) {
    return status;
  }
  if (payload.size() > kMaxUserPayloadSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("broadcast payload is ", payload.size(),
                     " bytes, above the limit of ", kMaxUserPayloadSize));
  }
  // Identified by this life (generation) and a count from 1: receivers
  // keep per-origin high-water marks, so no replay of it is ever news.
  const UserBroadcast broadcast{local_.name, local_.incarnation.generation,
                                next_broadcast_sequence_++, payload};
  absl::StatusOr<std::vector<uint8_t>> encoded = EncodeMessage(broadcast);
  if (!encoded.ok()) return encoded.status();
  EnqueueBroadcast(BroadcastKey(broadcast), *std::move(encoded),
                   /*user=*/true);
  return absl::OkStatus();
}

// --- Input ------------------------------------------------------------------

void NodeImpl::HandleDatagram(const Address& from,
                              absl::Span<const uint8_t> bytes, Instant now) {
  ++stats_.datagrams_received;
  HandleInput(from, bytes, now);
}

StreamVerdict NodeImpl::HandleStreamData(StreamId stream, const Address& from,
                                         absl::Span<const uint8_t> bytes,
                                         Instant now) {
  stats_.bytes_received += bytes.size();
  const StreamTable::Outcome outcome = streams_.Feed(
      stream, from, bytes, envelope_,
      [&](const Address& sender, absl::Span<const uint8_t> message) {
        HandleStreamMessage(stream, sender, message, now);
      });
  if (outcome.drop) {
    Drop(*outcome.drop);
    if (*outcome.drop == DropReason::kEnvelope) {
      ++stats_.envelope_drops[static_cast<int>(outcome.envelope_drop)];
    }
    ++stats_.streams_closed;
  }
  return outcome.verdict;
}

void NodeImpl::HandleStreamClosed(StreamId stream) {
  if (streams_.Close(stream)) ++stats_.streams_truncated;
}

void NodeImpl::HandleStreamMessage(StreamId stream, const Address& from,
                                   absl::Span<const uint8_t> message,
                                   Instant now) {
  ++stats_.streams_received;
  if (!DecodePacket(message, decoded_).ok()) {
    Drop(DropReason::kMalformed);
    return;
  }
  reply_stream_ = stream;
  HandleMessages(from, Channel::kStream, now);
  reply_stream_.reset();
  decoded_.clear();
}

void NodeImpl::HandleInput(const Address& from, absl::Span<const uint8_t> bytes,
                           Instant now) {
  stats_.bytes_received += bytes.size();
  // Grow the decryption buffer only for input the envelope could accept;
  // oversized input is rejected by Open before it touches the buffer.
  if (open_scratch_.size() < bytes.size() &&
      bytes.size() <= kMaxDatagramSize + envelope_.Overhead()) {
    open_scratch_.resize(bytes.size());
  }
  EnvelopeDrop drop = EnvelopeDrop::kNone;
  absl::StatusOr<absl::Span<const uint8_t>> packet =
      envelope_.Open(bytes, absl::MakeSpan(open_scratch_), &drop);
  if (!packet.ok()) {
    Drop(DropReason::kEnvelope);
    ++stats_.envelope_drops[static_cast<int>(drop)];
    return;
  }
  if (!DecodePacket(*packet, decoded_).ok()) {
    Drop(DropReason::kMalformed);
    return;
  }
  // Whatever answers this datagram is no larger than it: a replayed or
  // spoofed datagram cannot make this node send more than it received.
  reply_limit_ = packet->size();
  HandleMessages(from, Channel::kDatagram, now);
  decoded_.clear();
}

void NodeImpl::HandleMessages(const Address& from, Channel channel,
                              Instant now) {
  // All or nothing: a packet with any message on the wrong channel changes
  // nothing.
  for (const Message& message : decoded_) {
    if (!AllowedOn(channel, message)) {
      Drop(DropReason::kWrongChannel);
      return;
    }
  }
  corrections_.clear();
  reply_ack_.reset();
  request_served_ = false;
  // A claim about this node is stale only against what it was before this
  // packet: a refutation the packet itself provoked rides on the reply.
  const Incarnation self_before = local_.incarnation;
  // User broadcasts last: the claims beside them (a new member's own, say)
  // tell this node who their origins are.
  for (const Message& message : decoded_) {
    if (std::holds_alternative<UserBroadcast>(message)) continue;
    ++stats_.messages_received[static_cast<int>(TypeOf(message))];
    std::visit(
        [&](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, Ping>) {
            HandlePing(m);
          } else if constexpr (std::is_same_v<T, PingReq>) {
            HandlePingReq(from, m, now);
          } else if constexpr (std::is_same_v<T, Ack>) {
            HandleAck(m, now);
          } else if constexpr (std::is_same_v<T, Nack>) {
            HandleNack(from, m);
          } else if constexpr (std::is_same_v<T, Claim>) {
            if (channel == Channel::kDatagram &&
                IsStaleAccusation(m, self_before)) {
              NoteStaleClaim(m.name);
            }
            ApplyUpdate(m, /*from_push_pull=*/false, now);
          } else if constexpr (std::is_same_v<T, PushPull>) {
            HandlePushPull(from, m, now);
          }
        },
        message);
  }
  for (const Message& message : decoded_) {
    if (const auto* broadcast = std::get_if<UserBroadcast>(&message)) {
      ++stats_.messages_received[static_cast<int>(MessageType::kUserBroadcast)];
      HandleUserBroadcast(*broadcast, now);
    }
  }
  if (channel == Channel::kDatagram) {
    SendReply(from, local_.incarnation != self_before, now);
  }
}

bool NodeImpl::IsStaleAccusation(const Claim& update,
                                 const Incarnation& self) const {
  if (update.status == MemberStatus::kOnline) return false;
  const Incarnation* held = nullptr;
  if (update.name == local_.name) {
    held = &self;
  } else if (const MemberRecord* record = table_.Find(update.name)) {
    held = &record->incarnation();
  }
  return held != nullptr && update.incarnation < *held;
}

void NodeImpl::NoteStaleClaim(absl::string_view name) {
  // A few per datagram: enough for the usual one stale claim, and a packet
  // full of them costs at most one datagram in reply.
  constexpr size_t kMaxCorrections = 8;
  if (corrections_.size() >= kMaxCorrections) return;
  for (const std::string& noted : corrections_) {
    if (noted == name) return;
  }
  corrections_.emplace_back(name);
}

void NodeImpl::SendReply(const Address& to, bool refuted, Instant now) {
  if (!reply_ack_ && corrections_.empty()) return;
  if (TransmitQueueFull()) return;
  // One reply per datagram, no larger than it, carrying no one's news but
  // this member's own word: the answer to the request, answers to stale
  // accusations, and this member's latest claim while it is still being
  // spread (a refutation rides on the ack that a buddy-system probe asked
  // for). Nothing here spends the dissemination budget, so replaying
  // datagrams at a member cannot drain its news.
  // A refutation this very datagram provoked (the buddy system's
  // accusation, at this member's incarnation) may make the reply larger
  // than the datagram: a replay of it accuses an incarnation already
  // refuted, and is answered within its size again.
  PacketBuilder builder(absl::MakeSpan(
      packet_scratch_.data(),
      refuted ? PayloadBudget() : std::min(PayloadBudget(), reply_limit_)));
  if (reply_ack_) {
    const Message ack = Ack{*reply_ack_};
    if (builder.Append(ack).ok()) CountSent(ack);
  }
  // Gossip reaches a given member only with high probability: once in a
  // while one misses a refutation, and then holds a suspicion that nobody
  // will repeat, until it declares a live member OFFLINE. It shows by
  // gossiping that suspicion; whoever holds the refutation answers with it.
  // Each answer moves the sender to a strictly newer claim, so answers
  // cannot ping-pong.
  bool own_sent = false;
  for (const std::string& name : corrections_) {
    std::optional<Claim> claim;
    if (name == local_.name) {
      claim = LocalClaim();
    } else if (const MemberRecord* record = table_.Find(name)) {
      claim = ClaimOf(*record, local_.name);
    }
    // Only refutations and leaves are answered: they are the member's own
    // word. Answering with a suspicion or declaration held here would make
    // this node its origin, a false "independent" confirmation.
    if (!claim || (claim->status != MemberStatus::kOnline &&
                   claim->status != MemberStatus::kLeft)) {
      continue;
    }
    // Each (member, sending host) at most once per probe interval: a
    // replayed datagram, whatever its forged source port, earns few
    // answers.
    const std::string key = absl::StrCat(name, "@", to.WithPort(0).ToString());
    if (const Instant* last = corrections_answered_.Find(key);
        last != nullptr && now < *last + config_.probe_interval) {
      continue;
    }
    if (!builder.Append(*claim).ok()) continue;  // a smaller one may fit
    corrections_answered_.Put(key, now);
    CountSent(*claim);
    ++stats_.corrections_sent;
    own_sent |= name == local_.name;
  }
  corrections_.clear();
  if (reply_ack_ && !own_sent && broadcasts_.Contains(local_key_)) {
    const Claim own = LocalClaim();
    if (builder.Append(own).ok()) CountSent(own);
  }
  if (builder.message_count() == 0) return;
  SendPacket(to, Channel::kDatagram, builder.bytes());
}

void NodeImpl::HandleTimeout(Instant now) {
  // What is due runs in time order; at one instant, in a fixed order: the
  // probe (its end before its timeout, so a probe ends before the next
  // one starts), the periodic timers, the relays, then members' timers.
  enum class Source : uint8_t { kProbe, kPeriodic, kRelays, kMembers };
  for (int fired = 0; fired < kMaxTimersPerCall; ++fired) {
    std::optional<Instant> at;
    Source source = Source::kProbe;
    auto consider = [&](std::optional<Instant> due, Source from) {
      if (due && *due <= now && (!at || *due < *at)) {
        at = due;
        source = from;
      }
    };
    consider(probe_.NextExpiry(), Source::kProbe);
    consider(timers_.NextSingleton(), Source::kPeriodic);
    consider(relays_.NextExpiry(), Source::kRelays);
    consider(timers_.NextKeyed(), Source::kMembers);
    if (!at) return;
    switch (source) {
      case Source::kProbe: {
        const Probe::Expiry expiry = probe_.HandleExpiry(now);
        if (expiry.ask_helpers) AskHelpers();
        if (expiry.ended) ConcludeProbe(*expiry.ended, now);
        break;
      }
      case Source::kRelays:
        relays_.HandleExpiry(now, [this](const RelayTable::Relayed& relay) {
          SendBare(relay.requester, Nack{relay.requester_seq});
        });
        break;
      case Source::kPeriodic:
      case Source::kMembers:
        RunTimer(*timers_.PopDue(now), now);
        break;
    }
  }
}

void NodeImpl::RunTimer(const TimerQueue::Fired& timer, Instant now) {
  switch (timer.kind) {
    case Kind::kProbeTick:
      OnProbeTick(now);
      break;
    case Kind::kGossip:
      OnGossipTick(now);
      break;
    case Kind::kPushPull:
      OnPushPullTick(now);
      break;
    case Kind::kJoinRetry:
      OnJoinRetry(now);
      break;
    case Kind::kSuspicion:
    case Kind::kReap:
      OnMemberTimer(timer.kind, timer.key, timer.at, now);
      break;
  }
}

// --- Output -----------------------------------------------------------------

std::optional<Instant> NodeImpl::NextDeadline() const {
  std::optional<Instant> next = timers_.Next();
  for (const std::optional<Instant>& due :
       {probe_.NextExpiry(), relays_.NextExpiry()}) {
    if (due && (!next || *due < *next)) next = due;
  }
  return next;
}

std::optional<Event> NodeImpl::PollEvent() {
  if (events_.empty()) return std::nullopt;
  Event event = std::move(events_.front());
  events_.pop_front();
  return event;
}

// --- Views ------------------------------------------------------------------

std::optional<Member> NodeImpl::Find(absl::string_view name) const {
  if (name == local_.name) return local_;
  const MemberRecord* record = table_.Find(name);
  if (record == nullptr) return std::nullopt;
  return record->ToMember();
}

std::optional<MemberStatus> NodeImpl::StatusOf(absl::string_view name) const {
  if (name == local_.name) return local_.status;
  const MemberRecord* record = table_.Find(name);
  if (record == nullptr) return std::nullopt;
  return record->status();
}

std::vector<Member> NodeImpl::Members(StatusMask mask) const {
  std::vector<const MemberRecord*> records;
  for (size_t i = 0; i < table_.size(); ++i) {
    const MemberRecord& record = table_.at(i);
    if (StatusIn(record.status(), mask)) records.push_back(&record);
  }
  std::sort(records.begin(), records.end(),
            [](const MemberRecord* a, const MemberRecord* b) {
              return a->name() < b->name();
            });
  std::vector<Member> members;
  members.reserve(records.size());
  for (const MemberRecord* record : records) {
    members.push_back(record->ToMember());
  }
  return members;
}

std::vector<Member> NodeImpl::Sample(size_t count, StatusMask mask) {
  std::vector<Member> members;
  for (MemberRecord* record : RandomMembers(count, mask, "")) {
    members.push_back(record->ToMember());
  }
  return members;
}

Lifecycle NodeImpl::lifecycle() const {
  if (active()) return Lifecycle::kActive;
  return LeaveSent() ? Lifecycle::kLeft : Lifecycle::kLeaving;
}

bool NodeImpl::LeaveSent() const {
  if (active()) return false;
  const size_t audience = table_.available();
  if (audience == 0) return true;
  const int transmits = broadcasts_.Transmits(local_key_);
  if (transmits < 0) return true;  // sent as often as it will be
  return static_cast<size_t>(transmits) >=
         std::min<size_t>(audience, config_.gossip_nodes);
}

// --- Failure detection ---

void NodeImpl::OnProbeTick(Instant now) {
  // Conclude the previous probe first: its outcome moves the health score.
  if (std::optional<Probe::Outcome> outcome = probe_.Finish()) {
    ConcludeProbe(*outcome, now);
  }
  // Lifeguard: a member in poor local health probes less often and waits
  // longer, so its own slowness does not become others' suspicion.
  const absl::Duration interval = awareness_.Scale(config_.probe_interval);
  timers_.Set(Kind::kProbeTick, now + interval);
  MemberRecord* target = table_.NextProbeTarget(random_);
  if (target == nullptr) return;
  const uint32_t seq = next_seq_++;
  probe_.Start(seq, target->name(), target->incarnation(),
               now + awareness_.Scale(config_.probe_timeout), now + interval);
  ++stats_.probes;
  if (target->status() == MemberStatus::kSuspect &&
      config_.lifeguard.buddy_system) {
    // Buddy system: tell a suspect it is suspected, in the probe itself, so
    // it can refute at once instead of hoping gossip reaches it in time.
    Claim suspicion;
    suspicion.status = MemberStatus::kSuspect;
    suspicion.name = target->name();
    suspicion.incarnation = target->incarnation();
    suspicion.address = target->address();
    suspicion.origin = local_.name;
    // The claim goes first: the target refutes before it answers, so the
    // refutation rides on the ack.
    const Message messages[] = {suspicion, Ping{seq, probe_.target()}};
    SendRequest(target->address(), messages);
    return;
  }
  const Message ping = Ping{seq, probe_.target()};
  SendRequest(target->address(), absl::MakeConstSpan(&ping, 1));
}

void NodeImpl::AskHelpers() {
  const MemberRecord* target = table_.Find(probe_.target());
  if (target == nullptr) return;
  // Helpers must be ONLINE: a suspect helper is likely part of the problem.
  for (MemberRecord* helper : RandomMembers(
           config_.indirect_checks, MemberStatus::kOnline, probe_.target())) {
    ++stats_.indirect_probes;
    if (config_.lifeguard.nacks) probe_.AddHelper(helper->address());
    const Message req =
        PingReq{probe_.seq(), probe_.target(), target->address(),
                /*want_nack=*/config_.lifeguard.nacks};
    SendRequest(helper->address(), absl::MakeConstSpan(&req, 1));
  }
}

void NodeImpl::ConcludeProbe(const Probe::Outcome& outcome, Instant now) {
  if (outcome.acked) return;
  // Lifeguard: a failed probe counts against this member's own health,
  // unless helpers vouch that they cannot reach the target either: each
  // nack that should have come and did not suggests our own messages are
  // being lost. Without helpers to ask, any failure counts once.
  ApplyAwareness(outcome.expected_nacks > 0
                     ? std::max(0, outcome.expected_nacks - outcome.nacks)
                     : 1);
  MemberRecord* target = table_.Find(probe_.target());
  // Suspect only the life we probed: if the member refuted or restarted
  // meanwhile, its newer incarnation already proves it alive.
  if (target == nullptr ||
      target->incarnation() != probe_.target_incarnation()) {
    return;
  }
  if (target->status() == MemberStatus::kSuspect) {
    // Someone suspected it first: our failed probe is an independent
    // confirmation (Lifeguard shortens the timeout; only news is gossiped).
    if (target->suspicion() && target->suspicion()->Confirm(local_.name)) {
      ArmMemberTimer(*target, Kind::kSuspicion,
                     target->suspicion()->deadline());
      QueueUpdate(*target, local_.name);
    }
    return;
  }
  if (target->status() != MemberStatus::kOnline) return;
  ++stats_.suspicions;
  const MemberStatus previous = target->status();
  table_.SetStatus(*target, MemberStatus::kSuspect);
  target->set_last_change(now);
  StartSuspicion(*target, local_.name, now);
  EmitEvent(MemberStatusChanged{target->ToMember(), previous});
  QueueUpdate(*target, local_.name);
}

void NodeImpl::StartSuspicion(MemberRecord& record, absl::string_view origin,
                              Instant now) {
  const size_t cluster_size = table_.available() + 1;
  const absl::Duration min_timeout = SuspicionTimeout(
      config_.suspicion_mult, cluster_size, config_.probe_interval);
  absl::Duration max_timeout = min_timeout;
  int expected_confirmations = 0;
  if (config_.lifeguard.dynamic_suspicion) {
    // Lifeguard: start long and shorten as independent members confirm.
    // Expect suspicion_mult - 2 confirmations (as memberlist), none when
    // the cluster is too small to give them (besides us and the suspect).
    max_timeout = min_timeout * config_.lifeguard.suspicion_max_timeout_mult;
    expected_confirmations = config_.suspicion_mult - 2;
    if (cluster_size < 2 ||
        static_cast<int64_t>(cluster_size) - 2 < expected_confirmations) {
      expected_confirmations = 0;
    }
  }
  record.set_suspicion(std::make_unique<Suspicion>(
      origin, expected_confirmations, min_timeout, max_timeout, now));
  ArmMemberTimer(record, Kind::kSuspicion, record.suspicion()->deadline());
}

void NodeImpl::ArmMemberTimer(MemberRecord& record, TimerQueue::Kind kind,
                              Instant at) {
  // At most one queued entry per member and kind, plus one per time its
  // deadline moved earlier: a flood of claims cannot grow the timer heap. A
  // later deadline waits for the queued entry, which re-arms when it fires.
  PackedTime& armed =
      kind == Kind::kSuspicion ? record.suspicion_timer() : record.reap_timer();
  if (PackedTime(at) >= armed) return;
  armed = PackedTime(at);
  timers_.Add(kind, std::string(record.name()), at);
}

void NodeImpl::OnMemberTimer(TimerQueue::Kind kind, const std::string& name,
                             Instant fired_at, Instant now) {
  MemberRecord* record = table_.Find(name);
  if (record == nullptr) return;  // forgotten since
  PackedTime& armed = kind == Kind::kSuspicion ? record->suspicion_timer()
                                               : record->reap_timer();
  if (armed != PackedTime(fired_at)) return;  // superseded by an earlier one
  armed = PackedTime::InfiniteFuture();
  const MemberStatus status = record->status();
  if (kind == Kind::kSuspicion) {
    if (status != MemberStatus::kSuspect || !record->suspicion()) return;
    if (record->suspicion()->deadline() > now) {
      ArmMemberTimer(*record, kind, record->suspicion()->deadline());
    } else {
      DeclareOffline(*record, now);
    }
    return;
  }
  if (status != MemberStatus::kOffline && status != MemberStatus::kLeft) {
    return;  // came back
  }
  const Instant due = record->last_change() + config_.reap_after;
  if (due > now) {
    ArmMemberTimer(*record, kind, due);
  } else {
    Reap(*record);
  }
}

void NodeImpl::DeclareOffline(MemberRecord& record, Instant now) {
  record.set_suspicion(nullptr);
  table_.SetStatus(record, MemberStatus::kOffline);
  record.set_last_change(now);
  ++stats_.declared_offline;
  ArmMemberTimer(record, Kind::kReap, now + config_.reap_after);
  EmitEvent(MemberStatusChanged{record.ToMember(), MemberStatus::kSuspect});
  QueueUpdate(record, local_.name);
}

void NodeImpl::ApplyAwareness(int delta) {
  awareness_.ApplyDelta(delta);
  stats_.awareness = awareness_.score();
}

void NodeImpl::Reap(MemberRecord& record) {
  EmitEvent(MemberReaped{record.ToMember()});
  ++stats_.reaped;
  tombstones_.Put(record.name(), record.incarnation());
  broadcast_history_.Forget(record.name());
  state_bound_ -=
      EntryBound(record.name().size(), record.metadata_encoded().size());
  const std::string name(record.name());
  table_.Remove(name);  // destroys `record`
}

bool NodeImpl::ServeRequest() {
  // One request per datagram: the reply is one packet no larger than the
  // datagram, so a datagram stuffed with pings earns one ack, not hundreds.
  if (request_served_) {
    Drop(DropReason::kExtraRequest);
    return false;
  }
  request_served_ = true;
  return true;
}

void NodeImpl::HandlePing(const Ping& ping) {
  if (!ServeRequest()) return;
  if (ping.target != local_.name) {
    Drop(DropReason::kMisdirectedPing);
    return;
  }
  reply_ack_ = ping.seq;
}

void NodeImpl::HandlePingReq(const Address& from, const PingReq& req,
                             Instant now) {
  if (!ServeRequest()) return;
  if (req.target == local_.name) {
    reply_ack_ = req.seq;
    return;
  }
  // Relays go only to a member this node knows, at the address it knows:
  // a ping-req cannot aim this node's pings at anyone else.
  const MemberRecord* target = table_.Find(req.target);
  if (target == nullptr || target->address() != req.target_address) {
    Drop(DropReason::kUnknownTarget);
    RefuseRelay(from, req);
    return;
  }
  switch (relays_.Admit(from, req.seq, req.target_address)) {
    case RelayTable::Admission::kRepeat:
      Drop(DropReason::kRelayLimit);
      return;
    case RelayTable::Admission::kFull:
      Drop(DropReason::kRelayLimit);
      RefuseRelay(from, req);
      return;
    case RelayTable::Admission::kAdmitted:
      break;
  }
  const uint32_t seq = next_seq_++;
  // Lifeguard: answer a silent target with a nack at 80 % of the probe
  // timeout, so it reaches the requester before its probe ends: the
  // requester asked at its timeout and has the rest of its period left,
  // which for some configs (the WAN preset) is the shorter of the two.
  const Instant nack_at =
      now + std::min(config_.probe_timeout,
                     config_.probe_interval - config_.probe_timeout) *
                4 / 5;
  relays_.Start(seq, from, req.seq, req.target_address, req.want_nack, nack_at,
                now + config_.probe_interval);
  // A ping on someone else's behalf carries no news: the request may be a
  // replay, and this node's news is spread on its own schedule.
  SendBare(req.target_address, Ping{seq, req.target});
}

void NodeImpl::RefuseRelay(const Address& from, const PingReq& req) {
  // A helper that will not relay still says so when asked to (Lifeguard),
  // so the requester does not count the silence against its own health.
  if (req.want_nack) SendBare(from, Nack{req.seq});
}

void NodeImpl::HandleAck(const Ack& ack, Instant) {
  switch (probe_.OnAck(ack.seq)) {
    case Probe::AckResult::kFirst:
      ++stats_.probes_acked;
      ApplyAwareness(-1);  // Lifeguard: an answered probe is good health
      if (MemberRecord* target = table_.Find(probe_.target())) {
        table_.Vouch(*target);
      }
      return;
    case Probe::AckResult::kRepeat:
      return;
    case Probe::AckResult::kNotThisProbe:
      break;
  }
  if (std::optional<RelayTable::Relayed> relay = relays_.OnAck(ack.seq)) {
    SendBare(relay->requester, Ack{relay->requester_seq});
    return;
  }
  Drop(DropReason::kUnknownAck);
}

void NodeImpl::HandleNack(const Address& from, const Nack& nack) {
  if (probe_.OnNack(from, nack.seq)) {
    ++stats_.nacks_received;
    return;
  }
  // Not from a helper of the current probe, or a repeat.
  Drop(DropReason::kUnknownAck);
}

// --- Membership updates ---

void NodeImpl::ObserveWallClock(absl::Time wall) {
  const int64_t micros = absl::ToUnixMicros(wall);
  if (micros > 0) {
    wall_clock_micros_ =
        std::max(wall_clock_micros_, static_cast<uint64_t>(micros));
  }
}

bool NodeImpl::FromTheFuture(uint64_t generation, Instant now) const {
  if (config_.max_clock_skew == absl::InfiniteDuration()) return false;
  // Generations are start times in microseconds of the wall clock: this
  // member's own, plus the time it has run (which a suspended host does
  // not count: hence also the wall clock the driver reports), plus the
  // skew allowed, is the latest start any live process can have.
  const int64_t ran = absl::ToInt64Microseconds(now - created_);
  const uint64_t clock = std::max(
      wall_clock_micros_,
      ran <= 0 || config_.generation > UINT64_MAX - static_cast<uint64_t>(ran)
          ? config_.generation
          : config_.generation + static_cast<uint64_t>(ran));
  const int64_t skew = absl::ToInt64Microseconds(config_.max_clock_skew);
  const uint64_t bound = clock > UINT64_MAX - static_cast<uint64_t>(skew)
                             ? UINT64_MAX
                             : clock + static_cast<uint64_t>(skew);
  return generation > bound;
}

void NodeImpl::ApplyUpdate(const Claim& update, bool from_push_pull,
                           Instant now) {
  // No claim may speak for a life that cannot have started yet: otherwise
  // one forged claim at a huge generation would outrank every real one,
  // the member's own refutations and restarts included, for good.
  if (FromTheFuture(update.incarnation.generation, now)) {
    Drop(DropReason::kFutureGeneration);
    return;
  }
  if (update.name == local_.name) {
    ApplyUpdateAboutSelf(update, now);
    return;
  }
  if (update.has_metadata &&
      update.metadata.encoded().size() > config_.max_metadata_size) {
    Drop(DropReason::kMetadataTooLarge);
    return;
  }
  MemberStatus status = update.status;
  absl::string_view origin = update.origin;
  // A state exchange reports what its sender believes, possibly long ago:
  // memberlist treats its OFFLINE entries as suspicions, so a stale view
  // cannot kill a member without a fresh timeout in which it may refute.
  if (from_push_pull && status == MemberStatus::kOffline) {
    status = MemberStatus::kSuspect;
  }
  if (status == MemberStatus::kSuspect && origin.empty()) origin = "?";

  MemberRecord* record = table_.Find(update.name);
  if (record == nullptr) {
    // Nothing to learn from the death of a stranger (judged by the claim
    // as sent: a state exchange's OFFLINE entry does not become a member).
    if (!StatusIn(update.status, kAvailable)) {
      ++stats_.updates_stale;
      return;
    }
    if (const Incarnation* buried = tombstones_.Find(update.name);
        buried != nullptr && update.incarnation <= *buried) {
      Drop(DropReason::kTombstoned);
      return;
    }
    const size_t bound =
        EntryBound(update.name.size(),
                   update.has_metadata ? update.metadata.encoded().size() : 1);
    if (table_.size() >= config_.max_members || !StateFits(bound)) {
      Drop(DropReason::kTableFull);
      return;
    }
    state_bound_ += bound;
    record = &table_.Add(update.name, status,
                         update.has_metadata ? update.metadata.encoded()
                                             : MetadataView().encoded(),
                         random_);
    record->set_address(update.address);
    record->set_incarnation(update.incarnation);
    record->set_last_change(now);
    if (status == MemberStatus::kSuspect) {
      StartSuspicion(*record, origin, now);
    }
    ++stats_.updates_applied;
    EmitEvent(MemberJoined{record->ToMember()});
    QueueUpdate(*record, origin);
    return;
  }

  // A member's address is its own word, given once per life: a claim that
  // names another address than the one held is about another life, and is
  // refused unless it is that life's own ONLINE claim and the life held
  // here is gone (OFFLINE or LEFT for a suspicion timeout, long enough for
  // it to have refuted a forged declaration). So a key holder cannot move
  // a live member's name elsewhere, and a restart at a new address is
  // taken once the old life has been declared gone.
  if (update.address != record->address() &&
      !(status == MemberStatus::kOnline &&
        update.incarnation.generation > record->incarnation().generation &&
        !StatusIn(record->status(), kAvailable) &&
        now - record->last_change() >= ReclaimAfter())) {
    Drop(DropReason::kAddressConflict);
    return;
  }

  const Precedence precedence = ComparePrecedence(
      record->status(), record->incarnation(), status, update.incarnation);
  if (precedence == Precedence::kSame && status == MemberStatus::kSuspect &&
      record->suspicion() && record->suspicion()->Confirm(origin)) {
    // An independent confirmation: the timeout may shrink (Lifeguard), and
    // only new confirmations are worth re-gossiping.
    ArmMemberTimer(*record, Kind::kSuspicion, record->suspicion()->deadline());
    QueueUpdate(*record, origin);
    ++stats_.updates_stale;
    return;
  }
  if (precedence != Precedence::kNewer) {
    ++stats_.updates_stale;
    return;
  }

  const MemberStatus previous = record->status();
  // Only a member's own ONLINE claims say where it is; others' claims about
  // it (suspicions, declarations) must not redirect probes and gossip.
  const bool address_changed =
      status == MemberStatus::kOnline && record->address() != update.address;
  bool metadata_changed = false;
  record->set_incarnation(update.incarnation);
  if (address_changed) record->set_address(update.address);
  if (status == MemberStatus::kOnline && update.has_metadata &&
      update.metadata.encoded() != record->metadata_encoded()) {
    state_bound_ += update.metadata.encoded().size();
    state_bound_ -= record->metadata_encoded().size();
    record->set_metadata_encoded(update.metadata.encoded());
    metadata_changed = true;
  }
  table_.SetStatus(*record, status);
  switch (status) {
    case MemberStatus::kOnline:
      record->set_suspicion(nullptr);
      break;
    case MemberStatus::kSuspect:
      StartSuspicion(*record, origin, now);
      break;
    case MemberStatus::kOffline:
    case MemberStatus::kLeft:
      record->set_suspicion(nullptr);
      ArmMemberTimer(*record, Kind::kReap, now + config_.reap_after);
      break;
  }
  if (previous != status || metadata_changed || address_changed) {
    record->set_last_change(now);
  }
  ++stats_.updates_applied;
  if (previous != status) {
    EmitEvent(MemberStatusChanged{record->ToMember(), previous});
  } else if (metadata_changed) {
    EmitEvent(MemberMetadataChanged{record->ToMember()});
  }
  QueueUpdate(*record, origin);
}

void NodeImpl::ApplyUpdateAboutSelf(const Claim& update, Instant now) {
  if (update.address != local_.address) {
    // Not about this life: this member's claims always name its own
    // address, and a claim naming another one is about another process
    // (or a forgery). Members refuse to move a live name, so there is
    // nothing to refute; what is left is to tell the application, or to
    // announce this life again where an older one is still believed.
    if (update.incarnation.generation < local_.incarnation.generation) {
      // Whatever its status: until its record moves here, members refuse
      // this life's claims while the earlier one is alive there, and take
      // them once it has been gone a while (ReclaimAfter).
      Reannounce(now);
      ++stats_.updates_stale;
      return;
    }
    ReportConflict(update.address, now);
    return;
  }
  if (update.status == MemberStatus::kOnline) {
    if (update.incarnation <= local_.incarnation) {
      ++stats_.updates_stale;  // our own news, heard back
      return;
    }
    // An ONLINE claim at this address that this life never made: a
    // forgery, an earlier life whose clock ran ahead, or another process
    // given this same name and address. Outrank it, at most once a probe
    // interval: two processes sharing a name and an address would
    // otherwise outrank each other as fast as gossip goes. The second
    // such claim within the interval is reported.
    if (now < last_online_refutation_ + config_.probe_interval) {
      ReportConflict(local_.address, now);
      return;
    }
    last_online_refutation_ = now;
    Refute(update.incarnation, now);
    return;
  }
  if (!active() || update.incarnation < local_.incarnation) {
    ++stats_.updates_stale;
    return;
  }
  // Lifeguard: being suspected (or declared) is a sign this member's own
  // messages are late or lost. (A claim at a later generation is no such
  // sign: nobody but a forger makes one.)
  if (update.incarnation.generation == local_.incarnation.generation) {
    ApplyAwareness(1);
  }
  Refute(update.incarnation, now);
}

void NodeImpl::Refute(const Incarnation& claimed, Instant now) {
  // Outrank the claim: take its generation if it is later (no accepted
  // claim is later than a start time this member's clock allows, so this
  // always succeeds: no claim can lock a member out), then bump the
  // version.
  Incarnation next = local_.incarnation;
  if (claimed.generation > next.generation) {
    next = claimed;
  } else if (claimed.generation == next.generation) {
    next.version = std::max(next.version, claimed.version);
  }
  if (next.version == UINT64_MAX) {
    // A claim at the last version of a generation (a forgery: no member
    // counts that far) cannot be out-versioned; move to the next
    // generation rather than wrap to 0 and lose for good.
    if (next.generation == UINT64_MAX) {
      // Only with max_clock_skew switched off: nothing outranks it.
      ReportConflict(local_.address, now);
      return;
    }
    ++next.generation;
    next.version = 0;
  } else {
    ++next.version;
  }
  local_.incarnation = next;
  local_.last_change = now;
  ++stats_.refutations;
  QueueLocalUpdate();
  EmitEvent(Refuted{local_});
}

void NodeImpl::Reannounce(Instant now) {
  if (now < last_reannounce_ + config_.probe_interval) return;
  last_reannounce_ = now;
  ++stats_.reannouncements;
  QueueLocalUpdate();
}

void NodeImpl::ReportConflict(const Address& claimed, Instant now) {
  ++stats_.name_conflicts;
  // Once per address and probe interval: a flood of forgeries cannot
  // flood the application.
  const std::string key = claimed.ToString();
  if (const Instant* last = conflicts_reported_.Find(key);
      last != nullptr && now < *last + config_.probe_interval) {
    return;
  }
  conflicts_reported_.Put(key, now);
  EmitEvent(NameConflict{claimed});
}

bool NodeImpl::StateFits(size_t more) const {
  return kStateOverhead +
             EntryBound(local_.name.size(), local_metadata_encoded_.size()) +
             state_bound_ + more <=
         config_.max_stream_message;
}

absl::Duration NodeImpl::ReclaimAfter() const {
  return SuspicionTimeout(config_.suspicion_mult, table_.available() + 1,
                          config_.probe_interval);
}

namespace {

// The claim about a member in the given state; the metadata rides only on
// ONLINE claims, the origin only on accusations.
Claim MakeClaim(absl::string_view name, const Address& address,
                MemberStatus status, const Incarnation& incarnation,
                absl::string_view metadata_encoded, absl::string_view origin) {
  Claim update;
  update.status = status;
  update.name = name;
  update.incarnation = incarnation;
  update.address = address;
  if (status == MemberStatus::kOnline) {
    absl::StatusOr<MetadataView> view = MetadataView::Parse(metadata_encoded);
    update.has_metadata = view.ok();
    if (view.ok()) update.metadata = *view;
  }
  if (status == MemberStatus::kSuspect || status == MemberStatus::kOffline) {
    update.origin = origin;
  }
  return update;
}

}  // namespace

Claim NodeImpl::ClaimOf(const MemberRecord& record, absl::string_view origin) {
  return MakeClaim(record.name(), record.address(), record.status(),
                   record.incarnation(), record.metadata_encoded(), origin);
}

Claim NodeImpl::LocalClaim() const {
  return MakeClaim(local_.name, local_.address, local_.status,
                   local_.incarnation, local_metadata_encoded_, local_.name);
}

void NodeImpl::QueueUpdate(const MemberRecord& record,
                           absl::string_view origin) {
  EnqueueClaim(ClaimOf(record, origin));
}

void NodeImpl::EnqueueClaim(const Claim& claim) {
  absl::StatusOr<std::vector<uint8_t>> encoded = EncodeMessage(claim);
  if (!encoded.ok()) return;  // cannot happen: fields were validated
  EnqueueBroadcast(MemberKey(claim.name), *std::move(encoded),
                   /*user=*/false);
}

void NodeImpl::EnqueueBroadcast(absl::string_view key,
                                std::vector<uint8_t> encoded, bool user) {
  const size_t before = broadcasts_.dropped();
  broadcasts_.Enqueue(key, std::move(encoded), user);
  stats_.drops[static_cast<int>(DropReason::kBroadcastQueueFull)] +=
      broadcasts_.dropped() - before;
}

void NodeImpl::QueueLocalUpdate() { EnqueueClaim(LocalClaim()); }

void NodeImpl::HandleUserBroadcast(const UserBroadcast& broadcast,
                                   Instant now) {
  if (broadcast.origin == local_.name) return;  // our own, come back
  if (FromTheFuture(broadcast.generation, now)) {
    Drop(DropReason::kFutureGeneration);
    return;
  }
  // Only from a life of a member this node knows: it cannot tell a replay
  // from news about a stranger (a joining member learns, with the state it
  // joins by, how far each origin's broadcasts had got).
  // Nor while joining: until the join's reply says how far each origin's
  // broadcasts had got, an old one could not be told from news.
  const MemberRecord* origin = table_.Find(broadcast.origin);
  if (awaiting_floors_ || origin == nullptr ||
      broadcast.generation > origin->incarnation().generation) {
    Drop(DropReason::kUnknownOrigin);
    return;
  }
  if (broadcast.generation < origin->incarnation().generation) {
    Drop(DropReason::kDuplicateBroadcast);  // an earlier life's, replayed
    return;
  }
  switch (broadcast_history_.Accept(broadcast.origin, broadcast.generation,
                                    broadcast.sequence)) {
    case BroadcastHistory::Verdict::kNew:
      break;
    case BroadcastHistory::Verdict::kFull:
      // Unreachable: the history tracks only members of the table, and
      // holds room for all of them.
      Drop(DropReason::kUnknownOrigin);
      return;
    default:
      Drop(DropReason::kDuplicateBroadcast);
      return;
  }
  EmitEvent(UserMessage{std::string(broadcast.origin),
                        std::string(broadcast.payload)});
  absl::StatusOr<std::vector<uint8_t>> encoded = EncodeMessage(broadcast);
  if (encoded.ok()) {
    EnqueueBroadcast(BroadcastKey(broadcast), *std::move(encoded),
                     /*user=*/true);
  }
}

// --- Anti-entropy ---

void NodeImpl::HandlePushPull(const Address& from, const PushPull& state,
                              Instant now) {
  ++stats_.push_pulls_received;
  for (const Claim& record : state.members) {
    Claim claim = record;
    if (claim.origin.empty()) claim.origin = state.sender;
    ApplyUpdate(claim, /*from_push_pull=*/true, now);
  }
  // The reply to this node's join says how far each origin's broadcasts
  // had got: everything up to there was sent before it joined, and a
  // replay of it is no news. Taken from the first reply of a seed only (a
  // reply replayed on a connection of its own comes from elsewhere).
  if (awaiting_floors_ && !state.reply_wanted &&
      std::find(join_seeds_.begin(), join_seeds_.end(), from) !=
          join_seeds_.end()) {
    awaiting_floors_ = false;
    for (const BroadcastFloor& floor : state.floors) {
      const MemberRecord* origin = table_.Find(floor.origin);
      if (origin != nullptr &&
          origin->incarnation().generation == floor.generation) {
        broadcast_history_.Adopt(floor.origin, floor.generation,
                                 floor.sequence);
      }
    }
  }
  if (!state.reply_wanted || state.sender == local_.name) return;
  const Claim* sender = nullptr;
  for (const Claim& record : state.members) {
    if (record.name == state.sender) sender = &record;
  }
  if (sender == nullptr) {
    Drop(DropReason::kUnknownPushPullSender);
    return;
  }
  // A full state reply is the most expensive thing a node sends, and a
  // captured request can be replayed without the key: reply to each life of
  // a sender at most once per probe interval (a replay carries the same
  // incarnation; a restarted member's join carries a newer one), and never
  // while the replies already waiting to be sent exceed the byte budget.
  if (const PushPullReply* last = push_pull_replies_.Find(state.sender)) {
    if (now < last->at + config_.probe_interval &&
        sender->incarnation <= last->incarnation) {
      Drop(DropReason::kPushPullRateLimited);
      return;
    }
  }
  if (outbox_.queued_stream_bytes() > kMaxPendingStreamBytes) {
    Drop(DropReason::kPushPullRateLimited);
    return;
  }
  push_pull_replies_.Put(state.sender, PushPullReply{now, sender->incarnation});
  // The reply goes back on the connection the request came on, never to an
  // address the request names: a replayed request then costs its replayer,
  // and cannot aim a member's whole state at someone else.
  SendPushPull(
      from, state.joining ? PushPullKind::kReplyToJoiner : PushPullKind::kReply,
      reply_stream_);
}

void NodeImpl::SendPushPull(const Address& to, PushPullKind kind,
                            std::optional<StreamId> stream) {
  PushPull state;
  state.reply_wanted =
      kind == PushPullKind::kRequest || kind == PushPullKind::kJoin;
  state.joining = kind == PushPullKind::kJoin;
  state.sender = local_.name;
  if (kind == PushPullKind::kReplyToJoiner) {
    broadcast_history_.ForEach(
        [&](absl::string_view origin, uint64_t generation, uint64_t sequence) {
          if (table_.Find(origin) != nullptr) {
            state.floors.push_back({origin, generation, sequence});
          }
        });
    // In a fixed order, so runs replay exactly.
    std::sort(state.floors.begin(), state.floors.end(),
              [](const BroadcastFloor& a, const BroadcastFloor& b) {
                return a.origin < b.origin;
              });
  }
  state.members.reserve(table_.size() + 1);
  // Each entry as its holder believes it, without an origin: the receiver
  // takes the sender as the origin of any accusation.
  state.members.push_back(LocalClaim());
  state.members.back().origin = {};
  for (size_t i = 0; i < table_.size(); ++i) {
    state.members.push_back(ClaimOf(table_.at(i), /*origin=*/{}));
  }
  Message message = std::move(state);
  absl::StatusOr<size_t> size = EncodedSize(message);
  if (!size.ok()) return;
  if (kWireHeaderSize + *size > config_.max_stream_message) {
    // Admission keeps the state within one message; only metadata grown
    // since (members publish up to max_metadata_size each) gets here. Send
    // what fits, from a random member on, so exchanges still cover
    // everyone, and count it.
    ++stats_.push_pulls_truncated;
    PushPull& whole = std::get<PushPull>(message);
    whole.floors.clear();
    std::vector<Claim> kept = {whole.members.front()};
    size_t bytes = *EncodedSize(Message(
        PushPull{whole.reply_wanted, whole.joining, whole.sender, kept, {}}));
    const size_t others = whole.members.size() - 1;
    const size_t first = others == 0 ? 0 : random_.Uniform(others);
    for (size_t i = 0; i < others; ++i) {
      const Claim& entry = whole.members[1 + (first + i) % others];
      const size_t entry_size = *EncodedSize(Message(entry)) - 1;
      if (kWireHeaderSize + bytes + entry_size + 9 >
          config_.max_stream_message) {
        continue;  // a smaller one may fit
      }
      bytes += entry_size;
      kept.push_back(entry);
    }
    whole.members = std::move(kept);
    size = EncodedSize(message);
    if (!size.ok()) return;
  }
  std::vector<uint8_t> packet(kWireHeaderSize + *size);
  if (!EncodePacket(absl::MakeConstSpan(&message, 1), absl::MakeSpan(packet))
           .ok()) {
    return;
  }
  ++stats_.push_pulls_sent;
  CountSent(message);
  SendPacket(to, Channel::kStream, packet, stream);
}

void NodeImpl::OnPushPullTick(Instant now) {
  timers_.Set(Kind::kPushPull, now + PushPullInterval());
  // SUSPECT peers too: a member that suspects everyone (it was cut off) must
  // still exchange state to learn it is suspected and refute.
  for (MemberRecord* peer : RandomMembers(1, kAvailable, "")) {
    SendPushPull(peer->address(), PushPullKind::kRequest);
  }
  // Also try one member declared OFFLINE: after a partition heals, each side
  // may hold the other OFFLINE and so never gossip to it; a state exchange
  // lets both sides learn of each other, refute, and merge again.
  for (MemberRecord* peer : RandomMembers(1, MemberStatus::kOffline, "")) {
    SendPushPull(peer->address(), PushPullKind::kRequest);
  }
}

void NodeImpl::OnJoinRetry(Instant now) {
  if (table_.available() > 0 || join_seeds_.empty()) {
    // Joined through gossip rather than a seed's reply: no floors to wait
    // for any more.
    awaiting_floors_ = false;
    join_seeds_.clear();
    return;
  }
  for (const Address& seed : join_seeds_) {
    SendPushPull(seed, PushPullKind::kJoin);
  }
  join_backoff_ = std::min(join_backoff_ * 2, absl::Seconds(60));
  timers_.Set(Kind::kJoinRetry, now + join_backoff_);
}

absl::Duration NodeImpl::PushPullInterval() const {
  return ScaledPushPullInterval(config_, table_.available() + 1);
}

// --- Dissemination ---

void NodeImpl::OnGossipTick(Instant now) {
  timers_.Set(Kind::kGossip, now + config_.gossip_interval);
  if (broadcasts_.has_oversized() && table_.available() > 0) {
    // Messages too big for any datagram (large metadata) go by stream, once,
    // to gossip_nodes members, who pass them on the same way; push-pull
    // repairs whatever that epidemic misses.
    std::vector<std::vector<uint8_t>> oversized = broadcasts_.TakeOversized();
    {
      std::vector<MemberRecord*> targets =
          RandomMembers(config_.gossip_nodes, kAvailable, "");
      for (const std::vector<uint8_t>& message : oversized) {
        std::vector<uint8_t> packet(kWireHeaderSize + message.size());
        PacketBuilder builder(absl::MakeSpan(packet));
        if (!builder.AppendEncoded(message).ok()) continue;
        for (MemberRecord* target : targets) {
          ++stats_.messages_sent[message[0] & 7];
          SendPacket(target->address(), Channel::kStream, builder.bytes());
        }
      }
    }
  }
  if (broadcasts_.empty()) return;
  ++stats_.gossip_rounds;
  // Gossip goes to live members and to those gone for less than a
  // suspicion timeout (as memberlist's gossip to the dead): a member
  // declared OFFLINE or LEFT by mistake, or by a forged claim, hears of
  // it at once and refutes before anyone may give its name away.
  const absl::Duration recently = ReclaimAfter();
  for (MemberRecord* target :
       RandomMembers(config_.gossip_nodes, [&](const MemberRecord& record) {
         return StatusIn(record.status(), kAvailable) ||
                now - record.last_change() < recently;
       })) {
    if (TransmitQueueFull()) break;
    PacketBuilder builder(
        absl::MakeSpan(packet_scratch_.data(), PayloadBudget()));
    const size_t user_share =
        static_cast<size_t>(config_.user_broadcast_share * builder.remaining());
    if (broadcasts_.Fill(builder, RetransmitLimit(), UserRetransmitLimit(),
                         user_share, &stats_.messages_sent) == 0) {
      break;
    }
    SendPacket(target->address(), Channel::kDatagram, builder.bytes());
  }
}

void NodeImpl::SendRequest(const Address& to,
                           absl::Span<const Message> messages) {
  if (TransmitQueueFull()) return;  // before Fill counts any transmission
  PacketBuilder builder(
      absl::MakeSpan(packet_scratch_.data(), PayloadBudget()));
  for (const Message& message : messages) {
    if (!builder.Append(message).ok()) {
      // Only with long names and a small budget; Config::Validate makes
      // room for a ping to any name, so this drops an extra (the buddy
      // hint), never the probe itself.
      Drop(DropReason::kMessageTooLarge);
      continue;
    }
    CountSent(message);
  }
  if (builder.message_count() == 0) return;
  const size_t user_share =
      static_cast<size_t>(config_.user_broadcast_share * builder.remaining());
  broadcasts_.Fill(builder, RetransmitLimit(), UserRetransmitLimit(),
                   user_share, &stats_.messages_sent);
  SendPacket(to, Channel::kDatagram, builder.bytes());
}

void NodeImpl::SendBare(const Address& to, const Message& message) {
  if (TransmitQueueFull()) return;
  PacketBuilder builder(
      absl::MakeSpan(packet_scratch_.data(), PayloadBudget()));
  if (!builder.Append(message).ok()) return;  // Validate makes room
  CountSent(message);
  SendPacket(to, Channel::kDatagram, builder.bytes());
}

bool NodeImpl::TransmitQueueFull() {
  if (!outbox_.full()) return false;
  Drop(DropReason::kTransmitQueueFull);
  return true;
}

void NodeImpl::SendPacket(const Address& to, Channel channel,
                          absl::Span<const uint8_t> packet,
                          std::optional<StreamId> stream) {
  if (TransmitQueueFull()) return;
  if (channel == Channel::kStream) {
    const absl::StatusOr<size_t> size =
        outbox_.QueueStream(to, stream, packet, random_.Next(), envelope_);
    if (!size.ok()) return;
    ++stats_.streams_sent;
    stats_.bytes_sent += *size;
    return;
  }
  const absl::StatusOr<size_t> size =
      outbox_.QueueDatagram(to, packet, envelope_);
  if (!size.ok()) return;
  ++stats_.datagrams_sent;
  stats_.bytes_sent += *size;
}

void NodeImpl::CountSent(const Message& message) {
  ++stats_.messages_sent[static_cast<int>(TypeOf(message))];
}

size_t NodeImpl::PayloadBudget() const {
  return config_.datagram_budget - envelope_.Overhead();
}

int NodeImpl::UserRetransmitLimit() const {
  // Membership news is repaired by push-pull if gossip misses a member; user
  // broadcasts are not, so they are sent three times as often, which makes
  // a miss vanishingly rare (a member misses one only if none of the ~3x
  // more sends in the cluster picks it).
  return 3 * RetransmitLimit();
}

int NodeImpl::RetransmitLimit() const {
  return swim::RetransmitLimit(config_, table_.available() + 1);
}

std::vector<MemberRecord*> NodeImpl::RandomMembers(size_t count,
                                                   StatusMask mask,
                                                   absl::string_view exclude) {
  return RandomMembers(count, [&](const MemberRecord& record) {
    return StatusIn(record.status(), mask) && record.name() != exclude;
  });
}

std::vector<MemberRecord*> NodeImpl::RandomMembers(
    size_t count, absl::FunctionRef<bool(const MemberRecord&)> wanted) {
  std::vector<MemberRecord*> chosen;
  const size_t size = table_.size();
  if (count == 0 || size == 0) return chosen;
  auto eligible = [&](MemberRecord* record) {
    return wanted(*record) &&
           std::find(chosen.begin(), chosen.end(), record) == chosen.end();
  };
  // Sampling by index is O(count) in large clusters; when it keeps
  // missing (few eligible members), fall back to a scan.
  for (size_t attempt = 0; attempt < 4 * count + 8 && chosen.size() < count;
       ++attempt) {
    MemberRecord* record = &table_.at(random_.Uniform(size));
    if (eligible(record)) chosen.push_back(record);
  }
  if (chosen.size() < count) {
    std::vector<MemberRecord*> rest;
    for (size_t i = 0; i < size; ++i) {
      MemberRecord* record = &table_.at(i);
      if (eligible(record)) rest.push_back(record);
    }
    random_.Shuffle(rest);
    for (MemberRecord* record : rest) {
      if (chosen.size() == count) break;
      chosen.push_back(record);
    }
  }
  return chosen;
}

void NodeImpl::EmitEvent(Event event) {
  if (events_.size() >= kMaxEvents) {
    events_.pop_front();
    Drop(DropReason::kEventQueueFull);
  }
  events_.push_back(std::move(event));
}

// --- Node: the public surface, forwarded ------------------------------------
// Defined here, beside the implementation, so the compiler can inline the
// small calls.

absl::StatusOr<std::unique_ptr<Node>> Node::Create(Config config, Instant now) {
  absl::StatusOr<std::unique_ptr<NodeImpl>> impl =
      NodeImpl::Create(std::move(config), now);
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<Node>(new Node(*std::move(impl)));
}

Node::Node(std::unique_ptr<NodeImpl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;

absl::Status Node::Join(absl::Span<const Address> seeds, Instant now) {
  return impl_->Join(seeds, now);
}
absl::Status Node::Leave(Instant now) { return impl_->Leave(now); }
absl::Status Node::SetMetadata(Metadata metadata, Instant now) {
  return impl_->SetMetadata(std::move(metadata), now);
}
absl::Status Node::Restore(absl::Span<const Member> members, Instant now) {
  return impl_->Restore(members, now);
}
absl::Status Node::Broadcast(absl::string_view payload, Instant now) {
  return impl_->Broadcast(payload, now);
}

absl::Status Node::AddKey(absl::string_view secret) {
  return impl_->keyring().Add(secret);
}
absl::Status Node::UseKey(absl::string_view secret) {
  return impl_->keyring().Use(secret);
}
absl::Status Node::RemoveKey(absl::string_view secret) {
  return impl_->keyring().Remove(secret);
}

void Node::HandleDatagram(const Address& from, absl::Span<const uint8_t> bytes,
                          Instant now) {
  impl_->HandleDatagram(from, bytes, now);
}
StreamVerdict Node::HandleStreamData(StreamId stream, const Address& from,
                                     absl::Span<const uint8_t> bytes,
                                     Instant now) {
  return impl_->HandleStreamData(stream, from, bytes, now);
}
void Node::HandleStreamClosed(StreamId stream) {
  impl_->HandleStreamClosed(stream);
}
void Node::HandleTimeout(Instant now) { impl_->HandleTimeout(now); }
void Node::ObserveWallClock(absl::Time wall) { impl_->ObserveWallClock(wall); }

std::optional<Instant> Node::NextDeadline() const {
  return impl_->NextDeadline();
}
std::optional<Transmit> Node::PollTransmit() { return impl_->PollTransmit(); }
std::optional<Event> Node::PollEvent() { return impl_->PollEvent(); }

const Member& Node::local() const { return impl_->local(); }
std::optional<Member> Node::Find(absl::string_view name) const {
  return impl_->Find(name);
}
std::optional<MemberStatus> Node::StatusOf(absl::string_view name) const {
  return impl_->StatusOf(name);
}
std::vector<Member> Node::Members(StatusMask mask) const {
  return impl_->Members(mask);
}
std::vector<Member> Node::Sample(size_t count, StatusMask mask) {
  return impl_->Sample(count, mask);
}
size_t Node::available() const { return impl_->available(); }
size_t Node::size() const { return impl_->size(); }
const Stats& Node::stats() const { return impl_->stats(); }
const Config& Node::config() const { return impl_->config(); }
Lifecycle Node::lifecycle() const { return impl_->lifecycle(); }
size_t Node::queued_broadcasts() const { return impl_->queued_broadcasts(); }
size_t Node::queued_member_timers() const {
  return impl_->queued_member_timers();
}

}  // namespace swim

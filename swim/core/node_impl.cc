#include "swim/core/node_impl.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "swim/core/compression.h"
#include "swim/core/crypto.h"
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
// The largest UDP payload: a datagram buffer never grows beyond it.
constexpr size_t kMaxDatagramSize = 65507;
// Senders whose last state reply is remembered (StateReplyGate).
constexpr size_t kMaxTrackedPushPullSenders = 4096;
// (member, sender) pairs remembered for rate-limiting answers to stale
// accusations.
constexpr size_t kMaxTrackedCorrections = 4096;
constexpr size_t kMaxTombstones = 4096;
// Addresses a name conflict was recently reported for.
constexpr size_t kMaxTrackedConflicts = 256;
constexpr size_t kMaxEvents = 65536;
// A guard against a bug, not a peer: every timer that fires moves its
// deadline past now (the node fuzzer checks it), so one call never comes
// near it, and nothing counts it.
constexpr int kMaxTimersPerCall = 1 << 16;

// The most records (and floors) a state from another member may hold: its
// own, those of its table, which it fills only while every entry at the
// most it can take still fits in max_stream_message (an entry takes at
// least StateEntryBound(1, 0) bytes of that budget), and the claims about
// members it forgot that a request named (at most its tombstones). Every
// member should use the same max_stream_message; a state beyond this is
// malformed, and its records are not decoded.
size_t StateRecordLimit(const Config& config) {
  return 1 + config.max_stream_message / StateEntryBound(1, 0) + kMaxTombstones;
}

// The least time between two state exchanges a member makes of its own
// accord after its join or in a burst (docs/protocol.md, "Join bursts"):
// a peer answers each sender at most once a probe interval
// (StateReplyGate).
absl::Duration ExchangeSpacing(const Config& config) {
  return config.probe_interval + config.probe_timeout;
}

bool AllowedOn(Channel channel, const Message& message, bool tcp_only) {
  const MessageType type = TypeOf(message);
  // TCP-only (Config::tcp_only): streams carry everything, and no
  // datagram reaches this check (HandleInput drops them first).
  if (tcp_only) return true;
  if (channel == Channel::kStream) {
    // Pings and acks: the stream fallback of a probe
    // (Config::stream_fallback).
    return type == MessageType::kPushPull ||
           type == MessageType::kMemberUpdate ||
           type == MessageType::kUserBroadcast || type == MessageType::kPing ||
           type == MessageType::kAck;
  }
  return type != MessageType::kPushPull;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeImpl>> NodeImpl::Create(Config config,
                                                           Instant now) {
  // The keyring keeps the only copy of the secrets, wiped as each key is
  // removed; config() holds none. Copies refused with the config are wiped
  // too.
  absl::Cleanup wipe_keys = [&config] { crypto::CleanseStrings(config.keys); };
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
  crypto::CleanseStrings(config.keys);
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
      state_replies_(kMaxTrackedPushPullSenders),
      tombstones_(kMaxTombstones),
      buried_notices_(kMaxTrackedPushPullSenders),
      join_(config_.probe_interval, config_.reconnect_interval),
      reconnect_(config_.reconnect_interval),
      exchanges_(ExchangeSpacing(config_)),
      join_settle_(ExchangeSpacing(config_), 2 * config_.probe_timeout),
      join_handoff_(config_.push_pull_interval),
      isolation_(now),
      broadcast_history_(config_.max_members + 1),
      outbox_(config_.datagram_budget),
      streams_(config_.max_stream_message),
      corrections_answered_(kMaxTrackedCorrections),
      reconnects_prompted_(kMaxTrackedCorrections) {
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
  // Armed when there is something to gossip (ArmGossip).
  gossip_next_ = now + stagger(config_.gossip_interval);
  if (config_.push_pull_interval > absl::ZeroDuration()) {
    timers_.Set(Kind::kPushPull,
                exchanges_.Start(now + config_.push_pull_interval +
                                 stagger(config_.push_pull_interval)));
  }
  if (reconnect_.enabled()) {
    reconnect_.Start(now + config_.reconnect_interval +
                     stagger(config_.reconnect_interval));
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

// Keys of the dissemination queue: a kind byte keeps member names and
// user-broadcast ids from ever colliding.
std::string NodeImpl::MemberKey(absl::string_view name) {
  return absl::StrCat("m", name);
}
std::string NodeImpl::BroadcastKey(const UserBroadcast& broadcast) {
  return absl::StrCat("u", broadcast.generation, ".", broadcast.sequence, ":",
                      broadcast.origin);
}

// --- Commands ---------------------------------------------------------------

absl::Status NodeImpl::CheckActive(absl::string_view command) const {
  if (active()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(command, ": this member has left the cluster"));
}

absl::Status NodeImpl::CheckSeedCount(absl::string_view command, size_t count) {
  if (count <= Node::kMaxSeeds) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      command, ": ", count, " seeds, at most ", Node::kMaxSeeds, " taken"));
}

absl::Status NodeImpl::Join(absl::Span<const Address> seeds, Instant now) {
  if (absl::Status status = CheckActive("Join"); !status.ok()) return status;
  if (absl::Status status = CheckSeedCount("Join", seeds.size());
      !status.ok()) {
    return status;
  }
  joined_once_ = true;
  const bool joined = table_.available() > 0;
  if (!join_.Start(seeds, local_.address, joined)) {
    timers_.Cancel(Kind::kJoinRetry);
    return absl::OkStatus();  // the first member
  }
  if (joined) {
    // Already a member (a driver passing seeds it resolved again, or the
    // application adding some): only the seeds that are not members known
    // here are asked, so refreshing a seed list costs no state exchanges.
    AskSeeds(now, now);
    return absl::OkStatus();
  }
  SendJoinRequests(now);
  return absl::OkStatus();
}

void NodeImpl::SendJoinRequests(Instant now) {
  // Announce ourselves too, so the news rides our first packets instead of
  // waiting for the seeds to gossip it.
  QueueLocalUpdate(now);
  // The first state reply starts this join's settle exchanges.
  if (config_.push_pull_interval > absl::ZeroDuration()) join_settle_.Await();
  for (const Address& seed : join_.seeds()) {
    SendPushPull(seed, StateKind::kJoin);
  }
  timers_.Set(Kind::kJoinRetry, now + join_.delay());
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
  fallback_waits_.Clear();
  timers_.Cancel(Kind::kProbeTick);
  timers_.Cancel(Kind::kJoinRetry);
  timers_.Cancel(Kind::kPushPull);
  reconnect_.Stop();
  join_settle_.Stop();
  QueueLocalUpdate(now);
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
  QueueLocalUpdate(now);
  return absl::OkStatus();
}

absl::Status NodeImpl::Rejoin(absl::Span<const Member> saved,
                              absl::Span<const Address> seeds, Instant now) {
  if (absl::Status status = CheckActive("Rejoin"); !status.ok()) return status;
  if (absl::Status status = CheckSeedCount("Rejoin", seeds.size());
      !status.ok()) {
    return status;
  }
  if (joined_once_) {
    return absl::FailedPreconditionError(
        "Rejoin: this member has already joined (Join or Rejoin ran); a "
        "saved view only starts a member");
  }
  std::vector<Member> online;
  online.reserve(saved.size());
  for (const Member& member : saved) {
    if (member.status == MemberStatus::kOnline && member.name != local_.name) {
      online.push_back(member);
    }
  }
  if (absl::Status status = RestoreMembers(online, now, /*report=*/true);
      !status.ok()) {
    return status;
  }
  if (table_.size() == 0) return Join(seeds, now);
  joined_once_ = true;
  // Contacts first, then the seeds that are not restored members (those
  // would be asked again only if the cluster forgets them).
  std::vector<Address> contacts;
  for (const Member& member :
       Sample(Node::kRejoinContacts, MemberStatus::kOnline)) {
    contacts.push_back(member.address);
  }
  absl::flat_hash_set<Address> restored;
  for (size_t i = 0; i < table_.size(); ++i) {
    restored.insert(table_.at(i).address());
  }
  for (const Address& seed : seeds) {
    if (!restored.contains(seed)) contacts.push_back(seed);
  }
  // As Join does for a member that knows nobody: the view says nothing
  // about broadcasts, so the floors of the first reply are still awaited.
  if (!join_.Start(contacts, local_.address, /*joined=*/false)) {
    return absl::OkStatus();  // every contact at this node's own address
  }
  rejoining_ = true;
  SendJoinRequests(now);
  return absl::OkStatus();
}

absl::Status NodeImpl::RestoreMembers(absl::Span<const Member> members,
                                      Instant now, bool report) {
  // Errors name the command the caller used.
  const absl::string_view label = report ? "rejoin" : "restore";
  if (absl::Status status = CheckActive(report ? "Rejoin" : "Restore");
      !status.ok()) {
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
          label, ": member ", i, " has a name of ", member.name.size(),
          " bytes (1 to ", kMaxNameLength, " allowed)"));
    }
    if (FromTheFuture(member.incarnation.generation, now)) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": member '", member.name, "' has generation ",
          member.incarnation.generation,
          ", later than any live process can have started (this member's "
          "clock plus max_clock_skew)"));
    }
    if (member.status != MemberStatus::kOnline) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": member '", member.name, "' is ",
          MemberStatusName(member.status),
          "; only ONLINE members are restored (the cluster reports the rest)"));
    }
    absl::StatusOr<std::string> encoded = EncodeMetadata(member.metadata);
    if (!encoded.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": member '", member.name, "': ", encoded.status().message()));
    }
    if (encoded->size() > config_.max_metadata_size) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": member '", member.name, "' has metadata of ",
                       encoded->size(), " bytes, above max_metadata_size ",
                       config_.max_metadata_size));
    }
    if (is_new(member)) {
      ++candidates;
      candidate_bytes += StateEntryBound(member.name.size(), encoded->size());
    }
  }
  if (table_.size() + candidates > config_.max_members ||
      !StateFits(candidate_bytes)) {
    // Repeated names count once: only now is the exact count worth a set.
    absl::flat_hash_map<absl::string_view, size_t> fresh;
    for (const Member& member : members) {
      if (is_new(member)) {
        fresh.try_emplace(
            member.name,
            StateEntryBound(member.name.size(),
                            EncodeMetadata(member.metadata)->size()));
      }
    }
    if (table_.size() + fresh.size() > config_.max_members) {
      return absl::ResourceExhaustedError(absl::StrCat(
          label, ": ", fresh.size(), " new members would exceed max_members ",
          config_.max_members, " (", table_.size(), " known)"));
    }
    candidate_bytes = 0;
    for (const auto& [name, bytes] : fresh) candidate_bytes += bytes;
    if (!StateFits(candidate_bytes)) {
      return absl::ResourceExhaustedError(
          absl::StrCat(label, ": ", fresh.size(),
                       " new members would make a state exchange larger than "
                       "max_stream_message ",
                       config_.max_stream_message));
    }
  }
  table_.Reserve(table_.size() + candidates);
  for (const Member& member : members) {
    if (!is_new(member)) continue;  // includes a repeat: the first one won
    absl::StatusOr<std::string> encoded = EncodeMetadata(member.metadata);
    state_bound_ += StateEntryBound(member.name.size(), encoded->size());
    MemberRecord& record = table_.Add(member.name, MemberStatus::kOnline,
                                      *encoded, random_, /*vouched=*/true);
    record.set_address(member.address);
    record.set_incarnation(member.incarnation);
    record.set_last_change(now);
    if (report) EmitEvent(MemberJoined{record.ToMember()});
  }
  // Someone to gossip to at last, if a round found nobody (OnGossipTick).
  if (!broadcasts_.empty() || broadcasts_.has_oversized()) ArmGossip(now);
  return absl::OkStatus();
}

absl::Status NodeImpl::Remove(absl::string_view name, Instant now) {
  if (absl::Status status = CheckActive("Remove"); !status.ok()) return status;
  if (name == local_.name) {
    return absl::InvalidArgumentError(
        "Remove: that is this member; use Leave to leave the cluster");
  }
  MemberRecord* record = table_.Find(name);
  if (record == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("Remove: no member named '", name, "' is known here"));
  }
  // LEFT above the incarnation held, so the claim wins everywhere at once
  // and, if the member is alive after all, it refutes and stays.
  Incarnation claimed = record->incarnation();
  ++claimed.version;
  const MemberStatus previous = record->status();
  Verdict cause =
      MakeVerdict(Verdict::Reason::kRemoved, local_.name, record->suspicion());
  record->set_suspicion(nullptr);
  record->set_incarnation(claimed);
  if (previous == MemberStatus::kOffline) UnindexOffline(*record);
  table_.SetStatus(*record, MemberStatus::kLeft);
  record->set_last_change(now);
  ++stats_.removals;
  if (previous != MemberStatus::kLeft) {
    EmitEvent(
        MemberStatusChanged{record->ToMember(), previous, std::move(cause)});
  }
  QueueUpdate(*record, local_.name,
              now);  // the queued claim outlives the record
  Reap(*record);
  return absl::OkStatus();
}

absl::Status NodeImpl::RememberFor(absl::string_view name,
                                   absl::Duration duration, Instant now) {
  if (absl::Status status = CheckActive("RememberFor"); !status.ok()) {
    return status;
  }
  if (name == local_.name) {
    return absl::InvalidArgumentError(
        "RememberFor: that is this member, which is never forgotten here");
  }
  if (duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("RememberFor: the duration must be positive, is ",
                     absl::FormatDuration(duration)));
  }
  MemberRecord* record = table_.Find(name);
  if (record == nullptr) {
    return absl::NotFoundError(absl::StrCat("RememberFor: no member named '",
                                            name, "' is known here"));
  }
  remember_for_[std::string(name)] = duration;
  if (!StatusIn(record->status(), kAvailable)) {
    const Instant due = record->last_change() + duration;
    if (due <= now) {
      Reap(*record);
    } else {
      ArmMemberTimer(*record, Kind::kReap, due);
    }
  }
  return absl::OkStatus();
}

absl::Status NodeImpl::Broadcast(absl::string_view payload, Instant now) {
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
                                next_broadcast_sequence_, payload};
  absl::StatusOr<std::vector<uint8_t>> encoded = EncodeMessage(broadcast);
  if (!encoded.ok()) return encoded.status();
  // One too large for a datagram goes by stream, in a packet of its own:
  // members (all with this max_stream_message) would drop a larger one.
  if (kWireHeaderSize + encoded->size() > config_.max_stream_message) {
    return absl::InvalidArgumentError(absl::StrCat(
        "broadcast payload is ", payload.size(), " bytes: with its origin and ",
        "header, ", kWireHeaderSize + encoded->size(),
        " bytes, above max_stream_message (", config_.max_stream_message, ")"));
  }
  ++next_broadcast_sequence_;
  EnqueueBroadcast(BroadcastKey(broadcast), *std::move(encoded),
                   /*user=*/true, now);
  return absl::OkStatus();
}

// --- Input ------------------------------------------------------------------

void NodeImpl::HandleDatagram(const Address& from,
                              absl::Span<const uint8_t> bytes, Instant now) {
  isolation_.OnRun(now, IsolationWindow());
  ++stats_.datagrams_received;
  HandleInput(from, bytes, now);
}

StreamVerdict NodeImpl::HandleStreamData(StreamId stream, const Address& from,
                                         absl::Span<const uint8_t> bytes,
                                         Instant now) {
  isolation_.OnRun(now, IsolationWindow());
  stats_.bytes_received += bytes.size();
  stats_.stream_bytes_received += bytes.size();
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
  isolation_.OnContact();  // authentic
  request_compressed_ = IsCompressedPacket(message);
  if (request_compressed_) {
    if (!ExpandPacket(message, config_.max_stream_message, expanded_).ok()) {
      Drop(DropReason::kCompression);
      ReleaseExpanded();
      return;
    }
    message = expanded_;
  }
  if (!DecodePacket(message, decoded_, StateRecordLimit(config_)).ok()) {
    Drop(DropReason::kMalformed);
    ReleaseDecoded();
    ReleaseExpanded();
    return;
  }
  // A stream cannot be spoofed: in TCP-only mode, where the answers a
  // datagram would get come back on the stream, they may use the whole
  // payload budget.
  reply_limit_ = PayloadBudget();
  reply_stream_ = stream;
  HandleMessages(from, Channel::kStream, now);
  reply_stream_.reset();
  ReleaseDecoded();
  ReleaseExpanded();
}

void NodeImpl::ReleaseDecoded() {
  decoded_.clear();
  // A packet of many messages is rare (a datagram holds about a hundred
  // claims): its room is given back rather than held.
  if (decoded_.capacity() > kKeptMessages)
    std::vector<Message>().swap(decoded_);
}

void NodeImpl::ReleaseExpanded() {
  request_compressed_ = false;
  // A large state's room is given back rather than held for the next one
  // (which a hostile peer could make up to max_stream_message).
  if (expanded_.capacity() > kKeptExpansion)
    std::vector<uint8_t>().swap(expanded_);
}

void NodeImpl::HandleInput(const Address& from, absl::Span<const uint8_t> bytes,
                           Instant now) {
  stats_.bytes_received += bytes.size();
  stats_.datagram_bytes_received += bytes.size();
  if (config_.tcp_only) {
    // Not even opened: a TCP-only member neither sends nor reads
    // datagrams, so a spoofed one cannot make it open connections.
    Drop(DropReason::kWrongChannel);
    return;
  }
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
  isolation_.OnContact();  // authentic: another member reached this one
  if (!DecodePacket(*packet, decoded_, StateRecordLimit(config_)).ok()) {
    Drop(DropReason::kMalformed);
    ReleaseDecoded();
    return;
  }
  // Whatever answers this datagram is no larger than it: a replayed or
  // spoofed datagram cannot make this node send more than it received.
  reply_limit_ = packet->size();
  HandleMessages(from, Channel::kDatagram, now);
  ReleaseDecoded();
}

void NodeImpl::HandleMessages(const Address& from, Channel channel,
                              Instant now) {
  // All or nothing: a packet with any message on the wrong channel changes
  // nothing.
  for (const Message& message : decoded_) {
    if (!AllowedOn(channel, message, config_.tcp_only)) {
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
            HandleAck(m, channel, now);
          } else if constexpr (std::is_same_v<T, Nack>) {
            HandleNack(from, m);
          } else if constexpr (std::is_same_v<T, Claim>) {
            if (IsStaleAccusation(m, self_before)) NoteStaleClaim(m.name);
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
  if (channel == Channel::kDatagram || config_.tcp_only) {
    SendReply(from, local_.incarnation != self_before, now);
    // Input from where a member this node holds OFFLINE lives: it is
    // probably alive and this node missed its refutation.
    if (!offline_at_.empty()) ReconnectIfOffline(from, now);
  } else if (reply_ack_) {
    SendStreamAck(from);
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
  // (In TCP-only mode, on the connection the message came on.)
  SendPacket(to, Channel::kDatagram, builder.bytes(), reply_stream_);
}

void NodeImpl::SendStreamAck(const Address& to) {
  // A stream fallback's answer, on the connection the ping came on: the
  // ack, and this member's latest claim while it is still being spread (a
  // refutation of the suspicion the ping carried). A stream cannot be
  // spoofed, so no size limit beyond the payload budget applies; nothing
  // here spends the dissemination budget either.
  if (TransmitQueueFull()) return;
  PacketBuilder builder(
      absl::MakeSpan(packet_scratch_.data(), PayloadBudget()));
  const Message ack = Ack{*reply_ack_};
  if (!builder.Append(ack).ok()) return;
  CountSent(ack);
  // Also when the ping's buddy claim accused an incarnation this member
  // already refuted: the prober missed the refutation.
  const bool accused_stale = std::find(corrections_.begin(), corrections_.end(),
                                       local_.name) != corrections_.end();
  if (broadcasts_.Contains(local_key_) || accused_stale) {
    const Claim own = LocalClaim();
    if (builder.Append(own).ok()) CountSent(own);
  }
  SendPacket(to, Channel::kStream, builder.bytes(), reply_stream_);
}

void NodeImpl::HandleTimeout(Instant now) {
  // What is due runs in time order; at one instant, in a fixed order: the
  // probe (its end before its timeout, so a probe ends before the next
  // one starts), verdicts that waited for a stream fallback, the periodic
  // timers, the relays, then members' timers.
  isolation_.OnRun(now, IsolationWindow());
  // With nobody OFFLINE the reconnect tick has nothing to try and wakes
  // nobody (ReconnectDeadline); once it is due it moves on a tick here,
  // so a member declared OFFLINE is first tried within one interval.
  if (table_.offline() == 0) reconnect_.HandleExpiry(now);
  enum class Source : uint8_t {
    kProbe,
    kFallback,
    kPeriodic,
    kReconnect,
    kJoinSettle,
    kRelays,
    kMembers
  };
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
    consider(fallback_waits_.NextExpiry(), Source::kFallback);
    consider(timers_.NextSingleton(), Source::kPeriodic);
    consider(ReconnectDeadline(), Source::kReconnect);
    consider(join_settle_.NextExpiry(), Source::kJoinSettle);
    consider(relays_.NextExpiry(), Source::kRelays);
    consider(timers_.NextKeyed(), Source::kMembers);
    if (!at) return;
    switch (source) {
      case Source::kProbe: {
        const Probe::Expiry expiry = probe_.HandleExpiry(now);
        if (expiry.ask_helpers) {
          AskHelpers();
          if (config_.tcp_only) {
            // The ping went by stream: TCP may still be resending it (or
            // the ack), so the verdict waits as a stream fallback's does.
            probe_.MarkFallback(now + FallbackWaits::kStreamRetransmit);
          } else if (config_.stream_fallback) {
            SendStreamProbe(now);
          }
        }
        if (expiry.ended) ConcludeProbe(*expiry.ended, now);
        break;
      }
      case Source::kFallback:
        if (std::optional<FallbackWaits::Waiting> due =
                fallback_waits_.HandleExpiry(now)) {
          GiveVerdict(due->outcome, due->target, due->incarnation, now);
        }
        break;
      case Source::kReconnect:
        OnReconnectTick(now);
        break;
      case Source::kJoinSettle:
        OnJoinSettle(now);
        break;
      case Source::kRelays:
        relays_.HandleExpiry(now, [this](const RelayTable::Relayed& relay) {
          AnswerRequester(relay, Nack{relay.requester_seq});
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
      OnJoinRetry(timer.at, now);
      break;
    case Kind::kSuspicion:
    case Kind::kReap:
      OnMemberTimer(timer.kind, timer.key, timer.at, now);
      break;
  }
}

// --- Output -----------------------------------------------------------------

std::optional<Instant> NodeImpl::ReconnectDeadline() const {
  if (table_.offline() == 0) return std::nullopt;
  return reconnect_.NextExpiry();
}

bool NodeImpl::JoinTimerRides() const {
  return table_.available() > 0 && !rejoining_ && !join_.awaiting_seed() &&
         timers_.Get(Kind::kProbeTick).has_value();
}

std::optional<Instant> NodeImpl::NextDeadline() const {
  std::optional<Instant> next =
      JoinTimerRides() ? timers_.NextExcept(Kind::kJoinRetry) : timers_.Next();
  for (const std::optional<Instant>& due :
       {probe_.NextExpiry(), fallback_waits_.NextExpiry(), ReconnectDeadline(),
        join_settle_.NextExpiry(), relays_.NextExpiry()}) {
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
  if (table_.available() == 0) return true;
  // Sent as often as any news (RetransmitLimit): nobody else can repeat the
  // LEFT until someone has it, and the driver exits once this holds. One
  // round of gossip_nodes datagrams is not enough: its targets include
  // members that crashed and are still held SUSPECT (or gone within
  // ReclaimAfter), and datagrams are lost, so now and then none would reach
  // a live member and every member would declare the leaver OFFLINE.
  return broadcasts_.Transmits(local_key_) < 0;
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
  // (Also notices the end of an isolation promptly.)
  const bool isolated = Isolated(now);
  MemberRecord* target = table_.NextProbeTarget(random_);
  if (target == nullptr) return;
  isolation_.OnProbe();
  const uint32_t seq = next_seq_++;
  probe_.Start(seq, target->name(), target->incarnation(), now,
               now + awareness_.Scale(config_.probe_timeout), now + interval);
  if (isolated) probe_.MarkSentIsolated();
  ++stats_.probes;
  if (std::optional<Claim> suspicion = BuddyClaim(*target)) {
    // The claim goes first: the target refutes before it answers, so the
    // refutation rides on the ack.
    const Message messages[] = {*suspicion, Ping{seq, probe_.target()}};
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
  const size_t count = config_.indirect_checks;
  auto online_other = [&](const MemberRecord& record) {
    return record.status() == MemberStatus::kOnline &&
           record.name() != probe_.target();
  };
  std::vector<MemberRecord*> helpers;
  // While members only heard of far outnumber those that answered (invented by
  // the thousand, say), helpers that answer come first: one that never
  // does sends no nack, and each missing nack counts against this
  // member's health (GiveVerdict), so a flood of invented members would
  // slow its probing to a crawl.
  if (table_.MostlyUnvouched()) {
    helpers = RandomMembers(count, [&](const MemberRecord& record) {
      return online_other(record) && record.vouched();
    });
  }
  if (helpers.size() < count) {
    for (MemberRecord* more :
         RandomMembers(count - helpers.size(), [&](const MemberRecord& record) {
           return online_other(record) &&
                  std::find(helpers.begin(), helpers.end(), &record) ==
                      helpers.end();
         })) {
      helpers.push_back(more);
    }
  }
  for (MemberRecord* helper : helpers) {
    ++stats_.indirect_probes;
    probe_.AddHelper(helper->address(), config_.lifeguard.nacks);
    const Message req =
        PingReq{probe_.seq(), probe_.target(), target->address(),
                /*want_nack=*/config_.lifeguard.nacks};
    SendRequest(helper->address(), absl::MakeConstSpan(&req, 1));
  }
}

std::optional<Claim> NodeImpl::BuddyClaim(const MemberRecord& target) const {
  // Buddy system: tell a suspect it is suspected, in the probe itself, so
  // it can refute at once instead of hoping gossip reaches it in time.
  if (target.status() != MemberStatus::kSuspect ||
      !config_.lifeguard.buddy_system) {
    return std::nullopt;
  }
  Claim suspicion;
  suspicion.status = MemberStatus::kSuspect;
  suspicion.name = target.name();
  suspicion.incarnation = target.incarnation();
  suspicion.address = target.address();
  suspicion.origin = local_.name;
  return suspicion;
}

Gauges NodeImpl::gauges() const {
  Gauges gauges;
  for (size_t i = 0; i < table_.size(); ++i) {
    switch (table_.at(i).status()) {
      case MemberStatus::kOnline:
        ++gauges.online;
        break;
      case MemberStatus::kSuspect:
        ++gauges.suspect;
        break;
      case MemberStatus::kOffline:
        ++gauges.offline;
        break;
      case MemberStatus::kLeft:
        ++gauges.left;
        break;
    }
  }
  gauges.health = awareness_.score();
  gauges.isolated = stats_.isolated;
  gauges.queued_broadcasts = broadcasts_.size();
  gauges.queued_transmits = outbox_.queued();
  gauges.queued_stream_bytes = outbox_.queued_stream_bytes();
  gauges.queued_events = events_.size();
  gauges.pending_streams = streams_.size();
  gauges.pending_stream_bytes =
      streams_.pending_bytes() + streams_.partial_message_bytes();
  gauges.relays = relays_.size();
  gauges.fallback_waits = fallback_waits_.size();
  gauges.member_timers = timers_.keyed_size();
  return gauges;
}

void NodeImpl::SendStreamProbe(Instant now) {
  const MemberRecord* target = table_.Find(probe_.target());
  if (target == nullptr || TransmitQueueFull()) return;
  // The same request as the direct ping (with the buddy system's
  // suspicion first, so a refutation rides on the ack), without gossip:
  // the datagrams carry that.
  PacketBuilder builder(
      absl::MakeSpan(packet_scratch_.data(), PayloadBudget()));
  if (std::optional<Claim> suspicion = BuddyClaim(*target)) {
    const Message claim = *suspicion;
    if (builder.Append(claim).ok()) CountSent(claim);
  }
  const Message ping = Ping{probe_.seq(), probe_.target()};
  if (!builder.Append(ping).ok()) return;  // Validate makes room
  CountSent(ping);
  ++stats_.stream_probes;
  SendPacket(target->address(), Channel::kStream, builder.bytes());
  // A lost handshake packet is resent after kStreamRetransmit: the ack
  // may come after the period's end, and still answers the probe.
  probe_.MarkFallback(now + awareness_.Scale(config_.probe_timeout) +
                      FallbackWaits::kStreamRetransmit);
}

void NodeImpl::ConcludeProbe(const Probe::Outcome& ended, Instant now) {
  if (ended.acked) return;
  Probe::Outcome outcome = ended;
  // Ending while this member is cut off, the probe says nothing about its
  // target, even if its verdict waits past the isolation's end.
  if (Isolated(now)) outcome.sent_isolated = true;
  if (outcome.fallback_until && *outcome.fallback_until > now) {
    // The stream fallback may still answer: the verdict waits.
    if (std::optional<FallbackWaits::Waiting> evicted =
            fallback_waits_.Park(probe_.seq(), probe_.target(),
                                 probe_.target_incarnation(), outcome)) {
      GiveVerdict(evicted->outcome, evicted->target, evicted->incarnation, now);
    }
    return;
  }
  GiveVerdict(outcome, probe_.target(), probe_.target_incarnation(), now);
}

void NodeImpl::GiveVerdict(const Probe::Outcome& outcome,
                           absl::string_view target_name,
                           const Incarnation& incarnation, Instant now) {
  // Lifeguard: a failed probe counts against this member's own health,
  // unless helpers vouch that they cannot reach the target either: each
  // nack that should have come and did not suggests our own messages are
  // being lost. Without helpers to ask, any failure counts once.
  ApplyAwareness(outcome.expected_nacks > 0
                     ? std::max(0, outcome.expected_nacks - outcome.nacks)
                     : 1);
  MemberRecord* target = table_.Find(target_name);
  // Suspect only the life we probed: if the member refuted or restarted
  // meanwhile, its newer incarnation already proves it alive.
  if (target == nullptr || target->incarnation() != incarnation) return;
  // An isolated member suspects itself first: its failed probes say
  // nothing about the others, nor do those it sent while it was.
  if (Isolated(now) || outcome.sent_isolated) return;
  if (target->status() == MemberStatus::kSuspect) {
    // Someone suspected it first: our failed probe is an independent
    // confirmation (Lifeguard shortens the timeout; only news is gossiped).
    if (target->suspicion() && target->suspicion()->Confirm(local_.name, now)) {
      ArmMemberTimer(*target, Kind::kSuspicion,
                     target->suspicion()->deadline());
      QueueUpdate(*target, local_.name, now);
    }
    return;
  }
  if (target->status() != MemberStatus::kOnline) return;
  ++stats_.suspicions;
  const MemberStatus previous = target->status();
  table_.SetStatus(*target, MemberStatus::kSuspect);
  target->set_last_change(now);
  StartSuspicion(*target, local_.name, now);
  target->suspicion()->set_probe(ProbeReport(outcome));
  EmitEvent(MemberStatusChanged{target->ToMember(), previous,
                                MakeVerdict(Verdict::Reason::kProbeFailed,
                                            local_.name, target->suspicion())});
  QueueUpdate(*target, local_.name, now);
}

Verdict::ProbeFailure NodeImpl::ProbeReport(
    const Probe::Outcome& outcome) const {
  Verdict::ProbeFailure report;
  report.sent_at = outcome.sent_at;
  report.stream_fallback = outcome.stream_fallback;
  report.nacks_expected = outcome.expected_nacks;
  report.nacks = outcome.nacks;
  for (int i = 0; i < outcome.helpers_asked; ++i) {
    const Address& helper = outcome.helpers[i];
    std::string name = helper.ToString();
    for (size_t j = 0; j < table_.size(); ++j) {
      if (table_.at(j).address() == helper) {
        name = std::string(table_.at(j).name());
        break;
      }
    }
    report.helpers.push_back(std::move(name));
  }
  return report;
}

Verdict NodeImpl::MakeVerdict(Verdict::Reason reason, absl::string_view accuser,
                              const Suspicion* suspicion) const {
  Verdict verdict;
  verdict.reason = reason;
  verdict.accuser = accuser.empty() ? "?" : std::string(accuser);
  verdict.health = awareness_.score();
  const bool offline = reason == Verdict::Reason::kTimedOut ||
                       reason == Verdict::Reason::kDeclared;
  if (offline) verdict.declared_by = verdict.accuser;
  if (suspicion != nullptr) {
    // The suspicion's first accuser, who may not be the one who declared.
    if (offline) verdict.accuser = suspicion->origin();
    verdict.suspected_at = suspicion->first_start();
    verdict.from_state_exchange = suspicion->hearsay();
    verdict.probe = suspicion->probe();
    verdict.confirmations = suspicion->confirmers();
    verdict.timeout = suspicion->timeout();
  }
  return verdict;
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
    // First: the end of an isolation restarts this suspicion too.
    const bool isolated = Isolated(now);
    if (record->suspicion()->deadline() > now) {
      ArmMemberTimer(*record, kind, record->suspicion()->deadline());
    } else if (isolated) {
      // Held: when this member hears from the others again, the suspect
      // gets a fresh timeout (see Isolated).
      ++stats_.declarations_held;
      ArmMemberTimer(*record, kind, now + config_.probe_interval);
    } else {
      DeclareOffline(*record, now);
    }
    return;
  }
  if (status != MemberStatus::kOffline && status != MemberStatus::kLeft) {
    return;  // came back
  }
  const Instant due = record->last_change() + RememberTime(*record);
  if (due > now) {
    ArmMemberTimer(*record, kind, due);
  } else {
    Reap(*record);
  }
}

void NodeImpl::DeclareOffline(MemberRecord& record, Instant now) {
  const Suspicion& suspicion = *record.suspicion();  // OnMemberTimer checked
  stats_.suspicion_to_offline.Record(now - suspicion.first_start());
  Verdict cause =
      MakeVerdict(Verdict::Reason::kTimedOut, local_.name, &suspicion);
  record.set_suspicion(nullptr);
  table_.SetStatus(record, MemberStatus::kOffline);
  IndexOffline(record);
  record.set_last_change(now);
  ++stats_.declared_offline;
  ArmMemberTimer(record, Kind::kReap, now + RememberTime(record));
  EmitEvent(MemberStatusChanged{record.ToMember(), MemberStatus::kSuspect,
                                std::move(cause)});
  QueueUpdate(record, local_.name, now);
}

bool NodeImpl::Isolated(Instant now) {
  const Isolation::State state =
      isolation_.Check(now, table_.available(), config_.isolation_probes);
  if (state.isolated && !stats_.isolated) ++stats_.isolations;
  stats_.isolated = state.isolated;
  if (state.ended) {
    // Nobody could refute while this member was cut off: every suspect
    // gets its whole timeout again, and hears of the suspicion anew (if
    // it is alive it refutes; if not, it is declared when that runs out).
    for (size_t i = 0; i < table_.size(); ++i) {
      MemberRecord& record = table_.at(i);
      if (record.status() != MemberStatus::kSuspect || !record.suspicion()) {
        continue;
      }
      record.suspicion()->Restart(now);
      ArmMemberTimer(record, Kind::kSuspicion, record.suspicion()->deadline());
      QueueUpdate(record, local_.name, now);
    }
  }
  return state.isolated;
}

absl::Duration NodeImpl::IsolationWindow() const {
  return awareness_.Scale(config_.probe_interval) * config_.isolation_probes;
}

absl::Duration NodeImpl::RememberTime(const MemberRecord& record) const {
  if (auto it = remember_for_.find(record.name()); it != remember_for_.end()) {
    return it->second;
  }
  return record.status() == MemberStatus::kLeft ? config_.tombstone_timeout
                                                : config_.reconnect_timeout;
}

void NodeImpl::ApplyAwareness(int delta) {
  awareness_.ApplyDelta(delta);
  stats_.awareness = awareness_.score();
}

void NodeImpl::Reap(MemberRecord& record) {
  if (record.status() == MemberStatus::kOffline) UnindexOffline(record);
  EmitEvent(MemberReaped{record.ToMember()});
  ++stats_.reaped;
  tombstones_.Put(record.name(), record.incarnation());
  remember_for_.erase(record.name());
  broadcast_history_.Forget(record.name());
  state_bound_ -=
      StateEntryBound(record.name().size(), record.metadata_encoded().size());
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
  relays_.Start(seq, from, config_.tcp_only ? reply_stream_ : std::nullopt,
                req.seq, req.target_address, req.want_nack, nack_at,
                now + config_.probe_interval);
  // A ping on someone else's behalf carries no news: the request may be a
  // replay, and this node's news is spread on its own schedule.
  SendBare(req.target_address, Ping{seq, req.target});
}

void NodeImpl::RefuseRelay(const Address& from, const PingReq& req) {
  // A helper that will not relay still says so when asked to (Lifeguard),
  // so the requester does not count the silence against its own health.
  // (In TCP-only mode, on the connection the request came on.)
  if (req.want_nack) SendBare(from, Nack{req.seq}, reply_stream_);
}

void NodeImpl::HandleAck(const Ack& ack, Channel channel, Instant now) {
  switch (probe_.OnAck(ack.seq)) {
    case Probe::AckResult::kFirst:
      ++stats_.probes_acked;
      stats_.probe_rtt.Record(now - probe_.sent_at());
      if (channel == Channel::kStream && !config_.tcp_only) {
        ++stats_.stream_probes_acked;
      }
      // It is alive: an earlier probe of it waiting for its fallback has
      // its answer too.
      fallback_waits_.DropTarget(probe_.target());
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
  // A probe whose verdict waits for its stream fallback, answered late.
  if (std::optional<FallbackWaits::Waiting> answered =
          fallback_waits_.OnAck(ack.seq)) {
    ++stats_.probes_acked;
    stats_.probe_rtt.Record(now - answered->outcome.sent_at);
    if (channel == Channel::kStream && !config_.tcp_only) {
      ++stats_.stream_probes_acked;
    }
    ApplyAwareness(-1);
    fallback_waits_.DropTarget(answered->target);
    if (MemberRecord* target = table_.Find(answered->target)) {
      table_.Vouch(*target);
    }
    return;
  }
  if (std::optional<RelayTable::Relayed> relay = relays_.OnAck(ack.seq)) {
    AnswerRequester(*relay, Ack{relay->requester_seq});
    return;
  }
  if (std::optional<std::string> reached = reconnect_.OnAck(ack.seq)) {
    OnReconnected(*reached);
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

// --- Dissemination ---

void NodeImpl::OnGossipTick(Instant now) {
  gossip_next_ = now + config_.gossip_interval;
  timers_.Set(Kind::kGossip, gossip_next_);
  GossipRound(now);
  // Nothing left to send, or nobody to send it to (a member alone, or
  // one that left alone): no more rounds until ArmGossip, which news of a
  // member (QueueUpdate) or a restored view calls. A node alone would
  // otherwise wake every gossip interval for nothing, for as long as it
  // stays alone.
  if ((broadcasts_.empty() && !broadcasts_.has_oversized()) ||
      table_.size() == 0) {
    timers_.Cancel(Kind::kGossip);  // until ArmGossip
  }
}

void NodeImpl::ArmGossip(Instant now) {
  if (timers_.Get(Kind::kGossip)) return;
  if (gossip_next_ < now) {
    // The grid points passed while idle were rounds with nothing to do.
    absl::Duration late;
    const int64_t passed =
        absl::IDivDuration(now - gossip_next_, config_.gossip_interval, &late);
    gossip_next_ += config_.gossip_interval *
                    (passed + (late > absl::ZeroDuration() ? 1 : 0));
  }
  timers_.Set(Kind::kGossip, gossip_next_);
}

void NodeImpl::GossipRound(Instant now) {
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

void NodeImpl::SendBare(const Address& to, const Message& message,
                        std::optional<StreamId> stream) {
  if (TransmitQueueFull()) return;
  PacketBuilder builder(
      absl::MakeSpan(packet_scratch_.data(), PayloadBudget()));
  if (!builder.Append(message).ok()) return;  // Validate makes room
  CountSent(message);
  SendPacket(to, Channel::kDatagram, builder.bytes(), stream);
}

void NodeImpl::AnswerRequester(const RelayTable::Relayed& relay,
                               const Message& message) {
  if (!config_.tcp_only) {
    SendBare(relay.requester, message);
    return;
  }
  // TCP-only: the requester is known only by its connection (the address
  // is that connection's, an ephemeral port); once it closed, nobody can
  // be told, and nothing is sent anywhere else.
  if (relay.stream && streams_.Contains(*relay.stream)) {
    SendBare(relay.requester, message, relay.stream);
  }
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
  if (channel == Channel::kDatagram && config_.tcp_only) {
    // TCP-only: the same packet as a stream message (a reply on `stream`,
    // or a request on the connection to `to`).
    channel = Channel::kStream;
  }
  if (channel == Channel::kStream) {
    const absl::StatusOr<size_t> size =
        outbox_.QueueStream(to, stream, packet, random_.Next(), envelope_);
    if (!size.ok()) return;
    ++stats_.streams_sent;
    stats_.bytes_sent += *size;
    stats_.stream_bytes_sent += *size;
    return;
  }
  const absl::StatusOr<size_t> size =
      outbox_.QueueDatagram(to, packet, envelope_);
  if (!size.ok()) return;
  ++stats_.datagrams_sent;
  stats_.bytes_sent += *size;
  stats_.datagram_bytes_sent += *size;
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
  // missing (few eligible members), fall back to a scan. The tries follow
  // the count, but no more than the table holds can be chosen: a count
  // far beyond it (an application's Sample) tries as if it were the
  // table's size plus a margin, so it costs what the table does, while the
  // node's own counts (a handful) draw exactly as they always did.
  const size_t tries = 4 * std::min(count, size + 64) + 8;
  for (size_t attempt = 0; attempt < tries && chosen.size() < count;
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

}  // namespace swim

// NodeImpl's claims: how what members say about each other (claims in
// datagrams, user broadcasts, full state exchanges) changes this node's
// view, and how it answers claims about itself (refutation, name
// conflicts). The rest of NodeImpl is in node_impl.cc.

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "swim/core/compression.h"
#include "swim/core/node_impl.h"  // the class these methods belong to

namespace swim {
namespace {

using Kind = TimerQueue::Kind;

}  // namespace

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
    const size_t bound = StateEntryBound(
        update.name.size(),
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
      if (from_push_pull) record->suspicion()->MarkHearsay();
    }
    ++stats_.updates_applied;
    EmitEvent(MemberJoined{record->ToMember()});
    QueueUpdate(*record, origin, now);
    OnViewGrew(now);
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
  // A state exchange's suspicion is what its sender believes, first-hand
  // or not (its entries name no origin): it confirms nothing.
  if (precedence == Precedence::kSame && status == MemberStatus::kSuspect &&
      !from_push_pull && record->suspicion() &&
      record->suspicion()->Confirm(origin, now)) {
    // An independent confirmation: the timeout may shrink (Lifeguard), and
    // only new confirmations are worth re-gossiping.
    ArmMemberTimer(*record, Kind::kSuspicion, record->suspicion()->deadline());
    QueueUpdate(*record, origin, now);
    ++stats_.updates_stale;
    return;
  }
  if (precedence != Precedence::kNewer) {
    ++stats_.updates_stale;
    return;
  }

  const MemberStatus previous = record->status();
  const uint64_t held_generation = record->incarnation().generation;
  // Only a member's own ONLINE claims say where it is; others' claims about
  // it (suspicions, declarations) must not redirect probes and gossip.
  const bool address_changed =
      status == MemberStatus::kOnline && record->address() != update.address;
  bool metadata_changed = false;
  if (previous == MemberStatus::kOffline) UnindexOffline(*record);
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
  if (status == MemberStatus::kOffline) IndexOffline(*record);
  // Why, for a change to SUSPECT, OFFLINE or LEFT (made before the change
  // drops the suspicion held here).
  std::optional<Verdict> cause;
  const Suspicion* held = record->suspicion();
  switch (status) {
    case MemberStatus::kOnline:
      // Refuted: ONLINE again in the same life (a restart is no refutation).
      if (previous == MemberStatus::kSuspect && held != nullptr &&
          update.incarnation.generation == held_generation) {
        stats_.suspicion_to_refuted.Record(now - held->first_start());
      }
      record->set_suspicion(nullptr);
      break;
    case MemberStatus::kSuspect:
      StartSuspicion(*record, origin, now);
      if (from_push_pull) record->suspicion()->MarkHearsay();
      if (previous != status) {
        cause = MakeVerdict(Verdict::Reason::kSuspected, origin,
                            record->suspicion());
      }
      break;
    case MemberStatus::kOffline:
    case MemberStatus::kLeft:
      if (previous == MemberStatus::kSuspect && held != nullptr &&
          status == MemberStatus::kOffline) {
        stats_.suspicion_to_offline.Record(now - held->first_start());
      }
      if (previous != status) {
        // A LEFT claim names no origin on the wire: a leave and another
        // member's removal look alike.
        cause = status == MemberStatus::kOffline
                    ? MakeVerdict(Verdict::Reason::kDeclared, origin, held)
                    : MakeVerdict(Verdict::Reason::kLeft,
                                  from_push_pull ? "" : update.origin, held);
        cause->from_state_exchange = from_push_pull;
      }
      record->set_suspicion(nullptr);
      ArmMemberTimer(*record, Kind::kReap, now + RememberTime(*record));
      break;
  }
  if (previous != status || metadata_changed || address_changed) {
    record->set_last_change(now);
  }
  ++stats_.updates_applied;
  if (previous != status) {
    EmitEvent(
        MemberStatusChanged{record->ToMember(), previous, std::move(cause)});
  } else if (metadata_changed) {
    EmitEvent(MemberMetadataChanged{record->ToMember()});
  }
  QueueUpdate(*record, origin, now);
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
  QueueLocalUpdate(now);
  EmitEvent(Refuted{local_});
}

void NodeImpl::Reannounce(Instant now) {
  if (now < last_reannounce_ + config_.probe_interval) return;
  last_reannounce_ = now;
  ++stats_.reannouncements;
  QueueLocalUpdate(now);
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
  return StateOverhead() +
             StateEntryBound(local_.name.size(),
                             local_metadata_encoded_.size()) +
             state_bound_ + more <=
         config_.max_stream_message;
}

absl::Duration NodeImpl::ReclaimAfter() const {
  return SuspicionTimeout(config_.suspicion_mult, table_.available() + 1,
                          config_.probe_interval);
}

Claim NodeImpl::LocalClaim() const {
  return ClaimAbout(local_.name, local_.address, local_.status,
                    local_.incarnation, local_metadata_encoded_, local_.name);
}

void NodeImpl::QueueUpdate(const MemberRecord& record, absl::string_view origin,
                           Instant now) {
  EnqueueClaim(ClaimOf(record, origin), now);
}

void NodeImpl::EnqueueClaim(const Claim& claim, Instant now) {
  absl::StatusOr<std::vector<uint8_t>> encoded = EncodeMessage(claim);
  if (!encoded.ok()) return;  // cannot happen: fields were validated
  EnqueueBroadcast(MemberKey(claim.name), *std::move(encoded),
                   /*user=*/false, now);
}

void NodeImpl::EnqueueBroadcast(absl::string_view key,
                                std::vector<uint8_t> encoded, bool user,
                                Instant now) {
  const size_t before = broadcasts_.dropped();
  broadcasts_.Enqueue(key, std::move(encoded), user);
  stats_.drops[static_cast<int>(DropReason::kBroadcastQueueFull)] +=
      broadcasts_.dropped() - before;
  ArmGossip(now);
}

void NodeImpl::QueueLocalUpdate(Instant now) {
  EnqueueClaim(LocalClaim(), now);
}

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
  if (join_.awaiting_floors() || origin == nullptr ||
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
                     /*user=*/true, now);
  }
}

// --- Anti-entropy ---

void NodeImpl::HandlePushPull(const Address& from, const PushPull& state,
                              Instant now) {
  ++stats_.push_pulls_received;
  const size_t known_before = table_.available();
  rejoining_ = false;  // a member answered or asked: the cluster knows us
  // Before its members are taken: the reply to a join starts the settle
  // exchanges, which then stand in for the burst exchange (OnViewGrew).
  if (!state.reply_wanted) join_settle_.OnReply(state.sender, now);
  // Members this node forgot (reaped OFFLINE) that the sender still holds
  // live at the incarnation they were forgotten at: after a partition
  // longer than the reconnect timeout each side has buried the other, and
  // neither would take the other's claims again. This node says how it
  // holds them (OFFLINE at that incarnation) in its answer: the sender
  // takes that as a suspicion (see ApplyUpdate), so each of them hears it,
  // refutes, and is then taken everywhere.
  std::vector<Claim> buried;
  for (const Claim& record : state.members) {
    if (record.name != local_.name && StatusIn(record.status, kAvailable) &&
        table_.Find(record.name) == nullptr) {
      if (const Incarnation* at = tombstones_.Find(record.name);
          at != nullptr && record.incarnation <= *at) {
        buried.push_back(ClaimAbout(record.name, record.address,
                                    MemberStatus::kOffline, *at, {},
                                    local_.name));
      }
    }
    Claim claim = record;
    if (claim.origin.empty()) claim.origin = state.sender;
    ApplyUpdate(claim, /*from_push_pull=*/true, now);
  }
  // A view that grew at once is owed to the joiners this member answered
  // with less (JoinHandoff). Each of them answers with its own state.
  for (const std::string& joiner :
       join_handoff_.OnExchange(known_before, table_.available(), now)) {
    const MemberRecord* record = table_.Find(joiner);
    if (joiner != state.sender && record != nullptr &&
        StatusIn(record->status(), kAvailable) && active()) {
      SendPushPull(record->address(), StateKind::kRequest);
    }
  }
  // The reply to this node's join says how far each origin's broadcasts
  // had got: everything up to there was sent before it joined, and a
  // replay of it is no news. Taken from the first reply of a seed only (a
  // reply replayed on a connection of its own comes from elsewhere).
  if (!state.reply_wanted && join_.OnReply(from, state.sender)) {
    for (const BroadcastFloor& floor : state.floors) {
      const MemberRecord* origin = table_.Find(floor.origin);
      if (origin != nullptr &&
          origin->incarnation().generation == floor.generation) {
        broadcast_history_.Adopt(floor.origin, floor.generation,
                                 floor.sequence);
      }
    }
  }
  if (!state.reply_wanted && !buried.empty() && state.sender != local_.name) {
    // The state was a reply, which is not answered: a request of its own
    // carries the news instead, at most once a probe interval per address
    // (its reply may bury others in turn, until both sides refuted).
    const std::string key = from.ToString();
    const Instant* last = buried_notices_.Find(key);
    if (last == nullptr || now >= *last + config_.probe_interval) {
      buried_notices_.Put(key, now);
      SendPushPull(from, StateKind::kRequest, std::nullopt, buried);
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
  if (!state_replies_.Allows(state.sender, sender->incarnation, now,
                             config_.probe_interval) ||
      outbox_.queued_stream_bytes() > kMaxPendingStreamBytes) {
    Drop(DropReason::kPushPullRateLimited);
    return;
  }
  state_replies_.Record(state.sender, sender->incarnation, now);
  if (state.joining && config_.push_pull_interval > absl::ZeroDuration()) {
    join_handoff_.OnAnswered(state.sender, now);
  }
  // The reply goes back on the connection the request came on, never to an
  // address the request names: a replayed request then costs its replayer,
  // and cannot aim a member's whole state at someone else.
  SendPushPull(from,
               state.joining ? StateKind::kReplyToJoiner : StateKind::kReply,
               reply_stream_, buried);
}

void NodeImpl::SendPushPull(const Address& to, StateKind kind,
                            std::optional<StreamId> stream,
                            absl::Span<const Claim> buried) {
  std::optional<EncodedState> state = EncodeState(
      BuildState(kind, LocalClaim(), table_, broadcast_history_, buried),
      config_.max_stream_message, random_);
  if (!state.has_value()) return;
  if (state->truncated) ++stats_.push_pulls_truncated;
  ++stats_.push_pulls_sent;
  CountSent(state->message);
  // Compressed (wire version 2) when the receiver reads it: a periodic
  // request goes compressed unless told to send version 1 only; a reply
  // only when its request came compressed; a join never, as its seed may
  // be of a release before version 2 (docs/wire.md, "Compressed packets").
  const bool compress = config_.wire_version >= kCompressedWireVersion &&
                        (kind == StateKind::kRequest ||
                         (kind != StateKind::kJoin && request_compressed_));
  if (compress) {
    if (std::optional<std::vector<uint8_t>> compressed =
            CompressPacket(state->packet);
        compressed.has_value()) {
      ++stats_.push_pulls_compressed;
      stats_.state_bytes_uncompressed += state->packet.size();
      stats_.state_bytes_compressed += compressed->size();
      SendPacket(to, Channel::kStream, *compressed, stream);
      return;
    }
  }
  SendPacket(to, Channel::kStream, state->packet, stream);
}

void NodeImpl::OnViewGrew(Instant now) {
  join_settle_.OnGrowth();
  // The time news in flight takes to arrive: each piece is sent
  // RetransmitLimit times, gossip_interval apart.
  const absl::Duration settle = config_.gossip_interval * RetransmitLimit();
  const bool may_exchange = config_.push_pull_interval > absl::ZeroDuration() &&
                            local_.status != MemberStatus::kLeft &&
                            !join_settle_.active();
  if (const std::optional<Instant> at =
          exchanges_.OnGrowth(now, settle, may_exchange)) {
    timers_.Set(Kind::kPushPull, *at);
  }
}

void NodeImpl::OnJoinSettle(Instant now) {
  const std::optional<JoinSettle::Exchange> exchange =
      join_settle_.HandleExpiry(now);
  if (!exchange.has_value() || !active()) return;
  if (exchange->to.has_value()) {
    if (const MemberRecord* first = table_.Find(*exchange->to);
        first != nullptr && StatusIn(first->status(), kAvailable)) {
      SendPushPull(first->address(), StateKind::kRequest);
      return;
    }
  }
  for (MemberRecord* peer : RandomMembers(1, kAvailable, "")) {
    SendPushPull(peer->address(), StateKind::kRequest);
  }
}

void NodeImpl::OnPushPullTick(Instant now) {
  // The regular exchange, or a burst exchange after the view grew
  // (OnViewGrew), when the regular one keeps its time.
  timers_.Set(Kind::kPushPull, exchanges_.OnTick(now, PushPullInterval()));
  // SUSPECT peers too: a member that suspects everyone (it was cut off) must
  // still exchange state to learn it is suspected and refute.
  for (MemberRecord* peer : RandomMembers(1, kAvailable, "")) {
    SendPushPull(peer->address(), StateKind::kRequest);
  }
}

void NodeImpl::OnReconnectTick(Instant now) {
  if (!reconnect_.HandleExpiry(now) || !active()) return;
  // After a partition heals each side may hold the other OFFLINE, and so
  // never probe or gossip to it: a ping to one OFFLINE member (a state
  // exchange follows if it answers) lets both sides learn of each other.
  // The ping is the cheap part: most attempts reach nobody.
  std::vector<MemberRecord*> chosen =
      RandomMembers(1, MemberStatus::kOffline, "");
  if (chosen.empty()) return;
  MemberRecord& target = *chosen.front();
  const double chance = reconnect_.Chance(table_.offline(), table_.available(),
                                          now - target.last_change());
  if (random_.UniformDouble() >= chance) return;
  SendReconnect(target);
}

void NodeImpl::SendReconnect(MemberRecord& target) {
  const uint32_t seq = next_seq_++;
  reconnect_.Attempt(seq, target.name());
  ++stats_.reconnect_attempts;
  // As the buddy system tells a suspect: the ping says how this node holds
  // the target, so a live target refutes at once and its refutation rides
  // on the ack, which brings it back here and, by gossip, everywhere.
  const Message messages[] = {ClaimOf(target, local_.name),
                              Ping{seq, target.name()}};
  SendRequest(target.address(), messages);
}

void NodeImpl::ReconnectIfOffline(const Address& from, Instant now) {
  if (!reconnect_.enabled() || !active()) return;
  // The tick's chance keeps the cost of trying dead members flat, which
  // leaves a straggler (one of few members still holding a live member
  // OFFLINE after a heal, its refutation missed) a small chance an
  // interval. But the member it holds OFFLINE still probes and gossips to
  // it like to everyone: authentic input from that address is the cue.
  auto it = offline_at_.find(from);
  if (it == offline_at_.end()) return;
  MemberRecord* record = table_.Find(it->second);
  if (record == nullptr || record->status() != MemberStatus::kOffline) return;
  const Instant* last = reconnects_prompted_.Find(record->name());
  if (last != nullptr && now < *last + config_.reconnect_interval) return;
  reconnects_prompted_.Put(record->name(), now);
  SendReconnect(*record);
}

void NodeImpl::IndexOffline(const MemberRecord& record) {
  offline_at_[record.address()] = std::string(record.name());
}

void NodeImpl::UnindexOffline(const MemberRecord& record) {
  auto it = offline_at_.find(record.address());
  if (it != offline_at_.end() && it->second == record.name()) {
    offline_at_.erase(it);
  }
}

void NodeImpl::OnReconnected(absl::string_view name) {
  ++stats_.reconnects;
  MemberRecord* record = table_.Find(name);
  // Usually the ack carried the target's refutation and it is back: each
  // member of the other side is reached the same way, about once an
  // interval, so no state exchange is needed and a healed partition costs
  // pings, not a storm of full states. Only a target that answered without
  // refuting (its refutation lost, or too large to ride along) gets one.
  if (record == nullptr || record->status() != MemberStatus::kOffline) return;
  SendPushPull(record->address(), StateKind::kRequest);
}

void NodeImpl::OnJoinRetry(Instant due, Instant now) { AskSeeds(due, now); }

void NodeImpl::AskSeeds(Instant due, Instant now) {
  // Restored members are not yet members that answered (Rejoin).
  const bool joined = table_.available() > 0 && !rejoining_;
  // A seed is settled when a member this node knows (in any status: an
  // OFFLINE one is reconnect's) is at its address or answered from it.
  absl::flat_hash_set<Address> known;
  bool known_built = false;
  std::optional<std::vector<Address>> ask = join_.Check(
      joined, [&](const Address& seed, absl::string_view answered_by) {
        if (!answered_by.empty() && table_.Find(answered_by) != nullptr) {
          return true;
        }
        if (!known_built) {
          known.reserve(table_.size());
          for (size_t i = 0; i < table_.size(); ++i) {
            known.insert(table_.at(i).address());
          }
          known_built = true;
        }
        return known.contains(seed);
      });
  if (!ask.has_value()) {
    timers_.Cancel(Kind::kJoinRetry);
    return;
  }
  for (const Address& seed : *ask) {
    if (joined) ++stats_.seed_retries;
    SendPushPull(seed, StateKind::kJoin);
  }
  // A check that rode on a later wake-up (JoinTimerRides) keeps its own
  // schedule, not the wake-up's.
  const absl::Duration delay = join_.delay();
  Instant next = due + delay;
  if (next <= now) next = now + delay;
  timers_.Set(Kind::kJoinRetry, next);
}

absl::Duration NodeImpl::PushPullInterval() const {
  return ScaledPushPullInterval(config_, table_.available() + 1);
}

}  // namespace swim

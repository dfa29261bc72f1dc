#ifndef SWIM_CORE_NODE_IMPL_H_
#define SWIM_CORE_NODE_IMPL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/awareness.h"
#include "swim/core/bounded_map.h"
#include "swim/core/broadcast_history.h"
#include "swim/core/broadcast_queue.h"
#include "swim/core/config.h"
#include "swim/core/envelope.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/isolation.h"
#include "swim/core/join_settle.h"
#include "swim/core/member.h"
#include "swim/core/member_table.h"
#include "swim/core/node.h"
#include "swim/core/outbox.h"
#include "swim/core/probe.h"
#include "swim/core/random.h"
#include "swim/core/reconnect.h"
#include "swim/core/state_exchange.h"
#include "swim/core/stats.h"
#include "swim/core/stream.h"
#include "swim/core/stream_table.h"
#include "swim/core/timer_queue.h"
#include "swim/core/transmit.h"
#include "swim/core/wire.h"

namespace swim {

// The implementation behind Node (node.h): the protocol's decisions over
// the modules that hold its state (member table, probe, relays, outbox,
// timers, dissemination queue, state exchange). Internal: its interface is
// Node's, plus what only the implementation needs. Defined in
// node_impl.cc, and node_claims.cc for how claims change the view.
class NodeImpl {
 public:
  static absl::StatusOr<std::unique_ptr<NodeImpl>> Create(Config config,
                                                          Instant now);

  NodeImpl(const NodeImpl&) = delete;
  NodeImpl& operator=(const NodeImpl&) = delete;

  // Node's interface, documented in node.h.
  absl::Status Join(absl::Span<const Address> seeds, Instant now);
  absl::Status Leave(Instant now);
  absl::Status SetMetadata(Metadata metadata, Instant now);
  absl::Status Restore(absl::Span<const Member> members, Instant now) {
    return RestoreMembers(members, now, /*report=*/false);
  }
  absl::Status Rejoin(absl::Span<const Member> saved,
                      absl::Span<const Address> seeds, Instant now);
  absl::Status Broadcast(absl::string_view payload, Instant now);
  absl::Status Remove(absl::string_view name, Instant now);
  absl::Status RememberFor(absl::string_view name, absl::Duration duration,
                           Instant now);
  Keyring& keyring() { return envelope_.keyring(); }
  const Keyring& keyring() const { return envelope_.keyring(); }

  void HandleDatagram(const Address& from, absl::Span<const uint8_t> bytes,
                      Instant now);
  StreamVerdict HandleStreamData(StreamId stream, const Address& from,
                                 absl::Span<const uint8_t> bytes, Instant now);
  void HandleStreamClosed(StreamId stream);
  void HandleTimeout(Instant now);
  void ObserveWallClock(absl::Time wall);

  std::optional<Instant> NextDeadline() const;
  std::optional<Transmit> PollTransmit() { return outbox_.Poll(); }
  std::optional<Event> PollEvent();

  const Member& local() const { return local_; }
  std::optional<Member> Find(absl::string_view name) const;
  std::optional<MemberStatus> StatusOf(absl::string_view name) const;
  std::vector<Member> Members(StatusMask mask) const;
  std::vector<Member> Sample(size_t count, StatusMask mask);
  size_t available() const { return table_.available(); }
  size_t size() const { return table_.size(); }
  const Stats& stats() const { return stats_; }
  Gauges gauges() const;
  const Config& config() const { return config_; }
  Lifecycle lifecycle() const;
  size_t queued_broadcasts() const { return broadcasts_.size(); }
  size_t queued_member_timers() const { return timers_.keyed_size(); }
  // The instant the node was created at (Create's `now`).
  Instant created() const { return created_; }

 private:
  // The first state exchange with every seed of join_ (Join, Rejoin), with
  // this member's announcement queued, and the retry timer.
  void SendJoinRequests(Instant now);
  // Restore, and with `report` Rejoin's: each member added is a MemberJoined.
  absl::Status RestoreMembers(absl::Span<const Member> members, Instant now,
                              bool report);
  // State replies queued and not yet taken by the driver.
  static constexpr size_t kMaxPendingStreamBytes = 64 << 20;

  // Keys of the dissemination queue (a member's claim, a user broadcast).
  static std::string MemberKey(absl::string_view name);
  static std::string BroadcastKey(const UserBroadcast& broadcast);

  NodeImpl(Config config, Envelope envelope, Instant now);
  // OK while kActive; otherwise FailedPrecondition naming `command`.
  absl::Status CheckActive(absl::string_view command) const;
  // InvalidArgument for more seeds than Node::kMaxSeeds.
  static absl::Status CheckSeedCount(absl::string_view command, size_t count);
  bool active() const { return local_.status != MemberStatus::kLeft; }
  // True once a leave has been sent as often as any news (RetransmitLimit
  // times), or there is nobody to tell.
  bool LeaveSent() const;

  // Timers.
  void RunTimer(const TimerQueue::Fired& timer, Instant now);
  void OnProbeTick(Instant now);
  // The probe's timeout passed unanswered: ping-reqs to helpers.
  void AskHelpers();
  // Config::stream_fallback: the probe's ping again, over the stream plane.
  void SendStreamProbe(Instant now);
  // A probe's verdict (ConcludeProbe, or one that waited for its stream
  // fallback): suspect the target at `incarnation`, or confirm a suspicion.
  void GiveVerdict(const Probe::Outcome& outcome, absl::string_view target,
                   const Incarnation& incarnation, Instant now);
  // What a failed probe tried, with its helpers named, for the verdict.
  Verdict::ProbeFailure ProbeReport(const Probe::Outcome& outcome) const;
  // Why a member's status changes (MemberStatusChanged::cause): `reason`,
  // `accuser`, and what `suspicion` (the one held here, if any) recorded.
  Verdict MakeVerdict(Verdict::Reason reason, absl::string_view accuser,
                      const Suspicion* suspicion) const;
  // The buddy system's suspicion to send a suspect with a probe, if any.
  std::optional<Claim> BuddyClaim(const MemberRecord& target) const;
  // The probe ended (its period is over): its verdict on the target.
  void ConcludeProbe(const Probe::Outcome& ended, Instant now);
  // A gossip round. Rounds fall on a fixed grid (gossip_interval apart
  // from a random phase) but run only while something is queued: a round
  // that leaves the queue empty, or finds the table empty (a member
  // alone), does not re-arm, and the next message
  // queued arms the first grid point at or after `now` (ArmGossip). A
  // member with no news is then not woken for gossip at all, and every
  // round runs when an always-armed timer would have run it.
  void OnGossipTick(Instant now);
  void GossipRound(Instant now);
  void ArmGossip(Instant now);
  void OnPushPullTick(Instant now);
  // A member new to this node was added: it counts for this member's
  // settle exchanges (JoinSettle) and, in a burst, may call for a burst
  // exchange when it makes none (ExchangeSchedule; docs/protocol.md,
  // "Join bursts").
  void OnViewGrew(Instant now);
  // A settle exchange of this member's join is due (JoinSettle).
  void OnJoinSettle(Instant now);
  void OnJoinRetry(Instant due, Instant now);
  // Asks the seeds that need it (all until joined, then the unsettled
  // ones) and arms the join timer for the next check, a delay after
  // `due`, when this check was due (or after `now`, if that has passed).
  void AskSeeds(Instant due, Instant now);
  // Once joined, the join timer only rechecks the seeds, every
  // reconnect_interval or more: it wakes nobody, and runs at the first
  // wake-up at or after it is due, the next probe tick at the latest. But
  // after a check found no seed settled (JoinAttempt::awaiting_seed) it
  // keeps its time.
  bool JoinTimerRides() const;
  // Healing (docs/protocol.md, "Healing").
  void OnReconnectTick(Instant now);
  // The reconnect tick, while some member is OFFLINE (it has nothing to
  // try otherwise, and a settled member is not woken for it).
  std::optional<Instant> ReconnectDeadline() const;
  // Sends the reconnect ping to `target` (held OFFLINE).
  void SendReconnect(MemberRecord& target);
  // Authentic input came from `from`: if a member held OFFLINE lives
  // there, it is pinged at once (once a reconnect interval per member).
  void ReconnectIfOffline(const Address& from, Instant now);
  // offline_at_ follows every change to and from OFFLINE.
  void IndexOffline(const MemberRecord& record);
  void UnindexOffline(const MemberRecord& record);
  // A member this node holds OFFLINE answered a reconnect ping.
  void OnReconnected(absl::string_view name);
  // Whether this member is cut off now (see Isolation); when an isolation
  // has just ended, held suspicions get a fresh timeout first.
  bool Isolated(Instant now);
  // isolation_probes of this member's probe periods (as Lifeguard's
  // health stretches them); zero when isolation_probes is.
  absl::Duration IsolationWindow() const;
  // How long `record` (OFFLINE or LEFT) is remembered: the application's
  // override, else the config's time for its status.
  absl::Duration RememberTime(const MemberRecord& record) const;
  // A member's suspicion deadline or reaping time came.
  void OnMemberTimer(TimerQueue::Kind kind, const std::string& name,
                     Instant fired_at, Instant now);
  void ArmMemberTimer(MemberRecord& record, TimerQueue::Kind kind, Instant at);
  void DeclareOffline(MemberRecord& record, Instant now);
  // Lifeguard's local health: changes the score and mirrors it in stats.
  void ApplyAwareness(int delta);
  void Reap(MemberRecord& record);

  // Messages.
  // Opens, decodes and handles one datagram.
  void HandleInput(const Address& from, absl::Span<const uint8_t> bytes,
                   Instant now);
  // Decodes and handles a stream message reassembled on `stream`.
  void HandleStreamMessage(StreamId stream, const Address& from,
                           absl::Span<const uint8_t> message, Instant now);
  // Done with a stream message: forgets whether it came compressed, and
  // gives back a large expansion's room.
  void ReleaseExpanded();
  // Done with a packet's messages: gives back the room of a packet of many.
  void ReleaseDecoded();
  void HandleMessages(const Address& from, Channel channel, Instant now);
  // The datagram being handled may serve one request (ping or ping-req);
  // false (counted) for any further one.
  bool ServeRequest();
  void HandlePing(const Ping& ping);
  void HandlePingReq(const Address& from, const PingReq& req, Instant now);
  // Answers a ping-req this node will not relay.
  void RefuseRelay(const Address& from, const PingReq& req);
  void HandleAck(const Ack& ack, Channel channel, Instant now);
  void HandleNack(const Address& from, const Nack& nack);
  void HandleUserBroadcast(const UserBroadcast& broadcast, Instant now);
  void HandlePushPull(const Address& from, const PushPull& state, Instant now);

  // State changes.
  void ApplyUpdate(const Claim& update, bool from_push_pull, Instant now);
  void ApplyUpdateAboutSelf(const Claim& update, Instant now);
  void Refute(const Incarnation& claimed, Instant now);
  // Whether a generation is later than any live process can have started
  // (this node's start, plus its run time, plus Config::max_clock_skew).
  bool FromTheFuture(uint64_t generation, Instant now) const;
  // Queues this member's claim again (at most once per probe interval):
  // the cluster still believes an earlier life of it elsewhere.
  void Reannounce(Instant now);
  // Another life claims this name at `claimed`: counted, and told to the
  // application at most once per address and probe interval.
  void ReportConflict(const Address& claimed, Instant now);
  // How long a life must have been OFFLINE or LEFT before its name may
  // move to a new life at another address.
  absl::Duration ReclaimAfter() const;
  // Whether `more` bytes of entries still fit a state exchange at its
  // largest (Config::max_stream_message).
  bool StateFits(size_t more) const;
  void StartSuspicion(MemberRecord& record, absl::string_view origin,
                      Instant now);
  void QueueUpdate(const MemberRecord& record, absl::string_view origin,
                   Instant now);
  void EnqueueClaim(const Claim& claim, Instant now);
  // Notes that the sender of the datagram being handled holds a stale
  // suspicion or declaration about `name` (this node included), which a
  // newer claim here refutes; HandleMessages then answers it with that
  // claim.
  void NoteStaleClaim(absl::string_view name);
  // A SUSPECT, OFFLINE or LEFT claim at an incarnation older than the one
  // held here (a refutation or a restart the sender missed); `self` is this
  // node's incarnation to compare claims about itself with.
  bool IsStaleAccusation(const Claim& update, const Incarnation& self) const;
  // The claim this node would send about itself (views into local_).
  Claim LocalClaim() const;
  // The one reply to the datagram just handled (see SendReply in node_impl.cc);
  // `refuted`: the datagram made this node refute a claim about itself.
  void SendReply(const Address& to, bool refuted, Instant now);
  // The answer to a ping that came over a stream, on that stream.
  void SendStreamAck(const Address& to);
  void QueueLocalUpdate(Instant now);
  // Queues for dissemination, counting what the bounded queue drops, and
  // arms the next gossip round.
  void EnqueueBroadcast(absl::string_view key, std::vector<uint8_t> encoded,
                        bool user, Instant now);
  void EmitEvent(Event event);

  // Sending.
  // This node's own request (a probe, a ping-req): the messages first,
  // then as many queued updates as fit.
  void SendRequest(const Address& to, absl::Span<const Message> messages);
  // One message and nothing else (done on another's behalf: a relayed
  // ping, ack or nack).
  // `stream` as in SendPacket.
  void SendBare(const Address& to, const Message& message,
                std::optional<StreamId> stream = std::nullopt);
  // A relay's ack or nack, to its requester (see Config::tcp_only).
  void AnswerRequester(const RelayTable::Relayed& relay,
                       const Message& message);
  // `stream`: a reply on that connection (see Transmit). With
  // Config::tcp_only, a datagram goes as a stream message instead.
  void SendPacket(const Address& to, Channel channel,
                  absl::Span<const uint8_t> packet,
                  std::optional<StreamId> stream = std::nullopt);
  // `buried`: claims about members this node reaped that the receiver
  // still holds live (see HandlePushPull), sent after the table.
  void SendPushPull(const Address& to, StateKind kind,
                    std::optional<StreamId> stream = std::nullopt,
                    absl::Span<const Claim> buried = {});
  void CountSent(const Message& message);
  // True (and the drop counted) when no more transmits may be queued.
  bool TransmitQueueFull();
  size_t PayloadBudget() const;
  int RetransmitLimit() const;
  int UserRetransmitLimit() const;
  std::vector<MemberRecord*> RandomMembers(size_t count, StatusMask mask,
                                           absl::string_view exclude);
  std::vector<MemberRecord*> RandomMembers(
      size_t count, absl::FunctionRef<bool(const MemberRecord&)> wanted);
  absl::Duration PushPullInterval() const;
  void Drop(DropReason reason) { ++stats_.drops[static_cast<int>(reason)]; }

  Config config_;
  Envelope envelope_;
  Random random_;
  Awareness awareness_;
  Member local_;
  std::string local_metadata_encoded_;
  // The most the table's entries can take in a state exchange.
  size_t state_bound_ = 0;
  // This member's key in the dissemination queue.
  std::string local_key_;
  MemberTable table_;
  BroadcastQueue broadcasts_;
  TimerQueue timers_;
  // The grid point of the next gossip round (OnGossipTick).
  Instant gossip_next_;
  Stats stats_;

  uint32_t next_seq_ = 0;  // starts at a random value (see the constructor)
  Probe probe_;            // the probe of the current period, if active
  // Unanswered probes whose stream fallback may still be answered.
  FallbackWaits fallback_waits_;
  RelayTable relays_;
  Instant created_;  // the clock's reading at Create
  // The latest wall-clock time a driver reported (microseconds since the
  // Unix epoch; 0: none).
  uint64_t wall_clock_micros_ = 0;
  Instant last_reannounce_ = Instant::InfinitePast();
  Instant last_online_refutation_ = Instant::InfinitePast();
  BoundedMap<Instant> conflicts_reported_;

  StateReplyGate state_replies_;
  // Incarnations of recently reaped members: a replayed claim about one at
  // or below it must not bring it back.
  BoundedMap<Incarnation> tombstones_;
  // The application's RememberFor overrides, by name (members of the
  // table only: dropped when the member is reaped).
  absl::flat_hash_map<std::string, absl::Duration> remember_for_;
  // When each address was last sent a state exchange about members buried
  // here (see HandlePushPull).
  BoundedMap<Instant> buried_notices_;

  JoinAttempt join_;
  Reconnect reconnect_;
  // When this member exchanges state of its own accord: the regular
  // push-pull and the burst exchanges (OnViewGrew).
  ExchangeSchedule exchanges_;
  // The exchanges after this member's join until its view is still.
  JoinSettle join_settle_;
  // The joiners this member answered lately, sent its state when its view
  // grows at once.
  JoinHandoff join_handoff_;
  Isolation isolation_;
  // This life's user broadcasts are numbered from 1.
  uint64_t next_broadcast_sequence_ = 1;
  BroadcastHistory broadcast_history_;

  Outbox outbox_;
  std::deque<Event> events_;

  // The incoming direction of stream connections.
  StreamTable streams_;
  // While a stream message is handled: the connection replies go back on.
  std::optional<StreamId> reply_stream_;

  // Scratch space reused across calls so the steady state does not allocate.
  std::vector<uint8_t> packet_scratch_;
  std::vector<uint8_t> open_scratch_;
  // The messages of the packet being handled; kept for the next one up to
  // kKeptMessages.
  static constexpr size_t kKeptMessages = 256;
  std::vector<Message> decoded_;
  // A compressed stream message, expanded (decoded_ points into it); kept
  // for the next one up to kKeptExpansion bytes.
  static constexpr size_t kKeptExpansion = 256 << 10;
  std::vector<uint8_t> expanded_;
  // The stream message being handled came compressed: its sender reads
  // compressed packets, so a reply to it may be compressed too.
  bool request_compressed_ = false;
  // Members whose newer claim the current datagram's sender is missing,
  // and when each (member, sender) pair was last answered (rate limit).
  std::vector<std::string> corrections_;
  BoundedMap<Instant> corrections_answered_;
  // When each member held OFFLINE was last pinged because a request came
  // from its address (ReconnectIfOffline).
  BoundedMap<Instant> reconnects_prompted_;
  // Members held OFFLINE, by the address they were last at.
  absl::flat_hash_map<Address, std::string> offline_at_;
  // The reply the datagram being handled earns: whether it served its one
  // request, the ack it earns, and the packet bytes the reply may take.
  bool request_served_ = false;
  // A Rejoin's contacts are asked again at the joining pace until some
  // member sends a state exchange: the restored members already count as
  // known, but none of them has answered yet.
  bool rejoining_ = false;
  // Join or Rejoin ran: a saved view can no longer start this life.
  bool joined_once_ = false;
  std::optional<uint32_t> reply_ack_;
  size_t reply_limit_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_NODE_IMPL_H_

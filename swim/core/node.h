#ifndef SWIM_CORE_NODE_H_
#define SWIM_CORE_NODE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/stats.h"
#include "swim/core/transmit.h"

namespace swim {

class NodeImpl;
class Recorder;
enum class RecordKind : uint8_t;

// Where a Node is in its life. Only Leave moves it on; every command checks
// it the same way (FailedPrecondition, nothing changed, once not kActive).
enum class Lifecycle : uint8_t {
  // A member: probes, gossips, exchanges state, takes every command.
  kActive,
  // Leave() was called and its LEFT is spreading: no more probing, state
  // exchanges of its own or join retries, and commands are refused; input
  // is still answered, so the news spreads and stale claims meet its LEFT.
  // Keep the driver running until kLeft (bounded by a timeout).
  kLeaving,
  // Its LEFT was sent as often as any news (the retransmit limit: a gossip
  // interval or two in a large cluster), or there is nobody to tell: the
  // driver may stop. Input is still answered while it runs.
  kLeft,
};

// One member of a SWIM cluster as a pure state machine (sans-IO).
//
// Driving it (docs/architecture.md): after creating it, and after every
// input call (HandleDatagram, HandleStreamData, HandleStreamClosed,
// HandleTimeout) and every command (Join, Leave, SetMetadata, Restore,
// Broadcast, Remove, RememberFor), a driver
//   1. drains PollTransmit until it returns nullopt (send these bytes),
//   2. drains PollEvent until it returns nullopt (tell the application),
//   3. arms one timer at NextDeadline(), replacing the previous one, and
//      calls HandleTimeout when it fires (late is fine; early is harmless).
// Outputs change only through those calls: NextDeadline's value may change
// after any input or command and after HandleTimeout; PollTransmit and
// PollEvent have something after any of them; the views (local, Find,
// Members, StatusOf, available, size, stats, lifecycle) may change after
// any of them and never between them. Nothing here reads a clock, does
// I/O, starts a thread or draws randomness outside Config::seed, so the
// same config, seed and inputs give byte-identical transmits and events.
//
// Time: every `now` is an Instant of one monotonic clock, the driver's
// (instant.h). The Node compares and subtracts instants and never relates
// them to the wall clock, so a driver may use any monotonic source (the
// simulator's virtual time starts at an arbitrary instant); `now` must
// never go backwards between calls. The wall clock, an absl::Time, enters
// only through ObserveWallClock, as a bound on generations. Times the Node
// reports (Member::last_change, NextDeadline) are on the driver's clock.
//
// Not thread-safe: one thread (the driver's loop) owns a Node. The
// read-only views may be used from event callbacks on that thread.
//
// Identity (docs/protocol.md, "Identity"): a member's address is fixed for
// a life (its generation), and members refuse a claim that moves a name
// while the life they hold is alive; a restart at another address is taken
// once the old life has been OFFLINE or LEFT for a suspicion timeout. A
// claim about this node naming another address is never about this life:
// the node reports it (NameConflict) and keeps its name. Any claim about
// this life that it did not make is refuted, at the claim's generation if
// that is later; generations beyond this node's clock plus
// Config::max_clock_skew are refused, so no claim can lock a member out.
class Node {
 public:
  // Fails (InvalidArgument, OutOfRange) on a config Config::Validate
  // refuses, metadata over Config::max_metadata_size, or keys the keyring
  // refuses; nothing is created then.
  static absl::StatusOr<std::unique_ptr<Node>> Create(Config config,
                                                      Instant now);
  ~Node();

  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // --- Commands ------------------------------------------------------------
  // Each fails with FailedPrecondition (and changes nothing) once the
  // lifecycle is no longer kActive.

  // Contacts `seeds` with a push-pull state exchange over a stream, and
  // retries with backoff until some member is known. Seeds may include this
  // node's own address (ignored) and repeats (asked once). InvalidArgument
  // (nothing changed) for more than kMaxSeeds: each costs a state exchange
  // on every attempt.
  static constexpr size_t kMaxSeeds = 4096;
  absl::Status Join(absl::Span<const Address> seeds, Instant now);
  // Announces LEFT (disseminated like any update), stops probing: the
  // lifecycle becomes kLeaving, then kLeft once the news went out. Further
  // input is still answered so the news spreads.
  absl::Status Leave(Instant now);
  // Publishes new metadata (bumps the incarnation so it wins everywhere).
  // InvalidArgument (nothing changed) if the encoding exceeds
  // Config::max_metadata_size.
  absl::Status SetMetadata(Metadata metadata, Instant now);
  // Adds members this node knows from elsewhere (a view saved before a
  // restart, or a simulation that starts from a settled cluster) without
  // treating them as news: no events and nothing to gossip, since the
  // cluster knows them already; probing corrects any that are wrong. Only
  // ONLINE members; entries for this node, names already known here, and
  // recently reaped lives are skipped. All or nothing: an invalid member
  // (bad name or metadata, another status) or a full table changes nothing.
  absl::Status Restore(absl::Span<const Member> members, Instant now);
  // Starts this node from a view it saved in an earlier life (SavedView,
  // docs/protocol.md "Warm restart"), so it rejoins with or without seeds:
  // the ONLINE members of `saved` other than this node are restored as by
  // Restore, each reported as a MemberJoined (this process has not told
  // its application about them yet). Then, as Join does, a state exchange
  // announces this node's new life to up to kRejoinContacts of them,
  // chosen at random, and to each of `seeds` that is not the address of a
  // restored member; all are kept as seeds. The cluster corrects the saved
  // view through those exchanges and gossip, which always win over a
  // restored entry: a restored member is never newer than the cluster's
  // news of it, and a member this life has already heard of (members probe
  // a restarted address before its application calls this) is left as it
  // is. FailedPrecondition (nothing changed) once Join or Rejoin ran;
  // InvalidArgument for more than kMaxSeeds seeds; Restore's errors
  // otherwise. With nothing to restore, this is Join(seeds).
  static constexpr int kRejoinContacts = 3;
  absl::Status Rejoin(absl::Span<const Member> saved,
                      absl::Span<const Address> seeds, Instant now);
  // Removes a member the operator knows is gone for good: this node claims
  // it LEFT above its incarnation (spread like any claim), so every member
  // stops trying to reconnect to it and forgets it after
  // Config::tombstone_timeout; this node forgets it at once (MemberReaped).
  // A live member refutes the claim and stays everywhere, so this cannot
  // expel one. NotFound (nothing changed) if `name` is not a member known
  // here; InvalidArgument for this node's own name (Leave instead).
  absl::Status Remove(absl::string_view name, Instant now);
  // How long this node remembers member `name` once it is OFFLINE or LEFT,
  // instead of Config::reconnect_timeout or Config::tombstone_timeout (on
  // this node only; forgotten with the member). Applies at once to a member
  // already gone. NotFound if `name` is not a member known here,
  // InvalidArgument for this node's own name or a duration that is not
  // positive; nothing changed then.
  absl::Status RememberFor(absl::string_view name, absl::Duration duration,
                           Instant now);
  // Disseminates `payload` to every member (UserMessage events there).
  // InvalidArgument (nothing queued) above the largest payload
  // (kMaxUserPayloadSize), or when the payload with its origin's name and
  // header exceeds Config::max_stream_message (at its smallest, 64 KiB, a
  // few hundred bytes less than the largest payload).
  absl::Status Broadcast(absl::string_view payload, Instant now);

  // --- Keys (docs/security.md, "Keys") -------------------------------------
  // Rotation at runtime, in any lifecycle. Secrets are as in Config::keys.
  // Installs a secret that opens packets (not yet used to seal);
  // InvalidArgument for a bad secret, AlreadyExists if installed.
  absl::Status AddKey(absl::string_view secret);
  // Makes an installed secret the one that seals; NotFound if it is not
  // installed.
  absl::Status UseKey(absl::string_view secret);
  // Uninstalls a secret; FailedPrecondition for the one that seals (Use
  // another first), NotFound if it is not installed.
  absl::Status RemoveKey(absl::string_view secret);
  // For a Node to be abandoned rather than destroyed: once an exception
  // (std::bad_alloc) escaped one of its calls, its tables may be
  // half-updated and even its destructor unsafe, so a caller that cannot
  // end the process leaves it allocated (the C ABI does, SWIM_ERR_NO_MEMORY
  // in swim.h). Wipes and uninstalls its keys, touching nothing else, so
  // that memory holds no key. Use the Node no more afterwards.
  void WipeKeys();
  // The installed secrets, the one that seals first (empty in plaintext
  // mode): what a driver starting this member's next life in the same
  // process (a move to a new address) gives its Config::keys, so the keys
  // rotated in at runtime stay.
  std::vector<std::string> InstalledKeys() const;

  // --- Input ---------------------------------------------------------------
  // One received datagram (untrusted). Invalid input is dropped and counted
  // (Stats::drops); it never changes membership.
  void HandleDatagram(const Address& from, absl::Span<const uint8_t> bytes,
                      Instant now);
  // Bytes that arrived on stream connection `stream` from `from` (for an
  // incoming connection its peer, for one the driver opened the address it
  // connected to), untrusted, in order, in pieces of any size. The Node
  // reassembles and authenticates them (docs/wire.md, "Streams"), and says
  // what to do with the connection: see StreamVerdict. Replies to what
  // arrives on it come back as Transmits with `stream` set.
  StreamVerdict HandleStreamData(StreamId stream, const Address& from,
                                 absl::Span<const uint8_t> bytes, Instant now);
  // The connection closed (either side, or the driver gave up on it). A
  // message it left unfinished is discarded and counted.
  void HandleStreamClosed(StreamId stream);
  // Runs every timer due at `now`.
  void HandleTimeout(Instant now);
  // The current wall-clock time, from a driver that has one (the epoll and
  // Asio drivers report it at every wake-up). It bounds the generations
  // (start times) this node accepts, with Config::max_clock_skew; without
  // it the bound is this node's start plus the time it has run, which a
  // suspended host does not count. Changes nothing else.
  void ObserveWallClock(absl::Time wall);

  // --- Output --------------------------------------------------------------
  // When HandleTimeout must next run; nullopt: no timer (only after Leave
  // with nothing left to send).
  std::optional<Instant> NextDeadline() const;
  // The next bytes to send, oldest first. Its bytes stay valid until the
  // next PollTransmit.
  std::optional<Transmit> PollTransmit();
  // The next event for the application, oldest first.
  std::optional<Event> PollEvent();

  // --- Views ---------------------------------------------------------------
  // Snapshots: members are stored packed, so views are copies, valid after
  // the Node changes.
  const Member& local() const;
  std::optional<Member> Find(absl::string_view name) const;
  // A member's status without the copy (this node's own included).
  std::optional<MemberStatus> StatusOf(absl::string_view name) const;
  // Members (never the local one) whose status is in `mask`, by name.
  std::vector<Member> Members(StatusMask mask = kAllStatuses) const;
  // Up to `count` random members whose status is in `mask` (like the Python
  // swim-protocol's find); uses the node's PRNG.
  std::vector<Member> Sample(size_t count, StatusMask mask);
  // How many remote members are ONLINE or SUSPECT.
  size_t available() const;
  // Remote members known, in any status.
  size_t size() const;
  const Stats& stats() const;
  // Members by status, queues and health now (walks the member table).
  Gauges gauges() const;
  // The config the node was created with, without its keys: `keys` is
  // empty, since the keyring holds the only copy of each secret and wipes it
  // when the key is removed (InstalledKeys lists them).
  const Config& config() const;
  // Changes after Leave (to kLeaving) and then, as its LEFT is sent, after
  // HandleTimeout or any input (to kLeft).
  Lifecycle lifecycle() const;
  // Messages waiting to be piggybacked.
  size_t queued_broadcasts() const;
  // Per-member timers queued (suspicion and reap), for diagnostics: stays
  // within a small multiple of the member count whatever peers send.
  size_t queued_member_timers() const;

  // --- Recording (recording.h; docs/operations.md, "Record and replay") --
  // Records this node's config, creation instant and every input from now
  // on to `recorder` (not owned; it must outlive the recording), with
  // checkpoints of its outputs, so that Replay reproduces its transmits,
  // stream verdicts and events exactly. A recording starts with the node:
  // FailedPrecondition once any input, command or Sample was handled, or
  // while recording already. A checkpoint covers the outputs polled by
  // then, so a driver may drain after a batch of inputs.
  absl::Status StartRecording(Recorder* recorder);
  // Writes a last checkpoint and stops (nothing if not recording). Call it
  // with the outputs drained, before the recorder goes.
  void StopRecording();

 private:
  struct Recording;
  explicit Node(std::unique_ptr<NodeImpl> impl);
  // Counts an input and, when recording, writes a checkpoint every
  // kCheckpointEvery inputs (of the outputs polled so far); returns the
  // recording (nullptr when not recording).
  Recording* BeforeInput();
  // A key rotation that succeeded, as an input.
  void RecordKeyChange(RecordKind kind, absl::string_view secret,
                       const absl::Status& status);

  std::unique_ptr<NodeImpl> impl_;
  std::unique_ptr<Recording> recording_;
  uint64_t inputs_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_NODE_H_

#ifndef SWIM_CORE_STATE_EXCHANGE_H_
#define SWIM_CORE_STATE_EXCHANGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/bounded_map.h"
#include "swim/core/broadcast_history.h"
#include "swim/core/incarnation.h"
#include "swim/core/instant.h"
#include "swim/core/member_record.h"
#include "swim/core/member_status.h"
#include "swim/core/member_table.h"
#include "swim/core/random.h"
#include "swim/core/wire.h"

namespace swim {

// Anti-entropy: the full state exchange (push-pull) over a stream, and
// joining through seeds, which is a state exchange that asks for a reply.
// The Node decides when to exchange and applies what comes back; this
// module builds and bounds what goes out, paces the replies and keeps the
// join's own state.

// The claim about a member in the given state: the metadata rides only on
// ONLINE claims, the origin only on accusations (SUSPECT, OFFLINE).
// Views into its arguments.
Claim ClaimAbout(absl::string_view name, const Address& address,
                 MemberStatus status, const Incarnation& incarnation,
                 absl::string_view metadata_encoded, absl::string_view origin);
// The same for a member of the table (views into the record).
Claim ClaimOf(const MemberRecord& record, absl::string_view origin);

// The most one member's entry can take in a state exchange: varints at
// their largest, an IPv6 address, its metadata.
size_t StateEntryBound(size_t name_size, size_t metadata_size);
// The rest of a state exchange at its largest: packet header, type, flags,
// sender, the two counts.
size_t StateOverhead();

// What a state exchange is for.
enum class StateKind : uint8_t {
  kRequest,        // periodic: state, reply wanted
  kJoin,           // joining: reply wanted
  kReply,          // the state a request asked for
  kReplyToJoiner,  // the same, with this node's broadcast floors
};

// The state this node sends: `local` (its own claim) first, then every
// member of `table` as this node holds it, without origins (the receiver
// takes the sender as the origin of any accusation), then `buried` (claims
// about members this node forgot that the receiver still holds live). A
// reply to a joiner also carries, in name order, how far each known
// origin's user broadcasts have got (`history`). Views into its arguments.
PushPull BuildState(StateKind kind, Claim local, const MemberTable& table,
                    const BroadcastHistory& history,
                    absl::Span<const Claim> buried = {});

// A state exchange as one stream message's packet.
struct EncodedState {
  Message message;  // as encoded: cut if it had to be
  std::vector<uint8_t> packet;
  bool truncated = false;
};

// Encodes `state` into a packet of at most `max_stream_message` bytes.
// Admission keeps the state within that bound; only metadata grown since
// gets past it, and then the state is cut to fit: the sender's own entry,
// then as many others as fit starting from a random one (`random`), so
// exchanges still cover everyone; the floors are dropped. nullopt: the
// state cannot be encoded at all.
std::optional<EncodedState> EncodeState(PushPull state,
                                        size_t max_stream_message,
                                        Random& random);

// The pace of full-state replies, the most expensive thing a node sends: a
// captured request can be replayed without the key, so each life of a
// sender (its incarnation) gets at most one reply per interval; a
// restarted member's join carries a newer incarnation and is answered.
// Remembers `capacity` senders, forgetting the oldest.
class StateReplyGate {
 public:
  explicit StateReplyGate(size_t capacity) : replies_(capacity) {}

  // Whether `sender` at `incarnation` may have a reply at `now`.
  bool Allows(absl::string_view sender, const Incarnation& incarnation,
              Instant now, absl::Duration interval);
  // A reply to `sender` at `incarnation` goes out at `now`.
  void Record(absl::string_view sender, const Incarnation& incarnation,
              Instant now);

 private:
  struct Reply {
    Instant at;
    Incarnation incarnation;
  };
  BoundedMap<Reply> replies_;
};

// Joining through seeds (Node::Join), and going back to them
// (docs/protocol.md, "Healing"): the seeds are kept after joining, and a
// seed that is not a member this node knows is asked again, so a partition
// longer than Config::reconnect_timeout (both sides forgot each other)
// still heals once a seed is reachable. The Node sends the requests, and
// arms its join timer at now + delay() after Start and after each Check.
class JoinAttempt {
 public:
  // Until joined, seeds are asked again after `first_backoff`, doubling up
  // to a minute. Once joined, they are checked every `recheck` (zero:
  // never), and the ones not settled asked again, the delay doubling from
  // `recheck` up to kMaxRecheckBackoff times it while some stay unsettled;
  // but while no seed at all is settled (the members known joined through
  // this one, most likely, while its own join went unanswered), at the
  // joining pace.
  static constexpr int kMaxRecheckBackoff = 8;

  JoinAttempt(absl::Duration first_backoff, absl::Duration recheck)
      : first_backoff_(first_backoff),
        recheck_(recheck),
        delay_(first_backoff),
        backoff_(first_backoff),
        recheck_backoff_(recheck) {}

  // Sets the seeds to `seeds` (replacing any earlier list), leaving out
  // `self` and repeats. False when none is left (the first member of a
  // cluster has nobody to ask). `joined`: this node knows a live member
  // already, so no broadcast floors are awaited.
  bool Start(absl::Span<const Address> seeds, const Address& self, bool joined);
  // The join timer fired. `joined`: this node knows a live member now
  // (through a reply or through gossip). `settled(address, member)`:
  // whether the seed at `address`, last answered by `member` (empty if
  // none), belongs to a member this node knows. The seeds to ask now:
  // every seed until joined, then the unsettled ones (possibly none);
  // nullopt when there is nothing more to check (no seeds, or joined and
  // rechecking is off): no timer then.
  std::optional<std::vector<Address>> Check(
      bool joined,
      absl::FunctionRef<bool(const Address&, absl::string_view)> settled);

  const std::vector<Address>& seeds() const { return seeds_; }
  // Whether the last Check, while joined, found no seed settled: this node
  // knows members, but maybe only ones that joined through it (their
  // seeds are asked at the joining pace then). False after Start.
  bool awaiting_seed() const { return awaiting_seed_; }
  // When the Node checks again, from Start or the last Check.
  absl::Duration delay() const { return delay_; }
  // Until a seed's first reply says how far each origin's broadcasts had
  // got, an old user broadcast cannot be told from news.
  bool awaiting_floors() const { return awaiting_floors_; }
  // A state reply came from `from`, sent by member `sender`: remembered
  // as who answers at that seed. True, once, when it is a seed and floors
  // are awaited; the caller then takes its floors.
  bool OnReply(const Address& from, absl::string_view sender);

 private:
  const absl::Duration first_backoff_;
  const absl::Duration recheck_;
  std::vector<Address> seeds_;
  // Who answered at each seed (same index as seeds_).
  std::vector<std::string> answered_by_;
  absl::Duration delay_;
  absl::Duration backoff_;
  absl::Duration recheck_backoff_;
  bool awaiting_floors_ = false;
  bool awaiting_seed_ = false;
};

}  // namespace swim

#endif  // SWIM_CORE_STATE_EXCHANGE_H_

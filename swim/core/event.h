#ifndef SWIM_CORE_EVENT_H_
#define SWIM_CORE_EVENT_H_

#include <optional>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/verdict.h"

namespace swim {

// What a Node tells its application, in the order it happened (see
// Node::PollEvent). Each case carries exactly its own fields. An event
// reports a change already made, as it was when made: once every queued
// event is polled, the last one about each member agrees with the node's
// state (Node::Find, Members). Nothing the application does with an event,
// or fails to do, changes the node's state. An application that stops
// polling loses the oldest events beyond 65536 (counted as
// DropReason::kEventQueueFull), never the node's state.

// A member this node did not know appeared, in the state it was first
// heard in: ONLINE, or SUSPECT when the news came with a suspicion (news of
// a stranger that is OFFLINE or LEFT is ignored). The application: adds it
// to its view. An ONLINE member comes with its metadata; a SUSPECT one
// with none, which arrives with its MemberStatusChanged to ONLINE.
struct MemberJoined {
  Member member;
};

// A known member's status changed from `previous_status` to
// `member.status`. `member` holds the whole new state: metadata or an
// address that changed with the status arrive here, not as a
// MemberMetadataChanged. The application: acts on the new status, e.g.
// stops routing to a member that is SUSPECT (maybe) or OFFLINE or LEFT (it
// will not answer); resumes when it is ONLINE again. `cause` says why, for
// every change to SUSPECT, OFFLINE or LEFT (nullopt for ONLINE).
struct MemberStatusChanged {
  Member member;
  MemberStatus previous_status = MemberStatus::kOnline;
  std::optional<Verdict> cause;
};

// A member's metadata changed and its status did not. The application:
// replaces its copy of `member.metadata` (the whole map, not a delta).
struct MemberMetadataChanged {
  Member member;
};

// An OFFLINE or LEFT member was forgotten, Config::reconnect_timeout
// (OFFLINE) or Config::tombstone_timeout (LEFT) after it went. If it comes back
// it is a MemberJoined again. The application: drops what it kept about the
// member.
struct MemberReaped {
  Member member;
};

// A claim about this node's name that it cannot answer by refuting: a
// claim (of any status) from another life at `address`, another process
// given this name (or a forgery); or, with `address` this node's own, a
// second ONLINE claim at a higher incarnation within one probe interval
// (two processes sharing name and address outrank each other) or a claim
// nothing can outrank. Members refuse to move a name while its holder is
// alive, so this node keeps the name and goes on. The application decides
// whether to exit (two processes configured with one name) or to ignore it
// (a forgery). Reported at most once per address and probe interval.
struct NameConflict {
  Address address;
};

// This node heard a claim about itself that it did not make (suspected,
// declared OFFLINE or LEFT, or ONLINE at a higher incarnation) and
// outranked it: `member` is the local member with the higher incarnation
// it now announces. Nothing to do; frequent refutations mean this node is
// slow to answer probes (overloaded, paused), its network loses packets,
// or someone forges claims about it.
struct Refuted {
  Member member;
};

// A user broadcast (Node::Broadcast on `origin`) arrived, once per
// broadcast. The application: handles `payload`. Delivery is best effort
// and unordered between origins.
struct UserMessage {
  std::string origin;
  std::string payload;
};

using Event =
    std::variant<MemberJoined, MemberStatusChanged, MemberMetadataChanged,
                 MemberReaped, NameConflict, Refuted, UserMessage>;

// The event's name for logs: "joined", "status-changed",
// "metadata-changed", "reaped", "name-conflict", "refuted", "user-message".
absl::string_view EventName(const Event& event);
// Every event's name, by the index of its case in Event (the names are
// NUL-terminated literals).
absl::Span<const absl::string_view> EventNames();

// The member an event is about, as it was when the event was made (the
// local member for Refuted); nullptr for NameConflict and UserMessage,
// which carry no member. Valid while `event` is.
const Member* EventMember(const Event& event);

}  // namespace swim

#endif  // SWIM_CORE_EVENT_H_

#ifndef SWIM_CORE_EVENT_H_
#define SWIM_CORE_EVENT_H_

#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "swim/core/address.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"

namespace swim {

// What a Node tells its application, in the order it happened (see
// Node::PollEvent). Each case carries exactly its own fields. An event
// reports a change already made: the node's state (Node::Find, Members)
// agrees with it when it is polled, and nothing the application does with
// an event, or fails to do, changes the node's state.

// A member this node did not know appeared, in the state it was first
// heard in: ONLINE, or SUSPECT when the news came with a suspicion (news of
// a stranger that is OFFLINE or LEFT is ignored). The application: adds it
// to its view; `member.metadata` is its metadata already.
struct MemberJoined {
  Member member;
};

// A known member's status changed from `previous_status` to
// `member.status`. `member` holds the whole new state: metadata or an
// address that changed with the status arrive here, not as a
// MemberMetadataChanged. The application: acts on the new status, e.g.
// stops routing to a member that is SUSPECT (maybe) or OFFLINE or LEFT (it
// will not answer); resumes when it is ONLINE again.
struct MemberStatusChanged {
  Member member;
  MemberStatus previous_status = MemberStatus::kOnline;
};

// A member's metadata changed and its status did not. The application:
// replaces its copy of `member.metadata` (the whole map, not a delta).
struct MemberMetadataChanged {
  Member member;
};

// An OFFLINE or LEFT member was forgotten, Config::reap_after after it
// went. If it comes back it is a MemberJoined again. The application:
// drops what it kept about the member.
struct MemberReaped {
  Member member;
};

// Another life claims this node's name: a process at `address` (not this
// node's) announced itself under it, or someone forged such a claim.
// Members refuse to move a name while its holder is alive, so this node
// keeps the name and goes on. The application decides whether to exit (two
// processes configured with one name) or to ignore it (a forgery). Reported
// at most once per address and probe interval.
struct NameConflict {
  Address address;
};

// This node heard itself suspected or declared OFFLINE and refuted it:
// `member` is the local member with the higher incarnation it now
// announces. Nothing to do; frequent refutations mean this node is slow to
// answer probes (overloaded, paused) or its network loses packets.
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

// The member an event is about, as the node now holds it (the local member
// for Refuted); nullptr for NameConflict and UserMessage, which carry no
// member. Valid while `event` is.
const Member* EventMember(const Event& event);

}  // namespace swim

#endif  // SWIM_CORE_EVENT_H_

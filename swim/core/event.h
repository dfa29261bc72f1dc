#ifndef SWIM_CORE_EVENT_H_
#define SWIM_CORE_EVENT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "swim/core/address.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"

namespace swim {

// What a Node tells its application, in the order it happened.
struct Event {
  enum class Type : uint8_t {
    // A member this node did not know appeared (`member` as first seen).
    kJoined,
    // A known member's status changed from `previous_status`.
    kStatusChanged,
    // A member's metadata changed (its status did not).
    kMetadataChanged,
    // An OFFLINE or LEFT member was forgotten after Config::reap_after.
    kReaped,
    // A claim about this node's name from another life: another process
    // at `conflict_address` claims the name, or someone forged a claim.
    // Members refuse to move a name while its holder is alive, so this
    // node keeps it; the application decides whether to exit. Reported at
    // most once per address and probe interval.
    kNameConflict,
    // This node heard itself suspected or declared OFFLINE and refuted it
    // with a higher incarnation (`member` is the local member).
    kRefuted,
    // A user broadcast arrived (`origin`, `payload`).
    kUserMessage,
  };

  Type type = Type::kJoined;
  Member member;
  MemberStatus previous_status = MemberStatus::kOnline;
  Address conflict_address;
  std::string origin;
  std::string payload;
};

absl::string_view EventTypeName(Event::Type type);

}  // namespace swim

#endif  // SWIM_CORE_EVENT_H_

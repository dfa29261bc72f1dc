#ifndef SWIM_CORE_MEMBER_H_
#define SWIM_CORE_MEMBER_H_

#include <string>

#include "swim/core/address.h"
#include "swim/core/incarnation.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"

namespace swim {

// A snapshot of one member as this member sees it.
struct Member {
  std::string name;
  Address address;
  MemberStatus status = MemberStatus::kOnline;
  Incarnation incarnation;
  Metadata metadata;
  // When this member's status, address or metadata last changed here.
  Instant last_change = Instant::InfinitePast();

  friend bool operator==(const Member&, const Member&) = default;
};

}  // namespace swim

#endif  // SWIM_CORE_MEMBER_H_

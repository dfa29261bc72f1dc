#include "swim/core/member_status.h"

namespace swim {

absl::string_view MemberStatusName(MemberStatus status) {
  switch (status) {
    case MemberStatus::kOnline:
      return "ONLINE";
    case MemberStatus::kSuspect:
      return "SUSPECT";
    case MemberStatus::kOffline:
      return "OFFLINE";
    case MemberStatus::kLeft:
      return "LEFT";
  }
  return "INVALID";
}

}  // namespace swim

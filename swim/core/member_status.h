#ifndef SWIM_CORE_MEMBER_STATUS_H_
#define SWIM_CORE_MEMBER_STATUS_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace swim {

// A member's status as this member believes it. The values are bits so
// statuses combine into masks (as the Python swim-protocol's Status flags).
enum class MemberStatus : uint8_t {
  kOnline = 1,   // answering probes
  kSuspect = 2,  // missed a probe; may still refute
  kOffline = 4,  // declared failed
  kLeft = 8,     // left gracefully
};

// A set of statuses.
using StatusMask = uint8_t;
inline constexpr StatusMask kAvailable =
    static_cast<uint8_t>(MemberStatus::kOnline) |
    static_cast<uint8_t>(MemberStatus::kSuspect);
inline constexpr StatusMask kUnavailable =
    static_cast<uint8_t>(MemberStatus::kSuspect) |
    static_cast<uint8_t>(MemberStatus::kOffline) |
    static_cast<uint8_t>(MemberStatus::kLeft);
inline constexpr StatusMask kAllStatuses = kAvailable | kUnavailable;

inline constexpr bool StatusIn(MemberStatus status, StatusMask mask) {
  return (static_cast<uint8_t>(status) & mask) != 0;
}

// "ONLINE", "SUSPECT", "OFFLINE", "LEFT".
absl::string_view MemberStatusName(MemberStatus status);

// True for the four defined values (used to validate wire input).
inline constexpr bool IsMemberStatus(uint8_t value) {
  return value == 1 || value == 2 || value == 4 || value == 8;
}

}  // namespace swim

#endif  // SWIM_CORE_MEMBER_STATUS_H_

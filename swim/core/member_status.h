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

// A set of statuses. A status is a set of one, and sets combine with |:
// `Members(MemberStatus::kSuspect | MemberStatus::kOffline)`.
class StatusMask {
 public:
  constexpr StatusMask() = default;
  // Implicit: a status where a set is expected is the set of that status.
  constexpr StatusMask(MemberStatus status)  // NOLINT(runtime/explicit)
      : bits_(static_cast<uint8_t>(status)) {}

  constexpr bool Contains(MemberStatus status) const {
    return (bits_ & static_cast<uint8_t>(status)) != 0;
  }
  constexpr bool empty() const { return bits_ == 0; }

  friend constexpr StatusMask operator|(StatusMask a, StatusMask b) {
    return FromBits(a.bits_ | b.bits_);
  }
  friend constexpr StatusMask operator&(StatusMask a, StatusMask b) {
    return FromBits(a.bits_ & b.bits_);
  }
  friend constexpr bool operator==(StatusMask a, StatusMask b) {
    return a.bits_ == b.bits_;
  }

 private:
  static constexpr StatusMask FromBits(unsigned bits) {
    StatusMask mask;
    mask.bits_ = static_cast<uint8_t>(bits);
    return mask;
  }
  uint8_t bits_ = 0;
};

constexpr StatusMask operator|(MemberStatus a, MemberStatus b) {
  return StatusMask(a) | StatusMask(b);
}

inline constexpr StatusMask kAvailable =
    MemberStatus::kOnline | MemberStatus::kSuspect;
inline constexpr StatusMask kUnavailable =
    MemberStatus::kSuspect | MemberStatus::kOffline | MemberStatus::kLeft;
inline constexpr StatusMask kAllStatuses = kAvailable | kUnavailable;

inline constexpr bool StatusIn(MemberStatus status, StatusMask mask) {
  return mask.Contains(status);
}

// "ONLINE", "SUSPECT", "OFFLINE", "LEFT".
absl::string_view MemberStatusName(MemberStatus status);

// True for the four defined values (used to validate wire input).
inline constexpr bool IsMemberStatus(uint8_t value) {
  return value == 1 || value == 2 || value == 4 || value == 8;
}

}  // namespace swim

#endif  // SWIM_CORE_MEMBER_STATUS_H_

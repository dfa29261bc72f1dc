#ifndef SWIM_CORE_RECONNECT_H_
#define SWIM_CORE_RECONNECT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/instant.h"

namespace swim {

// Reaching members held OFFLINE (docs/protocol.md, "Healing"): once an
// interval, a ping to one of them; when it answers, the Node exchanges
// state with it, so both sides of a healed partition learn of each other,
// refute and merge. It owns its tick and the attempt in flight, and makes
// no membership decision: the Node picks the target (ShouldTry) and sends.
//
//   Start         arms the first tick (the Node staggers it).
//   HandleExpiry  the tick is due: the next one is armed an interval later,
//                 and any attempt still unanswered is given up; true: the
//                 Node may try a member now.
//   Attempt       a ping with sequence number `seq` went to `target`.
//   OnAck         an ack arrived: the member it answers for, once.
//   Stop          no more ticks or attempts (the member leaves).
class Reconnect {
 public:
  // Members gone longer than kBackoffAfter intervals are tried less often,
  // down to 1 / kMaxBackoff of the rate at kMaxBackoff times that.
  static constexpr int kBackoffAfter = 30;
  static constexpr int kMaxBackoff = 4;

  explicit Reconnect(absl::Duration interval) : interval_(interval) {}

  bool enabled() const { return interval_ > absl::ZeroDuration(); }
  absl::Duration interval() const { return interval_; }

  void Start(Instant first_tick);
  void Stop();
  // The tick, if armed. May change after Start, Stop and HandleExpiry.
  std::optional<Instant> NextExpiry() const { return next_tick_; }
  // Runs the tick if due at `now`; false if it is not (or not armed).
  bool HandleExpiry(Instant now);

  void Attempt(uint32_t seq, absl::string_view target);
  // The target of the attempt `seq` answers for; nullopt for any other
  // sequence number, a repeat, or once the attempt was given up.
  std::optional<std::string> OnAck(uint32_t seq);

  // The chance that one member tries, at a tick, a member chosen at random
  // among `offline`, when it knows `live` others (ONLINE or SUSPECT) and the
  // chosen one has been OFFLINE for `gone`: offline / live (at most 1), so
  // that across the cluster each OFFLINE member is tried about once an
  // interval however large the cluster; divided by up to kMaxBackoff for
  // members gone more than kBackoffAfter intervals. An isolated member
  // (no live peers) always tries.
  double Chance(size_t offline, size_t live, absl::Duration gone) const;

 private:
  absl::Duration interval_;
  std::optional<Instant> next_tick_;
  bool in_flight_ = false;
  uint32_t seq_ = 0;
  std::string target_;
};

}  // namespace swim

#endif  // SWIM_CORE_RECONNECT_H_

#ifndef SWIM_CORE_TIMER_QUEUE_H_
#define SWIM_CORE_TIMER_QUEUE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "swim/core/instant.h"

namespace swim {

// A Node's timers, so the driver arms only one (at Next()). Two kinds:
// periodic/singleton timers (one of each at most, rescheduled or cancelled
// in place) and keyed timers (one per member, e.g. suspicion deadlines)
// that cannot be cancelled: their handler re-checks whether they still
// apply, which keeps cancellation free. Timers due at the same instant
// fire in a fixed order (singletons by kind, then keyed ones by when they
// were added), so runs are deterministic.
class TimerQueue {
 public:
  enum class Kind : uint8_t {
    // Singletons. At one instant they fire in this order.
    kProbeTick,
    kGossip,
    kPushPull,
    kJoinRetry,
    // Keyed.
    kSuspicion,
    kReap,
  };
  static constexpr int kSingletonCount = 4;

  struct Fired {
    Kind kind;
    std::string key;  // keyed timers only
    Instant at;
  };

  // Singletons.
  void Set(Kind kind, Instant at);
  void Cancel(Kind kind);
  std::optional<Instant> Get(Kind kind) const;

  // Keyed.
  void Add(Kind kind, std::string key, Instant at);

  std::optional<Instant> Next() const;
  // The earliest timer but the singleton `kind`, whose owner lets it ride
  // on another wake-up (it still fires in PopDue once due).
  std::optional<Instant> NextExcept(Kind kind) const;
  // The earliest singleton, and the earliest keyed timer: at one instant
  // PopDue fires singletons first.
  std::optional<Instant> NextSingleton() const {
    return EarliestSingleton(kSingletonCount);
  }
  std::optional<Instant> NextKeyed() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.front().at;
  }
  // Removes and returns the earliest timer due at or before `now`.
  std::optional<Fired> PopDue(Instant now);
  size_t keyed_size() const { return heap_.size(); }

 private:
  // The earliest singleton but the one at index `except` (kSingletonCount:
  // every one).
  std::optional<Instant> EarliestSingleton(int except) const;
  // The earlier of `next` and the earliest keyed timer.
  std::optional<Instant> WithKeyed(std::optional<Instant> next) const;

  struct Keyed {
    Instant at;
    uint64_t order;
    Kind kind;
    std::string key;
  };
  struct Later {
    bool operator()(const Keyed& a, const Keyed& b) const {
      if (a.at != b.at) return a.at > b.at;
      return a.order > b.order;
    }
  };

  std::array<std::optional<Instant>, kSingletonCount> singletons_;
  std::vector<Keyed> heap_;
  uint64_t next_order_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_TIMER_QUEUE_H_

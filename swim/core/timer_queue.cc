#include "swim/core/timer_queue.h"

#include <algorithm>
#include <utility>

#include "swim/core/instant.h"

namespace swim {

void TimerQueue::Set(Kind kind, Instant at) {
  singletons_[static_cast<int>(kind)] = at;
}

void TimerQueue::Cancel(Kind kind) {
  singletons_[static_cast<int>(kind)].reset();
}

std::optional<Instant> TimerQueue::Get(Kind kind) const {
  return singletons_[static_cast<int>(kind)];
}

void TimerQueue::Add(Kind kind, std::string key, Instant at) {
  heap_.push_back(Keyed{at, next_order_++, kind, std::move(key)});
  std::push_heap(heap_.begin(), heap_.end(), Later());
}

std::optional<Instant> TimerQueue::EarliestSingleton(int except) const {
  std::optional<Instant> next;
  for (int i = 0; i < kSingletonCount; ++i) {
    const std::optional<Instant>& at = singletons_[i];
    if (i != except && at && (!next || *at < *next)) next = at;
  }
  return next;
}

std::optional<Instant> TimerQueue::WithKeyed(
    std::optional<Instant> next) const {
  if (!heap_.empty() && (!next || heap_.front().at < *next)) {
    next = heap_.front().at;
  }
  return next;
}

std::optional<Instant> TimerQueue::Next() const {
  return WithKeyed(NextSingleton());
}

std::optional<Instant> TimerQueue::NextExcept(Kind kind) const {
  return WithKeyed(EarliestSingleton(static_cast<int>(kind)));
}

std::optional<TimerQueue::Fired> TimerQueue::PopDue(Instant now) {
  int best = -1;
  for (int kind = 0; kind < kSingletonCount; ++kind) {
    const std::optional<Instant>& at = singletons_[kind];
    if (at && *at <= now && (best < 0 || *at < *singletons_[best])) {
      best = kind;
    }
  }
  const bool heap_due = !heap_.empty() && heap_.front().at <= now;
  if (heap_due && (best < 0 || heap_.front().at < *singletons_[best])) {
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    Keyed keyed = std::move(heap_.back());
    heap_.pop_back();
    return Fired{keyed.kind, std::move(keyed.key), keyed.at};
  }
  if (best < 0) return std::nullopt;
  const Instant at = *singletons_[best];
  singletons_[best].reset();
  return Fired{static_cast<Kind>(best), std::string(), at};
}

}  // namespace swim

#include "swim/core/join_settle.h"

#include <algorithm>

namespace swim {

std::optional<Instant> ExchangeSchedule::OnGrowth(Instant now,
                                                  absl::Duration settle,
                                                  bool may_exchange) {
  // Only a burst: a member learned within `settle` of the one before (a
  // joiner's first state reply brings many at one instant). One newcomer
  // now and then is gossip's alone.
  const bool burst = now - last_growth_ <= settle;
  last_growth_ = now;
  if (!burst || !may_exchange || burst_exchanges_ >= kMaxBurstExchanges) {
    return std::nullopt;
  }
  // Later growth moves it. A burst that goes on after an exchange (news
  // this member had missed, or joiners still arriving) earns another, a
  // spacing after the last.
  const Instant at = std::max(now + settle, next_burst_);
  if (at >= regular_due_) return std::nullopt;
  return at;
}

Instant ExchangeSchedule::OnTick(Instant now, absl::Duration interval) {
  if (now < regular_due_) {
    ++burst_exchanges_;
    next_burst_ = now + spacing_;
  } else {
    burst_exchanges_ = 0;
    regular_due_ = now + interval;
  }
  return regular_due_;
}

void JoinSettle::OnReply(absl::string_view sender, Instant now) {
  if (!awaiting_) {
    answered_ = true;
    answer_due_.reset();
    return;
  }
  awaiting_ = false;
  seed_ = std::string(sender);
  sent_ = 0;
  retried_ = 0;
  quiet_ = 0;
  grew_ = false;
  answered_ = false;
  answer_due_.reset();
  next_ = now + spacing_;
}

std::optional<Instant> JoinSettle::NextExpiry() const {
  if (!next_) return std::nullopt;
  if (answer_due_ && *answer_due_ < *next_) return answer_due_;
  return next_;
}

std::optional<JoinSettle::Exchange> JoinSettle::HandleExpiry(Instant now) {
  if (!next_) return std::nullopt;
  if (now < *next_) {
    if (!answer_due_ || now < *answer_due_) return std::nullopt;
    // Not answered in time: one more now, to a member chosen at random,
    // and, if that one is not answered in time either, another.
    ++retried_;
    --retries_left_;
    answer_due_.reset();
    if (retries_left_ > 0) answer_due_ = now + answer_wait_;
    return Exchange{};
  }
  // The first always goes: the seed's answer may have been the little it
  // knew. After that, only while exchanges bring members (or the last
  // went unanswered: lost, or its peer had answered this one too lately).
  if (sent_ > 0 && answered_ && !grew_) {
    ++quiet_;
  } else {
    quiet_ = 0;
  }
  if (quiet_ >= kQuietExchanges || sent_ >= kMaxExchanges) {
    next_.reset();
    answer_due_.reset();
    return std::nullopt;
  }
  Exchange exchange;
  if (sent_ == 0) exchange.to = seed_;
  ++sent_;
  grew_ = false;
  answered_ = false;
  next_ = now + spacing_;
  answer_due_ = now + answer_wait_;
  retries_left_ = kRetriesPerExchange;
  return exchange;
}

void JoinHandoff::OnAnswered(absl::string_view joiner, Instant now) {
  Expire(now);
  // A joiner that asks again (its first reply was lost) is one joiner.
  auto same = std::find_if(joiners_.begin(), joiners_.end(),
                           [&](const Joiner& j) { return j.name == joiner; });
  if (same != joiners_.end()) joiners_.erase(same);
  if (joiners_.size() >= kMaxJoiners) joiners_.pop_front();
  joiners_.push_back({std::string(joiner), now});
}

std::vector<std::string> JoinHandoff::OnExchange(size_t before, size_t after,
                                                 Instant now) {
  Expire(now);
  std::vector<std::string> owed;
  if (after < before + 2 || after <= 2 * before) return owed;
  owed.reserve(joiners_.size());
  for (const Joiner& joiner : joiners_) owed.push_back(joiner.name);
  return owed;
}

void JoinHandoff::Expire(Instant now) {
  while (!joiners_.empty() && now - joiners_.front().answered > keep_) {
    joiners_.pop_front();
  }
}

}  // namespace swim

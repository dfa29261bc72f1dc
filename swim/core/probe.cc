#include "swim/core/probe.h"

#include <cstddef>
#include <utility>

#include "swim/core/instant.h"

namespace swim {

void Probe::Start(uint32_t seq, absl::string_view target,
                  const Incarnation& incarnation, Instant sent_at,
                  Instant timeout_at, Instant end_at) {
  active_ = true;
  acked_ = false;
  indirect_sent_ = false;
  expected_nacks_ = 0;
  nacks_ = 0;
  helpers_asked_ = 0;
  sent_at_ = sent_at;
  seq_ = seq;
  target_.assign(target.data(), target.size());
  target_incarnation_ = incarnation;
  timeout_at_ = timeout_at;
  end_at_ = end_at;
  fallback_until_.reset();
  sent_isolated_ = false;
}

Probe::AckResult Probe::OnAck(uint32_t seq) {
  if (!active_ || seq != seq_) return AckResult::kNotThisProbe;
  timeout_at_.reset();
  if (acked_) return AckResult::kRepeat;
  acked_ = true;
  return AckResult::kFirst;
}

void Probe::AddHelper(const Address& helper, bool expect_nack) {
  if (helpers_asked_ >= kMaxHelpers) return;
  helpers_[helpers_asked_] = helper;
  expect_nack_[helpers_asked_] = expect_nack;
  nacked_[helpers_asked_] = false;
  ++helpers_asked_;
  if (expect_nack) ++expected_nacks_;
}

bool Probe::OnNack(const Address& from, uint32_t seq) {
  if (!active_ || !indirect_sent_ || seq != seq_) return false;
  for (int i = 0; i < helpers_asked_; ++i) {
    if (expect_nack_[i] && helpers_[i] == from && !nacked_[i]) {
      nacked_[i] = true;
      ++nacks_;
      return true;
    }
  }
  return false;
}

std::optional<Probe::Outcome> Probe::Finish() {
  timeout_at_.reset();
  end_at_.reset();
  if (!active_) return std::nullopt;
  active_ = false;
  Outcome outcome;
  outcome.acked = acked_;
  outcome.sent_at = sent_at_;
  outcome.expected_nacks = expected_nacks_;
  outcome.nacks = nacks_;
  outcome.helpers_asked = helpers_asked_;
  outcome.helpers = helpers_;
  outcome.stream_fallback = fallback_until_.has_value();
  if (!acked_) outcome.fallback_until = fallback_until_;
  outcome.sent_isolated = sent_isolated_;
  return outcome;
}

std::optional<FallbackWaits::Waiting> FallbackWaits::Park(
    uint32_t seq, absl::string_view target, const Incarnation& incarnation,
    const Probe::Outcome& outcome) {
  std::optional<Waiting> evicted;
  if (waiting_.size() >= kMaxWaiting) evicted = Take(0);
  Waiting waiting;
  waiting.seq = seq;
  waiting.target.assign(target.data(), target.size());
  waiting.incarnation = incarnation;
  waiting.outcome = outcome;
  waiting.until = *outcome.fallback_until;
  waiting_.push_back(std::move(waiting));
  return evicted;
}

std::optional<FallbackWaits::Waiting> FallbackWaits::OnAck(uint32_t seq) {
  for (size_t i = 0; i < waiting_.size(); ++i) {
    if (waiting_[i].seq == seq) return Take(i);
  }
  return std::nullopt;
}

void FallbackWaits::DropTarget(absl::string_view target) {
  for (size_t i = 0; i < waiting_.size();) {
    if (waiting_[i].target == target) {
      Take(i);
    } else {
      ++i;
    }
  }
}

std::optional<Instant> FallbackWaits::NextExpiry() const {
  std::optional<Instant> next;
  for (const Waiting& waiting : waiting_) {
    if (!next || waiting.until < *next) next = waiting.until;
  }
  return next;
}

std::optional<FallbackWaits::Waiting> FallbackWaits::HandleExpiry(Instant now) {
  std::optional<size_t> due;
  for (size_t i = 0; i < waiting_.size(); ++i) {
    if (waiting_[i].until <= now &&
        (!due || waiting_[i].until < waiting_[*due].until)) {
      due = i;
    }
  }
  if (!due) return std::nullopt;
  return Take(*due);
}

std::optional<FallbackWaits::Waiting> FallbackWaits::Take(size_t index) {
  Waiting waiting = std::move(waiting_[index]);
  waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(index));
  return waiting;
}

Probe::Expiry Probe::HandleExpiry(Instant now) {
  Expiry expiry;
  if (end_at_ && (!timeout_at_ || *end_at_ <= *timeout_at_)) {
    if (*end_at_ <= now) expiry.ended = Finish();
    return expiry;
  }
  if (!timeout_at_ || *timeout_at_ > now) return expiry;
  timeout_at_.reset();
  if (active_ && !acked_ && !indirect_sent_) {
    indirect_sent_ = true;
    expiry.ask_helpers = true;
  }
  return expiry;
}

RelayTable::Admission RelayTable::Admit(const Address& requester,
                                        uint32_t requester_seq,
                                        const Address& target) const {
  // A replayed ping-req must not take another slot, and no single host may
  // hold more than a share: otherwise replays could fill the table and
  // switch off indirect probing. Repeats are recognised by (sequence
  // number, target) whatever address they come from, so spoofed sources
  // do not help a replay either.
  const Address host = requester.WithPort(0);
  int from_host = 0;
  for (const Relay& relay : relays_) {
    if (relay.requester.requester_seq == requester_seq &&
        relay.target == target) {
      return Admission::kRepeat;
    }
    if (relay.requester.requester.WithPort(0) == host) ++from_host;
  }
  if (relays_.size() >= kMaxRelays || from_host >= kMaxRelaysPerHost) {
    return Admission::kFull;
  }
  return Admission::kAdmitted;
}

void RelayTable::Start(uint32_t seq, const Address& requester,
                       std::optional<StreamId> requester_stream,
                       uint32_t requester_seq, const Address& target,
                       bool want_nack, Instant nack_at, Instant expires) {
  Relay& relay = relays_.emplace_back();
  relay.seq = seq;
  relay.requester = Relayed{requester, requester_stream, requester_seq};
  relay.target = target;
  relay.want_nack = want_nack;
  relay.nack_at = nack_at;
  relay.expires = expires;
  const Instant first = want_nack ? nack_at : expires;
  if (!next_ || first < *next_) next_ = first;
}

std::optional<RelayTable::Relayed> RelayTable::OnAck(uint32_t seq) {
  for (size_t i = 0; i < relays_.size(); ++i) {
    if (relays_[i].seq == seq) {
      const Relayed relayed = relays_[i].requester;
      relays_.erase(relays_.begin() + i);
      return relayed;
    }
  }
  return std::nullopt;
}

void RelayTable::HandleExpiry(
    Instant now, absl::FunctionRef<void(const Relayed&)> send_nack) {
  std::optional<Instant> next;
  for (size_t i = 0; i < relays_.size();) {
    Relay& relay = relays_[i];
    if (relay.want_nack && relay.nack_at <= now) {
      relay.want_nack = false;
      send_nack(relay.requester);
    }
    if (relay.expires <= now) {
      relays_.erase(relays_.begin() + i);
      continue;
    }
    const Instant due = relay.want_nack ? relay.nack_at : relay.expires;
    if (!next || due < *next) next = due;
    ++i;
  }
  next_ = next;
}

}  // namespace swim

#ifndef SWIM_CORE_JOIN_SETTLE_H_
#define SWIM_CORE_JOIN_SETTLE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/instant.h"

namespace swim {

// A member that is not joining makes a state exchange after a burst of
// newcomers, and another while the burst goes on, up to this many between
// two regular push-pulls (node_impl.h, OnViewGrew).
inline constexpr int kMaxBurstExchanges = 4;

// A joiner's settle exchanges (docs/protocol.md, "Join bursts"): the state
// exchanges a member makes after its join was answered, until its view
// stops growing.
//
// In a burst, a joiner's seed answers with what it knows at that instant:
// if the seed is itself joining, or the others of the burst are still on
// their way to it, that is little. News of the members that joined
// before has mostly been spread by then, to members that did not know
// the joiner yet, and nothing would grow its view but the next regular
// exchange, a push-pull interval away. So the joiner exchanges again,
// first with its seed (which has heard of the rest of the burst by then),
// then with random members, each exchange `spacing` after the last (a
// peer answers each sender at most once a probe interval), until
// kQuietExchanges in a row were answered with nothing new (and nothing
// new came by gossip meanwhile), and at most kMaxExchanges times. Two
// quiet ones, not one: a peer answers with what it knows, and a joiner
// that settles at once on the word of a peer that missed a few of the
// burst would wait for the regular exchange, while its second exchange,
// a spacing later, finds a peer that has caught up.
//
// The Node calls Await when it sends its join requests, OnReply when any
// state reply arrives (the first after Await starts the exchanges: from a
// seed, usually, but a member that was reached by others first and asks
// its seed again counts that reply too), OnGrowth when a member new to it
// was added, and HandleExpiry when NextExpiry is due; it composes
// NextExpiry with its other deadlines.
class JoinSettle {
 public:
  static constexpr int kMaxExchanges = 8;
  // Answered exchanges in a row that brought nothing, and no member added
  // meanwhile, that end it.
  static constexpr int kQuietExchanges = 3;

  // Where the next exchange goes.
  struct Exchange {
    // The member that answered the join first (its seed, usually), by
    // name: its reply may come from another port than the one it listens
    // on. nullopt: a member chosen at random.
    std::optional<std::string> to;
  };

  explicit JoinSettle(absl::Duration spacing) : spacing_(spacing) {}

  // The member sent its join requests: the next state reply starts the
  // exchanges (a rejoin starts over).
  void Await() {
    awaiting_ = true;
    next_.reset();
  }
  // No more exchanges (the member left, or is stopping).
  void Stop() {
    awaiting_ = false;
    next_.reset();
  }
  bool active() const { return next_.has_value(); }

  // The view grew: a member new to this one was added.
  void OnGrowth() { grew_ = true; }
  // A state reply sent by the member `sender` arrived at `now` (to any of
  // this member's requests). The first after Await starts the exchanges:
  // the first is due `spacing` later, and goes to `sender`.
  void OnReply(absl::string_view sender, Instant now);

  // When the next exchange is due, if one may be. May change after Start,
  // Stop and HandleExpiry.
  std::optional<Instant> NextExpiry() const { return next_; }
  // At or after NextExpiry: the exchange to make now, or nullopt when the
  // view has settled (the last kQuietExchanges exchanges were answered and
  // nothing was added since the first of them was sent), the exchanges are
  // spent, or nothing is due.
  // Either way NextExpiry moves: `spacing` later, or to never.
  std::optional<Exchange> HandleExpiry(Instant now);

  // Exchanges made since the join was answered.
  int exchanges() const { return sent_; }
  // The time between two exchanges.
  absl::Duration spacing() const { return spacing_; }

 private:
  absl::Duration spacing_;
  std::optional<Instant> next_;
  std::optional<std::string> seed_;
  bool awaiting_ = false;
  int sent_ = 0;
  int quiet_ = 0;
  bool grew_ = false;
  bool answered_ = false;
};

}  // namespace swim

#endif  // SWIM_CORE_JOIN_SETTLE_H_

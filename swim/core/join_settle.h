#ifndef SWIM_CORE_JOIN_SETTLE_H_
#define SWIM_CORE_JOIN_SETTLE_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/instant.h"

namespace swim {

// A member that is not joining makes a state exchange after a burst of
// newcomers, and another while the burst goes on, up to this many between
// two regular push-pulls (ExchangeSchedule).
inline constexpr int kMaxBurstExchanges = 4;

// When a member makes its state exchanges of its own accord: the regular
// push-pull, one interval after the last, and between two of them up to
// kMaxBurstExchanges burst exchanges after its view grew in a burst
// (docs/protocol.md, "Join bursts").
//
// Gossip misses a newcomer at a given member with a small chance per pair
// of members, which a burst of joiners multiplies. So a member that learns
// of two new members within `settle` (the time news in flight takes to
// arrive) makes an exchange with a random member once its view has not
// grown for `settle` (each newcomer moves it); if the burst goes on after
// it, another, no sooner than `spacing` after the last. The regular
// exchange keeps its time.
//
// Both kinds share one timer, which the Node keeps: it arms it at what
// Start, OnGrowth and OnTick return, and calls OnTick when it fires.
class ExchangeSchedule {
 public:
  explicit ExchangeSchedule(absl::Duration spacing) : spacing_(spacing) {}

  // The first regular exchange is due at `due`. Returns the timer's time.
  Instant Start(Instant due) {
    regular_due_ = due;
    return due;
  }
  // A member new to this one was added at `now`; `settle` is the time news
  // in flight takes to arrive at the cluster's size now. `may_exchange`:
  // a burst exchange may be made (this member exchanges state of its own
  // accord at all, has not left, and makes no settle exchanges of its own
  // join, which do that work). Returns when the timer is to fire for a
  // burst exchange, or nullopt to leave it: not a burst (the member before
  // came more than `settle` ago), kMaxBurstExchanges made since the last
  // regular exchange, or not before the regular one.
  std::optional<Instant> OnGrowth(Instant now, absl::Duration settle,
                                  bool may_exchange);
  // The timer fired at `now`: an exchange is made, a burst exchange if the
  // regular one is not due yet, else the regular one, and the next regular
  // one is due `interval` later. Returns the timer's next time (the
  // regular exchange's).
  Instant OnTick(Instant now, absl::Duration interval);

  // When the regular exchange is due.
  Instant regular_due() const { return regular_due_; }
  // Burst exchanges made since the last regular one.
  int burst_exchanges() const { return burst_exchanges_; }

 private:
  absl::Duration spacing_;
  Instant regular_due_;
  int burst_exchanges_ = 0;
  // The earliest the next burst exchange may be made.
  Instant next_burst_ = Instant::InfinitePast();
  Instant last_growth_ = Instant::InfinitePast();
};

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
// new came by gossip meanwhile), and at most kMaxExchanges times. Quiet
// ones in a row, not one: a peer answers with what it knows, and a joiner
// that settles at once on the word of a peer that missed a few of the
// burst would wait for the regular exchange, while its second exchange,
// a spacing later, finds a peer that has caught up.
//
// An exchange not answered within `answer_wait` (two probe timeouts: it
// takes two round trips) probably lost a packet of its handshake, which
// TCP sends again only a second later, and again two seconds after that:
// one more goes at once to a random member (it may be the same one, on a
// connection of its own), and if that one is not answered within
// `answer_wait` either, another: kRetriesPerExchange at most per regular
// exchange, and none once the next regular one is due (which keeps its
// time). With a probe timeout of a third of the probe interval or more
// (the LAN and WAN presets) that leaves one.
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
  // Exchanges made again, one after another, for a regular exchange whose
  // answer is late (one was not enough: docs/protocol.md, "Join bursts").
  static constexpr int kRetriesPerExchange = 2;
  static_assert(kRetriesPerExchange >= 1);

  // Where the next exchange goes.
  struct Exchange {
    // The member that answered the join first (its seed, usually), by
    // name: its reply may come from another port than the one it listens
    // on. nullopt: a member chosen at random.
    std::optional<std::string> to;
  };

  JoinSettle(absl::Duration spacing, absl::Duration answer_wait)
      : spacing_(spacing), answer_wait_(answer_wait) {}

  // The member sent its join requests: the next state reply starts the
  // exchanges (a rejoin starts over).
  void Await() {
    awaiting_ = true;
    next_.reset();
    answer_due_.reset();
  }
  // No more exchanges (the member left, or is stopping).
  void Stop() {
    awaiting_ = false;
    next_.reset();
    answer_due_.reset();
  }
  bool active() const { return next_.has_value(); }

  // The view grew: a member new to this one was added.
  void OnGrowth() { grew_ = true; }
  // A state reply sent by the member `sender` arrived at `now` (to any of
  // this member's requests). The first after Await starts the exchanges:
  // the first is due `spacing` later, and goes to `sender`.
  void OnReply(absl::string_view sender, Instant now);

  // When the next exchange is due, if one may be: the next regular one, or
  // sooner the one after an exchange not answered in time. May change
  // after Await, OnReply, Stop and HandleExpiry.
  std::optional<Instant> NextExpiry() const;
  // At or after NextExpiry: the exchange to make now, or nullopt when the
  // view has settled (the last kQuietExchanges exchanges were answered and
  // nothing was added since the first of them was sent), the exchanges are
  // spent, or nothing is due.
  // Either way NextExpiry moves: to the answer's deadline, the next
  // regular exchange, or never.
  std::optional<Exchange> HandleExpiry(Instant now);

  // Exchanges made since the join was answered, the ones made again for
  // an answer that was late included.
  int exchanges() const { return sent_ + retried_; }

 private:
  absl::Duration spacing_;
  absl::Duration answer_wait_;
  std::optional<Instant> next_;
  // When the last exchange (regular, or made again) is to have been
  // answered by, until it is, another goes in its place, or none may be
  // made again.
  std::optional<Instant> answer_due_;
  int retried_ = 0;
  // Exchanges that may still be made again for the last regular one.
  int retries_left_ = 0;
  std::optional<std::string> seed_;
  bool awaiting_ = false;
  int sent_ = 0;
  int quiet_ = 0;
  bool grew_ = false;
  bool answered_ = false;
};

// The joiners a member answered lately, owed its view again when that view
// grows at once (docs/protocol.md, "Join bursts").
//
// A joiner's first view is what its seed knew when it answered. In a
// burst whose joiners use each other as seeds, the seed may itself be
// waiting for its own join to be answered (a lost handshake costs TCP a
// second, then two more): it answers with the few members that joined
// through it, and those answer the ones that join through them. Such a
// group knows only itself; its settle exchanges go to each other and
// bring nothing, and nobody else knows of it. When the seed's own join is
// answered at last, its view grows by the whole cluster in one exchange,
// but that news is old: the rest of the cluster spread it long ago, and
// gossip would bring it to the group member by member, seconds later.
// So a member whose view more than doubles in one state exchange sends
// its state at once to the joiners it answered within `keep` (a state
// exchange of its own, so they answer with theirs); each of them, its own
// view now grown as much, passes it on to the joiners it answered, down
// the tree of who joined through whom.
//
// The Node calls OnAnswered when it answers a join, and OnExchange after
// each state exchange it applied. No timer: entries older than `keep` are
// dropped as they are met.
class JoinHandoff {
 public:
  // The most joiners remembered, the latest ones: a seed still waiting for
  // its own join is found by few joiners (only those that joined after it
  // and drew it), and a member many join through is one the cluster knows.
  static constexpr size_t kMaxJoiners = 8;

  explicit JoinHandoff(absl::Duration keep) : keep_(keep) {}

  // This member answered the join of the member `joiner` at `now`.
  void OnAnswered(absl::string_view joiner, Instant now);
  // One state exchange took this member's view from `before` to `after`
  // live members at `now`. Returns the joiners to send this member's state
  // to now, by name: the ones answered within `keep` of now, if the view
  // more than doubled and grew by two or more; none otherwise. They stay
  // remembered: a view may double again.
  std::vector<std::string> OnExchange(size_t before, size_t after, Instant now);

  // Joiners remembered (some may be older than `keep`).
  size_t size() const { return joiners_.size(); }

 private:
  struct Joiner {
    std::string name;
    Instant answered;
  };
  void Expire(Instant now);

  absl::Duration keep_;
  std::deque<Joiner> joiners_;  // oldest first
};

}  // namespace swim

#endif  // SWIM_CORE_JOIN_SETTLE_H_

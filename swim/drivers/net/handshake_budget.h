#ifndef SWIM_DRIVERS_NET_HANDSHAKE_BUDGET_H_
#define SWIM_DRIVERS_NET_HANDSHAKE_BUDGET_H_

#include <cstddef>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/instant.h"

namespace swim::net {

// How many TLS handshakes a member takes on for incoming connections: at
// most `per_host` a second from one host (IP address) and `overall` a
// second from all together, each with a burst of as many at once. A
// server's handshake costs a key exchange and a signature for a
// ClientHello that costs its sender nothing to repeat, so a connection
// beyond either budget is closed at the accept, before any of that.
//
// Each budget is a rate with a burst (the generic cell rate algorithm):
// it keeps the instant at which it will be full again, which a handshake
// moves on by 1 s / rate, and one that would move it beyond a second from
// now is refused: after a quiet spell, a burst of `rate` at once and then
// `rate` a second, so at most twice the rate in any one second. Hosts whose
// budget is full again are forgotten whenever more are remembered than
// twice those left the last time (and 1 024): the map stays within about
// twice the hosts that took a handshake in the last second.
class HandshakeBudget {
 public:
  // Handshakes a second; 0: no limit.
  HandshakeBudget(int per_host, int overall);

  // Whether a handshake from `host` (what the caller counts a host by:
  // net::HostOf; a port is ignored) at `now` fits both budgets; if so, it
  // is spent from both, and if not, neither changes.
  bool TryTake(const Address& host, Instant now);

  // Hosts remembered: those that spent some of their budget, until the
  // first pruning after it is full again.
  size_t hosts() const { return full_at_.size(); }

 private:
  struct Rate {
    absl::Duration interval;  // 1 s / rate; zero: no limit
  };
  // Whether one more handshake fits a budget that is full at `full_at`.
  static bool Fits(const Rate& rate, Instant full_at, Instant now);
  static Instant Spend(const Rate& rate, Instant full_at, Instant now);
  void Prune(Instant now);

  Rate per_host_;
  Rate overall_;
  Instant overall_full_at_ = Instant::InfinitePast();
  absl::flat_hash_map<Address, Instant> full_at_;
  // Hosts remembered beyond which the full ones are forgotten: at least
  // twice those left by the last pruning, so it costs O(1) per handshake.
  size_t prune_above_;
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_HANDSHAKE_BUDGET_H_

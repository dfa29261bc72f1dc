#include "swim/drivers/net/handshake_budget.h"

#include <algorithm>
#include <cstdint>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/instant.h"

namespace swim::net {
namespace {

const Instant kStart(absl::Seconds(100));

Address Host(uint8_t last, uint16_t port = 7946) {
  return Address::Ipv4({10, 0, 0, last}, port);
}

// How many of `tries` handshakes from `host` at `now` are taken on.
int Take(HandshakeBudget& budget, const Address& host, Instant now, int tries) {
  int taken = 0;
  for (int i = 0; i < tries; ++i) taken += budget.TryTake(host, now);
  return taken;
}

TEST(HandshakeBudgetTest, EachHostHasItsRateWithABurstOfAsMany) {
  HandshakeBudget budget(/*per_host=*/4, /*overall=*/0);
  EXPECT_EQ(Take(budget, Host(1), kStart, 10), 4);
  // Another host has a budget of its own; the port does not matter.
  EXPECT_EQ(Take(budget, Host(2), kStart, 10), 4);
  EXPECT_EQ(Take(budget, Host(1, 1), kStart, 1), 0);
  // One comes back every 250 ms, exactly.
  EXPECT_EQ(Take(budget, Host(1), kStart + absl::Milliseconds(249), 1), 0);
  EXPECT_EQ(Take(budget, Host(1), kStart + absl::Milliseconds(250), 2), 1);
  // A second after the burst, and after its last handshake, all of it.
  EXPECT_EQ(Take(budget, Host(1), kStart + absl::Milliseconds(1250), 10), 4);
  EXPECT_EQ(Take(budget, Host(2), kStart + absl::Seconds(1), 10), 4);
}

TEST(HandshakeBudgetTest,
     TheOverallBudgetBindsAllHostsAndARefusalSpendsNothing) {
  HandshakeBudget budget(/*per_host=*/4, /*overall=*/6);
  EXPECT_EQ(Take(budget, Host(1), kStart, 4), 4);
  EXPECT_EQ(Take(budget, Host(2), kStart, 10), 2);
  // Host 3 is refused by the overall budget, and spends none of its own:
  // once the overall budget has room again, it is host 3's whole burst.
  EXPECT_EQ(Take(budget, Host(3), kStart, 100), 0);
  EXPECT_EQ(Take(budget, Host(3), kStart + absl::Seconds(1), 10), 4);
  // Host 1, refused by its own budget, spent none of the overall one.
  HandshakeBudget other(/*per_host=*/2, /*overall=*/4);
  EXPECT_EQ(Take(other, Host(1), kStart, 100), 2);
  EXPECT_EQ(Take(other, Host(2), kStart, 100), 2);
}

TEST(HandshakeBudgetTest, ZeroIsNoLimit) {
  HandshakeBudget none(0, 0);
  EXPECT_EQ(Take(none, Host(1), kStart, 100000), 100000);
  EXPECT_EQ(none.hosts(), 0u);
  HandshakeBudget overall_only(0, 3);
  EXPECT_EQ(Take(overall_only, Host(1), kStart, 10), 3);
  EXPECT_EQ(overall_only.hosts(), 0u);
  HandshakeBudget per_host_only(3, 0);
  for (uint8_t host = 1; host <= 100; ++host) {
    EXPECT_EQ(Take(per_host_only, Host(host), kStart, 10), 3);
  }
}

// A host is forgotten once its budget is full again, so a stream of new
// hosts (a whole IPv6 prefix, say) is remembered for about a second each.
TEST(HandshakeBudgetTest, HostsAreForgottenOnceTheirBudgetIsFull) {
  HandshakeBudget budget(/*per_host=*/64, /*overall=*/0);
  size_t most = 0;
  Instant now = kStart;
  for (uint32_t i = 0; i < 200000; ++i) {
    const Address host = Address::Ipv6(
        {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(i >> 24),
         static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
         static_cast<uint8_t>(i)},
        7946);
    ASSERT_TRUE(budget.TryTake(host, now));
    most = std::max(most, budget.hosts());
    now += absl::Microseconds(100);  // 10 000 new hosts a second
  }
  // Each is full again 1/64 s after its handshake: about 156 at a time,
  // pruned once more than 1 024 are remembered.
  EXPECT_LE(most, 1025u);
  EXPECT_GT(most, 156u);
}

}  // namespace
}  // namespace swim::net

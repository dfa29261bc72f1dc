// The attacks of docs/security.md, each performed against a simulated
// cluster (or a single node where that says enough) and its outcome
// asserted. The single-message attacks on one node's state machine are in
// node_hostile_test.cc; the drivers' own (stream slots and memory) in
// swim/drivers/stream_attack_test.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/stats.h"
#include "swim/core/wire.h"
#include "swim/testing/node_harness.h"
#include "swim/testing/packet_inspector.h"
#include "swim/testing/test_cluster.h"

namespace swim {
namespace {

using ::swim::testing::PacketInspector;
using ::swim::testing::TestCluster;

const std::string& ClusterKey() {
  static const std::string* const key = new std::string(32, 'k');
  return *key;
}

TestCluster::Options ClusterOptions(uint64_t seed) {
  TestCluster::Options options;
  options.base = Config::Local();
  options.base.keys = {ClusterKey()};
  options.seed = seed;
  return options;
}

std::string NameOf(int index) { return absl::StrCat("node-", index); }

// The first datagram `from` sends `to` whose first message is a ping, as
// an eavesdropper captures it.
std::vector<uint8_t> CapturePing(TestCluster& cluster, int from, int to) {
  PacketInspector inspector(ClusterKey());
  std::vector<uint8_t> captured;
  cluster.SetFilter([&](const TestCluster::Packet& packet) {
    if (captured.empty() && packet.from == from && packet.to == to &&
        packet.channel == Channel::kDatagram) {
      bool ping = false;
      inspector.ForEachMessage(packet.channel, *packet.bytes,
                               [&](const Message& message) {
                                 ping |= std::holds_alternative<Ping>(message);
                               });
      if (ping) captured = *packet.bytes;
    }
    return true;
  });
  cluster.RunUntil([&] { return !captured.empty(); }, absl::Seconds(60));
  cluster.SetFilter(nullptr);
  return captured;
}

// --- 4. Draining the news ----------------------------------------------------

// Attack: an outsider captures one ping to a member and replays it 300
// times a second, from an address of its own and from the prober's, while
// the member changes its metadata 13 times. Each replay used to earn an
// ack filled from the member's news, spending its retransmit budget.
// Must happen: every change reaches every member. (That no reply is
// larger than what it answers: node_hostile_test.)
class NewsUnderReplayTest : public ::testing::TestWithParam<bool> {};

TEST_P(NewsUnderReplayTest, EveryMetadataChangeReachesEveryMember) {
  const bool spoof_prober = GetParam();
  constexpr int kSize = 5;
  constexpr int kChanges = 13;
  TestCluster cluster(ClusterOptions(7));
  cluster.AddAndJoin(kSize);
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); }, absl::Seconds(60)));
  const std::vector<uint8_t> captured = CapturePing(cluster, 1, 0);
  ASSERT_FALSE(captured.empty());
  const Address source = spoof_prober ? cluster.node(1).local().address
                                      : Address::Ipv4({10, 9, 9, 9}, 4000);
  sim::Simulator& sim = cluster.simulator();

  uint64_t replies = 0;
  const uint64_t received_before = cluster.node(0).stats().datagrams_received;
  const absl::Time start = cluster.now();
  const absl::Duration period = absl::Seconds(1) / 300;
  const absl::Duration attack = absl::Seconds(2) * kChanges + absl::Seconds(2);
  for (absl::Duration t = absl::ZeroDuration(); t < attack; t += period) {
    sim.At(start + t, [&] {
      (void)sim.Command(0, [&](Node& node, absl::Time now) {
        node.HandleDatagram(source, captured, now);
        return absl::OkStatus();
      });
      ++replies;
    });
  }
  for (int change = 0; change < kChanges; ++change) {
    sim.At(start + absl::Seconds(2) * change + absl::Milliseconds(500),
           [&, change] {
             (void)sim.Command(0, [&](Node& node, absl::Time now) {
               return node.SetMetadata({{"token", absl::StrCat(change)}}, now);
             });
           });
  }
  cluster.RunFor(attack + absl::Seconds(5));
  EXPECT_GE(cluster.node(0).stats().datagrams_received - received_before,
            replies);

  // Every member saw every change (a metadata-changed event for each).
  for (int viewer = 1; viewer < kSize; ++viewer) {
    std::vector<bool> seen(kChanges, false);
    for (const Event& event : cluster.events(viewer)) {
      if (event.member.name != NameOf(0)) continue;
      auto token = event.member.metadata.find("token");
      if (token == event.member.metadata.end()) continue;
      int value = 0;
      if (absl::SimpleAtoi(token->second, &value) && value >= 0 &&
          value < kChanges) {
        seen[value] = true;
      }
    }
    for (int change = 0; change < kChanges; ++change) {
      EXPECT_TRUE(seen[change])
          << NameOf(viewer) << " never saw change " << change;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sources, NewsUnderReplayTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "FromTheProber"
                                             : "FromAnOutsider";
                         });

}  // namespace
}  // namespace swim

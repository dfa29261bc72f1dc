// The attacks of docs/security.md, each performed against a simulated
// cluster (or a single node where that says enough) and its outcome
// asserted. The single-message attacks on one node's state machine are in
// node_hostile_test.cc; the drivers' own (stream slots and memory) in
// swim/drivers/stream_attack_test.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/envelope.h"
#include "swim/core/instant.h"
#include "swim/core/keyring.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/stats.h"
#include "swim/core/stream.h"
#include "swim/core/wire.h"
#include "swim/testing/cluster_bounds.h"
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

// The first datagram `from` sends `to` holding a message of type T, as an
// eavesdropper captures it.
template <typename T>
std::vector<uint8_t> Capture(TestCluster& cluster, int from, int to) {
  PacketInspector inspector(ClusterKey());
  std::vector<uint8_t> captured;
  cluster.SetFilter([&](const TestCluster::Packet& packet) {
    if (captured.empty() && packet.from == from && packet.to == to &&
        packet.channel == Channel::kDatagram) {
      bool found = false;
      inspector.ForEachMessage(packet.channel, *packet.bytes,
                               [&](const Message& message) {
                                 found |= std::holds_alternative<T>(message);
                               });
      if (found) captured = *packet.bytes;
    }
    return true;
  });
  cluster.RunUntil([&] { return !captured.empty(); }, absl::Seconds(60));
  cluster.SetFilter(nullptr);
  return captured;
}

// Hands `datagram` to member `to` from `from`, now.
void Replay(TestCluster& cluster, int to, const Address& from,
            const std::vector<uint8_t>& datagram) {
  (void)cluster.simulator().Command(to, [&](Node& node, Instant now) {
    node.HandleDatagram(from, datagram, now);
    return absl::OkStatus();
  });
}

// A converged cluster of five, an insider (it holds the cluster's key) and
// its victim, member 2.
class InsiderTest : public ::testing::Test {
 protected:
  static constexpr int kSize = 5;
  static constexpr int kVictim = 2;

  // The operator runs every member with max_members 10 000.
  static constexpr size_t kMaxMembers = 10000;

  InsiderTest() : cluster_(Options()), insider_(MakeEnvelope()) {}

  void SetUp() override {
    cluster_.AddAndJoin(kSize);
    ASSERT_TRUE(cluster_.RunUntil([&] { return cluster_.Converged(); },
                                  absl::Seconds(60)));
    address_ = victim().local().address;
  }

  const Node& victim() const { return cluster_.node(kVictim); }

  // A claim about the victim.
  Claim MakeClaim(MemberStatus status, Incarnation incarnation,
                  const Address& address) const {
    Claim claim;
    claim.status = status;
    claim.name = victim().local().name;
    claim.incarnation = incarnation;
    claim.address = address;
    claim.has_metadata = status == MemberStatus::kOnline;
    if (status == MemberStatus::kSuspect || status == MemberStatus::kOffline) {
      claim.origin = "node-0";
    }
    return claim;
  }

  // Delivers `messages`, sealed by the insider from `kAttacker`, to every
  // member (the victim too, with `with_victim`).
  void InjectEverywhere(const std::vector<Message>& messages,
                        bool with_victim) {
    std::vector<uint8_t> packet(2048);
    const size_t size = *EncodePacket(messages, absl::MakeSpan(packet));
    for (int to = 0; to < kSize; ++to) {
      if (to == kVictim && !with_victim) continue;
      std::vector<uint8_t> sealed(size + insider_.Overhead());
      (void)insider_.Seal(absl::MakeConstSpan(packet.data(), size),
                          absl::MakeSpan(sealed));
      (void)cluster_.simulator().Command(to, [&](Node& node, Instant now) {
        node.HandleDatagram(kAttacker, sealed, now);
        return absl::OkStatus();
      });
    }
  }

  // How long until every member sees the victim ONLINE at its address,
  // within `limit` (nullopt: not within it).
  std::optional<absl::Duration> TimeUntilAllSeeItOnline(absl::Duration limit) {
    const Instant start = cluster_.now();
    auto all = [&] {
      for (int viewer = 0; viewer < kSize; ++viewer) {
        if (viewer == kVictim) continue;
        std::optional<Member> member =
            cluster_.node(viewer).Find(victim().local().name);
        if (!member || member->status != MemberStatus::kOnline ||
            member->address != address_) {
          return false;
        }
      }
      return victim().local().status == MemberStatus::kOnline;
    };
    if (!cluster_.RunUntil(all, limit)) return std::nullopt;
    return cluster_.now() - start;
  }

  static inline const Address kAttacker =
      Address::Ipv4({10, 255, 255, 255}, 7946);

  TestCluster cluster_;
  Envelope insider_;
  Address address_;

 private:
  static TestCluster::Options Options() {
    TestCluster::Options options = ClusterOptions(11);
    options.base.max_members = kMaxMembers;
    return options;
  }

  static Envelope MakeEnvelope() {
    EnvelopeConfig config;
    config.nonce_seed.fill(0x77);
    return *Envelope::Create(config, *Keyring::Create({ClusterKey()}));
  }
};

// --- 7. Expelling a member ---------------------------------------------------

// Attack (an insider): a LEFT claim about a member, at its address and its
// generation + 1, handed to every other member at once. It used to remove
// the member everywhere for good: a claim about a later generation was
// "another life's" and the member never refuted it. Must happen: the
// member outranks the claim, and within a probe interval plus gossip time
// every member sees it ONLINE again; it stays ONLINE through a restart.
TEST_F(InsiderTest, ALeftClaimCannotExpelAMember) {
  const Claim forged =
      MakeClaim(MemberStatus::kLeft,
                {victim().local().incarnation.generation + 1, 0}, address_);
  InjectEverywhere({forged}, /*with_victim=*/false);
  ASSERT_EQ(cluster_.StatusOf(0, kVictim), MemberStatus::kLeft);
  const Config& config = cluster_.node(0).config();
  std::optional<absl::Duration> took =
      TimeUntilAllSeeItOnline(config.probe_interval + absl::Seconds(1));
  ASSERT_TRUE(took.has_value()) << "still expelled";
  RecordProperty("refuted_within_ms",
                 static_cast<int>(absl::ToInt64Milliseconds(*took)));
  // The same forged claim again, and a restart: the member stays.
  InjectEverywhere({forged}, /*with_victim=*/false);
  cluster_.Crash(kVictim);
  cluster_.Restart(kVictim);
  EXPECT_TRUE(TimeUntilAllSeeItOnline(absl::Seconds(10)).has_value());
}

// Attack (an insider): the same, at a generation no live process can have
// (the largest there is). Must happen: every member refuses it at once
// (kFutureGeneration): nobody ever sees the member LEFT.
TEST_F(InsiderTest, AClaimAboutAFarFutureLifeIsRefusedEverywhere) {
  InjectEverywhere(
      {MakeClaim(MemberStatus::kLeft, {UINT64_MAX, UINT64_MAX}, address_)},
      /*with_victim=*/true);
  for (int member = 0; member < kSize; ++member) {
    EXPECT_EQ(
        cluster_.node(member).stats().Drops(DropReason::kFutureGeneration), 1u);
  }
  cluster_.RunFor(absl::Seconds(10));
  EXPECT_TRUE(cluster_.Converged());
  for (int viewer = 0; viewer < kSize; ++viewer) {
    for (const Event& event : cluster_.events(viewer)) {
      if (const Member* member = EventMember(event)) {
        EXPECT_NE(member->status, MemberStatus::kLeft) << viewer;
      }
    }
  }
}

// --- 8. Taking over a name ---------------------------------------------------

// Attack (an insider): ONLINE claims about a member from the attacker's
// address, in the member's own life at a higher version and in a later
// life, handed to every member and to the member itself. They used to
// move the member's address everywhere and make the member concede its
// name. Must happen: nothing moves, the member keeps its name and reports
// the conflict, and the cluster stays converged.
TEST_F(InsiderTest, ANameCannotBeTakenOver) {
  const Incarnation now = victim().local().incarnation;
  InjectEverywhere(
      {MakeClaim(MemberStatus::kOnline, {now.generation, now.version + 5},
                 kAttacker),
       MakeClaim(MemberStatus::kOnline, {now.generation + 1000, 0}, kAttacker)},
      /*with_victim=*/true);
  cluster_.RunFor(absl::Seconds(10));
  EXPECT_TRUE(TimeUntilAllSeeItOnline(absl::ZeroDuration()).has_value());
  EXPECT_EQ(victim().local().address, address_);
  EXPECT_GE(victim().stats().name_conflicts, 1u);
  EXPECT_TRUE(cluster_.Converged());
  // It still probes and is probed: its acks keep coming.
  const uint64_t acked = victim().stats().probes_acked;
  cluster_.RunFor(absl::Seconds(5));
  EXPECT_GT(victim().stats().probes_acked, acked);
}

// --- 9. Inventing members ---------------------------------------------------

// Attack (an insider): 23 000 invented members, with 200 bytes of metadata
// each, pushed to every member in a state exchange. They used to fill every
// member's table, grow the state past the stream limit so that every exchange
// failed (a joining member saw nobody), and dilute probing so that a real
// failure went unnoticed: with the invented in every table, for more than
// five minutes (each real member probed once in 2 x 10 000 probe periods,
// and helpers that never answer counting against the prober's health).
// Must happen: every table stops at max_members with the rest counted
// (kTableFull); state exchanges still fit, so a new member joins and sees
// every real one; the invented members, who never answer, are probed out;
// and a real crash is noticed within twice the usual time (the members
// that answer keep a probe round of their own, docs/security.md).
TEST_F(InsiderTest, InventedMembersAreBoundedAndCannotHideAFailure) {
  constexpr int kInvented = 23000;
  std::vector<std::string> names;
  names.reserve(kInvented);
  for (int i = 0; i < kInvented; ++i)
    names.push_back(absl::StrCat("ghost-", i));
  const std::string metadata =
      *EncodeMetadata({{"blob", std::string(200, 'g')}});
  PushPull state;
  state.sender = names[0];
  for (int i = 0; i < kInvented; ++i) {
    Claim ghost;
    ghost.name = names[i];
    ghost.incarnation = {1, 0};
    ghost.address = Address::Ipv4(
        {10, 200, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)}, 7946);
    ghost.has_metadata = true;
    ghost.metadata = *MetadataView::Parse(metadata);
    state.members.push_back(ghost);
  }
  const Message message = state;
  std::vector<uint8_t> packet(kWireHeaderSize + *EncodedSize(message));
  ASSERT_TRUE(EncodePacket({message}, absl::MakeSpan(packet)).ok());
  std::vector<uint8_t> stream;
  ASSERT_TRUE(SealStreamMessage(insider_, 1, packet, stream).ok());
  // The members have probed one another for a while (each has heard from
  // every other), and every one but the victim is handed the ghosts at
  // once: no member has a table less full than the others to lean on.
  cluster_.RunFor(absl::Seconds(20));
  for (int member = 0; member < kSize; ++member) {
    if (member == kVictim) continue;
    (void)cluster_.simulator().Command(member, [&](Node& node, Instant now) {
      node.HandleStreamData(1, kAttacker, stream, now);
      node.HandleStreamClosed(1);
      return absl::OkStatus();
    });
    EXPECT_EQ(cluster_.node(member).size(), kMaxMembers);
    EXPECT_EQ(cluster_.node(member).stats().Drops(DropReason::kTableFull),
              static_cast<uint64_t>(kInvented - kMaxMembers + kSize - 1));
  }
  // A real member crashes while the ghosts spread.
  cluster_.Crash(kVictim);
  const Instant crashed = cluster_.now();
  const std::string victim_name = victim().local().name;
  ASSERT_TRUE(cluster_.RunUntil(
      [&] {
        for (int viewer = 0; viewer < kSize; ++viewer) {
          if (viewer == kVictim) continue;
          if (cluster_.node(viewer).StatusOf(victim_name) !=
              MemberStatus::kOffline) {
            return false;
          }
        }
        return true;
      },
      absl::Minutes(5)));
  const absl::Duration detected = cluster_.now() - crashed;
  RecordProperty("crash_detected_ms",
                 static_cast<int>(absl::ToInt64Milliseconds(detected)));
  // Twice the worst case among the real members alone: the ghosts take
  // only every other probe.
  EXPECT_LE(detected, 2 * testing::DetectionTime(cluster_.node(0).config(),
                                                 kSize, absl::Milliseconds(1)));
  for (int member = 0; member < kSize; ++member) {
    if (member == kVictim) continue;
    EXPECT_LE(cluster_.node(member).size(), kMaxMembers);
  }
  // A new member joins and learns every real member through a state
  // exchange that fits.
  const int joiner = cluster_.Add();
  ASSERT_TRUE(cluster_.simulator().Join(joiner, {1}).ok());
  ASSERT_TRUE(cluster_.RunUntil(
      [&] {
        for (int member : {0, 1, 3, 4}) {
          if (cluster_.node(joiner).StatusOf(
                  cluster_.node(member).local().name) !=
              MemberStatus::kOnline) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(30)));
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
  const std::vector<uint8_t> captured = Capture<Ping>(cluster, 1, 0);
  ASSERT_FALSE(captured.empty());
  const Address source = spoof_prober ? cluster.node(1).local().address
                                      : Address::Ipv4({10, 9, 9, 9}, 4000);
  sim::Simulator& sim = cluster.simulator();

  uint64_t replies = 0;
  const uint64_t received_before = cluster.node(0).stats().datagrams_received;
  const Instant start = cluster.now();
  const absl::Duration period = absl::Seconds(1) / 300;
  const absl::Duration attack = absl::Seconds(2) * kChanges + absl::Seconds(2);
  for (absl::Duration t = absl::ZeroDuration(); t < attack; t += period) {
    sim.At(start + t, [&] {
      Replay(cluster, 0, source, captured);
      ++replies;
    });
  }
  for (int change = 0; change < kChanges; ++change) {
    sim.At(start + absl::Seconds(2) * change + absl::Milliseconds(500),
           [&, change] {
             (void)sim.Command(0, [&](Node& node, Instant now) {
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
      const Member* member = EventMember(event);
      if (member == nullptr || member->name != NameOf(0)) continue;
      auto token = member->metadata.find("token");
      if (token == member->metadata.end()) continue;
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

// --- 3. Aiming state at a third party ----------------------------------------

// Attack: an eavesdropper captures a member's join request (a push-pull
// state over a stream), and once that member is gone replays the request
// to every member each second for a minute, to make them aim their whole
// state at its address (another host's now). Must happen: no state goes to
// that address; each member but the seed that took the request answers
// the first replay on the replayer's own connection (useless without the
// key); every other replay is refused as a stream message seen before.
TEST(SecurityTest, AStateReplyCannotBeAimedAtAThirdParty) {
  TestCluster cluster(ClusterOptions(31));
  cluster.AddAndJoin(4);
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); }, absl::Seconds(60)));
  PacketInspector inspector(ClusterKey());
  std::vector<uint8_t> join;
  const int joiner = cluster.Add();
  cluster.SetFilter([&](const TestCluster::Packet& packet) {
    if (join.empty() && packet.from == joiner &&
        packet.channel == Channel::kStream) {
      join = *packet.bytes;
    }
    return true;
  });
  ASSERT_TRUE(cluster.simulator().Join(joiner, {0}).ok());
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); }, absl::Seconds(60)));
  ASSERT_FALSE(join.empty());
  // The joiner leaves for good; its address is someone else's now.
  ASSERT_TRUE(cluster.simulator()
                  .Command(joiner, [](Node& node,
                                      Instant now) { return node.Leave(now); })
                  .ok());
  cluster.RunFor(absl::Seconds(5));
  cluster.Crash(joiner);
  size_t aimed = 0;
  cluster.SetFilter([&](const TestCluster::Packet& packet) {
    if (packet.to == joiner && packet.channel == Channel::kStream) {
      aimed += packet.bytes->size();
    }
    return true;
  });
  const Address replayer = Address::Ipv4({10, 255, 255, 254}, 40000);
  StreamId next_stream = 1 << 30;
  uint64_t replies = 0;
  for (int second = 0; second < 60; ++second) {
    for (int member = 0; member < joiner; ++member) {
      (void)cluster.simulator().Command(member, [&](Node& node, Instant now) {
        const StreamId stream = next_stream++;
        node.HandleStreamData(stream, replayer, join, now);
        while (std::optional<Transmit> transmit = node.PollTransmit()) {
          if (transmit->stream == stream) {
            EXPECT_EQ(transmit->to, replayer);
            ++replies;
          }
        }
        node.HandleStreamClosed(stream);
        return absl::OkStatus();
      });
    }
    cluster.RunFor(absl::Seconds(1));
  }
  EXPECT_EQ(aimed, 0u);
  // Member 0 received the request itself: every replay is one to it.
  EXPECT_EQ(replies, static_cast<uint64_t>(joiner - 1));
  for (int member = 0; member < joiner; ++member) {
    EXPECT_EQ(cluster.node(member).stats().Drops(DropReason::kStreamReplay),
              member == 0 ? 60u : 59u)
        << "member " << member;
  }
}

// --- 6. Replaying a user broadcast -------------------------------------------

// Attack: an eavesdropper captures a datagram carrying a user broadcast and
// replays it to a member after that member restarted (it used to deliver
// it again: its memory of broadcasts died with it), right after the
// restart (before it knows anyone) and after the join, and to a member
// that has since seen ten thousand other broadcasts (it used to remember
// only the last 8 192). Must happen: the broadcast is delivered once per
// member life that was there to hear it, never again.
TEST(SecurityTest, AUserBroadcastIsNeverDeliveredTwice) {
  TestCluster cluster(ClusterOptions(21));
  cluster.AddAndJoin(3);
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); }, absl::Seconds(60)));
  auto deliveries = [&](int member, absl::string_view payload, size_t from) {
    int count = 0;
    for (size_t i = from; i < cluster.events(member).size(); ++i) {
      const auto* message =
          std::get_if<UserMessage>(&cluster.events(member)[i]);
      count += message != nullptr && message->payload == payload;
    }
    return count;
  };
  auto broadcast = [&](int origin, std::string payload) {
    ASSERT_TRUE(cluster.simulator()
                    .Command(origin,
                             [&](Node& node, Instant now) {
                               return node.Broadcast(payload, now);
                             })
                    .ok());
  };
  // Until no member has anything left to gossip: what arrives after that
  // is a replay.
  auto settle = [&] {
    ASSERT_TRUE(cluster.RunUntil(
        [&] {
          for (int i = 0; i < cluster.size(); ++i) {
            if (cluster.node(i).queued_broadcasts() > 0) return false;
          }
          return true;
        },
        absl::Minutes(10)));
  };
  broadcast(1, "pay 100");
  const std::vector<uint8_t> captured = Capture<UserBroadcast>(cluster, 1, 2);
  ASSERT_FALSE(captured.empty());
  settle();
  ASSERT_EQ(deliveries(2, "pay 100", 0), 1);
  const Address source = cluster.node(1).local().address;

  // Member 2 restarts: replayed at once (it knows nobody yet) and after it
  // rejoined, the broadcast is no news to its new life.
  // Each replay is recognised as it arrives: dropped as from an origin
  // not known yet (while joining), then as a duplicate.
  auto refused = [&](int member) {
    return cluster.node(member).stats().Drops(DropReason::kUnknownOrigin) +
           cluster.node(member).stats().Drops(DropReason::kDuplicateBroadcast);
  };
  cluster.Crash(2);
  cluster.Restart(2);
  const size_t restarted = cluster.events(2).size();
  uint64_t before = refused(2);
  Replay(cluster, 2, source, captured);
  EXPECT_EQ(refused(2) - before, 1u);
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); }, absl::Seconds(60)));
  before = refused(2);
  Replay(cluster, 2, source, captured);
  EXPECT_EQ(refused(2) - before, 1u);
  cluster.RunFor(absl::Seconds(5));
  EXPECT_EQ(deliveries(2, "pay 100", restarted), 0);
  // Broadcasts made after the restart still reach it.
  broadcast(1, "pay 200");
  settle();
  EXPECT_EQ(deliveries(2, "pay 200", restarted), 1);

  // Ten thousand broadcasts later (from members 1 and 2: more than the
  // 8 192 the previous design remembered), member 0 still knows it.
  for (int i = 0; i < 5000; ++i) {
    broadcast(1, absl::StrCat("filler ", i));
    broadcast(2, absl::StrCat("filler ", i));
    if (i % 100 == 99) cluster.RunFor(absl::Seconds(1));
  }
  settle();
  Replay(cluster, 0, source, captured);
  cluster.RunFor(absl::Seconds(1));
  EXPECT_EQ(deliveries(0, "pay 100", 0), 1);
}

}  // namespace
}  // namespace swim

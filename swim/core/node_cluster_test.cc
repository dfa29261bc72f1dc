// Multi-member behaviour of swim::Node in virtual time, on TestCluster.
//
// Every time bound is computed from the members' Config (Config::Local(),
// the preset for loopback and tests) and the cluster size by the test
// kit's bounds (swim/testing/cluster_bounds.h, each with its derivation)
// and the two below; no test waits a bare number of seconds. Virtual time is
// free, so the bounds are honest worst cases (or, for the randomized epidemics,
// generous multiples of the expected time) rather than tuned to pass.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/envelope.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/keyring.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/core/stats.h"
#include "swim/core/suspicion.h"
#include "swim/core/wire.h"
#include "swim/testing/cluster_bounds.h"
#include "swim/testing/packet_inspector.h"
#include "swim/testing/test_cluster.h"

namespace swim {
namespace {

using ::swim::testing::AntiEntropyTime;
using ::swim::testing::DetectionTime;
using ::swim::testing::DisseminationTime;
using ::swim::testing::GossipSpreadTime;
using ::swim::testing::JoinTime;
using ::swim::testing::ProbeRoundTime;
using ::swim::testing::SuspicionTime;
using ::swim::testing::TestCluster;

// The cluster's shared secret (AES-256-GCM). Set explicitly rather than
// left to TestCluster's default so PacketInspector can open what members
// send.
const std::string& ClusterKey() {
  static const std::string* const key = new std::string(32, 'k');
  return *key;
}

TestCluster::Options ClusterOptions(uint64_t seed, double loss = 0,
                                    bool tcp_only = false) {
  TestCluster::Options options;
  options.base = Config::Local();
  options.base.tcp_only = tcp_only;
  options.base.keys = {ClusterKey()};
  options.seed = seed;
  options.loss = loss;
  return options;
}

// --- Bounds ------------------------------------------------------------------
//
// Failure detection has worst cases (ProbeRoundTime, SuspicionTime,
// DetectionTime). Dissemination is random: gossip usually delivers an
// update within GossipSpreadTime, but every member sends it only
// max(retransmit_mult * ceil(log10(N + 1)), 2 * gossip_nodes) times, so now
// and then some member misses it and the periodic push-pull has to deliver
// it (AntiEntropyTime). Member state (joins, statuses, metadata) is
// therefore bounded by DisseminationTime, gossip then push-pull; only user
// broadcasts, which push-pull does not carry, by GossipSpreadTime.

// The shortest suspicion timeout: plain SWIM's fixed one (config.h:
// suspicion_mult * max(1, log10(N)) * probe_interval, N counting the
// suspecting member and the suspect).
absl::Duration MinSuspicionBound(const Config& config, int members) {
  return SuspicionTimeout(config.suspicion_mult, static_cast<size_t>(members),
                          config.probe_interval);
}

// A command given to a Node directly (Join, Leave, SetMetadata, Broadcast)
// queues transmits that TestCluster drains only when it next calls into
// that member: at the latest at its next timer, and the gossip timer fires
// every gossip_interval. (TestCluster has no public Drain.)
absl::Duration CommandDrainBound(const Config& config) {
  return config.gossip_interval;
}

// Join of n members through member 0: each joiner's push-pull leaves within
// CommandDrainBound, and then JoinTime.
absl::Duration JoinBound(const Config& config, int members,
                         absl::Duration latency) {
  return CommandDrainBound(config) + JoinTime(config, members, latency);
}

// --- Helpers -----------------------------------------------------------------

Metadata InitialMetadata(int index) {
  return {{"index", absl::StrCat(index)},
          {"zone", index % 2 == 0 ? "east" : "west"}};
}

// Adds `count` members publishing InitialMetadata(index) through
// Config::metadata and joins every member but the first through member 0.
// (TestCluster::AddAndJoin cannot customize a member's Config.)
void StartCluster(TestCluster& cluster, int count) {
  const int first = cluster.size();
  for (int i = first; i < first + count; ++i) {
    cluster.Add([i](Config& config) { config.metadata = InitialMetadata(i); });
  }
  const Address seed = cluster.node(0).local().address;
  for (int i = first; i < cluster.size(); ++i) {
    if (i == 0) continue;
    ASSERT_TRUE(cluster.node(i).Join({seed}, cluster.now()).ok());
  }
}

std::string NameOf(const TestCluster& cluster, int index) {
  return cluster.node(index).local().name;
}

// Every event in which some member reported `name` with a status in
// `mask` (a MemberJoined or MemberStatusChanged event), as readable lines, so
// an assertion that expects none shows what happened.
std::vector<std::string> Reports(const TestCluster& cluster,
                                 absl::string_view name, StatusMask mask) {
  std::vector<std::string> reports;
  for (int viewer = 0; viewer < cluster.size(); ++viewer) {
    for (const Event& event : cluster.events(viewer)) {
      if (!std::holds_alternative<MemberJoined>(event) &&
          !std::holds_alternative<MemberStatusChanged>(event)) {
        continue;
      }
      const Member& member = *EventMember(event);
      if (member.name != name || !StatusIn(member.status, mask)) continue;
      reports.push_back(absl::StrCat(NameOf(cluster, viewer), " saw ", name,
                                     " ", MemberStatusName(member.status),
                                     " at incarnation ",
                                     member.incarnation.ToString()));
    }
  }
  return reports;
}

// Events of one `Case` that member `viewer` reported about `name`.
template <typename Case>
std::vector<Case> EventsAbout(const TestCluster& cluster, int viewer,
                              absl::string_view name) {
  std::vector<Case> found;
  for (const Event& event : cluster.events(viewer)) {
    const Case* match = std::get_if<Case>(&event);
    if (match != nullptr && match->member.name == name) {
      found.push_back(*match);
    }
  }
  return found;
}

// Who sees whom how, for failure messages.
std::string Describe(const TestCluster& cluster) {
  std::string out = absl::StrCat("at ", cluster.now().ToString(), "\n");
  for (int viewer = 0; viewer < cluster.size(); ++viewer) {
    absl::StrAppend(&out, NameOf(cluster, viewer),
                    cluster.alive(viewer) ? "" : " (dead)", " [",
                    cluster.node(viewer).local().incarnation.ToString(), "]:");
    for (int subject = 0; subject < cluster.size(); ++subject) {
      if (subject == viewer) continue;
      const std::optional<Member> member =
          cluster.node(viewer).Find(NameOf(cluster, subject));
      absl::StrAppend(
          &out, " ", subject, "=",
          !member.has_value() ? "?" : MemberStatusName(member->status),
          !member.has_value()
              ? ""
              : absl::StrCat("@", member->incarnation.ToString()));
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

// True if every live member other than `subject` knows `subject` with
// metadata `expected`.
bool AllSeeMetadata(const TestCluster& cluster, int subject,
                    const Metadata& expected) {
  for (int viewer = 0; viewer < cluster.size(); ++viewer) {
    if (viewer == subject || !cluster.alive(viewer)) continue;
    const std::optional<Member> member =
        cluster.node(viewer).Find(NameOf(cluster, subject));
    if (!member.has_value() || member->metadata != expected) return false;
  }
  return true;
}

// Drops every packet to or from `member`: it is cut off from the cluster
// but keeps running.
TestCluster::Filter Isolate(int member) {
  return [member](const TestCluster::Packet& packet) {
    return packet.from != member && packet.to != member;
  };
}

// True if every live member other than `subject` knows it ONLINE at an
// incarnation above `incarnation`.
bool AllSeeOnlineAbove(const TestCluster& cluster, int subject,
                       const Incarnation& incarnation) {
  for (int viewer = 0; viewer < cluster.size(); ++viewer) {
    if (viewer == subject || !cluster.alive(viewer)) continue;
    const std::optional<Member> member =
        cluster.node(viewer).Find(NameOf(cluster, subject));
    if (!member.has_value() || member->status != MemberStatus::kOnline ||
        !(member->incarnation > incarnation)) {
      return false;
    }
  }
  return true;
}

constexpr StatusMask kDown = MemberStatus::kOffline | MemberStatus::kLeft;
constexpr StatusMask kSuspectMask = MemberStatus::kSuspect;

// Publishes new metadata on `member` `times` times, waiting each time until
// everyone has it, so its incarnation's version grows.
void BumpVersion(TestCluster& cluster, int member, int times,
                 absl::Duration bound) {
  for (int i = 0; i < times; ++i) {
    Metadata metadata = InitialMetadata(member);
    metadata["bump"] = absl::StrCat(i);
    ASSERT_TRUE(cluster.node(member).SetMetadata(metadata, cluster.now()).ok());
    ASSERT_TRUE(cluster.RunUntil(
        [&] { return AllSeeMetadata(cluster, member, metadata); }, bound))
        << Describe(cluster);
  }
}

// True if every live member other than `subject` knows it ONLINE in
// process lifetime `generation`.
bool AllSeeOnlineGeneration(const TestCluster& cluster, int subject,
                            uint64_t generation) {
  for (int viewer = 0; viewer < cluster.size(); ++viewer) {
    if (viewer == subject || !cluster.alive(viewer)) continue;
    const std::optional<Member> member =
        cluster.node(viewer).Find(NameOf(cluster, subject));
    if (!member.has_value() || member->status != MemberStatus::kOnline ||
        member->incarnation.generation != generation) {
      return false;
    }
  }
  return true;
}

// Every cluster test runs in both transports: datagrams and streams
// (the default), and TCP-only (Config::tcp_only). Tests of what only
// datagrams do skip TCP-only.
struct ClusterCase {
  uint64_t seed = 1;
  bool tcp_only = false;
};

std::string CaseName(const ::testing::TestParamInfo<ClusterCase>& info) {
  return absl::StrCat(info.param.tcp_only ? "TcpOnly" : "Udp", "Seed",
                      info.param.seed);
}

class NodeClusterTest : public ::testing::TestWithParam<ClusterCase> {
 protected:
  uint64_t seed() const { return GetParam().seed; }
  bool tcp_only() const { return GetParam().tcp_only; }
  TestCluster::Options Options(double loss = 0) const {
    return ClusterOptions(seed(), loss, tcp_only());
  }
};

// In TCP-only mode nothing went as a datagram.
void ExpectTransport(const TestCluster& cluster, bool tcp_only) {
  if (!tcp_only) return;
  for (int i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(cluster.node(i).stats().datagrams_sent, 0u) << i;
    EXPECT_GT(cluster.node(i).stats().streams_sent, 0u) << i;
    EXPECT_EQ(cluster.node(i).stats().Drops(DropReason::kWrongChannel), 0u)
        << i;
  }
}

#define SKIP_IF_TCP_ONLY(why)                    \
  if (tcp_only()) {                              \
    GTEST_SKIP() << "datagrams only: " << (why); \
  }

// --- Join --------------------------------------------------------------------

class JoinTest : public ::testing::TestWithParam<std::tuple<int, uint64_t>> {};

TEST_P(JoinTest, ConvergesWithEveryJoinAndMetadataEverywhere) {
  const auto [size, seed] = GetParam();
  const TestCluster::Options options = ClusterOptions(seed);
  TestCluster cluster(options);
  StartCluster(cluster, size);
  const Config& config = cluster.node(0).config();

  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, size, options.latency)))
      << Describe(cluster);

  for (int viewer = 0; viewer < size; ++viewer) {
    std::map<std::string, int> joined;
    for (const Event& event : cluster.events(viewer)) {
      if (const auto* news = std::get_if<MemberJoined>(&event)) {
        ++joined[news->member.name];
      }
    }
    EXPECT_EQ(joined.size(), static_cast<size_t>(size - 1))
        << NameOf(cluster, viewer);
    for (int subject = 0; subject < size; ++subject) {
      if (subject == viewer) continue;
      const std::string name = NameOf(cluster, subject);
      EXPECT_EQ(joined[name], 1)
          << NameOf(cluster, viewer) << " about " << name;
      const std::optional<Member> member = cluster.node(viewer).Find(name);
      ASSERT_NE(member, std::nullopt);
      EXPECT_EQ(member->metadata, InitialMetadata(subject))
          << NameOf(cluster, viewer) << " about " << name;
      EXPECT_EQ(member->incarnation, cluster.node(subject).local().incarnation);
      EXPECT_EQ(member->address, cluster.node(subject).local().address);
    }
    EXPECT_EQ(cluster.node(viewer).size(), static_cast<size_t>(size - 1));
  }
  for (int subject = 0; subject < size; ++subject) {
    EXPECT_TRUE(
        Reports(cluster, NameOf(cluster, subject), kUnavailable).empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, JoinTest,
                         ::testing::Combine(::testing::Values(3, 10),
                                            ::testing::Range<uint64_t>(1, 11)));

// --- Failure detection -------------------------------------------------------

TEST_P(NodeClusterTest, IndirectProbeKeepsAMemberBehindABrokenLinkOnline) {
  // Three members: A and B cannot exchange anything directly (every packet
  // between them is dropped, both ways), but both reach member 0. With
  // three members each of A's probes of B (and B's of A) fails directly,
  // and the ping-req goes to the only other ONLINE member, 0, which
  // reaches B.
  constexpr int kSize = 3;
  constexpr int kA = 1;
  constexpr int kB = 2;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_GE(config.indirect_checks, 1);
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));

  int cut = 0;
  cluster.SetFilter([&cut](const TestCluster::Packet& packet) {
    const bool direct = (packet.from == kA && packet.to == kB) ||
                        (packet.from == kB && packet.to == kA);
    if (direct) ++cut;
    return !direct;
  });
  const Stats a_before = cluster.node(kA).stats();
  const Stats b_before = cluster.node(kB).stats();
  // Every window of ProbeRoundTime contains the start of a probe of B by A
  // (and of A by B), so this runs at least kRounds such probes each way.
  // (One more probe_interval lets the last of them reach its ping-req.)
  constexpr int kRounds = 5;
  cluster.RunFor(ProbeRoundTime(config, kSize) * kRounds +
                 config.probe_interval);

  EXPECT_GT(cut, 0);
  for (const auto& [member, before] :
       {std::pair<int, const Stats&>(kA, a_before),
        std::pair<int, const Stats&>(kB, b_before)}) {
    const Stats& after = cluster.node(member).stats();
    EXPECT_GE(after.indirect_probes - before.indirect_probes,
              static_cast<uint64_t>(kRounds))
        << NameOf(cluster, member);
    // Every probe was answered, directly or through the helper (the last
    // one may still be in flight).
    EXPECT_GE(after.probes_acked - before.probes_acked + 1,
              after.probes - before.probes)
        << NameOf(cluster, member);
  }
  for (int i = 0; i < kSize; ++i) {
    EXPECT_EQ(cluster.node(i).stats().suspicions, 0u) << NameOf(cluster, i);
    EXPECT_EQ(Reports(cluster, NameOf(cluster, i), kUnavailable),
              std::vector<std::string>{});
  }
  EXPECT_TRUE(cluster.Converged()) << Describe(cluster);
}

// Two members whose datagrams to each other are all lost but whose streams
// pass (a firewall that drops UDP): with no helper to ask, only the
// stream fallback answers their probes. With it (the default) neither is
// ever suspected; without it each declares the other OFFLINE.
// (nullptr if the two did not converge first.)
std::unique_ptr<TestCluster> TwoWithDatagramsCut(bool stream_fallback,
                                                 uint64_t seed) {
  TestCluster::Options options = ClusterOptions(seed);
  options.base.stream_fallback = stream_fallback;
  auto cluster = std::make_unique<TestCluster>(options);
  StartCluster(*cluster, 2);
  const Config& config = cluster->node(0).config();
  if (!cluster->RunUntil([&] { return cluster->Converged(); },
                         JoinBound(config, 2, options.latency))) {
    return nullptr;
  }
  cluster->SetFilter([](const TestCluster::Packet& packet) {
    return packet.channel != Channel::kDatagram;
  });
  return cluster;
}

TEST_P(NodeClusterTest, StreamFallbackKeepsAMemberWhoseDatagramsAreLostOnline) {
  SKIP_IF_TCP_ONLY("the stream fallback");
  std::unique_ptr<TestCluster> two =
      TwoWithDatagramsCut(/*stream_fallback=*/true, seed());
  ASSERT_NE(two, nullptr);
  TestCluster& cluster = *two;
  const Config& config = cluster.node(0).config();
  // Long enough for a declaration without the fallback (below).
  cluster.RunFor(DetectionTime(config, 2, absl::Milliseconds(1)) * 2);
  for (int i = 0; i < 2; ++i) {
    const Stats& stats = cluster.node(i).stats();
    EXPECT_EQ(stats.suspicions, 0u) << NameOf(cluster, i);
    EXPECT_GT(stats.stream_probes, 0u) << NameOf(cluster, i);
    // Every probe since the cut was answered over the stream (the last
    // one may still be under way).
    EXPECT_GE(stats.stream_probes_acked + 1, stats.stream_probes)
        << NameOf(cluster, i);
    EXPECT_EQ(Reports(cluster, NameOf(cluster, i), kUnavailable),
              std::vector<std::string>{});
  }
  EXPECT_TRUE(cluster.Converged()) << Describe(cluster);
}

TEST_P(NodeClusterTest, WithoutStreamFallbackLostDatagramsMeanOffline) {
  SKIP_IF_TCP_ONLY("the stream fallback");
  std::unique_ptr<TestCluster> two =
      TwoWithDatagramsCut(/*stream_fallback=*/false, seed());
  ASSERT_NE(two, nullptr);
  TestCluster& cluster = *two;
  const Config& config = cluster.node(0).config();
  EXPECT_TRUE(cluster.RunUntil(
      [&] {
        return cluster.sim().StatusOf(0, 1) == MemberStatus::kOffline &&
               cluster.sim().StatusOf(1, 0) == MemberStatus::kOffline;
      },
      DetectionTime(config, 2, absl::Milliseconds(1)) * 2))
      << Describe(cluster);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(cluster.node(i).stats().stream_probes, 0u);
  }
}

TEST_P(NodeClusterTest, CrashIsDetectedByAllAndNoLiveMemberIsSuspected) {
  constexpr int kSize = 5;
  constexpr int kCrashed = 3;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));

  cluster.Crash(kCrashed);
  EXPECT_TRUE(cluster.RunUntil(
      [&] { return cluster.AllSee(kCrashed, MemberStatus::kOffline); },
      DetectionTime(config, kSize, options.latency)))
      << Describe(cluster);
  // Let the news settle: nothing else changes.
  cluster.RunFor(SuspicionTime(config, kSize));
  EXPECT_TRUE(cluster.AllSee(kCrashed, MemberStatus::kOffline));
  EXPECT_TRUE(cluster.Converged()) << Describe(cluster);

  // Accuracy: with no loss, no live member was ever reported SUSPECT,
  // OFFLINE or LEFT by anyone, from the join on.
  for (int i = 0; i < kSize; ++i) {
    if (i == kCrashed) continue;
    EXPECT_EQ(Reports(cluster, NameOf(cluster, i), kUnavailable),
              std::vector<std::string>{});
  }
  EXPECT_TRUE(
      Reports(cluster, NameOf(cluster, kCrashed), MemberStatus::kLeft).empty());
  ExpectTransport(cluster, tcp_only());
}

TEST_P(NodeClusterTest, SuspectedMemberRefutesAfterAShortPartition) {
  constexpr int kSize = 5;
  constexpr int kIsolated = 4;
  TestCluster::Options options = Options();
  // The partition lasts until both sides suspect each other (someone
  // suspects the cut-off member, and it suspects the members it probed
  // until it noticed that it hears from nobody, and holds itself isolated),
  // plus `hold`, so that the news of these suspicions has been
  // gossiped (into the void) and is no longer queued anywhere. Both sides
  // suspect within ProbeRoundTime of the cut, so the partition ends within
  // ProbeRoundTime + hold of the first suspicion. After the heal every member
  // that suspects it probes it within ProbeRoundTime, and probing a suspect
  // tells it that it is suspected (Lifeguard's buddy system, DESIGN.md
  // section 3); it probes each of its suspects the same way. Refutations
  // then spread within DisseminationTime. The suspicion timeout is raised above
  // the sum so that every suspect has time to refute (the preset's 3 s is
  // shorter than one probe round of five members); the partition is still
  // shorter than the shortest timeout. Lifeguard's awareness is off: it
  // would stretch the cut-off member's probe period (its probes all fail)
  // eightfold and these bounds with it; awareness has its own tests.
  options.base.lifeguard.awareness = false;
  const absl::Duration hold = options.base.probe_interval;
  const absl::Duration needed =
      2 * ProbeRoundTime(options.base, kSize) + hold +
      DisseminationTime(options.base, kSize, options.latency);
  options.base.suspicion_mult = static_cast<int>(std::ceil(absl::FDivDuration(
                                    needed, options.base.probe_interval))) +
                                1;
  ASSERT_GT(MinSuspicionBound(options.base, kSize), needed);
  Config check = options.base;
  check.name = "check";
  check.generation = 1;
  check.nonce_seed[0] = 1;
  ASSERT_TRUE(check.Validate().ok()) << check.Validate();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  const std::string name = NameOf(cluster, kIsolated);
  const Incarnation before = cluster.node(kIsolated).local().incarnation;

  cluster.SetFilter(Isolate(kIsolated));
  ASSERT_TRUE(cluster.RunUntil(
      [&] {
        return !Reports(cluster, name, kSuspectMask).empty() &&
               cluster.node(kIsolated).stats().isolated;
      },
      ProbeRoundTime(config, kSize) + options.latency))
      << Describe(cluster);
  EXPECT_GT(cluster.node(kIsolated).stats().suspicions, 0u);
  cluster.RunFor(hold);
  ASSERT_EQ(Reports(cluster, name, kDown), std::vector<std::string>{});
  cluster.SetFilter(nullptr);

  EXPECT_TRUE(cluster.RunUntil(
      [&] { return AllSeeOnlineAbove(cluster, kIsolated, before); },
      ProbeRoundTime(config, kSize) +
          DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
  const std::vector<Refuted> refuted =
      EventsAbout<Refuted>(cluster, kIsolated, name);
  ASSERT_FALSE(refuted.empty());
  EXPECT_GT(refuted.front().member.incarnation, before);
  EXPECT_GT(cluster.node(kIsolated).local().incarnation, before);
  // The members it suspected refute the same way: nobody is ever OFFLINE.
  EXPECT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); },
                       ProbeRoundTime(config, kSize) +
                           DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
  for (int i = 0; i < kSize; ++i) {
    EXPECT_EQ(Reports(cluster, NameOf(cluster, i), kDown),
              std::vector<std::string>{});
  }
}

TEST_P(NodeClusterTest, MemberDeclaredOfflineRefutesOnceThePartitionHeals) {
  constexpr int kSize = 5;
  constexpr int kIsolated = 4;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  const std::string name = NameOf(cluster, kIsolated);

  cluster.SetFilter(Isolate(kIsolated));
  ASSERT_TRUE(cluster.RunUntil(
      [&] { return cluster.AllSee(kIsolated, MemberStatus::kOffline); },
      DetectionTime(config, kSize, options.latency)))
      << Describe(cluster);
  const Incarnation before = cluster.node(kIsolated).local().incarnation;
  cluster.SetFilter(nullptr);

  // The member is alive. It hears that it was declared OFFLINE by gossip
  // (news still queued somewhere) or, at the latest, by anti-entropy: a
  // push-pull in either direction carries the OFFLINE claim, which it
  // refutes; the refutation spreads by gossip and push-pull.
  EXPECT_TRUE(cluster.RunUntil(
      [&] { return AllSeeOnlineAbove(cluster, kIsolated, before); },
      DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
  EXPECT_FALSE(EventsAbout<Refuted>(cluster, kIsolated, name).empty());
  EXPECT_GT(cluster.node(kIsolated).local().incarnation, before);
  EXPECT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); },
                       DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
}

TEST_P(NodeClusterTest, IsolatedMemberAccusesNobodyAndRejoins) {
  // A partition long enough that the others declared the cut-off member
  // OFFLINE. Its own probes fail too, but it hears from nobody at all, so
  // it holds itself isolated and declares nobody OFFLINE (its suspicions
  // wait). After the heal it is reached by the others' reconnect pings or
  // by its own state exchange (within AntiEntropyTime), refutes, and the
  // refutation spreads (DisseminationTime).
  constexpr int kSize = 5;
  constexpr int kIsolated = 4;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));

  cluster.SetFilter(Isolate(kIsolated));
  ASSERT_TRUE(cluster.RunUntil(
      [&] { return cluster.AllSee(kIsolated, MemberStatus::kOffline); },
      DetectionTime(config, kSize, options.latency)))
      << Describe(cluster);
  // Twice as long again: its suspicions fall due meanwhile, and are held.
  cluster.RunFor(DetectionTime(config, kSize, options.latency));
  const Stats& cut_off = cluster.node(kIsolated).stats();
  EXPECT_TRUE(cut_off.isolated);
  EXPECT_EQ(cut_off.isolations, 1u);
  EXPECT_EQ(cut_off.declared_offline, 0u);
  EXPECT_GT(cut_off.declarations_held, 0u);
  EXPECT_TRUE(cluster.node(kIsolated).Members(MemberStatus::kOffline).empty())
      << Describe(cluster);
  const Incarnation before = cluster.node(kIsolated).local().incarnation;
  // Lifeguard: the cut-off member's failed probes raised its health score
  // to the maximum (nobody answered or nacked).
  EXPECT_EQ(cluster.node(kIsolated).stats().awareness,
            config.lifeguard.awareness_max - 1);
  cluster.SetFilter(nullptr);

  EXPECT_TRUE(cluster.RunUntil(
      [&] {
        return AllSeeOnlineAbove(cluster, kIsolated, before) &&
               cluster.Converged();
      },
      AntiEntropyTime(config, kSize) +
          DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);

  // Answered probes bring every score back to 0, one step per probe, each
  // period (score + 1) intervals long: within sum(2..awareness_max)
  // intervals, plus one probe bound for members still coming back.
  const int max = config.lifeguard.awareness_max;
  const int periods = max * (max + 1) / 2 - 1;
  EXPECT_TRUE(cluster.RunUntil(
      [&] {
        for (int i = 0; i < kSize; ++i) {
          if (cluster.node(i).stats().awareness != 0) return false;
        }
        return true;
      },
      config.probe_interval * periods + ProbeRoundTime(config, kSize)))
      << "awareness of the healed member: "
      << cluster.node(kIsolated).stats().awareness;
}

TEST_P(NodeClusterTest, RemovedMemberIsForgottenEverywhereButALiveOneStays) {
  constexpr int kSize = 5;
  constexpr int kGone = 3;
  constexpr int kLive = 2;
  TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  const std::string gone = NameOf(cluster, kGone);
  const std::string live = NameOf(cluster, kLive);

  // The operator knows member 3 is gone for good: after it crashed, one
  // member removes it; every member holds it LEFT (so nobody reconnects to
  // it) and forgets it after the tombstone timeout.
  cluster.Crash(kGone);
  ASSERT_TRUE(cluster.node(0).Remove(gone, cluster.now()).ok());
  EXPECT_EQ(cluster.node(0).StatusOf(gone), std::nullopt);
  EXPECT_TRUE(cluster.RunUntil(
      [&] {
        for (int i = 1; i < kSize; ++i) {
          if (i == kGone) continue;
          if (cluster.node(i).StatusOf(gone) != MemberStatus::kLeft) {
            return false;
          }
        }
        return true;
      },
      DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
  cluster.RunFor(config.tombstone_timeout);
  for (int i = 0; i < kSize; ++i) {
    if (i == kGone) continue;
    EXPECT_EQ(cluster.node(i).StatusOf(gone), std::nullopt) << i;
  }

  // Removing a live member does not expel it: it refutes and stays.
  ASSERT_TRUE(cluster.node(0).Remove(live, cluster.now()).ok());
  EXPECT_TRUE(cluster.RunUntil(
      [&] { return cluster.AllSee(kLive, MemberStatus::kOnline); },
      DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
}

TEST_P(NodeClusterTest, GracefulLeaveIsSeenAsLeftEverywhere) {
  constexpr int kSize = 5;
  constexpr int kLeaving = 2;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  const std::string name = NameOf(cluster, kLeaving);

  ASSERT_TRUE(cluster.node(kLeaving).Leave(cluster.now()).ok());
  EXPECT_NE(cluster.node(kLeaving).lifecycle(), Lifecycle::kActive);
  const uint64_t probes_at_leave = cluster.node(kLeaving).stats().probes;
  EXPECT_TRUE(cluster.RunUntil(
      [&] { return cluster.AllSee(kLeaving, MemberStatus::kLeft); },
      CommandDrainBound(config) +
          DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
  // Done once its LEFT went out as often as any news, a gossip round or two.
  EXPECT_TRUE(cluster.RunUntil(
      [&] { return cluster.node(kLeaving).lifecycle() == Lifecycle::kLeft; },
      config.gossip_interval * RetransmitLimit(config, kSize)));

  // Long enough for any failure detector to have acted: LEFT stays LEFT,
  // and the member that left stops probing.
  cluster.RunFor(DetectionTime(config, kSize, options.latency));
  EXPECT_TRUE(cluster.AllSee(kLeaving, MemberStatus::kLeft))
      << Describe(cluster);
  EXPECT_EQ(cluster.node(kLeaving).stats().probes, probes_at_leave);
  EXPECT_EQ(Reports(cluster, name, kSuspectMask | MemberStatus::kOffline),
            std::vector<std::string>{});
  for (int i = 0; i < kSize; ++i) {
    if (i == kLeaving) continue;
    EXPECT_TRUE(cluster.AllSee(i, MemberStatus::kOnline)) << Describe(cluster);
  }
  ExpectTransport(cluster, tcp_only());
}

TEST_P(NodeClusterTest, RestartedMemberWinsAtOnceWithItsNewGeneration) {
  constexpr int kSize = 5;
  constexpr int kRestarted = 3;
  constexpr int kVersionBumps = 3;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  BumpVersion(cluster, kRestarted, kVersionBumps,
              CommandDrainBound(config) +
                  DisseminationTime(config, kSize, options.latency));
  const Incarnation old = cluster.node(kRestarted).local().incarnation;
  ASSERT_GE(old.version, static_cast<uint64_t>(kVersionBumps));
  const Metadata old_metadata = cluster.node(kRestarted).local().metadata;

  // Crash and restart at the same instant: everyone still knows the old
  // life ONLINE at a higher version than the new life starts with.
  cluster.Crash(kRestarted);
  cluster.Restart(kRestarted);
  const size_t events_before = cluster.events(kRestarted).size();
  const Incarnation fresh = cluster.node(kRestarted).local().incarnation;
  EXPECT_GT(fresh.generation, old.generation);
  EXPECT_LT(fresh.version, old.version);

  // Restart drains the join at once: member 0 has the new life after the
  // push-pull's one-way latency and spreads it to everyone.
  const std::string name = NameOf(cluster, kRestarted);
  EXPECT_TRUE(cluster.RunUntil(
      [&] {
        const std::optional<Member> member = cluster.node(0).Find(name);
        return member.has_value() && member->incarnation == fresh;
      },
      options.latency));
  EXPECT_TRUE(cluster.RunUntil(
      [&] {
        return AllSeeOnlineGeneration(cluster, kRestarted, fresh.generation);
      },
      DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
  // It won without out-counting its old life: no refutation was needed,
  // and everyone holds exactly the incarnation it started with.
  EXPECT_EQ(cluster.node(kRestarted).local().incarnation, fresh);
  for (size_t i = events_before; i < cluster.events(kRestarted).size(); ++i) {
    EXPECT_FALSE(
        std::holds_alternative<Refuted>(cluster.events(kRestarted)[i]));
  }
  for (int viewer = 0; viewer < kSize; ++viewer) {
    if (viewer == kRestarted) continue;
    EXPECT_EQ(cluster.node(viewer).Find(name)->incarnation, fresh);
  }
  // The new life publishes its config's metadata, replacing the old
  // life's bumped one.
  ASSERT_NE(old_metadata, InitialMetadata(kRestarted));
  EXPECT_TRUE(AllSeeMetadata(cluster, kRestarted, InitialMetadata(kRestarted)));
  EXPECT_EQ(cluster.node(kRestarted).size(), static_cast<size_t>(kSize - 1));
  EXPECT_TRUE(cluster.Converged()) << Describe(cluster);
  EXPECT_EQ(Reports(cluster, name, kDown), std::vector<std::string>{});
  EXPECT_EQ(cluster.node(kRestarted).stats().name_conflicts, 0u);
}

TEST_P(NodeClusterTest, MemberRestartedAfterBeingDeclaredOfflineComesBack) {
  constexpr int kSize = 5;
  constexpr int kRestarted = 1;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  const std::string name = NameOf(cluster, kRestarted);

  cluster.Crash(kRestarted);
  ASSERT_TRUE(cluster.RunUntil(
      [&] { return cluster.AllSee(kRestarted, MemberStatus::kOffline); },
      DetectionTime(config, kSize, options.latency)))
      << Describe(cluster);
  cluster.Restart(kRestarted);
  const uint64_t generation =
      cluster.node(kRestarted).local().incarnation.generation;

  EXPECT_TRUE(cluster.RunUntil(
      [&] { return AllSeeOnlineGeneration(cluster, kRestarted, generation); },
      DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
  for (int viewer = 0; viewer < kSize; ++viewer) {
    if (viewer == kRestarted) continue;
    bool came_back = false;
    for (const MemberStatusChanged& event :
         EventsAbout<MemberStatusChanged>(cluster, viewer, name)) {
      came_back |= event.previous_status == MemberStatus::kOffline &&
                   event.member.status == MemberStatus::kOnline &&
                   event.member.incarnation.generation == generation;
    }
    EXPECT_TRUE(came_back) << NameOf(cluster, viewer);
  }
  EXPECT_TRUE(cluster.Converged()) << Describe(cluster);
}

// --- Dissemination -----------------------------------------------------------

TEST_P(NodeClusterTest, MetadataChangeReachesEveryMember) {
  constexpr int kSize = 10;
  constexpr int kChanging = 6;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  const std::string name = NameOf(cluster, kChanging);
  const Metadata updated = {
      {"index", "6"}, {"load", "0.75"}, {"zone", "north"}};

  ASSERT_TRUE(cluster.node(kChanging).SetMetadata(updated, cluster.now()).ok());
  EXPECT_TRUE(cluster.RunUntil(
      [&] { return AllSeeMetadata(cluster, kChanging, updated); },
      CommandDrainBound(config) +
          DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
  for (int viewer = 0; viewer < kSize; ++viewer) {
    if (viewer == kChanging) continue;
    const std::vector<MemberMetadataChanged> changed =
        EventsAbout<MemberMetadataChanged>(cluster, viewer, name);
    ASSERT_EQ(changed.size(), 1u) << NameOf(cluster, viewer);
    EXPECT_EQ(changed.front().member.metadata, updated);
    EXPECT_EQ(changed.front().member.status, MemberStatus::kOnline);
  }
  EXPECT_TRUE(cluster.Converged());
  ExpectTransport(cluster, tcp_only());
}

TEST_P(NodeClusterTest, PushPullRepairsAnUpdateGossipCouldNotSpread) {
  SKIP_IF_TCP_ONLY("gossip cut apart from push-pull");
  constexpr int kSize = 5;
  constexpr int kChanging = 1;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  const std::string name = NameOf(cluster, kChanging);
  const Incarnation old = cluster.node(kChanging).local().incarnation;

  // Drop every datagram that carries any claim about member 1 newer than
  // `old` (gossip, or piggybacked on a ping, ping-req or ack), from anyone:
  // the new metadata can travel only by stream, that is by push-pull.
  // Note who was handed it in a push-pull.
  testing::PacketInspector inspector(ClusterKey());
  ASSERT_TRUE(inspector.ok());
  int blocked = 0;
  int unreadable = 0;
  std::vector<bool> pushed_to(kSize, false);
  cluster.SetFilter([&](const TestCluster::Packet& packet) {
    bool carries = false;
    if (!inspector.ForEachMessage(
            packet.channel, *packet.bytes, [&](const Message& message) {
              if (const auto* update = std::get_if<Claim>(&message)) {
                carries |= update->name == name && update->incarnation > old;
              } else if (const auto* state = std::get_if<PushPull>(&message)) {
                for (const Claim& record : state->members) {
                  carries |= record.name == name && record.incarnation > old;
                }
              }
            })) {
      ++unreadable;
    }
    if (packet.channel == Channel::kStream) {
      if (carries) pushed_to[packet.to] = true;
      return true;
    }
    if (carries) ++blocked;
    return !carries;
  });
  auto push_pulls = [&] {
    uint64_t total = 0;
    for (int i = 0; i < kSize; ++i) {
      total += cluster.node(i).stats().push_pulls_sent;
    }
    return total;
  };

  const Metadata updated = {{"index", "1"}, {"zone", "south"}};
  ASSERT_TRUE(cluster.node(kChanging).SetMetadata(updated, cluster.now()).ok());
  const uint64_t push_pulls_before = push_pulls();
  // Gossip would usually have delivered it by now; only members handed it
  // by a push-pull (if one ran meanwhile) have it.
  cluster.RunFor(CommandDrainBound(config) +
                 GossipSpreadTime(config, kSize, options.latency));
  EXPECT_GT(blocked, 0);
  for (int viewer = 0; viewer < kSize; ++viewer) {
    if (viewer == kChanging || pushed_to[viewer]) continue;
    EXPECT_EQ(cluster.node(viewer).Find(name)->metadata,
              InitialMetadata(kChanging))
        << NameOf(cluster, viewer) << " got it without push-pull";
  }

  EXPECT_TRUE(cluster.RunUntil(
      [&] { return AllSeeMetadata(cluster, kChanging, updated); },
      AntiEntropyTime(config, kSize)))
      << Describe(cluster);
  EXPECT_GT(push_pulls(), push_pulls_before);
  for (int viewer = 0; viewer < kSize; ++viewer) {
    if (viewer == kChanging) continue;
    EXPECT_TRUE(pushed_to[viewer]) << NameOf(cluster, viewer);
  }
  EXPECT_EQ(unreadable, 0);
  EXPECT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               AntiEntropyTime(config, kSize)))
      << Describe(cluster);
}

TEST_P(NodeClusterTest, UserBroadcastReachesEveryMemberExactlyOnce) {
  constexpr int kSize = 10;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  const std::vector<std::pair<int, std::string>> sent = {{7, "hello"},
                                                         {2, "world"}};
  for (const auto& [origin, payload] : sent) {
    ASSERT_TRUE(cluster.node(origin).Broadcast(payload, cluster.now()).ok());
  }
  // (origin name, payload) -> count, per member.
  auto received = [&](int viewer) {
    std::map<std::pair<std::string, std::string>, int> counts;
    for (const Event& event : cluster.events(viewer)) {
      if (const auto* message = std::get_if<UserMessage>(&event)) {
        ++counts[{message->origin, message->payload}];
      }
    }
    return counts;
  };
  auto all_received = [&] {
    for (int viewer = 0; viewer < kSize; ++viewer) {
      const auto counts = received(viewer);
      for (const auto& [origin, payload] : sent) {
        if (origin != viewer &&
            !counts.contains({NameOf(cluster, origin), payload})) {
          return false;
        }
      }
    }
    return true;
  };
  EXPECT_TRUE(cluster.RunUntil(
      all_received, CommandDrainBound(config) +
                        GossipSpreadTime(config, kSize, options.latency)));
  // Long past the last retransmission and through a push-pull round:
  // nothing arrives twice.
  cluster.RunFor(AntiEntropyTime(config, kSize));
  for (int viewer = 0; viewer < kSize; ++viewer) {
    std::map<std::pair<std::string, std::string>, int> expected;
    for (const auto& [origin, payload] : sent) {
      if (origin != viewer) expected[{NameOf(cluster, origin), payload}] = 1;
    }
    EXPECT_EQ(received(viewer), expected) << NameOf(cluster, viewer);
  }
}

// --- Loss, determinism, stats ------------------------------------------------

TEST_P(NodeClusterTest, TenPercentLossKeepsTheClusterTogether) {
  constexpr int kSize = 10;
  const TestCluster::Options options = Options(/*loss=*/0.1);
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  // Joins go by stream, which does not lose packets.
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)))
      << Describe(cluster);
  // Sixty seconds with Config::Local(): four anti-entropy periods.
  cluster.RunFor(config.push_pull_interval * 4);

  // Members are suspected now and then: about one probe in fifteen loses
  // both its direct and its indirect path (1 - 0.9^2 times 1 - 0.9^4 with
  // one helper), and a suspicion may even run out before the refutation
  // arrives. What must hold at the end: nobody is forgotten or wrongly
  // LEFT, and every member wrongly believed SUSPECT or OFFLINE refutes, so
  // the cluster is converged again within one suspicion timeout (a pending
  // suspicion resolves) plus DisseminationTime (the refutation spreads).
  for (int i = 0; i < kSize; ++i) {
    const Node& node = cluster.node(i);
    EXPECT_EQ(node.size(), static_cast<size_t>(kSize - 1));
    EXPECT_TRUE(node.Members(MemberStatus::kLeft).empty());
  }
  EXPECT_TRUE(
      cluster.RunUntil([&] { return cluster.Converged(); },
                       SuspicionTime(config, kSize) +
                           DisseminationTime(config, kSize, options.latency)))
      << Describe(cluster);
}

// A scripted run: 10 members join under 5 % loss, one crashes, another
// changes its metadata. Returns the cluster's fingerprint (every transmit
// and event) and a readable transcript of every member's events.
std::pair<uint64_t, std::string> RunScript(uint64_t seed, bool tcp_only) {
  constexpr int kSize = 10;
  const TestCluster::Options options =
      ClusterOptions(seed, /*loss=*/0.05, tcp_only);
  TestCluster cluster(options);
  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  cluster.RunFor(CommandDrainBound(config) +
                 GossipSpreadTime(config, kSize, options.latency));
  cluster.Crash(7);
  cluster.RunFor(DetectionTime(config, kSize, options.latency));
  Metadata metadata = InitialMetadata(2);
  metadata["state"] = "draining";
  if (!cluster.node(2).SetMetadata(metadata, cluster.now()).ok()) return {};
  cluster.RunFor(CommandDrainBound(config) +
                 GossipSpreadTime(config, kSize, options.latency));
  std::string transcript;
  for (int i = 0; i < kSize; ++i) {
    for (const Event& event : cluster.events(i)) {
      absl::StrAppend(&transcript, i, " ", EventName(event));
      if (const Member* member = EventMember(event)) {
        absl::StrAppend(&transcript, " ", member->name, " ",
                        MemberStatusName(member->status), " ",
                        member->incarnation.ToString(), " ",
                        member->last_change.ToString());
      }
      absl::StrAppend(&transcript, "\n");
    }
  }
  return {cluster.fingerprint(), transcript};
}

TEST_P(NodeClusterTest, SameSeedReplaysExactlyAndAnotherSeedDiffers) {
  const std::pair<uint64_t, std::string> first = RunScript(seed(), tcp_only());
  const std::pair<uint64_t, std::string> second = RunScript(seed(), tcp_only());
  const std::pair<uint64_t, std::string> other =
      RunScript(seed() + 1000, tcp_only());
  ASSERT_FALSE(first.second.empty());
  EXPECT_EQ(first.first, second.first);
  EXPECT_EQ(first.second, second.second);
  EXPECT_NE(first.first, other.first);
}

TEST_P(NodeClusterTest, StatsAgreeWithWhatTheNetworkCarried) {
  constexpr int kSize = 5;
  constexpr int kCrashed = 4;
  const TestCluster::Options options = Options();
  TestCluster cluster(options);

  // Everything the harness carries (there is no loss, so every transmit
  // reaches the filter), opened and decoded.
  struct Seen {
    Instant sent;
    int from = 0;
    int to = 0;
    Channel channel = Channel::kDatagram;
    size_t bytes = 0;
    std::vector<MessageType> messages;
  };
  std::vector<Seen> seen;
  testing::PacketInspector inspector(ClusterKey());
  ASSERT_TRUE(inspector.ok());
  int unreadable = 0;
  cluster.SetFilter([&](const TestCluster::Packet& packet) {
    Seen& entry = seen.emplace_back();
    entry.sent = cluster.now();
    entry.from = packet.from;
    entry.to = packet.to;
    entry.channel = packet.channel;
    entry.bytes = packet.bytes->size();
    if (!inspector.ForEachMessage(packet.channel, *packet.bytes,
                                  [&](const Message& message) {
                                    entry.messages.push_back(TypeOf(message));
                                  })) {
      ++unreadable;
    }
    return true;
  });

  StartCluster(cluster, kSize);
  const Config& config = cluster.node(0).config();
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                               JoinBound(config, kSize, options.latency)));
  // Every kind of traffic: probes, gossip, a user broadcast, a metadata
  // change, periodic push-pulls, and ping-reqs around a member that
  // crashes.
  ASSERT_TRUE(cluster.node(1).Broadcast("stats", cluster.now()).ok());
  ASSERT_TRUE(
      cluster.node(2).SetMetadata({{"stats", "yes"}}, cluster.now()).ok());
  cluster.RunFor(config.push_pull_interval * 2);
  const Instant crashed_at = cluster.now();
  cluster.Crash(kCrashed);
  cluster.RunFor(DetectionTime(config, kSize, options.latency));
  const Instant end = cluster.now();
  EXPECT_EQ(unreadable, 0);

  // What the network carried, by sender, and what arrived: a packet
  // arrives one latency after it was sent, unless that is after the end
  // (still in flight) or after the crash of its destination.
  std::vector<uint64_t> datagrams(kSize), streams(kSize), bytes(kSize);
  std::map<MessageType, uint64_t> carried_messages, delivered_messages;
  uint64_t delivered = 0;
  for (const Seen& entry : seen) {
    ++(entry.channel == Channel::kDatagram ? datagrams : streams)[entry.from];
    bytes[entry.from] += entry.bytes;
    for (MessageType type : entry.messages) ++carried_messages[type];
    const Instant arrival = entry.sent + options.latency;
    if (arrival > end || (entry.to == kCrashed && arrival > crashed_at)) {
      continue;
    }
    ++delivered;
    for (MessageType type : entry.messages) ++delivered_messages[type];
  }
  EXPECT_EQ(cluster.delivered(), delivered);

  uint64_t received = 0;
  std::map<MessageType, uint64_t> counted_sent, counted_received;
  for (int i = 0; i < kSize; ++i) {
    const Stats& stats = cluster.node(i).stats();
    EXPECT_EQ(stats.datagrams_sent, datagrams[i]) << NameOf(cluster, i);
    EXPECT_EQ(stats.streams_sent, streams[i]) << NameOf(cluster, i);
    EXPECT_EQ(stats.bytes_sent, bytes[i]) << NameOf(cluster, i);
    received += stats.datagrams_received + stats.streams_received;
    for (int type = 1; type < static_cast<int>(stats.messages_sent.size());
         ++type) {
      counted_sent[static_cast<MessageType>(type)] += stats.messages_sent[type];
      counted_received[static_cast<MessageType>(type)] +=
          stats.messages_received[type];
    }
    // Duplicate broadcasts and late acks are normal; nothing else is.
    for (const DropReason reason :
         {DropReason::kEnvelope, DropReason::kMalformed,
          DropReason::kWrongChannel, DropReason::kTransmitQueueFull,
          DropReason::kEventQueueFull, DropReason::kBroadcastQueueFull}) {
      EXPECT_EQ(stats.Drops(reason), 0u)
          << NameOf(cluster, i) << " " << DropReasonName(reason);
    }
  }
  EXPECT_EQ(received, cluster.delivered());
  // Per message type, piggybacked messages included: what members count
  // as sent is what the network carried, and what they count as received
  // is what it delivered.
  for (const MessageType type :
       {MessageType::kPing, MessageType::kPingReq, MessageType::kAck,
        MessageType::kNack, MessageType::kMemberUpdate,
        MessageType::kUserBroadcast, MessageType::kPushPull}) {
    EXPECT_EQ(counted_sent[type], carried_messages[type])
        << "sent " << MessageTypeName(type);
    EXPECT_EQ(counted_received[type], delivered_messages[type])
        << "received " << MessageTypeName(type);
  }
  EXPECT_GT(carried_messages[MessageType::kPingReq], 0u);
  EXPECT_GT(carried_messages[MessageType::kUserBroadcast], 0u);
  EXPECT_GT(carried_messages[MessageType::kPushPull], 0u);
}

std::vector<ClusterCase> ClusterCases() {
  std::vector<ClusterCase> cases;
  for (uint64_t seed = 1; seed <= 10; ++seed) cases.push_back({seed, false});
  for (uint64_t seed = 1; seed <= 5; ++seed) cases.push_back({seed, true});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Transports, NodeClusterTest,
                         ::testing::ValuesIn(ClusterCases()), CaseName);

}  // namespace
}  // namespace swim

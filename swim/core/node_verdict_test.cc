// Verdicts against the simulator's ground truth: in a 100-member cluster
// with 5 % datagram loss and one crash, every OFFLINE event about the
// crashed member names an accuser and confirmations that really probed it
// after the crash, at times consistent with the event.

#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/verdict.h"
#include "swim/testing/test_cluster.h"

namespace swim {
namespace {

using ::swim::testing::TestCluster;

constexpr int kMembers = 100;
constexpr int kCrashed = 37;

std::string Name(int index) { return absl::StrCat("node-", index); }

// The member's index from its simulator name; -1 for another name.
int IndexOf(absl::string_view name) {
  for (int i = 0; i < kMembers; ++i) {
    if (name == Name(i)) return i;
  }
  return -1;
}

// The verdicts member `viewer` gave on `subject` changing to `status`.
std::vector<MemberStatusChanged> Changes(const TestCluster& cluster, int viewer,
                                         absl::string_view subject,
                                         MemberStatus status) {
  std::vector<MemberStatusChanged> changes;
  for (const Event& event : cluster.events(viewer)) {
    const auto* changed = std::get_if<MemberStatusChanged>(&event);
    if (changed != nullptr && changed->member.name == subject &&
        changed->member.status == status) {
      changes.push_back(*changed);
    }
  }
  return changes;
}

TEST(NodeVerdictTest, EveryOfflineNamesAccuserAndConfirmationsThatProbedIt) {
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    TestCluster::Options options;
    options.seed = seed;
    options.base = Config::Local();
    TestCluster cluster(options);
    cluster.AddAndJoin(kMembers);
    ASSERT_TRUE(cluster.RunUntil([&] { return cluster.Converged(); },
                                 absl::Seconds(60)));

    // Ground truth: when each member's exchange with the member that
    // crashes failed: a packet to it that was lost (5 % of datagrams,
    // applied here after the packet was seen) or arrived after the crash
    // (one millisecond on every link), or a packet from it that was lost.
    const Instant crash_at = cluster.now() + absl::Seconds(10);
    std::map<int, std::vector<Instant>> unanswerable;
    std::mt19937_64 loss(seed);
    cluster.SetFilter([&](const TestCluster::Packet& packet) {
      const bool lost =
          packet.channel == Channel::kDatagram &&
          std::uniform_real_distribution<double>(0, 1)(loss) < 0.05;
      if (packet.to == kCrashed &&
          (lost || cluster.now() + options.latency > crash_at)) {
        unanswerable[packet.from].push_back(cluster.now());
      }
      if (packet.from == kCrashed && lost) {
        unanswerable[packet.to].push_back(cluster.now());
      }
      return !lost;
    });
    // Whether member `index`'s exchange with the crashed one failed
    // between `from` and `to`.
    auto FailedBetween = [&](int index, Instant from, Instant to) {
      for (Instant at : unanswerable[index]) {
        if (at >= from && at <= to) return true;
      }
      return false;
    };
    cluster.RunFor(crash_at - cluster.now());
    cluster.Crash(kCrashed);
    ASSERT_TRUE(cluster.RunUntil(
        [&] { return cluster.AllSee(kCrashed, MemberStatus::kOffline); },
        absl::Seconds(120)));

    int timed_out = 0;
    int declared = 0;
    int first_hand = 0;
    size_t confirmations = 0;
    for (int viewer = 0; viewer < kMembers; ++viewer) {
      if (viewer == kCrashed) continue;
      SCOPED_TRACE(Name(viewer));
      const std::vector<MemberStatusChanged> offline =
          Changes(cluster, viewer, Name(kCrashed), MemberStatus::kOffline);
      ASSERT_EQ(offline.size(), 1u);
      ASSERT_TRUE(offline[0].cause.has_value());
      const Verdict& verdict = *offline[0].cause;
      const Instant at = offline[0].member.last_change;
      const int accuser = IndexOf(verdict.accuser);
      ASSERT_GE(accuser, 0) << verdict.accuser;
      ASSERT_NE(accuser, kCrashed);
      if (verdict.reason == Verdict::Reason::kTimedOut) {
        ++timed_out;
        EXPECT_EQ(verdict.declared_by, Name(viewer));
        // It held a suspicion whose timeout ran out at the event.
        ASSERT_TRUE(verdict.suspected_at.has_value());
        EXPECT_LE(*verdict.suspected_at + verdict.timeout, at);
        if (accuser == viewer) {
          ASSERT_TRUE(verdict.probe.has_value());
          EXPECT_TRUE(FailedBetween(accuser, verdict.probe->sent_at,
                                    *verdict.suspected_at));
        }
      } else {
        ASSERT_EQ(verdict.reason, Verdict::Reason::kDeclared)
            << VerdictReasonName(verdict.reason);
        ++declared;
        // The member that declared it did so itself, before this member
        // heard it.
        const int declarer = IndexOf(verdict.declared_by);
        ASSERT_GE(declarer, 0) << verdict.declared_by;
        ASSERT_NE(declarer, kCrashed);
        const std::vector<MemberStatusChanged> own =
            Changes(cluster, declarer, Name(kCrashed), MemberStatus::kOffline);
        ASSERT_EQ(own.size(), 1u);
        EXPECT_EQ(own[0].cause->reason, Verdict::Reason::kTimedOut);
        EXPECT_LE(own[0].member.last_change, at);
      }
      // The accuser held it SUSPECT before this member's verdict; where its
      // own verdict says its probe failed, that probe could not be
      // answered. (A state exchange names no first accuser: a suspicion
      // heard in one is gossiped on under the exchange's sender, so the
      // accuser may be a member that spread the suspicion rather than
      // one that probed.)
      const std::vector<MemberStatusChanged> accused =
          Changes(cluster, accuser, Name(kCrashed), MemberStatus::kSuspect);
      bool held = false;
      for (const MemberStatusChanged& suspect : accused) {
        const Verdict& own = *suspect.cause;
        if (*own.suspected_at > at) continue;
        held = true;
        if (own.reason == Verdict::Reason::kProbeFailed) {
          ++first_hand;
          EXPECT_EQ(own.accuser, Name(accuser));
          ASSERT_TRUE(own.probe.has_value());
          EXPECT_TRUE(
              FailedBetween(accuser, own.probe->sent_at, *own.suspected_at));
        }
      }
      EXPECT_TRUE(held) << verdict.accuser;
      // Each confirmation (only claims gossiped by the member that made
      // them count) comes from another live member whose exchange with
      // the crashed one failed before this member heard the confirmation.
      for (const Verdict::Confirmation& confirmation : verdict.confirmations) {
        const int confirmer = IndexOf(confirmation.member);
        ASSERT_GE(confirmer, 0) << confirmation.member;
        EXPECT_NE(confirmer, kCrashed);
        EXPECT_NE(confirmation.member, verdict.accuser);
        EXPECT_TRUE(
            FailedBetween(confirmer, Instant::InfinitePast(), confirmation.at))
            << confirmation.member;
        EXPECT_GE(confirmation.at, *verdict.suspected_at);
        EXPECT_LE(confirmation.at, at);
        ++confirmations;
      }
      EXPECT_GE(verdict.health, 0);
    }
    // Both kinds occur, and Lifeguard's confirmations were recorded.
    EXPECT_GT(timed_out, 0);
    EXPECT_GT(declared, 0);
    EXPECT_GT(confirmations, 0u);
    EXPECT_GT(first_hand, 0);
  }
}

}  // namespace
}  // namespace swim

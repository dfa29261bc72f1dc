// A graceful leave after crashes, at 64 members under 0-5 % loss: every
// live member holds the leaver LEFT within DisseminationTime (gossip, and
// anti-entropy for a member gossip missed). The leaver behaves as a
// program does (docs/drivers.md, Shutdown): it calls Leave, runs until its
// LEFT went out (Lifecycle::kLeft, at most 5 s), then exits.
//
// Each run prints, against the bounds, how long the last member took, and
// how many members gossip missed (they learn by a state exchange: the next
// push-pull, unless theirs went to a member that is down). The cases
// include the seeds where a leave was lost before the leaver sent its LEFT
// as often as any news: its only round of gossip_nodes datagrams went to
// crashed members still held SUSPECT (or just declared) or was lost, no
// live member heard it, and all declared the leaver OFFLINE instead.
//
// SWIM_LEAVE_SWEEP=<first>-<last> runs those seeds in every shape (3 loss
// levels, 3 leave times, crashes together or apart) and prints totals;
// SWIM_LEAVE_LOSS=<percent>, SWIM_LEAVE_AT=<0|1|2>, SWIM_LEAVE_APART=<0|1>
// narrow it, and SWIM_LEAVE_VERBOSE=1 traces every LEFT datagram, every
// stream, and when each member held the leaver LEFT. Optimized, a run
// takes about 40 ms (1000 seeds of all 18 shapes: 12 minutes, past the
// test's timeout under `bazel test`, so run the binary):
//   bazel build -c opt //swim/drivers/sim:leave_scenario_test
//   SWIM_LEAVE_SWEEP=1-1000 bazel-bin/swim/drivers/sim/leave_scenario_test
//     --gtest_filter='*Sweep*'

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/core/random.h"
#include "swim/core/transmit.h"
#include "swim/core/wire.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/checked_cluster.h"
#include "swim/testing/cluster.h"
#include "swim/testing/cluster_bounds.h"
#include "swim/testing/packet_inspector.h"
#include "swim/testing/trace_recorder.h"

namespace swim::sim {
namespace {

using ::swim::testing::CheckedCluster;
using ::swim::testing::Cluster;
using ::swim::testing::DisseminationTime;
using ::swim::testing::GossipSpreadTime;
using ::swim::testing::JoinTime;
using ::swim::testing::PacketInspector;

constexpr int kMembers = 64;
constexpr int kCrashes = 3;
// How long a program waits for its LEFT to go out (Shutdown's timeout in
// docs/drivers.md).
constexpr absl::Duration kLinger = absl::Seconds(5);

// When the leave comes, after the crashes.
enum class LeaveAt {
  kAtOnce,          // right after the last crash: nobody noticed yet
  kWhileSuspect,    // 8 s later: suspected, mostly not yet declared
  kAfterDetection,  // every live member holds the crashed ones OFFLINE
};

struct LeaveCase {
  uint64_t seed = 1;
  double loss = 0;
  bool crashes_apart = false;  // 300 ms apart, or all at once
  LeaveAt at = LeaveAt::kAfterDetection;
};

std::string Describe(const LeaveCase& c) {
  const char* at = c.at == LeaveAt::kAtOnce         ? "at-once"
                   : c.at == LeaveAt::kWhileSuspect ? "while-suspect"
                                                    : "after-detection";
  return absl::StrFormat("seed=%d loss=%.0f%% crashes=%s leave=%s", c.seed,
                         c.loss * 100, c.crashes_apart ? "apart" : "together",
                         at);
}

// For gtest's messages.
void PrintTo(const LeaveCase& c, std::ostream* os) { *os << Describe(c); }

struct LeaveOutcome {
  bool started = false;  // joined, crashed and left as planned
  std::string failure;   // why not
  int leaving = -1;      // the member that left
  // Per live member: when it first held the leaver LEFT, counted from the
  // leave (nullopt: not within the dissemination bound).
  std::vector<std::optional<absl::Duration>> took;
  // ... and whether a state exchange brought it.
  std::vector<bool> by_state_exchange;
  // Members that held the leaver SUSPECT or OFFLINE before LEFT.
  int suspected_first = 0;
  // The leaver's datagrams carrying its LEFT (after loss), how many went to
  // a member that is down, and how many to live ones.
  int leaver_sent = 0;
  int leaver_sent_to_down = 0;
  int leaver_reached_live = 0;
  // Datagrams carrying the LEFT, from anyone.
  int left_datagrams = 0;
  // From Leave to Lifecycle::kLeft (the program exits then).
  absl::Duration linger;
  // GossipSpreadTime; that plus one scaled push-pull interval (a member
  // gossip missed learns by its next state exchange); DisseminationTime.
  absl::Duration gossip_bound;
  absl::Duration push_pull_bound;
  absl::Duration bound;

  absl::Duration Slowest() const {
    absl::Duration worst = absl::ZeroDuration();
    for (const std::optional<absl::Duration>& t : took) {
      if (!t) return absl::InfiniteDuration();
      worst = std::max(worst, *t);
    }
    return worst;
  }
  // Members that did not hold it LEFT within `limit`.
  int LateAfter(absl::Duration limit) const {
    int late = 0;
    for (const std::optional<absl::Duration>& t : took) {
      late += !t || *t > limit ? 1 : 0;
    }
    return late;
  }
  std::string Summary() const {
    std::string late;
    for (const std::optional<absl::Duration>& t : took) {
      if (!t) {
        absl::StrAppend(&late, " never");
      } else if (*t > gossip_bound) {
        absl::StrAppend(&late,
                        absl::StrFormat(" %.1fs", absl::ToDoubleSeconds(*t)));
      }
    }
    return absl::StrFormat(
        "LEFT everywhere after %s (bound %.1fs); %d of %d after the gossip "
        "bound %.1fs, %d after one push-pull more (%.1fs): [%s ]; %d "
        "suspected it first; the leaver sent its LEFT %d times in %.2fs (%d "
        "to members down, %d reached live ones); %d LEFT datagrams in all",
        Slowest() == absl::InfiniteDuration()
            ? std::string("never")
            : absl::StrFormat("%.2fs", absl::ToDoubleSeconds(Slowest())),
        absl::ToDoubleSeconds(bound), LateAfter(gossip_bound),
        static_cast<int>(took.size()), absl::ToDoubleSeconds(gossip_bound),
        LateAfter(push_pull_bound), absl::ToDoubleSeconds(push_pull_bound),
        late, suspected_first, leaver_sent, absl::ToDoubleSeconds(linger),
        leaver_sent_to_down, leaver_reached_live, left_datagrams);
  }
};

// Runs one case: 64 members join and agree, loss starts, three crash, one
// leaves as a program does; runs until every live member holds it LEFT or
// DisseminationTime passes.
LeaveOutcome RunLeave(CheckedCluster& cluster, const LeaveCase& c,
                      bool verbose) {
  LeaveOutcome out;
  Simulator& sim = cluster.sim();
  const Config& config = cluster.options().config;
  if (c.loss > 0) cluster.accuracy().Disarm();  // a live member may be hit
  if (!cluster.Start(kMembers).ok()) {
    out.failure = "start";
    return out;
  }
  if (!cluster.convergence().AwaitWithin(
          JoinTime(config, kMembers, cluster.latency()), "the join",
          absl::Milliseconds(100))) {
    out.failure = "join";
    return out;
  }
  LinkModel lossy;
  lossy.loss = c.loss;
  sim.SetAllLinks(lossy);
  sim.RunFor(absl::Seconds(5));

  // Who crashes and who leaves, from the seed.
  Random random(c.seed * 7919 + 17);
  std::vector<int> order;
  for (int i = 0; i < kMembers; ++i) order.push_back(i);
  random.Shuffle(order);
  const std::vector<int> crashed(order.begin(), order.begin() + kCrashes);
  const int leaving = order[kCrashes];
  auto down = [&](int i) {
    return std::find(crashed.begin(), crashed.end(), i) != crashed.end() ||
           !sim.alive(i);
  };
  for (int i = 0; i < kCrashes; ++i) {
    if (i > 0 && c.crashes_apart) sim.RunFor(absl::Milliseconds(300));
    cluster.completeness().Crash(crashed[i]);
  }
  switch (c.at) {
    case LeaveAt::kAtOnce:
      break;
    case LeaveAt::kWhileSuspect:
      sim.RunFor(absl::Seconds(8));
      break;
    case LeaveAt::kAfterDetection:
      if (!sim.RunUntil(
              [&] {
                for (int x : crashed) {
                  if (!sim.AllSee(x, MemberStatus::kOffline)) return false;
                }
                return true;
              },
              cluster.detection_bound())) {
        out.failure = "detection";
        return out;
      }
      break;
  }

  const std::string leaver = sim.node(leaving).local().name;
  std::vector<int> slot(kMembers, -1);  // live member -> index in `took`
  int observers = 0;
  for (int i = 0; i < kMembers; ++i) {
    if (i != leaving && sim.alive(i)) slot[i] = observers++;
  }
  out.took.assign(observers, std::nullopt);
  out.by_state_exchange.assign(observers, false);
  std::vector<bool> suspected(observers, false);
  const Instant left_at = sim.now();
  int remaining = observers;
  const int handle =
      cluster.trace().Subscribe([&](int node, const Event& event) {
        const auto* changed = std::get_if<MemberStatusChanged>(&event);
        if (changed == nullptr || changed->member.name != leaver ||
            slot[node] < 0 || out.took[slot[node]]) {
          return;
        }
        const int k = slot[node];
        if (changed->member.status != MemberStatus::kLeft) {
          suspected[k] = true;
          return;
        }
        out.took[k] = sim.now() - left_at;
        out.by_state_exchange[k] =
            changed->cause && changed->cause->from_state_exchange;
        --remaining;
        if (verbose) {
          std::printf("  %s LEFT at +%.3fs%s%s\n",
                      sim.node(node).local().name.c_str(),
                      absl::ToDoubleSeconds(*out.took[k]),
                      out.by_state_exchange[k] ? " (state exchange)" : "",
                      suspected[k] ? " (after suspecting it)" : "");
        }
      });
  PacketInspector inspector(cluster.options().default_key);
  cluster.SetFilter([&](const Cluster::Packet& packet) {
    const std::string& from = sim.node(packet.from).local().name;
    const std::string& to = sim.node(packet.to).local().name;
    const char* to_down = down(packet.to) ? " (down)" : "";
    const double at = absl::ToDoubleSeconds(sim.now() - left_at);
    if (packet.channel != Channel::kDatagram) {
      if (verbose) {
        std::printf("  stream %s -> %s%s, %zu bytes, at +%.3fs\n", from.c_str(),
                    to.c_str(), to_down, packet.bytes->size(), at);
      }
      return true;
    }
    bool carries = false;
    inspector.ForEachMessage(
        packet.channel, *packet.bytes, [&](const Message& message) {
          const Claim* claim = std::get_if<Claim>(&message);
          carries |= claim != nullptr && claim->name == leaver &&
                     claim->status == MemberStatus::kLeft;
        });
    if (!carries) return true;
    ++out.left_datagrams;
    if (packet.from == leaving) {
      ++out.leaver_sent;
      if (down(packet.to)) {
        ++out.leaver_sent_to_down;
      } else {
        ++out.leaver_reached_live;
      }
    }
    if (verbose) {
      std::printf("  LEFT %s -> %s%s at +%.3fs\n", from.c_str(), to.c_str(),
                  to_down, at);
    }
    return true;
  });

  if (!sim.Command(leaving,
                   [](Node& node, Instant now) { return node.Leave(now); })
           .ok()) {
    out.failure = "leave";
    return out;
  }
  // The program runs until its LEFT went out, then exits.
  sim.RunUntil(
      [&] { return sim.node(leaving).lifecycle() == Lifecycle::kLeft; },
      kLinger);
  out.linger = sim.now() - left_at;
  cluster.completeness().Crash(leaving);

  out.gossip_bound = GossipSpreadTime(config, kMembers, cluster.latency());
  out.push_pull_bound =
      out.gossip_bound +
      ScaledPushPullInterval(config, static_cast<uint64_t>(observers) + 1);
  out.bound = DisseminationTime(config, kMembers, cluster.latency());
  sim.RunUntil([&] { return remaining == 0; },
               out.bound - (sim.now() - left_at));
  cluster.SetFilter(nullptr);
  cluster.trace().Unsubscribe(handle);
  out.suspected_first =
      static_cast<int>(std::count(suspected.begin(), suspected.end(), true));
  out.leaving = leaving;
  out.started = true;
  return out;
}

CheckedCluster::Options OptionsFor(const LeaveCase& c) {
  CheckedCluster::Options options;
  options.seed = c.seed;
  options.members = kMembers;
  // Reading 64 tables every second costs more than the run itself.
  options.snapshot_every = absl::Seconds(5);
  return options;
}

// --- The scenario ------------------------------------------------------------

class LeaveAfterCrashes : public ::testing::TestWithParam<LeaveCase> {};

TEST_P(LeaveAfterCrashes, EveryLiveMemberHoldsTheLeaverLeftWithinTheBound) {
  const LeaveCase& c = GetParam();
  CheckedCluster cluster(OptionsFor(c));
  const LeaveOutcome out = RunLeave(cluster, c, /*verbose=*/false);
  ASSERT_TRUE(out.started) << out.failure << "\n" << cluster.Report();
  EXPECT_EQ(out.LateAfter(out.bound), 0) << out.Summary();
  // LEFT stays LEFT while the others find the leaver silent. (Detecting the
  // crashes takes longer than this run: scenario_test checks that.)
  cluster.sim().RunFor(absl::Seconds(10));
  EXPECT_TRUE(cluster.sim().AllSee(out.leaving, MemberStatus::kLeft));
  EXPECT_TRUE(cluster.ok()) << cluster.Report();
  std::printf("[scenario] %s: %s\n", Describe(c).c_str(),
              out.Summary().c_str());
  ::testing::Test::RecordProperty(Describe(c), out.Summary());
}

// A few seeds of every shape, and the seeds whose leave was lost when the
// leaver stopped after one round of gossip (149, 274, 485, 525: no live
// member ever held it LEFT).
INSTANTIATE_TEST_SUITE_P(
    Cases, LeaveAfterCrashes,
    ::testing::Values(LeaveCase{1, 0.0, false, LeaveAt::kAtOnce},
                      LeaveCase{2, 0.0, true, LeaveAt::kWhileSuspect},
                      LeaveCase{3, 0.0, false, LeaveAt::kAfterDetection},
                      LeaveCase{4, 0.01, true, LeaveAt::kAtOnce},
                      LeaveCase{5, 0.01, false, LeaveAt::kWhileSuspect},
                      LeaveCase{6, 0.01, true, LeaveAt::kAfterDetection},
                      LeaveCase{7, 0.05, false, LeaveAt::kAtOnce},
                      LeaveCase{8, 0.05, true, LeaveAt::kWhileSuspect},
                      LeaveCase{9, 0.05, false, LeaveAt::kAfterDetection},
                      LeaveCase{149, 0.05, true, LeaveAt::kWhileSuspect},
                      LeaveCase{274, 0.05, false, LeaveAt::kWhileSuspect},
                      LeaveCase{485, 0.05, false, LeaveAt::kAfterDetection},
                      LeaveCase{525, 0.05, true, LeaveAt::kWhileSuspect}),
    [](const ::testing::TestParamInfo<LeaveCase>& info) {
      const LeaveCase& c = info.param;
      const char* at = c.at == LeaveAt::kAtOnce         ? "AtOnce"
                       : c.at == LeaveAt::kWhileSuspect ? "WhileSuspect"
                                                        : "AfterDetection";
      return absl::StrCat("Seed", c.seed, "Loss",
                          static_cast<int>(c.loss * 100), "Crashes",
                          c.crashes_apart ? "Apart" : "Together", at);
    });

// --- The sweep ---------------------------------------------------------------

std::optional<int> EnvInt(const char* name) {
  const char* value = std::getenv(name);
  int parsed = 0;
  if (value == nullptr || !absl::SimpleAtoi(value, &parsed)) {
    return std::nullopt;
  }
  return parsed;
}

TEST(LeaveAfterCrashesSweep, ManySeeds) {
  const char* range = std::getenv("SWIM_LEAVE_SWEEP");
  if (range == nullptr) GTEST_SKIP() << "set SWIM_LEAVE_SWEEP=<first>-<last>";
  const std::vector<std::string> ends = absl::StrSplit(range, '-');
  uint64_t first = 0;
  uint64_t last = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ends.front(), &first) &&
              absl::SimpleAtoi(ends.back(), &last))
      << range;
  const bool verbose = std::getenv("SWIM_LEAVE_VERBOSE") != nullptr;
  const std::optional<int> only_loss = EnvInt("SWIM_LEAVE_LOSS");
  const std::optional<int> only_at = EnvInt("SWIM_LEAVE_AT");
  const std::optional<int> only_apart = EnvInt("SWIM_LEAVE_APART");
  for (int loss : {0, 1, 5}) {
    if (only_loss && *only_loss != loss) continue;
    for (LeaveAt at :
         {LeaveAt::kAtOnce, LeaveAt::kWhileSuspect, LeaveAt::kAfterDetection}) {
      if (only_at && *only_at != static_cast<int>(at)) continue;
      for (bool apart : {false, true}) {
        if (only_apart && *only_apart != (apart ? 1 : 0)) continue;
        int runs = 0, failed = 0, lost = 0;
        int late_gossip_runs = 0, late_gossip = 0;
        int late_push_pull_runs = 0, late_push_pull = 0;
        int beyond_bound_runs = 0, beyond_bound = 0;
        int by_state_exchange = 0;
        int64_t leaver_sent = 0, leaver_to_down = 0;
        absl::Duration worst = absl::ZeroDuration();
        absl::Duration longest_linger = absl::ZeroDuration();
        for (uint64_t seed = first; seed <= last; ++seed) {
          const LeaveCase c{seed, loss / 100.0, apart, at};
          CheckedCluster cluster(OptionsFor(c));
          if (verbose) std::printf("%s\n", Describe(c).c_str());
          const LeaveOutcome out = RunLeave(cluster, c, verbose);
          ++runs;
          if (!out.started) {
            ++failed;
            std::printf("[leave] %s: %s failed\n", Describe(c).c_str(),
                        out.failure.c_str());
            continue;
          }
          const int g = out.LateAfter(out.gossip_bound);
          const int p = out.LateAfter(out.push_pull_bound);
          const int b = out.LateAfter(out.bound);
          late_gossip += g;
          late_gossip_runs += g > 0 ? 1 : 0;
          late_push_pull += p;
          late_push_pull_runs += p > 0 ? 1 : 0;
          beyond_bound += b;
          beyond_bound_runs += b > 0 ? 1 : 0;
          lost += out.LateAfter(out.bound) == static_cast<int>(out.took.size())
                      ? 1
                      : 0;
          by_state_exchange +=
              static_cast<int>(std::count(out.by_state_exchange.begin(),
                                          out.by_state_exchange.end(), true));
          leaver_sent += out.leaver_sent;
          leaver_to_down += out.leaver_sent_to_down;
          worst = std::max(worst, out.Slowest());
          longest_linger = std::max(longest_linger, out.linger);
          if (g > 0 || verbose) {
            std::printf("[leave] %s: %s\n", Describe(c).c_str(),
                        out.Summary().c_str());
          }
        }
        std::printf(
            "[leave-total] loss=%d%% leave=%d crashes=%s: %d runs (%d did not "
            "start); runs with members late after the gossip bound %d (%d "
            "members), after a push-pull more %d (%d), after the bound %d "
            "(%d); %d runs where nobody ever held it LEFT; %d members learned "
            "it by state exchange; worst %s; the leaver sent %d LEFT "
            "datagrams (%d to members down), lingering at most %s\n",
            loss, static_cast<int>(at), apart ? "apart" : "together", runs,
            failed, late_gossip_runs, late_gossip, late_push_pull_runs,
            late_push_pull, beyond_bound_runs, beyond_bound, lost,
            by_state_exchange, absl::FormatDuration(worst).c_str(),
            static_cast<int>(leaver_sent), static_cast<int>(leaver_to_down),
            absl::FormatDuration(longest_linger).c_str());
        std::fflush(stdout);
      }
    }
  }
}

}  // namespace
}  // namespace swim::sim

#include "swim/testing/cluster_bounds.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "swim/core/probe.h"
#include "swim/core/reconnect.h"
#include "swim/core/state_exchange.h"
#include "swim/core/suspicion.h"

namespace swim::testing {

absl::Duration LongestProbePeriod(const Config& config) {
  const int stretch =
      config.lifeguard.awareness ? config.lifeguard.awareness_max : 1;
  return config.probe_interval * stretch;
}

absl::Duration ProbeRoundTime(const Config& config, int members) {
  return LongestProbePeriod(config) * (2 * std::max(members - 1, 1));
}

absl::Duration SuspicionTime(const Config& config, int members) {
  const int stretch = config.lifeguard.dynamic_suspicion
                          ? config.lifeguard.suspicion_max_timeout_mult
                          : 1;
  return SuspicionTimeout(config.suspicion_mult,
                          static_cast<size_t>(std::max(members, 1)),
                          config.probe_interval) *
         stretch;
}

absl::Duration FallbackWaitTime(const Config& config) {
  if (!config.stream_fallback) return absl::ZeroDuration();
  const int stretch =
      config.lifeguard.awareness ? config.lifeguard.awareness_max : 1;
  return 2 * config.probe_timeout * stretch + FallbackWaits::kStreamRetransmit;
}

absl::Duration GossipSpreadTime(const Config& config, int members,
                                absl::Duration latency) {
  const double n = std::max(members, 2);
  const double reach = std::log(n) / std::log(1.0 + config.gossip_nodes);
  const double tail = std::log(n);
  const int rounds = 2 * static_cast<int>(std::ceil(reach) + std::ceil(tail));
  return (config.gossip_interval + latency) * rounds;
}

absl::Duration AntiEntropyTime(const Config& config, int members) {
  // The node's own scale (node.cc, PushPullInterval): 1 up to 32 members,
  // then one more per doubling.
  int scale = 1;
  for (int size = 32; size < members; size *= 2) ++scale;
  const int periods =
      2 + static_cast<int>(std::ceil(std::log2(std::max(members, 2))));
  return config.push_pull_interval * scale * periods;
}

absl::Duration DisseminationTime(const Config& config, int members,
                                 absl::Duration latency) {
  return GossipSpreadTime(config, members, latency) +
         AntiEntropyTime(config, members);
}

absl::Duration DetectionTime(const Config& config, int members,
                             absl::Duration latency) {
  return ProbeRoundTime(config, members) + LongestProbePeriod(config) +
         FallbackWaitTime(config) + SuspicionTime(config, members) +
         GossipSpreadTime(config, members, latency);
}

absl::Duration ReconnectTime(const Config& config, int members) {
  const double n = std::max(members, 2);
  const int intervals =
      Reconnect::kMaxBackoff *
      static_cast<int>(std::ceil(std::log(n) + std::log(1000.0)));
  return config.reconnect_interval * intervals;
}

absl::Duration SeedRecheckTime(const Config& config) {
  return config.reconnect_interval * JoinAttempt::kMaxRecheckBackoff +
         5 * LongestProbePeriod(config);
}

absl::Duration HealTime(const Config& config, int members,
                        absl::Duration latency) {
  return std::max(ReconnectTime(config, members), SeedRecheckTime(config)) +
         AntiEntropyTime(config, members) +
         DetectionTime(config, members, latency) +
         DisseminationTime(config, members, latency);
}

absl::Duration JoinTime(const Config& config, int members,
                        absl::Duration latency) {
  return 2 * latency + DisseminationTime(config, members, latency);
}

absl::Duration BurstJoinTime(const Config& config, int members,
                             absl::Duration latency, absl::Duration span) {
  const absl::Duration spacing = config.probe_interval + config.probe_timeout;
  const int64_t exchanges = std::max<int64_t>(
      2, absl::Ceil(GossipSpreadTime(config, members, latency), spacing) /
             spacing);
  return span + 2 * latency + (exchanges + 2) * spacing + 4 * latency;
}

PhaseBudgets PhaseBudgetsFor(const Config& config, int members) {
  const absl::Duration probe = config.probe_interval;
  const absl::Duration suspicion = SuspicionTime(config, members);
  PhaseBudgets budgets;
  budgets.join = kJoinStagger * members + absl::Seconds(60) + 30 * probe;
  budgets.settle = absl::Seconds(120) + 30 * probe;
  budgets.spread = absl::Seconds(60) + 30 * probe;
  budgets.detection = absl::Seconds(60) + 10 * probe + 3 * suspicion;
  budgets.split = 10 * probe + 3 * suspicion;
  budgets.long_split = config.reconnect_timeout + budgets.split;
  budgets.heal =
      absl::Seconds(60) +
      4 * ScaledPushPullInterval(config, static_cast<uint64_t>(members));
  budgets.rejoin = budgets.heal + 8 * config.reconnect_interval;
  budgets.churn = 30 * probe;
  return budgets;
}

}  // namespace swim::testing

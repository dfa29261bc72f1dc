#ifndef SWIM_TESTING_CLUSTER_BOUNDS_H_
#define SWIM_TESTING_CLUSTER_BOUNDS_H_

// Time bounds for a cluster of `members` members that all run `config`
// over links whose one-way delay is at most `latency`, derived from the
// protocol's rules (docs/protocol.md) rather than tuned to pass. Failure
// detection has hard worst cases; dissemination is random, so its bounds
// are generous multiples of the expected time (an epidemic that misses a
// member is repaired by anti-entropy, which has its own bound).

#include "absl/time/time.h"
#include "swim/core/config.h"

namespace swim::testing {

// From any instant until a member has started and finished a probe of one
// given other member. The probe order is a shuffled round-robin over the
// other members (N - 1 of them), reshuffled every round, so the same
// member can come first in one round and last in the next: consecutive
// probes of it are at most 2(N-1) - 1 probe ticks apart, and a probe ends
// one probe period after it starts. Hence 2(N-1) probe periods.
absl::Duration ProbeRoundTime(const Config& config, int members);

// A probe period: probe_interval, which Lifeguard's awareness stretches up
// to awareness_max times for a member in poor local health (one whose own
// probes fail without nacks, or who must refute suspicions about itself).
absl::Duration LongestProbePeriod(const Config& config);

// The longest a suspect has to refute before it is declared OFFLINE:
// SuspicionTimeout(suspicion_mult, N, probe_interval), times
// suspicion_max_timeout_mult under Lifeguard's dynamic suspicion (which
// starts there and shrinks only with confirmations). A node computes it
// from the members it holds available (plus itself), at most N, and the
// timeout grows with N, so this is its largest value.
absl::Duration SuspicionTime(const Config& config, int members);

// How much later than its period's end an unanswered probe's verdict may
// come: with Config::stream_fallback the verdict waits for the fallback
// ping's ack until the (stretched) probe timeout plus
// FallbackWaits::kStreamRetransmit after it went out, itself a probe
// timeout after the ping; bounded here by that whole wait. Zero without
// the fallback.
absl::Duration FallbackWaitTime(const Config& config);

// How long gossip takes, with high probability, to bring an update queued
// at one member to all N. Each gossip round (gossip_interval plus one link
// delay) every member holding the update passes it to gossip_nodes = f
// random members, so the holders multiply by up to 1 + f: log_{1+f}(N)
// rounds reach most members, and about ln(N) more rounds catch the last
// few (random targets keep landing on members that already know). Twice
// that many rounds.
absl::Duration GossipSpreadTime(const Config& config, int members,
                                absl::Duration latency);

// How long anti-entropy (push-pull) takes to bring one member's state to
// all. Every member starts a full state exchange with a random member
// every push-pull period: the first within two periods of its start (one
// period plus a stagger of up to one), and the period grows by
// ceil(log2(N) - 5) + 1 above 32 members. Each exchange goes both ways, so
// every period at least doubles the holders in expectation: ceil(log2(N))
// periods after the first two.
absl::Duration AntiEntropyTime(const Config& config, int members);

// Member state (a join, a status, new metadata) reaches everyone by gossip
// or, when gossip misses someone, by anti-entropy.
absl::Duration DisseminationTime(const Config& config, int members,
                                 absl::Duration latency);

// From a crash until every live member holds the crashed member OFFLINE.
// Every live member probes it itself: the probe that fails starts within
// one ProbeRoundTime (2(N-1) probe periods, shuffled round-robin worst
// case), plus one probe period of margin for a probe already under way
// when the member crashed (its ack may be in flight) and for timer
// stagger, and FallbackWaitTime for the verdict; that member then suspects it
// (unless it heard the suspicion earlier, which only starts its timer sooner)
// and declares it OFFLINE one SuspicionTime later. Plus GossipSpreadTime: the
// OFFLINE news, which usually reaches a member before its own timer runs out,
// and the link delays. Gossip is not needed for the argument, so loss or
// partitions among the live members do not weaken the bound; it assumes no
// member is paused or slowed and the crashed member's newest incarnation is
// known to all (no refutation of it still spreading).
absl::Duration DetectionTime(const Config& config, int members,
                             absl::Duration latency);

// From a partition's end until every member held OFFLINE across it has
// been reached again by a reconnect ping (docs/protocol.md, "Healing"), with
// probability above 1 - 1/1000 per member. Each of the L members holding
// it OFFLINE pings it, each reconnect interval, with chance at least
// 1 / (kMaxBackoff * L) (offline / live, over the offline members, and
// divided by at most kMaxBackoff for members gone long), so an interval
// misses it with probability at most exp(-1 / kMaxBackoff):
// kMaxBackoff * (ln(N) + ln(1000)) intervals miss every one of N members
// with probability under 1/1000. The expected time is far shorter: the
// first ping across a healed partition goes out within about one interval,
// and its answer spreads by gossip.
absl::Duration ReconnectTime(const Config& config, int members);

// From the moment a seed becomes reachable again until a member that
// forgot it (a partition longer than reconnect_timeout) has asked it:
// seeds that are not known members are asked at most
// JoinAttempt::kMaxRecheckBackoff reconnect intervals apart (each check
// riding on the next probe tick, a probe period late at most), and the
// exchange of buried members that follows takes a few probe intervals.
absl::Duration SeedRecheckTime(const Config& config);

// From the moment every fault is lifted (partitions healed, loss gone,
// pauses over, no slow members) until the live members agree again: the
// two sides of a partition that gave up on each other meet by reconnect
// pings (ReconnectTime), and by anti-entropy among the members who are
// back (AntiEntropyTime), which also brings every member the newest claim
// about each member; then every suspicion resolves — dead members are
// declared OFFLINE and live ones refute — within DetectionTime; and the
// declarations and refutations spread (DisseminationTime). After a
// partition longer than reconnect_timeout, the sides meet through the
// seeds instead (SeedRecheckTime), also included.
absl::Duration HealTime(const Config& config, int members,
                        absl::Duration latency);

// From the moment `members` members start joining through one seed at
// once until all of them know each other: the seed answers each join's
// state exchange within two link delays, then spreads each newcomer, and
// newcomers learn of later joiners, by dissemination.
absl::Duration JoinTime(const Config& config, int members,
                        absl::Duration latency);

// From the first of a burst of joins (`members` in all, the last one
// `span` after the first) until every member knows every other
// (docs/protocol.md, "Join bursts"): the span; the join's state exchange
// (two link delays); then each joiner's settle exchanges (JoinSettle),
// probe_interval + probe_timeout apart, go on until two in a row brought
// nothing, so the last comes after gossip has spread the burst
// (GossipSpreadTime, rounded up to whole exchanges, at least two of
// them); two exchanges more, for lost ones or a peer that had not caught
// up yet; that exchange (two link delays each way). Seconds, not a push-pull
// interval: a member that missed a joiner learns it from a peer that did not.
absl::Duration BurstJoinTime(const Config& config, int members,
                             absl::Duration latency, absl::Duration span);

// --- Budgets ------------------------------------------------------------
// How long the simulator's programs (swim-sim, the convergence benchmark)
// wait for a phase's goal before they report it missed. The bounds above
// are what tests assert; these are limits for measurements, taken by every
// program from here so they agree: the same terms with fixed margins,
// generous enough at any size, preset and loss rate that a miss means
// something is broken rather than slow. Every term is a whole multiple of
// a configured duration, so a budget is exact and the runs that use it
// replay bit for bit.

// The rolling start of swim-sim and the convergence benchmark: member i
// joins at i * kJoinStagger (through member 0, or swim-sim's seeds).
inline constexpr absl::Duration kJoinStagger = absl::Milliseconds(10);

struct PhaseBudgets {
  // A rolling start of the members until every one knows every other:
  // kJoinStagger per member, then 60 s and 30 probe periods.
  absl::Duration join;
  // Until no member has news left to gossip: 120 s and 30 probe periods.
  absl::Duration settle;
  // One member's news (new metadata) until every member has it: 60 s and
  // 30 probe periods.
  absl::Duration spread;
  // A crash until every live member holds it OFFLINE: 60 s, 10 probe
  // periods and 3 SuspicionTimes.
  absl::Duration detection;
  // A partition until each side holds the other OFFLINE: 10 probe periods
  // and 3 SuspicionTimes.
  absl::Duration split;
  // A partition until each side has forgotten the other too: the split
  // after reconnect_timeout.
  absl::Duration long_split;
  // A heal, or a burst of restarts, until all agree again: 60 s and 4
  // push-pull periods (scaled to the size).
  absl::Duration heal;
  // The heal when the sides must first find each other (reconnect pings
  // or seeds, after a long partition or an isolation): 8 reconnect
  // intervals more.
  absl::Duration rejoin;
  // How long swim-sim's churn crashes and restarts members: 30 probe
  // periods.
  absl::Duration churn;
};
PhaseBudgets PhaseBudgetsFor(const Config& config, int members);

}  // namespace swim::testing

#endif  // SWIM_TESTING_CLUSTER_BOUNDS_H_

#ifndef SWIM_CORE_CONFIG_H_
#define SWIM_CORE_CONFIG_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/incarnation.h"
#include "swim/core/metadata.h"
#include "swim/core/security_mode.h"
#include "swim/core/version.h"

namespace swim {

// A Config field out of range, as data: what Config::Check found first.
// Programs map `field` back to the flag or setting the user wrote (a
// message alone would have to be parsed).
struct ConfigError {
  // The field as spelled in C++: "probe_timeout",
  // "lifeguard.awareness_max", "keys[1]" (the second key).
  std::string field;
  // What is wrong, worded to follow the field's name: "must be 1-64, is
  // 0", "is all zero; fill it from ...".
  std::string reason;

  // "config: <field> <reason>", the message Config::Validate returns.
  std::string ToString() const;
};

// Everything a Node needs to know, validated by Node::Create. Start from a
// preset (Lan, Wan, Local: memberlist's proven numbers), then set the
// identity fields (name, address, generation, seed, keys).
struct Config {
  // --- Identity ------------------------------------------------------------
  // Unique name of this member in the cluster (1-255 bytes).
  std::string name;
  // Address other members reach this one at (the advertised address; the
  // driver may bind elsewhere).
  Address address;
  // Identifies this process lifetime: a restarted member must use a larger
  // value than its previous life so its claims win at once. Drivers use the
  // wall-clock start time in microseconds (see max_clock_skew); 0 is
  // rejected.
  uint64_t generation = 0;
  // Seeds the Node's PRNG (probe order, helper and gossip target choice,
  // stream message ids). Same seed, config and inputs give byte-identical
  // outputs. Give every member its own (the drivers draw one from the OS):
  // a member refuses a stream message whose id it has seen (a replay), and
  // members started alike from one seed draw the same ids.
  uint64_t seed = 0;
  // Metadata published at start.
  Metadata metadata;
  // How far ahead of this member's clock another member's generation may
  // be (generations are start times): claims about later lives are
  // refused (kFutureGeneration), so no forged claim can outrank every real
  // one. Keep clocks synchronized well within it (NTP);
  // absl::InfiniteDuration() switches the check off.
  absl::Duration max_clock_skew = absl::Hours(1);

  // --- Security ------------------------------------------------------------
  // Protection of every packet (see Envelope). The default, kEncrypted,
  // needs at least one key in `keys`; kPlaintext must be chosen explicitly.
  SecurityMode security_mode = SecurityMode::kEncrypted;
  // Shared secrets of 16, 24 or 32 bytes; the first seals.
  std::vector<std::string> keys;
  // Cluster label bound into every packet (0-255 bytes).
  std::string label;
  // Seeds AES-GCM nonces; must differ between processes sharing a key
  // (all zero is refused in encrypted mode). Drivers fill it from the OS
  // CSPRNG; the simulator from its seed.
  std::array<uint8_t, 32> nonce_seed = {};

  // --- Failure detection ---------------------------------------------------
  // Time between probes. Lower detects failures sooner at the cost of more
  // traffic (one ping and ack per member per interval).
  absl::Duration probe_interval = absl::Seconds(1);
  // How long to wait for a direct ack before asking helpers. Set it above
  // the network's 99th percentile round trip; must be below probe_interval.
  absl::Duration probe_timeout = absl::Milliseconds(500);
  // Helpers asked to probe indirectly when a direct probe fails (k in the
  // SWIM paper). More helpers tolerate more lossy paths; 0 disables. Four
  // on LAN (memberlist and the paper use three): at 10 % loss each helper's
  // four-datagram path fails a third of the time, and the fourth helper
  // cuts the probes that fail every path, each a suspicion gossiped to the
  // whole cluster, by that third (docs/performance.md, "Stream fallback").
  // It costs nothing while the direct probes succeed.
  int indirect_checks = 4;
  // When a direct probe times out, also ping the target over the stream
  // plane (TCP), beside the indirect probes; an ack there counts like any
  // other, so the target is not suspected. A datagram path that drops a
  // ping or an ack now and then no longer starts a suspicion (and its
  // refutation, gossiped to everyone) each time. Costs one stream message
  // each way per failed direct probe. An unanswered probe's verdict then
  // waits for the fallback until one probe timeout (as Lifeguard stretches
  // it) plus one second (TCP's handshake retransmission) after it went out, if
  // that is later than the period's end: a crashed member is first suspected
  // that much later (LAN: 1 s). On in every preset; no effect with
  // tcp_only, where every ping already goes by stream.
  bool stream_fallback = true;
  // TCP-only mode, for networks that drop UDP (firewalls, load balancers
  // that pass only TCP): every message goes over the stream plane, and
  // datagrams that arrive anyway are dropped (DropReason::kWrongChannel).
  // A packet that would have been a datagram is the same packet, framed
  // as a stream message: to the member that sent the message being
  // answered, on the connection that message came on (and a relayed ack
  // or nack on the requester's connection while it is open); to anyone
  // else, on the driver's reused connection to that member's address. A
  // probe whose ping (or ack) TCP is still resending is answered late: its
  // verdict waits like a stream fallback's (one probe timeout plus one
  // second after the ping). Every member of a cluster must use the same
  // mode. Off in every preset.
  bool tcp_only = false;
  // A suspicion lasts at least suspicion_mult * max(1, log10(N)) *
  // probe_interval before a suspect is declared OFFLINE (and up to
  // lifeguard.suspicion_max_timeout_mult times that; see Lifeguard).
  // Higher means fewer false positives and slower detection.
  int suspicion_mult = 4;

  // --- Lifeguard -----------------------------------------------------------
  // Lifeguard (Dadgar, Phillips, Currey 2018) keeps a slow or lossy member
  // from declaring healthy peers dead. On by default, as in memberlist;
  // each part can be switched off to compare with plain SWIM.
  struct Lifeguard {
    // Local health multiplier: probe interval and timeout scale by
    // (score + 1), score in [0, awareness_max - 1]; -1 per answered probe,
    // +1 per expected nack missing from a failed probe (+1 if none was
    // expected), +1 per suspicion, declaration or leave about itself this
    // member must refute. (memberlist scales only the interval and also
    // counts refuting an ONLINE claim; the Lifeguard paper scales both.)
    bool awareness = true;
    int awareness_max = 8;
    // Helpers asked for an indirect probe answer with a nack when the
    // target is silent, at 80 % of the shorter of their probe_timeout and
    // probe_interval - probe_timeout, so the prober can tell "the target
    // is down" from "my own messages are lost".
    bool nacks = true;
    // A suspicion starts at suspicion_max_timeout_mult times the plain
    // SWIM timeout and shrinks toward it, logarithmically, as independent
    // members confirm it (k = suspicion_mult - 2 confirmations expected).
    // When k < 1 (suspicion_mult <= 2) or fewer than k members besides
    // this one and the suspect could confirm, nothing is waited for and
    // the plain timeout applies (as in memberlist).
    bool dynamic_suspicion = true;
    int suspicion_max_timeout_mult = 6;
    // A probe of a suspected member carries the suspicion, so the member
    // can refute at once (the refutation rides on its ack).
    bool buddy_system = true;

    // Every part switched off: plain SWIM.
    static Lifeguard Off();
  };
  Lifeguard lifeguard;

  // --- Dissemination -------------------------------------------------------
  // Each update is sent about retransmit_mult * ceil(log10(N + 1)) times,
  // and at least 2 * gossip_nodes times so tiny clusters still spread it.
  // Raise it on lossy networks.
  int retransmit_mult = 4;
  // Period of gossip (updates only) to gossip_nodes random members, when
  // there is something to send. Shorter spreads news faster.
  absl::Duration gossip_interval = absl::Milliseconds(200);
  int gossip_nodes = 3;
  // Largest datagram this member sends, envelope included. Keep it below
  // the path MTU (1400 fits Ethernet with IP/UDP headers and tunnels).
  size_t datagram_budget = 1400;
  // Share of each datagram's piggyback space kept for user broadcasts when
  // any are queued, so membership traffic cannot starve them.
  double user_broadcast_share = 0.3;

  // --- Anti-entropy and lifecycle -----------------------------------------
  // Full-state exchange with one random member; above 32 members the
  // interval grows with log2(N) (as memberlist) to bound the cost. Zero
  // disables periodic push-pull (join still uses it).
  absl::Duration push_pull_interval = absl::Seconds(30);
  // Upper bound on the encoded size of this member's metadata, and on what
  // is accepted from others (larger updates are dropped and counted).
  size_t max_metadata_size = 512;
  // Upper bound on members tracked; updates about new members beyond it are
  // dropped and counted, so a hostile peer cannot grow the table at will.
  size_t max_members = 100000;
  // Largest stream message (a push-pull state, envelopes excluded) this
  // member sends or accepts; a peer sending more is cut off. A member
  // admits new members only while its whole state, at the most each entry
  // can take, fits in one such message, so every state exchange fits too
  // (see docs/security.md, "Budgets"). Every member should use the same.
  size_t max_stream_message = 16 << 20;
  // The newest wire version this member sends. 2: its periodic state
  // exchanges go out compressed, and so do its replies to compressed ones.
  // 1: nothing compressed, for a cluster that still has members of a
  // release before wire version 2, which drop compressed packets
  // (docs/wire.md, "Versions and compatibility", says how to upgrade). A
  // member reads both versions whatever this says, and answers an
  // uncompressed request uncompressed.
  int wire_version = SWIM_WIRE_VERSION;

  // --- Healing and forgetting (docs/protocol.md, "Healing") --------------
  // How often this member tries to reach one member it holds OFFLINE: a
  // ping, and a state exchange when it is answered, so both sides of a
  // partition learn of each other and merge. Across the cluster each
  // OFFLINE member is tried about once an interval (a member tries with
  // chance offline / live, less for members gone longer), so the cost
  // does not grow with the cluster. Zero disables reconnecting.
  absl::Duration reconnect_interval = absl::Seconds(10);
  // OFFLINE members are forgotten (MemberReaped) after this long: a
  // partition shorter than this heals through reconnecting alone; a
  // longer one heals through the seeds (Node::Join), which are retried
  // while they are not members this node knows. Remembered members cost
  // their table entry and their share of every state exchange.
  absl::Duration reconnect_timeout = absl::Hours(1);
  // LEFT members are forgotten after this long. Keep it long enough that
  // no delayed gossip about them is still in flight.
  absl::Duration tombstone_timeout = absl::Minutes(15);
  // An isolated member suspects itself first: when it has sent
  // isolation_probes probes since it last heard from any other member
  // while at least two others are live, it declares nobody OFFLINE
  // (suspicions wait) until it hears from someone again, and then gives
  // its pending suspicions a fresh timeout. A process paused for
  // isolation_probes probe periods (as Lifeguard stretches them) is
  // isolated too, for as long. Zero disables it (plain SWIM declares
  // whatever it cannot reach).
  int isolation_probes = 3;

  // memberlist's DefaultLANConfig numbers.
  static Config Lan();
  // memberlist's DefaultWANConfig numbers: slower, more tolerant.
  static Config Wan();
  // memberlist's DefaultLocalConfig numbers: loopback and tests.
  static Config Local();

  // Checks every field, in the order they are declared, and returns the
  // first one out of range (nullopt: the config is valid). Pure: state
  // changes nowhere.
  std::optional<ConfigError> Check() const;
  // Check() as a status: OK, or INVALID_ARGUMENT with ConfigError's text
  // (the field and the allowed range). Node::Create returns it.
  absl::Status Validate() const;
};

// What a member with `config` does in a cluster of `members` (itself
// included). Public so that tools and benchmarks derive their budgets and
// reference figures from the same rules the Node follows.
//
// The periodic push-pull interval: push_pull_interval, and above 32 members
// one more multiple per doubling (memberlist's pushPullScale), so the
// cluster-wide rate of full-state exchanges stays bounded.
absl::Duration ScaledPushPullInterval(const Config& config, uint64_t members);
// How many times a member sends a piece of membership news:
// retransmit_mult * ceil(log10(N + 1)) (SWIM's lambda * log N), but at
// least 2 * gossip_nodes.
int RetransmitLimit(const Config& config, uint64_t members);

}  // namespace swim

#endif  // SWIM_CORE_CONFIG_H_

#ifndef BENCH_BENCH_NODES_H_
#define BENCH_BENCH_NODES_H_

// Nodes and packets the Node benchmarks share: members of a made-up
// cluster, the packets their peers would send (plaintext envelope), and a
// node that knows N of them in steady state.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/core/wire.h"

namespace swim::bench {

// Where virtual time starts.
inline const Instant kStart = Instant(absl::Seconds(1700000000));

// Member `index` of the cluster: "member-<index>.bench.internal" (over 15
// bytes, so copies of its name allocate) at 10.x.y.z:7946.
std::string MemberName(int index);
Address MemberAddress(int index);
Config MemberConfig(int index, SecurityMode mode = SecurityMode::kPlaintext);

std::unique_ptr<Node> MakeNode(int index, SecurityMode mode,
                               bool push_pull = true);

// Encodes `messages` into one packet in the plaintext envelope (mode byte,
// empty label, packet), as a plaintext peer sends it. Reuses `out`'s
// capacity.
void SealPlaintext(absl::Span<const Message> messages,
                   std::vector<uint8_t>& out);

// The ONLINE claim a member makes about itself at `version` of generation
// 1, with empty metadata (a view of `name`).
Claim OnlineClaim(absl::string_view name, const Address& address,
                  uint64_t version = 0);

// The full state of members 1..n, sent by member 1: the bytes of one
// plaintext push-pull stream message.
std::vector<uint8_t> PushPullState(int n, bool reply_wanted = false);

// Node 0 (periodic push-pull on or off) after learning members 1..n from one
// push-pull (drained). Their news is still queued for dissemination: a join
// storm.
std::unique_ptr<Node> NodeWithMembers(int n, Instant now,
                                      bool push_pull = true);

// NodeWithMembers after gossip ticks with every probe answered until the
// news has spread (nothing queued): the steady state. Advances `now`.
std::unique_ptr<Node> SteadyNode(int n, Instant& now, bool push_pull = true);

// Answers every ping in `node`'s transmits with an ack, as live peers
// would. Other transmits are dropped. Returns the transmits seen.
int AnswerPings(Node& node, Instant now, std::vector<Message>& decoded,
                std::vector<uint8_t>& reply);

// Drains `node`'s transmits and events; returns the transmits.
int Drain(Node& node);

}  // namespace swim::bench

#endif  // BENCH_BENCH_NODES_H_

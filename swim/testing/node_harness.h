#ifndef SWIM_TESTING_NODE_HARNESS_H_
#define SWIM_TESTING_NODE_HARNESS_H_

// A harness for the core's single-node tests: one Node driven by
// hand-crafted input in exact virtual time. The test plays every peer: the
// harness seals the test's packets with the cluster's envelope as a peer
// would, fires every timer at its exact instant, and opens and decodes
// everything the node sends so tests can assert on messages rather than
// bytes. Also the fixed names, addresses and config those tests share, and
// small helpers to build peer claims and pick apart what the node sent.
// (Tests of several real Nodes talking use TestCluster instead.)

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/envelope.h"
#include "swim/core/event.h"
#include "swim/core/incarnation.h"
#include "swim/core/instant.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/wire.h"

namespace swim::testing {

// The node under test and the peers the tests play.
inline constexpr absl::string_view kSelf = "self";
inline constexpr absl::string_view kPeerA = "peer-a";
inline constexpr absl::string_view kPeerB = "peer-b";
inline constexpr absl::string_view kPeerC = "peer-c";
// The default cluster label of TestConfig.
inline constexpr absl::string_view kLabel = "node-test";
// The node's generation: its incarnation starts at {kGeneration, 0}.
inline constexpr uint64_t kGeneration = 100;
// When the harness creates the node (virtual time).
inline constexpr Instant kStart = Instant(absl::Seconds(1700000000));

// The cluster's one (32-byte) key.
std::string Key();

// 10.0.0.<last>:<port>. The node is 10.0.0.1; peer-a .2, peer-b .3, ...
Address Addr(uint8_t last, uint16_t port = 7946);

// The node's config: Config::Local() named kSelf at Addr(1), generation
// kGeneration, seed 42, keyed with Key(), under cluster label `label`.
Config TestConfig(absl::string_view label = kLabel);

// `config` with periodic push-pulls switched off.
Config NoPeriodicPushPull(Config config = TestConfig());

// How long after its ping an unanswered probe's verdict comes (a member in
// good health): at the period's end, or with the stream fallback when its
// wait ends, if later (docs/protocol.md, "Failure detection").
absl::Duration ProbeVerdictAfter(const Config& config);

// An envelope as a member of the cluster would build it; fails the test
// (and aborts) if it cannot be created.
Envelope MakeEnvelope(SecurityMode mode, const std::vector<std::string>& keys,
                      absl::string_view label, uint8_t nonce);

// `messages` encoded as one packet (unsealed).
std::vector<uint8_t> EncodeMessages(const std::vector<Message>& messages);

// `packet` sealed with `envelope`.
std::vector<uint8_t> SealPacket(Envelope& envelope,
                                absl::Span<const uint8_t> packet);

// `packet` as one stream message sealed with `envelope` (framed chunks).
std::vector<uint8_t> SealStreamPacket(Envelope& envelope,
                                      absl::Span<const uint8_t> packet,
                                      uint64_t message_id = 1);

// A claim as a peer would send it. ONLINE claims carry (empty) metadata.
Claim MakeClaim(MemberStatus status, absl::string_view name,
                const Address& address, Incarnation incarnation,
                absl::string_view origin = "");

Claim Online(absl::string_view name, const Address& address,
             Incarnation incarnation);

// One transmit of the node, opened and decoded. `messages` point into
// `packet`, so a Sent is move-only.
struct Sent {
  Sent() = default;
  Sent(Sent&&) = default;
  Sent& operator=(Sent&&) = default;
  Sent(const Sent&) = delete;
  Sent& operator=(const Sent&) = delete;

  Instant at;
  Address to;
  Channel channel = Channel::kDatagram;
  std::optional<StreamId> stream;  // a stream reply's connection
  std::vector<uint8_t> sealed;
  std::vector<uint8_t> packet;  // expanded, if it went compressed
  bool compressed = false;
  std::vector<Message> messages;
};

// Every message of type T in `sent`, in order.
template <typename T>
std::vector<T> MessagesOf(const Sent& sent) {
  std::vector<T> found;
  for (const Message& message : sent.messages) {
    if (const T* typed = std::get_if<T>(&message)) found.push_back(*typed);
  }
  return found;
}

// Whether the first message of `sent` is a T.
template <typename T>
bool FirstIs(const Sent& sent) {
  return !sent.messages.empty() && std::holds_alternative<T>(sent.messages[0]);
}

// The first message of `sent`, which must be a T (else the test fails and
// this returns T()).
template <typename T>
T First(const Sent& sent) {
  EXPECT_TRUE(FirstIs<T>(sent));
  if (!FirstIs<T>(sent)) return T();
  return std::get<T>(sent.messages[0]);
}

// Every transmit whose first message is a T.
template <typename T>
std::vector<const Sent*> Led(const std::vector<Sent>& sent) {
  std::vector<const Sent*> found;
  for (const Sent& one : sent) {
    if (FirstIs<T>(one)) found.push_back(&one);
  }
  return found;
}

// The update about `name` carried by `sent`, if any.
std::optional<Claim> UpdateAbout(const Sent& sent, absl::string_view name);

// How many of `events` are a `Case` (e.g. CountEvents<Refuted>(events)).
template <typename Case>
size_t CountEvents(const std::vector<Event>& events) {
  size_t count = 0;
  for (const Event& event : events) {
    if (std::holds_alternative<Case>(event)) ++count;
  }
  return count;
}

// What the node's members look like, for "nothing changed" checks.
struct Snapshot {
  Member local;
  std::vector<Member> members;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

// `snapshot` in one line, for failure messages.
std::string Describe(const Snapshot& snapshot);

// Drives one Node: delivers sealed peer packets, fires every timer at its
// exact instant, and records every transmit (opened) and event. Every
// transmit must open with the cluster's envelope and decode, and every
// datagram must fit the config's datagram budget, or the test fails.
class Harness {
 public:
  explicit Harness(Config config = TestConfig(), Instant start = kStart);

  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  Node& node() { return *node_; }
  const Node& node() const { return *node_; }
  Instant now() const { return now_; }

  // A peer's packet, sealed as the cluster seals a datagram.
  std::vector<uint8_t> Seal(const std::vector<Message>& messages);
  std::vector<uint8_t> SealRaw(absl::Span<const uint8_t> packet);
  // The same as a stream message (framed chunks).
  std::vector<uint8_t> SealStream(const std::vector<Message>& messages);
  std::vector<uint8_t> SealStreamRaw(absl::Span<const uint8_t> packet);

  // Delivers a peer's packet from `from` now.
  void Datagram(const Address& from, const std::vector<Message>& messages);
  void DatagramBytes(const Address& from, absl::Span<const uint8_t> bytes);
  // A peer's stream message on a new connection from `from`, which then
  // closes (after the node's replies were collected); returns the verdict
  // on its bytes.
  StreamVerdict Stream(const Address& from,
                       const std::vector<Message>& messages);
  // Raw bytes on a new connection from `from`, which then closes.
  StreamVerdict StreamBytes(const Address& from,
                            absl::Span<const uint8_t> bytes);
  // Bytes on connection `stream`, left open; and its close.
  StreamVerdict StreamData(StreamId stream, const Address& from,
                           absl::Span<const uint8_t> bytes);
  void CloseStream(StreamId stream);
  // A connection number no test stream has used yet.
  StreamId NewStreamId() { return next_stream_++; }

  // Teaches the node an ONLINE member (as gossip from that member).
  void Learn(absl::string_view name, const Address& address,
             Incarnation incarnation = {5, 0});

  // The node's API, called now.
  absl::Status Join(const std::vector<Address>& seeds);
  absl::Status Leave();
  absl::Status SetMetadata(Metadata metadata);
  absl::Status Broadcast(absl::string_view payload);
  absl::Status Rejoin(const std::vector<Member>& saved,
                      const std::vector<Address>& seeds = {});
  absl::Status Remove(absl::string_view name);
  absl::Status RememberFor(absl::string_view name, absl::Duration duration);

  // Calls HandleTimeout at an arbitrary instant (not necessarily a
  // deadline), as a late or early driver would.
  void TimeoutAt(Instant at);

  // Fires the next timer if it is due by `limit`, at its exact instant.
  bool StepOnce(Instant limit);

  // Fires every timer due up to `until`, each at its exact instant.
  void AdvanceTo(Instant until);
  void Advance(absl::Duration duration) { AdvanceTo(now_ + duration); }

  // Fires timers until a transmit matching `match` is sent (returns its
  // index in sent()) or `limit` passes (returns nullopt, now() == limit).
  std::optional<size_t> AdvanceUntil(
      const std::function<bool(const Sent&)>& match, Instant limit);

  // Advances to the node's next probe ping (a transmit led by a Ping);
  // fails the test if none comes within one probe interval (plus `slack`).
  std::optional<Ping> AdvanceToNextPing(
      absl::Duration slack = absl::ZeroDuration());
  // The address the last AdvanceToNextPing ping went to.
  const Address& ping_to() const { return ping_to_; }

  const std::vector<Sent>& sent() const { return sent_; }
  std::vector<Sent> TakeSent();
  std::vector<Event> TakeEvents();

  Snapshot Snap() const;

 private:
  void CheckDeadlineAfterNow();
  // Drains the node's transmits (opened and decoded) and events.
  void Collect();

  Instant now_;
  size_t datagram_budget_;
  Envelope opener_;
  Envelope peer_;
  std::unique_ptr<Node> node_;
  std::vector<Sent> sent_;
  std::vector<Event> events_;
  Address ping_to_;
  StreamId next_stream_ = 1000;
  uint64_t next_message_id_ = 1000;  // each sealed stream message's own
};

// Pings the node with a datagram as large as a busy peer's probe (a reply
// is never larger than what it answers) and returns the update about
// itself its reply carries; `keep` holds the transmit the update points
// into.
std::optional<Claim> SelfNewsOnNextDatagram(Harness& h,
                                            std::vector<Sent>& keep);

}  // namespace swim::testing

#endif  // SWIM_TESTING_NODE_HARNESS_H_

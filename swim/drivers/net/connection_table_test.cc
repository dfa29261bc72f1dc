#include "swim/drivers/net/connection_table.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"
#include "swim/drivers/testing/test_pki.h"

namespace swim::net {
namespace {

struct FakeConnection : StreamConnection {};
using Table = ConnectionTable<FakeConnection>;

const Instant kNow = Instant(absl::Seconds(1000));
const Address kPeer = *Address::Parse("127.0.0.1:7000");

Address From(absl::string_view text) { return *Address::Parse(text); }

// An incoming connection from `peer` (nullptr: refused).
FakeConnection* Accept(Table& table, absl::string_view peer,
                       Instant now = kNow) {
  return table.AddIncoming(std::make_unique<FakeConnection>(), From(peer), now)
      .added;
}

DriverOptions SmallOptions() {
  DriverOptions options;
  options.max_connections = 3;
  options.max_unauthenticated_per_host = 2;
  options.max_queued_stream_bytes = 250;
  options.read_timeout = absl::Seconds(10);
  options.connect_timeout = absl::Seconds(5);
  options.write_timeout = absl::Seconds(7);
  options.idle_timeout = absl::Seconds(3);
  return options;
}

// A table whose three incoming slots are taken, unauthenticated, from
// hosts 10.0.0.1-3 at kNow.
struct FullTable {
  static DriverOptions Options() {
    DriverOptions options = SmallOptions();
    options.max_unauthenticated_per_host = 3;
    options.max_queued_stream_bytes = 1 << 20;
    return options;
  }
  FullTable() {
    for (int i = 0; i < 3; ++i) {
      slots.push_back(Accept(table, absl::StrCat("10.0.0.", i + 1, ":1")));
      EXPECT_NE(slots.back(), nullptr);
    }
  }
  const DriverOptions options = Options();
  DriverStats stats;
  Table table{options, stats};
  std::vector<FakeConnection*> slots;
};

TEST(ConnectionTableTest, UnauthenticatedIncomingConnectionsAreCappedPerHost) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  FakeConnection* first = Accept(table, "10.0.0.1:40000");
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->incoming);
  EXPECT_FALSE(first->authenticated);
  EXPECT_EQ(first->deadline, kNow + absl::Seconds(10));
  ASSERT_NE(Accept(table, "10.0.0.1:40001"), nullptr);
  // A third from the same host (any port) is refused.
  EXPECT_EQ(Accept(table, "10.0.0.1:40002"), nullptr);
  EXPECT_EQ(stats.streams_rejected, 1u);
  // Once one authenticates, the host has room again.
  EXPECT_TRUE(table.Read(*first, 100, StreamVerdict::kProgress, kNow));
  EXPECT_TRUE(first->authenticated);
  EXPECT_NE(Accept(table, "10.0.0.1:40003"), nullptr);
  EXPECT_EQ(stats.streams_accepted, 3u);
  EXPECT_EQ(table.incoming_count(), 3u);
  table.Remove(first->id);
  EXPECT_EQ(table.incoming_count(), 2u);
}

// Authenticated connections count too: a member (or a stolen key) cannot
// open connections without end from one host.
TEST(ConnectionTableTest, AnIpv6HostIsItsPrefix) {
  EXPECT_EQ(HostOf(From("10.1.2.3:7946"), 64), From("10.1.2.3:0"));
  EXPECT_EQ(HostOf(From("[fd00:1:2:3:4:5:6:7]:7946"), 128),
            From("[fd00:1:2:3:4:5:6:7]:0"));
  EXPECT_EQ(HostOf(From("[fd00:1:2:3:4:5:6:7]:7946"), 64),
            From("[fd00:1:2:3::]:0"));
  EXPECT_EQ(HostOf(From("[fd00:1:2:3fff:4:5:6:7]:7946"), 52),
            From("[fd00:1:2:3000::]:0"));
  EXPECT_EQ(HostOf(From("[fd00:1:2:3:4:5:6:7]:7946"), 1), From("[8000::]:0"));
}

// With ipv6_host_prefix 64, the addresses of one /64 are one host: they
// share its caps, and another /64 has its own.
TEST(ConnectionTableTest, PerHostCapsCountAnIpv6PrefixOnce) {
  DriverOptions options = SmallOptions();
  options.max_connections = 16;
  options.max_connections_per_host = 4;
  DriverStats stats;
  {
    Table table(options, stats);  // each address a host
    for (int i = 1; i <= 3; ++i) {
      EXPECT_NE(Accept(table, absl::StrCat("[fd00::", i, "]:4000")), nullptr);
    }
  }
  options.ipv6_host_prefix = 64;
  Table table(options, stats);
  EXPECT_NE(Accept(table, "[fd00::1]:4000"), nullptr);
  EXPECT_NE(Accept(table, "[fd00::2]:4000"), nullptr);
  // Two unauthenticated from the prefix already (any address in it).
  EXPECT_EQ(Accept(table, "[fd00::ffff:3]:4000"), nullptr);
  EXPECT_EQ(stats.streams_rejected, 1u);
  EXPECT_NE(Accept(table, "[fd00:0:0:1::1]:4000"), nullptr);
}

TEST(ConnectionTableTest, AllIncomingConnectionsAreCappedPerHost) {
  DriverOptions options = SmallOptions();
  options.max_connections = 10;
  options.max_connections_per_host = 2;
  options.max_unauthenticated_per_host = 1;
  DriverStats stats;
  Table table(options, stats);
  for (int port = 1; port <= 2; ++port) {
    FakeConnection* c = Accept(table, absl::StrCat("10.0.0.1:", port));
    ASSERT_NE(c, nullptr);
    table.Read(*c, 10, StreamVerdict::kProgress, kNow);
  }
  EXPECT_EQ(Accept(table, "10.0.0.1:3"), nullptr);
  EXPECT_EQ(stats.streams_rejected, 1u);
  // Other hosts are not affected.
  EXPECT_NE(Accept(table, "10.0.0.2:3"), nullptr);
}

// Requests replayed on one connection, never reading the replies, cannot
// pile replies up: one waits per connection, the rest are dropped.
TEST(ConnectionTableTest, RepliesWaitingPerConnectionAreBounded) {
  DriverOptions options = SmallOptions();
  options.max_queued_stream_bytes = 1 << 20;
  DriverStats stats;
  Table table(options, stats);
  FakeConnection* in = Accept(table, "10.0.0.9:5");
  auto no_connect = []() -> FakeConnection* { return nullptr; };
  // Small replies (a probe's answers): eight may wait, not nine.
  for (int i = 0; i < 8; ++i) {
    FakeConnection* route = table.Route(in->peer, in->id, 100, no_connect);
    ASSERT_EQ(route, in) << i;
    table.Enqueue(*route, std::vector<uint8_t>(100), kNow);
  }
  EXPECT_EQ(table.Route(in->peer, in->id, 100, no_connect), nullptr);
  EXPECT_EQ(stats.stream_messages_dropped, 1u);
  // A large one (a state exchange) only when nothing waits.
  EXPECT_EQ(table.Route(in->peer, in->id, 20000, no_connect), nullptr);
  EXPECT_EQ(stats.stream_messages_dropped, 2u);
  while (!in->queue.empty()) {
    table.Wrote(*in, in->queue.Unwritten().size(), kNow);
  }
  FakeConnection* route = table.Route(in->peer, in->id, 20000, no_connect);
  ASSERT_EQ(route, in);
  table.Enqueue(*route, std::vector<uint8_t>(20000), kNow);
  // Not a second large one behind it; small ones, up to eight messages.
  EXPECT_EQ(table.Route(in->peer, in->id, 20000, no_connect), nullptr);
  EXPECT_EQ(stats.stream_messages_dropped, 3u);
  for (int i = 1; i < 8; ++i) {
    ASSERT_EQ(table.Route(in->peer, in->id, 10, no_connect), in) << i;
    table.Enqueue(*in, std::vector<uint8_t>(10), kNow);
  }
  EXPECT_EQ(table.Route(in->peer, in->id, 10, no_connect), nullptr);
  EXPECT_EQ(stats.stream_messages_dropped, 4u);
  // Nor does a reply go anywhere once its connection is gone.
  table.Remove(in->id);
  EXPECT_EQ(table.Route(From("10.0.0.9:5"), uint64_t{99}, 10, no_connect),
            nullptr);
  EXPECT_EQ(table.queued_bytes(), 0u);
}

// At the cap, the host holding the most unauthenticated connections
// evicts its own, however new: a member's connection, not yet
// authenticated (a handshake, a first message under way), outlives a
// host opening connections faster.
TEST(ConnectionTableTest, AtTheCapTheBusiestHostsOldestIsEvicted) {
  DriverOptions options = SmallOptions();
  options.max_connections = 4;
  options.max_unauthenticated_per_host = 8;
  DriverStats stats;
  Table table(options, stats);
  const uint64_t member = Accept(table, "10.0.0.9:1")->id;
  std::vector<uint64_t> flood;
  for (int i = 0; i < 3; ++i) {
    flood.push_back(
        Accept(table, "10.0.0.1:1", kNow + absl::Milliseconds(i + 1))->id);
  }
  for (int i = 0; i < 3; ++i) {
    auto accepted =
        table.AddIncoming(std::make_unique<FakeConnection>(),
                          From("10.0.0.1:1"), kNow + absl::Milliseconds(9));
    ASSERT_NE(accepted.added, nullptr);
    ASSERT_NE(accepted.evicted, nullptr);
    EXPECT_EQ(accepted.evicted->id, flood[i]);
  }
  // A newcomer from another host: the flooding host still holds the
  // most, and gives way again, and again.
  for (const char* peer : {"10.0.0.2:1", "10.0.0.3:1"}) {
    auto accepted =
        table.AddIncoming(std::make_unique<FakeConnection>(), From(peer), kNow);
    ASSERT_NE(accepted.evicted, nullptr);
    EXPECT_NE(accepted.evicted->id, member);
  }
  EXPECT_NE(table.Find(member), nullptr);
  EXPECT_EQ(stats.streams_evicted, 5u);
  // Once every host holds one, the oldest of all goes: the member's.
  auto last = table.AddIncoming(std::make_unique<FakeConnection>(),
                                From("10.0.0.4:1"), kNow);
  ASSERT_NE(last.evicted, nullptr);
  EXPECT_EQ(last.evicted->id, member);
}

// Hosts tied at the most: the oldest of their connections goes, and a host
// holding fewer keeps its own, older or not.
TEST(ConnectionTableTest, AtTheCapTiedHostsGiveWayOldestFirst) {
  DriverOptions options = SmallOptions();
  options.max_connections = 7;
  options.max_unauthenticated_per_host = 16;
  DriverStats stats;
  Table table(options, stats);
  const uint64_t member = Accept(table, "192.0.2.7:1")->id;
  std::vector<uint64_t> flood;
  for (int i = 0; i < 6; ++i) {
    flood.push_back(Accept(table, absl::StrCat("198.51.100.", 1 + i % 3, ":1"),
                           kNow + absl::Milliseconds(1 + i))
                        ->id);
  }
  for (int i = 0; i < 3; ++i) {
    auto accepted =
        table.AddIncoming(std::make_unique<FakeConnection>(),
                          From(absl::StrCat("203.0.113.", 1 + i, ":1")), kNow);
    ASSERT_NE(accepted.evicted, nullptr);
    EXPECT_EQ(accepted.evicted->id, flood[i]);
  }
  EXPECT_NE(table.Find(member), nullptr);
}

TEST(ConnectionTableTest, AtTheCapTheOldestUnauthenticatedOneIsEvicted) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  FakeConnection* old = Accept(table, "10.0.0.1:1");
  const uint64_t old_id = old->id;
  FakeConnection* member = Accept(table, "10.0.0.2:1");
  table.Read(*member, 10, StreamVerdict::kProgress, kNow);
  table.AddIncoming(std::make_unique<FakeConnection>(), From("10.0.0.3:1"),
                    kNow + absl::Seconds(1));
  auto accepted = table.AddIncoming(std::make_unique<FakeConnection>(),
                                    From("10.0.0.4:1"), kNow);
  ASSERT_NE(accepted.added, nullptr);
  ASSERT_NE(accepted.evicted, nullptr);
  EXPECT_EQ(accepted.evicted->id, old_id);
  EXPECT_EQ(stats.streams_evicted, 1u);
  EXPECT_EQ(table.Find(old_id), nullptr);
  EXPECT_EQ(table.incoming_count(), 3u);
  // When every connection has authenticated and is in use (active within
  // kEvictableIdle), a newcomer is refused.
  for (uint64_t id = 1; id < 10; ++id) {
    if (FakeConnection* c = table.Find(id)) {
      table.Read(*c, 1, StreamVerdict::kProgress, kNow);
    }
  }
  const Instant soon = kNow + Table::kEvictableIdle - absl::Nanoseconds(1);
  EXPECT_EQ(Accept(table, "10.0.0.5:1", soon), nullptr);
  EXPECT_EQ(stats.streams_rejected, 1u);
}

// A burst of members through one seed: connections members are done with
// (idle since their reply was read) make room for the next ones instead
// of holding their slots until read_timeout. The one idle longest goes;
// one with a reply still to write, or in use, does not.
TEST(ConnectionTableTest, AtTheCapAConnectionLeftIdleMakesRoom) {
  FullTable full;
  ASSERT_FALSE(HasFailure());
  Table& table = full.table;
  DriverStats& stats = full.stats;
  const std::vector<FakeConnection*>& members = full.slots;
  const std::vector<uint64_t> ids = {members[0]->id, members[1]->id,
                                     members[2]->id};
  table.Read(*members[0], 10, StreamVerdict::kProgress, kNow);
  table.Read(*members[1], 10, StreamVerdict::kProgress,
             kNow - absl::Seconds(1));  // idle longest, but a reply waits
  table.Enqueue(*members[1], std::vector<uint8_t>(10),
                kNow + absl::Milliseconds(500));
  table.Read(*members[2], 10, StreamVerdict::kProgress,
             kNow + absl::Milliseconds(500));
  const Instant later = kNow + Table::kEvictableIdle;
  auto accepted = table.AddIncoming(std::make_unique<FakeConnection>(),
                                    From("10.0.0.9:1"), later);
  ASSERT_NE(accepted.added, nullptr);
  ASSERT_NE(accepted.evicted, nullptr);
  EXPECT_EQ(accepted.evicted->id, ids[0]);
  EXPECT_EQ(stats.streams_evicted, 1u);
  EXPECT_EQ(stats.streams_rejected, 0u);
  // The rest are in use or have output: the next newcomer is refused.
  table.Read(*accepted.added, 10, StreamVerdict::kProgress, later);
  EXPECT_EQ(Accept(table, "10.0.0.10:1", later), nullptr);
  EXPECT_EQ(stats.streams_rejected, 1u);
}

// A replayed state request answered on the replayer's connection, whose
// reply it reads a byte now and then: every byte the socket takes moves
// write_timeout on, so only eviction frees the slot. Once its reply has
// waited kEvictableIdle, it makes room, after any connection left idle.
TEST(ConnectionTableTest, AtTheCapAReplyReadTooSlowlyMakesRoom) {
  FullTable full;
  ASSERT_FALSE(HasFailure());
  Table& table = full.table;
  for (int i = 0; i < 3; ++i) {
    table.Read(*full.slots[i], 10, StreamVerdict::kProgress, kNow);
    table.Enqueue(*full.slots[i], std::vector<uint8_t>(1000),
                  kNow + absl::Milliseconds(i));
  }
  const uint64_t first = full.slots[0]->id;
  // Replies queued less than kEvictableIdle ago keep their slots.
  EXPECT_EQ(Accept(table, "10.0.0.8:1",
                   kNow + Table::kEvictableIdle - absl::Nanoseconds(1)),
            nullptr);
  EXPECT_EQ(full.stats.streams_rejected, 1u);
  // Each takes a byte every half second, for far longer than
  // write_timeout: never closed for it.
  Instant now = kNow;
  for (int step = 1; step <= 40; ++step) {
    now = kNow + absl::Milliseconds(500 * step);
    for (FakeConnection* c : full.slots) {
      table.Outgoing(*c);
      table.Wrote(*c, 1, now);
      EXPECT_EQ(c->deadline, now + full.options.write_timeout);
    }
  }
  // A newcomer takes the slot of the reply that waited longest.
  auto accepted = table.AddIncoming(std::make_unique<FakeConnection>(),
                                    From("10.0.0.9:1"), now);
  ASSERT_NE(accepted.added, nullptr);
  ASSERT_NE(accepted.evicted, nullptr);
  EXPECT_EQ(accepted.evicted->id, first);
  EXPECT_EQ(full.stats.streams_evicted, 1u);
  // A connection left idle goes before a slow reply.
  const uint64_t idle = accepted.added->id;
  table.Read(*accepted.added, 10, StreamVerdict::kProgress, now);
  accepted =
      table.AddIncoming(std::make_unique<FakeConnection>(), From("10.0.0.10:1"),
                        now + Table::kEvictableIdle);
  ASSERT_NE(accepted.evicted, nullptr);
  EXPECT_EQ(accepted.evicted->id, idle);
  EXPECT_EQ(full.stats.streams_evicted, 2u);
}

// A reload of the TLS settings (a new CA shuts a host out): connections
// made before it close within read_timeout of it, however busy they stay;
// those made after it keep the usual deadlines.
TEST(ConnectionTableTest, RetiredConnectionsCloseWithinReadTimeout) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  const Instant reload = kNow + absl::Seconds(1);
  FakeConnection* old = Accept(table, "10.0.0.1:1");
  ASSERT_NE(old, nullptr);
  const uint64_t old_id = old->id;
  table.Read(*old, 10, StreamVerdict::kProgress, kNow);
  table.Retire(reload);
  FakeConnection* fresh = Accept(table, "10.0.0.2:1", reload);
  ASSERT_NE(fresh, nullptr);
  const uint64_t fresh_id = fresh->id;
  for (int step = 1; step <= 40; ++step) {
    const Instant at = kNow + absl::Milliseconds(500 * step);
    table.Read(*old, 10, StreamVerdict::kProgress, at);
    table.Read(*fresh, 10, StreamVerdict::kProgress, at);
    // Progress moves it no later than the reload's bound.
    EXPECT_EQ(old->deadline, std::min(at, reload) + options.read_timeout);
    EXPECT_EQ(fresh->deadline, at + options.read_timeout);
    if (at >= reload + options.read_timeout - absl::Milliseconds(500)) break;
  }
  const std::vector<std::unique_ptr<FakeConnection>> expired =
      table.TakeExpired(reload + options.read_timeout);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0]->id, old_id);
  EXPECT_NE(table.Find(fresh_id), nullptr);
}

// At a host's cap, that host's connection left idle longest makes room
// (members sharing an address: a test cluster on loopback); another
// host's never does.
TEST(ConnectionTableTest, AtAHostsCapItsIdleConnectionMakesRoom) {
  DriverOptions options = SmallOptions();
  options.max_connections = 10;
  options.max_connections_per_host = 2;
  options.max_unauthenticated_per_host = 2;
  DriverStats stats;
  Table table(options, stats);
  FakeConnection* other = Accept(table, "10.0.0.2:1");
  table.Read(*other, 10, StreamVerdict::kProgress, kNow - absl::Seconds(5));
  FakeConnection* a = Accept(table, "10.0.0.1:1");
  FakeConnection* b = Accept(table, "10.0.0.1:2");
  table.Read(*a, 10, StreamVerdict::kProgress, kNow);
  table.Read(*b, 10, StreamVerdict::kProgress, kNow);
  const uint64_t a_id = a->id;
  EXPECT_EQ(Accept(table, "10.0.0.1:3", kNow + absl::Milliseconds(999)),
            nullptr);
  EXPECT_EQ(stats.streams_rejected, 1u);
  auto accepted =
      table.AddIncoming(std::make_unique<FakeConnection>(), From("10.0.0.1:4"),
                        kNow + absl::Seconds(1));
  ASSERT_NE(accepted.added, nullptr);
  ASSERT_NE(accepted.evicted, nullptr);
  EXPECT_EQ(accepted.evicted->id, a_id);
  EXPECT_NE(table.Find(other->id), nullptr);
}

TEST(ConnectionTableTest, OnlyAuthenticatedInputExtendsAnIncomingConnection) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  FakeConnection* in =
      table.AddIncoming(std::make_unique<FakeConnection>(), kPeer, kNow).added;
  EXPECT_TRUE(
      table.Read(*in, 6, StreamVerdict::kContinue, kNow + absl::Seconds(5)));
  EXPECT_EQ(in->deadline, kNow + absl::Seconds(10));  // unchanged
  EXPECT_TRUE(
      table.Read(*in, 6, StreamVerdict::kProgress, kNow + absl::Seconds(6)));
  EXPECT_EQ(in->deadline, kNow + absl::Seconds(16));
  EXPECT_FALSE(table.Read(*in, 6, StreamVerdict::kClose, kNow));
  EXPECT_EQ(stats.streams_refused, 1u);
  EXPECT_EQ(stats.stream_bytes_received, 18u);
}

TEST(ConnectionTableTest, OneOutgoingConnectionPerPeerWithItsClocks) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats, /*first_id=*/16);
  FakeConnection* out =
      table.AddOutgoing(std::make_unique<FakeConnection>(), kPeer, kNow);
  EXPECT_EQ(out->id, 16u);
  EXPECT_EQ(table.FindOutgoing(kPeer), out);
  EXPECT_TRUE(out->connecting);
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(5));
  ASSERT_TRUE(table.Admit(10));
  table.Enqueue(*out, std::vector<uint8_t>(10), kNow);
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(5));  // still connecting
  table.Connected(*out, kNow + absl::Seconds(1));
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(8));  // writing
  table.Wrote(*out, 10, kNow + absl::Seconds(2));
  EXPECT_EQ(stats.stream_messages_sent, 1u);
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(5));  // idle
  // A reply arriving keeps it for the next message.
  table.Read(*out, 50, StreamVerdict::kProgress, kNow + absl::Seconds(4));
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(7));
  EXPECT_EQ(stats.connections_opened, 1u);
}

TEST(ConnectionTableTest, QueuedBytesAreCappedAcrossConnections) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  FakeConnection* out =
      table.AddOutgoing(std::make_unique<FakeConnection>(), kPeer, kNow);
  FakeConnection* in = Accept(table, "10.0.0.9:5");
  ASSERT_TRUE(table.Admit(100));
  table.Enqueue(*out, std::vector<uint8_t>(100), kNow);
  ASSERT_TRUE(table.Admit(100));
  table.Enqueue(*in, std::vector<uint8_t>(100), kNow);  // a reply
  EXPECT_EQ(in->deadline, kNow + absl::Seconds(7));     // writing
  EXPECT_FALSE(table.Admit(100));                       // 300 > 250
  EXPECT_EQ(stats.stream_messages_dropped, 1u);
  // Removing a connection frees its bytes and counts its messages.
  table.Remove(out->id);
  EXPECT_EQ(stats.stream_messages_dropped, 2u);
  EXPECT_TRUE(table.Admit(100));
  EXPECT_EQ(table.queued_bytes(), 100u);
}

TEST(ConnectionTableTest, ExpiryCountsEachKindOfTimeout) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  table.AddIncoming(std::make_unique<FakeConnection>(), kPeer, kNow);
  table.AddOutgoing(std::make_unique<FakeConnection>(), kPeer, kNow);
  FakeConnection* writing = table.AddOutgoing(
      std::make_unique<FakeConnection>(), From("127.0.0.1:7001"), kNow);
  table.Connected(*writing, kNow);
  ASSERT_TRUE(table.Admit(1));
  table.Enqueue(*writing, std::vector<uint8_t>(1), kNow);
  EXPECT_EQ(table.NextDeadline(), kNow + absl::Seconds(5));
  EXPECT_TRUE(table.TakeExpired(kNow + absl::Seconds(4)).empty());
  EXPECT_EQ(table.TakeExpired(kNow + absl::Seconds(10)).size(), 3u);
  EXPECT_EQ(stats.stream_read_timeouts, 1u);
  EXPECT_EQ(stats.stream_connect_timeouts, 1u);
  EXPECT_EQ(stats.stream_write_timeouts, 1u);
  EXPECT_EQ(stats.stream_messages_dropped, 1u);
  EXPECT_EQ(table.NextDeadline(), std::nullopt);
  EXPECT_EQ(table.outgoing_count(), 0u);
}

// Moves what `from` has for its socket into `to`, as one read; false if
// `to`'s TLS failed. What the Node would see is appended to `seen`.
bool Deliver(Table& from_table, FakeConnection& from, Table& to_table,
             FakeConnection& to, std::vector<uint8_t>& seen) {
  std::vector<uint8_t> wire;
  for (absl::Span<const uint8_t> out = from_table.Outgoing(from); !out.empty();
       out = from_table.Outgoing(from)) {
    wire.insert(wire.end(), out.begin(), out.end());
    from_table.Wrote(from, out.size(), kNow);
  }
  if (wire.empty()) return true;
  std::vector<uint8_t> scratch;
  const auto data = to_table.Open(to, wire, scratch);
  if (!data) return false;
  seen.insert(seen.end(), data->begin(), data->end());
  return true;
}

// The TLS context of a member with a certificate from a new CA, `ca`.
absl::StatusOr<std::shared_ptr<const TlsContext>> MemberTls(
    absl::string_view ca) {
  auto pki = drivertest::TestPki::Create(::testing::TempDir(), ca);
  if (!pki.ok()) return pki.status();
  auto credentials = (*pki)->Issue("member");
  if (!credentials.ok()) return credentials.status();
  return TlsContext::Load(*credentials);
}

TEST(ConnectionTableTest, TlsSealsQueuedMessagesOnlyAfterTheHandshake) {
  const auto context = MemberTls("table-ca");
  ASSERT_TRUE(context.ok()) << context.status();
  DriverOptions options = SmallOptions();
  options.max_queued_stream_bytes = 1 << 20;
  DriverStats client_stats;
  DriverStats server_stats;
  Table client_table(options, client_stats);
  Table server_table(options, server_stats);
  client_table.SetTls(*context);
  server_table.SetTls(*context);
  FakeConnection* client =
      client_table.AddOutgoing(std::make_unique<FakeConnection>(), kPeer, kNow);
  ASSERT_NE(client, nullptr);
  client_table.Connected(*client, kNow);
  FakeConnection* server = Accept(server_table, "127.0.0.1:40000");
  ASSERT_NE(server, nullptr);
  ASSERT_NE(client->tls, nullptr);

  // A message queued before the handshake waits; only the ClientHello goes.
  const std::vector<uint8_t> message(100, 7);
  client_table.Enqueue(*client, message, kNow);
  EXPECT_TRUE(client->CanWrite());  // the ClientHello
  std::vector<uint8_t> at_server;
  std::vector<uint8_t> at_client;
  ASSERT_TRUE(Deliver(client_table, *client, server_table, *server, at_server));
  EXPECT_FALSE(client->CanWrite());  // the message waits for the handshake
  EXPECT_TRUE(client->HasOutput());
  EXPECT_EQ(client_table.queued_bytes(), message.size());
  EXPECT_TRUE(at_server.empty());
  for (int round = 0; round < 4; ++round) {
    ASSERT_TRUE(
        Deliver(server_table, *server, client_table, *client, at_client));
    ASSERT_TRUE(
        Deliver(client_table, *client, server_table, *server, at_server));
  }
  EXPECT_EQ(at_server, message);
  EXPECT_EQ(client_table.queued_bytes(), 0u);
  EXPECT_EQ(client_stats.stream_messages_sent, 1u);
  EXPECT_EQ(client_stats.tls_handshakes, 1u);
  EXPECT_EQ(server_stats.tls_handshakes, 1u);
  EXPECT_EQ(client_table.UnsentBytes(), 0u);
  // The handshake authenticated nothing for the Node: still unauthenticated.
  EXPECT_FALSE(server->authenticated);
}

TEST(ConnectionTableTest, TlsFailuresAndStalledHandshakesAreCounted) {
  const auto context = MemberTls("stall-ca");
  ASSERT_TRUE(context.ok()) << context.status();
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  table.SetTls(*context);
  FakeConnection* garbage = Accept(table, "10.0.0.1:40000");
  FakeConnection* stalled = Accept(table, "10.0.0.2:40000");
  ASSERT_NE(garbage, nullptr);
  ASSERT_NE(stalled, nullptr);
  std::vector<uint8_t> scratch;
  const std::vector<uint8_t> junk(64, 'x');
  EXPECT_FALSE(table.Open(*garbage, junk, scratch).has_value());
  const auto [kind, error] = table.TlsFailed(*garbage);
  EXPECT_EQ(kind, "tls protocol");
  EXPECT_NE(error.message().find("from 10.0.0.1:40000"), std::string::npos)
      << error;
  EXPECT_EQ(stats.tls_protocol_errors, 1u);
  table.Remove(garbage->id);
  // A handshake that never finishes ends at the read timeout, counted.
  EXPECT_EQ(stalled->deadline, kNow + options.read_timeout);
  const auto expired = table.TakeExpired(kNow + options.read_timeout);
  EXPECT_EQ(expired.size(), 1u);
  EXPECT_EQ(stats.tls_handshake_timeouts, 1u);
  EXPECT_EQ(stats.stream_read_timeouts, 0u);
}

// Options with generous caps and the given handshake budget.
DriverOptions BudgetOptions(int per_host, int overall) {
  DriverOptions options = SmallOptions();
  options.max_connections = 64;
  options.max_connections_per_host = 64;
  options.max_unauthenticated_per_host = 64;
  options.max_handshakes_per_host_per_second = per_host;
  options.max_handshakes_per_second = overall;
  return options;
}

// Connections `peer` makes `tries` times at kNow: how many the table took.
int AcceptEach(Table& table, absl::string_view peer, int tries) {
  int taken = 0;
  for (int i = 0; i < tries; ++i) taken += Accept(table, peer) != nullptr;
  return taken;
}

// With TLS, incoming connections beyond the handshake budget are closed at
// the accept and counted; without TLS there is none.
TEST(ConnectionTableTest, TlsHandshakesBeyondTheBudgetAreRefusedAtTheAccept) {
  const auto context = MemberTls("budget-ca");
  ASSERT_TRUE(context.ok()) << context.status();
  const DriverOptions options = BudgetOptions(3, 5);

  DriverStats plain_stats;
  Table plain(options, plain_stats);
  EXPECT_EQ(AcceptEach(plain, "10.0.0.1:40000", 10), 10);
  EXPECT_EQ(plain_stats.tls_handshakes_throttled, 0u);

  DriverStats stats;
  Table table(options, stats);
  table.SetTls(*context);
  EXPECT_EQ(AcceptEach(table, "10.0.0.1:40000", 10), 3);
  EXPECT_EQ(AcceptEach(table, "10.0.0.2:40000", 10), 2);  // the overall budget
  EXPECT_EQ(stats.tls_handshakes_throttled, 15u);
  EXPECT_EQ(stats.streams_accepted, 5u);
  EXPECT_EQ(stats.streams_rejected, 0u);
  // A second on, both budgets are whole again.
  EXPECT_NE(Accept(table, "10.0.0.1:40000", kNow + absl::Seconds(1)), nullptr);
}

// A newcomer the handshake budget refuses evicts nothing: a host at its cap
// keeps its idle connection when the budget is spent.
TEST(ConnectionTableTest, ANewcomerOverTheBudgetEvictsNothing) {
  const auto context = MemberTls("evict-ca");
  ASSERT_TRUE(context.ok()) << context.status();
  DriverOptions options = BudgetOptions(0, 2);
  options.max_connections_per_host = 1;
  DriverStats stats;
  Table table(options, stats);
  table.SetTls(*context);
  FakeConnection* member = Accept(table, "10.0.0.1:1");
  ASSERT_NE(member, nullptr);
  table.Read(*member, 10, StreamVerdict::kProgress, kNow);
  const uint64_t member_id = member->id;
  // A second and a half on the member's connection is idle enough to
  // evict, and two other hosts spend the budget.
  const Instant later = kNow + absl::Milliseconds(1500);
  EXPECT_NE(Accept(table, "10.0.0.2:1", later), nullptr);
  EXPECT_NE(Accept(table, "10.0.0.3:1", later), nullptr);
  auto refused = table.AddIncoming(std::make_unique<FakeConnection>(),
                                   From("10.0.0.1:2"), later);
  EXPECT_EQ(refused.added, nullptr);
  EXPECT_EQ(refused.evicted, nullptr);
  EXPECT_EQ(stats.tls_handshakes_throttled, 1u);
  EXPECT_EQ(stats.streams_evicted, 0u);
  EXPECT_NE(table.Find(member_id), nullptr);
}

// A connection its host's caps refuse spends none of the handshake budget,
// so a host hammering at its cap cannot use up the budget other hosts
// share.
TEST(ConnectionTableTest, ConnectionsOverAHostsCapSpendNoHandshakeBudget) {
  const auto context = MemberTls("capped-ca");
  ASSERT_TRUE(context.ok()) << context.status();
  DriverOptions options = BudgetOptions(0, 5);
  options.max_unauthenticated_per_host = 2;
  DriverStats stats;
  Table table(options, stats);
  table.SetTls(*context);
  EXPECT_EQ(AcceptEach(table, "10.0.0.1:40000", 10), 2);
  EXPECT_EQ(stats.streams_rejected, 8u);
  EXPECT_EQ(stats.tls_handshakes_throttled, 0u);
  // The second host's cap, within the budget; then the budget's end.
  EXPECT_EQ(AcceptEach(table, "10.0.0.2:40000", 10), 2);
  EXPECT_EQ(AcceptEach(table, "10.0.0.3:40000", 10), 1);
  EXPECT_EQ(stats.tls_handshakes_throttled, 9u);

  // At the cap on all of a host's connections, likewise (none of them can
  // be evicted for the newcomer yet).
  options.max_connections_per_host = 1;
  options.max_unauthenticated_per_host = 64;
  DriverStats capped_stats;
  Table capped(options, capped_stats);
  capped.SetTls(*context);
  EXPECT_EQ(AcceptEach(capped, "10.0.0.1:40000", 10), 1);
  EXPECT_EQ(capped_stats.tls_handshakes_throttled, 0u);
  int taken = 0;
  for (int i = 2; i < 10; ++i) {
    taken += AcceptEach(capped, absl::StrCat("10.0.0.", i, ":40000"), 1);
  }
  EXPECT_EQ(taken, 4);

  // At max_connections, with nothing to evict, likewise.
  options = BudgetOptions(0, 3);
  options.max_connections = 2;
  DriverStats full_stats;
  Table full(options, full_stats);
  full.SetTls(*context);
  for (const char* peer : {"10.0.0.1:1", "10.0.0.2:1"}) {
    FakeConnection* member = Accept(full, peer);
    ASSERT_NE(member, nullptr);
    full.Read(*member, 10, StreamVerdict::kProgress, kNow);
  }
  EXPECT_EQ(AcceptEach(full, "10.0.0.3:1", 5), 0);
  EXPECT_EQ(full_stats.streams_rejected, 5u);
  EXPECT_EQ(full_stats.tls_handshakes_throttled, 0u);
}

}  // namespace
}  // namespace swim::net

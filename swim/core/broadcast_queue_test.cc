#include "swim/core/broadcast_queue.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/incarnation.h"
#include "swim/core/member_status.h"
#include "swim/core/random.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

constexpr int kManyTimes = 1000;  // a retransmit limit never reached
// Messages above this size cannot ride a datagram (see TakeOversized).
constexpr size_t kMaxMessage = 1000;

std::vector<uint8_t> Encode(const Message& message) {
  absl::StatusOr<std::vector<uint8_t>> encoded = EncodeMessage(message);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  return encoded.ok() ? *std::move(encoded) : std::vector<uint8_t>();
}

// A membership update about `name` at version `version`.
std::vector<uint8_t> Update(absl::string_view name, uint64_t version,
                            MemberStatus status = MemberStatus::kSuspect) {
  Claim update;
  update.status = status;
  update.name = name;
  update.incarnation = Incarnation{1, version};
  update.address = Address::Ipv4({10, 0, 0, 1}, 7946);
  update.origin = "o";
  return Encode(update);
}

// A user broadcast with a payload of `payload_size` bytes.
std::vector<uint8_t> User(absl::string_view origin, uint64_t id,
                          size_t payload_size) {
  const std::string payload(payload_size, 'p');
  return Encode(UserBroadcast{origin, 1, id, payload});
}

// "name@version" for an update, "origin#id" for a user broadcast.
std::string Describe(const Message& message) {
  if (const auto* update = std::get_if<Claim>(&message)) {
    return absl::StrCat(update->name, "@", update->incarnation.version);
  }
  if (const auto* broadcast = std::get_if<UserBroadcast>(&message)) {
    return absl::StrCat(broadcast->origin, "#", broadcast->sequence);
  }
  return absl::StrCat("unexpected ", MessageTypeName(TypeOf(message)));
}

// Fills one packet of `capacity` bytes and returns what it carries, in
// order, after checking it decodes and matches Fill's count.
std::vector<std::string> FillOnce(BroadcastQueue& queue, size_t capacity,
                                  int limit = kManyTimes,
                                  size_t user_share = 0) {
  std::vector<uint8_t> buffer(capacity);
  PacketBuilder packet{absl::MakeSpan(buffer)};
  const size_t appended = queue.Fill(packet, limit, limit, user_share);
  EXPECT_LE(packet.size(), capacity);
  EXPECT_EQ(packet.message_count(), appended);
  // A packet of no messages is not a valid packet: nothing to decode.
  if (appended == 0) {
    EXPECT_EQ(packet.size(), kWireHeaderSize);
    return {};
  }
  absl::StatusOr<std::vector<Message>> decoded = DecodePacket(packet.bytes());
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  std::vector<std::string> sent;
  if (!decoded.ok()) return sent;
  EXPECT_EQ(decoded->size(), appended);
  for (const Message& message : *decoded) sent.push_back(Describe(message));
  return sent;
}

using Names = std::vector<std::string>;

// The size of every Update("x", v) with a one-letter name and v < 128.
size_t UpdateSize() { return Update("x", 1).size(); }

// A packet with room for exactly `n` such updates.
size_t RoomFor(size_t n) { return kWireHeaderSize + n * UpdateSize(); }

TEST(BroadcastQueueTest, EmptyQueue) {
  BroadcastQueue queue(kMaxMessage);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.dropped(), 0u);
  EXPECT_FALSE(queue.Contains("a"));
  EXPECT_EQ(queue.Transmits("a"), -1);
  EXPECT_EQ(FillOnce(queue, 1400), Names{});
  EXPECT_FALSE(queue.has_oversized());
  EXPECT_TRUE(queue.TakeOversized().empty());
}

TEST(BroadcastQueueTest, OnePacketNewestFirst) {
  BroadcastQueue queue(kMaxMessage);
  queue.Enqueue("a", Update("a", 1), false);
  queue.Enqueue("b", Update("b", 1), false);
  queue.Enqueue("c", Update("c", 1), false);
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_FALSE(queue.empty());
  EXPECT_EQ(FillOnce(queue, 1400), (Names{"c@1", "b@1", "a@1"}));
  // Newcomers have fewer transmissions, so they go ahead of the rest.
  queue.Enqueue("d", Update("d", 1), false);
  queue.Enqueue("e", Update("e", 1), false);
  EXPECT_EQ(FillOnce(queue, 1400), (Names{"e@1", "d@1", "c@1", "b@1", "a@1"}));
}

TEST(BroadcastQueueTest, LeastTransmittedFirstOneSlotAtATime) {
  BroadcastQueue queue(kMaxMessage);
  queue.Enqueue("a", Update("a", 1), false);
  queue.Enqueue("b", Update("b", 1), false);
  queue.Enqueue("c", Update("c", 1), false);
  Names sent;
  for (int i = 0; i < 6; ++i) {
    for (const std::string& name : FillOnce(queue, RoomFor(1))) {
      sent.push_back(name);
    }
  }
  EXPECT_EQ(sent, (Names{"c@1", "b@1", "a@1", "c@1", "b@1", "a@1"}));
  EXPECT_EQ(queue.Transmits("a"), 2);

  // d starts at 0 transmissions: it goes until it catches up (2), then
  // once more as the newest of four equals; then the others.
  queue.Enqueue("d", Update("d", 1), false);
  sent.clear();
  for (int i = 0; i < 10; ++i) {
    for (const std::string& name : FillOnce(queue, RoomFor(1))) {
      sent.push_back(name);
    }
  }
  EXPECT_EQ(sent, (Names{"d@1", "d@1", "d@1", "c@1", "b@1", "a@1", "d@1", "c@1",
                         "b@1", "a@1"}));
}

TEST(BroadcastQueueTest, NewerEnqueueReplacesOlder) {
  BroadcastQueue queue(kMaxMessage);
  queue.Enqueue("a", Update("a", 1), false);
  queue.Enqueue("a", Update("a", 2), false);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(FillOnce(queue, 1400, 3), Names{"a@2"});
  EXPECT_EQ(queue.Transmits("a"), 1);

  // A replacement starts over at zero transmissions, and the old bytes
  // are never sent again.
  queue.Enqueue("a", Update("a", 3), false);
  EXPECT_EQ(queue.Transmits("a"), 0);
  EXPECT_EQ(queue.size(), 1u);
  Names sent;
  for (int i = 0; i < 10; ++i) {
    for (const std::string& name : FillOnce(queue, 1400, 3)) {
      sent.push_back(name);
    }
  }
  EXPECT_EQ(sent, (Names{"a@3", "a@3", "a@3"}));
  EXPECT_TRUE(queue.empty());
}

TEST(BroadcastQueueTest, ReplacementCountsAsNewest) {
  BroadcastQueue queue(kMaxMessage);
  queue.Enqueue("a", Update("a", 1), false);
  queue.Enqueue("b", Update("b", 1), false);
  queue.Enqueue("a", Update("a", 2), false);
  EXPECT_EQ(FillOnce(queue, RoomFor(1)), Names{"a@2"});
  EXPECT_EQ(FillOnce(queue, RoomFor(1)), Names{"b@1"});
  EXPECT_EQ(FillOnce(queue, RoomFor(1)), Names{"a@2"});
}

TEST(BroadcastQueueTest, EachMessageSentExactlyLimitTimes) {
  for (int limit : {1, 2, 4, 7}) {
    SCOPED_TRACE(absl::StrCat("limit ", limit));
    for (size_t room : {size_t{1}, size_t{2}, size_t{5}}) {
      SCOPED_TRACE(absl::StrCat("room for ", room));
      BroadcastQueue queue(kMaxMessage);
      for (const char* name : {"a", "b", "c", "d", "e"}) {
        queue.Enqueue(name, Update(name, 1), false);
      }
      std::map<std::string, int> sends;
      int fills = 0;
      while (!queue.empty() && fills < 1000) {
        const Names sent = FillOnce(queue, RoomFor(room), limit);
        EXPECT_FALSE(sent.empty());
        for (const std::string& name : sent) {
          ++sends[name];
          const std::string key = name.substr(0, 1);
          EXPECT_EQ(queue.Transmits(key),
                    sends[name] == limit ? -1 : sends[name]);
          EXPECT_EQ(queue.Contains(key), sends[name] < limit);
        }
        ++fills;
      }
      EXPECT_TRUE(queue.empty());
      EXPECT_EQ(sends, (std::map<std::string, int>{{"a@1", limit},
                                                   {"b@1", limit},
                                                   {"c@1", limit},
                                                   {"d@1", limit},
                                                   {"e@1", limit}}));
      // Gone: nothing more is sent.
      EXPECT_EQ(FillOnce(queue, 1400, limit), Names{});
    }
  }
}

TEST(BroadcastQueueTest, AMessageAppearsAtMostOncePerPacket) {
  BroadcastQueue queue(kMaxMessage);
  queue.Enqueue("a", Update("a", 1), false);
  queue.Enqueue("u", User("u", 1, 10), true);
  // Plenty of room and a user share: each still goes once.
  EXPECT_EQ(FillOnce(queue, 1400, kManyTimes, 500), (Names{"u#1", "a@1"}));
  EXPECT_EQ(queue.Transmits("a"), 1);
  EXPECT_EQ(queue.Transmits("u"), 1);
}

TEST(BroadcastQueueTest, FillSkipsWhatDoesNotFitAndTakesSmallerLaterOnes) {
  BroadcastQueue queue(kMaxMessage);
  queue.Enqueue("small", Update("s", 1), false);
  queue.Enqueue("big", User("big", 1, 300), false);  // newest: first in line
  const size_t capacity = kWireHeaderSize + UpdateSize() + 100;
  EXPECT_EQ(FillOnce(queue, capacity), Names{"s@1"});
  EXPECT_EQ(queue.Transmits("big"), 0);
  EXPECT_EQ(queue.Transmits("small"), 1);
  // With room, the big one goes.
  EXPECT_EQ(FillOnce(queue, 1400), (Names{"big#1", "s@1"}));
}

TEST(BroadcastQueueTest, FillPacksAroundMisfits) {
  BroadcastQueue queue(kMaxMessage);
  const std::vector<uint8_t> b20 = User("b", 20, 20);
  const std::vector<uint8_t> b50 = User("b", 50, 50);
  const std::vector<uint8_t> b100 = User("b", 100, 100);
  // Newest first: 100, then 50, then 20.
  queue.Enqueue("20", b20, false);
  queue.Enqueue("50", b50, false);
  queue.Enqueue("100", b100, false);
  // Room for 50 + 20 but not 100.
  EXPECT_EQ(FillOnce(queue, kWireHeaderSize + b50.size() + b20.size()),
            (Names{"b#50", "b#20"}));
  EXPECT_EQ(queue.Transmits("50"), 1);
  EXPECT_EQ(queue.Transmits("20"), 1);
  // Now the 100 leads (fewest transmissions); with room for 100 + 20 the
  // 50 is skipped after it and the 20 still fits.
  EXPECT_EQ(FillOnce(queue, kWireHeaderSize + b100.size() + b20.size()),
            (Names{"b#100", "b#20"}));
  EXPECT_EQ(queue.Transmits("50"), 1);
  EXPECT_EQ(queue.Transmits("20"), 2);
}

TEST(BroadcastQueueTest, ExactFit) {
  BroadcastQueue queue(kMaxMessage);
  for (const char* name : {"a", "b", "c", "d"}) {
    queue.Enqueue(name, Update(name, 1), false);
  }
  EXPECT_EQ(FillOnce(queue, RoomFor(4)).size(), 4u);
  EXPECT_EQ(FillOnce(queue, RoomFor(4) - 1).size(), 3u);
}

TEST(BroadcastQueueTest, FillAppendsAfterWhatThePacketHolds) {
  BroadcastQueue queue(kMaxMessage);
  for (const char* name : {"a", "b", "c"}) {
    queue.Enqueue(name, Update(name, 1), false);
  }
  const Ping ping{7, "target"};
  absl::StatusOr<size_t> ping_size = EncodedSize(ping);
  ASSERT_TRUE(ping_size.ok());
  std::vector<uint8_t> buffer(RoomFor(2) + *ping_size);
  PacketBuilder packet{absl::MakeSpan(buffer)};
  ASSERT_TRUE(packet.Append(ping).ok());
  EXPECT_EQ(queue.Fill(packet, kManyTimes, kManyTimes, 0), 2u);
  absl::StatusOr<std::vector<Message>> decoded = DecodePacket(packet.bytes());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), 3u);
  EXPECT_EQ(std::get<Ping>((*decoded)[0]), ping);
  EXPECT_EQ(Describe((*decoded)[1]), "c@1");
  EXPECT_EQ(Describe((*decoded)[2]), "b@1");
}

// 20 membership updates (newer than the user broadcasts) that alone would
// fill a packet of room for 10, and two user broadcasts.
struct ShareSetup {
  BroadcastQueue queue{kMaxMessage};
  size_t user_size = 0;
  ShareSetup() {
    const std::vector<uint8_t> u1 = User("u", 1, 40);
    const std::vector<uint8_t> u2 = User("u", 2, 40);
    user_size = u1.size();
    queue.Enqueue("u1", u1, true);
    queue.Enqueue("u2", u2, true);
    for (int i = 0; i < 20; ++i) {
      // Two-letter names would change the size; use letters a..t.
      const std::string name(1, static_cast<char>('a' + i));
      queue.Enqueue(name, Update(name, 1), false);
    }
  }
};

int CountUser(const Names& sent) {
  int users = 0;
  for (const std::string& name : sent) users += name[0] == 'u' ? 1 : 0;
  return users;
}

TEST(BroadcastQueueTest, WithoutAShareMembershipFillsThePacket) {
  ShareSetup setup;
  const Names sent = FillOnce(setup.queue, RoomFor(10), kManyTimes, 0);
  EXPECT_EQ(sent.size(), 10u);
  EXPECT_EQ(CountUser(sent), 0);
}

TEST(BroadcastQueueTest, UserBroadcastsGetTheirShare) {
  ShareSetup setup;
  const size_t share = 2 * setup.user_size;
  const Names sent = FillOnce(setup.queue, RoomFor(10), kManyTimes, share);
  ASSERT_GE(sent.size(), 2u);
  // The user broadcasts first, newest first, then as many updates as fit
  // in the rest.
  EXPECT_EQ(sent[0], "u#2");
  EXPECT_EQ(sent[1], "u#1");
  const size_t rest = 10 * UpdateSize() - share;
  EXPECT_EQ(sent.size(), 2 + rest / UpdateSize());
  EXPECT_EQ(CountUser(sent), 2);
  EXPECT_EQ(setup.queue.Transmits("u1"), 1);
  EXPECT_EQ(setup.queue.Transmits("u2"), 1);
}

TEST(BroadcastQueueTest, ShareForOneTakesOne) {
  ShareSetup setup;
  const Names sent =
      FillOnce(setup.queue, RoomFor(10), kManyTimes, setup.user_size);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0], "u#2");
  EXPECT_EQ(setup.queue.Transmits("u2"), 1);
  // The rest of the packet goes to the (newer) membership updates.
  EXPECT_EQ(setup.queue.Transmits("u1"), 0);
  EXPECT_EQ(CountUser(sent), 1);
}

TEST(BroadcastQueueTest, UnusedShareGoesToMembership) {
  BroadcastQueue queue(kMaxMessage);
  for (int i = 0; i < 20; ++i) {
    const std::string name(1, static_cast<char>('a' + i));
    queue.Enqueue(name, Update(name, 1), false);
  }
  // No user broadcasts: the share reserves nothing.
  EXPECT_EQ(FillOnce(queue, RoomFor(10), kManyTimes, 1000).size(), 10u);
}

TEST(BroadcastQueueTest, ShareIsAFloorNotACap) {
  BroadcastQueue queue(kMaxMessage);
  for (uint64_t id = 1; id <= 5; ++id) {
    queue.Enqueue(absl::StrCat("u", id), User("u", id, 40), true);
  }
  // A share of one message, but nothing else wants the room.
  const Names sent = FillOnce(queue, 1400, kManyTimes, User("u", 1, 40).size());
  EXPECT_EQ(sent, (Names{"u#5", "u#4", "u#3", "u#2", "u#1"}));
}

TEST(BroadcastQueueTest, OversizedMessagesWaitApartForTakeOversized) {
  const std::vector<uint8_t> at_limit = User("lim", 1, 190);
  const std::vector<uint8_t> big_old = User("old", 1, 500);
  const std::vector<uint8_t> big_new = User("new", 1, 300);
  // Exactly the limit still rides datagrams; one byte more does not.
  BroadcastQueue queue(at_limit.size());
  queue.Enqueue("big-old", big_old, true);
  queue.Enqueue("a", Update("a", 1), false);
  queue.Enqueue("big-new", big_new, false);
  queue.Enqueue("at-limit", at_limit, true);
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_TRUE(queue.has_oversized());
  EXPECT_TRUE(queue.Contains("big-old"));
  EXPECT_EQ(queue.Transmits("big-old"), 0);

  // Never put in a packet, however much room there is.
  EXPECT_EQ(FillOnce(queue, 65000, kManyTimes, 10000), (Names{"lim#1", "a@1"}));
  EXPECT_EQ(queue.Transmits("big-old"), 0);
  EXPECT_EQ(queue.Transmits("big-new"), 0);

  // Oldest first.
  std::vector<std::vector<uint8_t>> taken = queue.TakeOversized();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0], big_old);
  EXPECT_EQ(taken[1], big_new);
  EXPECT_FALSE(queue.has_oversized());
  EXPECT_FALSE(queue.Contains("big-old"));
  EXPECT_FALSE(queue.Contains("big-new"));
  EXPECT_EQ(queue.Transmits("big-old"), -1);
  EXPECT_TRUE(queue.Contains("a"));
  EXPECT_TRUE(queue.Contains("at-limit"));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_TRUE(queue.TakeOversized().empty());
  // What is left still goes out normally.
  EXPECT_EQ(FillOnce(queue, 1400), (Names{"lim#1", "a@1"}));
}

TEST(BroadcastQueueTest, ReplacementMovesBetweenDatagramAndOversized) {
  const std::vector<uint8_t> small = User("k", 1, 10);
  const std::vector<uint8_t> big = User("k", 2, 500);
  BroadcastQueue queue(200);
  queue.Enqueue("k", small, true);
  EXPECT_FALSE(queue.has_oversized());
  // Newer news under the key is too big: the small one must not be sent
  // any more, the big one goes by stream.
  queue.Enqueue("k", big, true);
  EXPECT_TRUE(queue.has_oversized());
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(FillOnce(queue, 1400), Names{});
  // And back: a small replacement leaves nothing oversized.
  queue.Enqueue("k", User("k", 3, 10), true);
  EXPECT_FALSE(queue.has_oversized());
  EXPECT_TRUE(queue.TakeOversized().empty());
  EXPECT_EQ(FillOnce(queue, 1400), Names{"k#3"});
  EXPECT_EQ(queue.size(), 1u);
}

// max_entries bounds the messages that ride datagrams: an oversized message
// does not ride them, so queuing one must not push a datagram-sized one
// out.
TEST(BroadcastQueueTest, OversizedMessageDoesNotEvictDatagramOnes) {
  BroadcastQueue queue(200, 2);
  queue.Enqueue("a", Update("a", 1), false);
  queue.Enqueue("b", Update("b", 1), false);
  queue.Enqueue("big", User("big", 1, 500), true);
  EXPECT_EQ(queue.dropped(), 0u);
  EXPECT_TRUE(queue.Contains("a"));
  EXPECT_TRUE(queue.Contains("b"));
  EXPECT_TRUE(queue.Contains("big"));
  EXPECT_EQ(FillOnce(queue, 1400), (Names{"b@1", "a@1"}));
}

TEST(BroadcastQueueTest, MaxEntriesDropsTheMostTransmitted) {
  BroadcastQueue queue(kMaxMessage, 3);
  queue.Enqueue("a", Update("a", 1), false);
  queue.Enqueue("b", Update("b", 1), false);
  queue.Enqueue("c", Update("c", 1), false);
  EXPECT_EQ(queue.dropped(), 0u);

  // c is sent twice, b once: c is the least useful.
  EXPECT_EQ(FillOnce(queue, RoomFor(2)), (Names{"c@1", "b@1"}));
  EXPECT_EQ(FillOnce(queue, RoomFor(1)), Names{"a@1"});
  EXPECT_EQ(FillOnce(queue, RoomFor(1)), Names{"c@1"});
  ASSERT_EQ(queue.Transmits("c"), 2);
  queue.Enqueue("d", Update("d", 1), false);
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.dropped(), 1u);
  EXPECT_FALSE(queue.Contains("c"));
  EXPECT_TRUE(queue.Contains("a"));
  EXPECT_TRUE(queue.Contains("b"));
  EXPECT_TRUE(queue.Contains("d"));

  // Among equally transmitted ones the oldest goes: a, b and d are at one
  // transmission each, a is the oldest.
  EXPECT_EQ(FillOnce(queue, RoomFor(1)), Names{"d@1"});
  queue.Enqueue("e", Update("e", 1), false);
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_FALSE(queue.Contains("a"));
  EXPECT_TRUE(queue.Contains("b"));
  EXPECT_TRUE(queue.Contains("d"));
  EXPECT_TRUE(queue.Contains("e"));

  // Replacing a queued key at the bound drops nothing.
  queue.Enqueue("b", Update("b", 2), false);
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(FillOnce(queue, 1400), (Names{"b@2", "e@1", "d@1"}));
}

TEST(BroadcastQueueTest, MaxEntriesOfOne) {
  BroadcastQueue queue(kMaxMessage, 1);
  for (int i = 0; i < 5; ++i) {
    const std::string name(1, static_cast<char>('a' + i));
    queue.Enqueue(name, Update(name, 1), false);
    EXPECT_EQ(queue.size(), 1u);
    EXPECT_TRUE(queue.Contains(name));
  }
  EXPECT_EQ(queue.dropped(), 4u);
  EXPECT_EQ(FillOnce(queue, 1400), Names{"e@1"});
}

TEST(BroadcastQueueTest, Transmits) {
  BroadcastQueue queue(kMaxMessage);
  EXPECT_EQ(queue.Transmits("a"), -1);
  queue.Enqueue("a", Update("a", 1), false);
  EXPECT_EQ(queue.Transmits("a"), 0);
  for (int i = 1; i <= 2; ++i) {
    FillOnce(queue, 1400, 3);
    EXPECT_EQ(queue.Transmits("a"), i);
  }
  FillOnce(queue, 1400, 3);
  EXPECT_EQ(queue.Transmits("a"), -1);
  EXPECT_FALSE(queue.Contains("a"));
}

// Random enqueues and fills against a model: only the newest message under
// a key is ever sent, never more than `limit` times, and once the queue is
// drained every message that was not replaced went exactly `limit` times.
TEST(BroadcastQueueTest, RandomizedAgainstAModel) {
  constexpr int kLimit = 3;
  Random random(5);
  BroadcastQueue queue(kMaxMessage);
  std::map<std::string, uint64_t> current;  // key -> newest version
  std::map<std::string, int> sends;         // "key@version" -> count
  uint64_t version = 0;
  for (int step = 0; step < 3000; ++step) {
    if (random.Uniform(3) == 0) {
      const std::string key(1, static_cast<char>('a' + random.Uniform(26)));
      current[key] = ++version % 100 + 1;  // keeps every encoding one size
      sends.erase(absl::StrCat(key, "@", current[key]));
      queue.Enqueue(key, Update(key, current[key]), false);
    } else {
      for (const std::string& sent :
           FillOnce(queue, RoomFor(1 + random.Uniform(4)), kLimit)) {
        const std::string key = sent.substr(0, 1);
        ASSERT_EQ(sent, absl::StrCat(key, "@", current[key]));
        ASSERT_LE(++sends[sent], kLimit) << sent;
      }
    }
  }
  while (!queue.empty()) {
    for (const std::string& sent : FillOnce(queue, RoomFor(3), kLimit)) {
      ASSERT_LE(++sends[sent], kLimit) << sent;
    }
  }
  for (const auto& [key, latest] : current) {
    EXPECT_EQ(sends[absl::StrCat(key, "@", latest)], kLimit) << key;
  }
}

TEST(BroadcastQueueUserLimitTest, UserBroadcastsHaveTheirOwnLimit) {
  BroadcastQueue queue(1000);
  queue.Enqueue("m", *EncodeMessage(Ack{1}), /*user=*/false);
  queue.Enqueue("u", *EncodeMessage(UserBroadcast{"o", 1, 1, "x"}),
                /*user=*/true);
  std::vector<uint8_t> buffer(100);
  for (int i = 0; i < 2; ++i) {
    PacketBuilder packet{absl::MakeSpan(buffer)};
    queue.Fill(packet, /*limit=*/2, /*user_limit=*/5, /*user_share=*/0);
  }
  EXPECT_FALSE(queue.Contains("m"));
  EXPECT_EQ(queue.Transmits("u"), 2);
  for (int i = 0; i < 3; ++i) {
    PacketBuilder packet{absl::MakeSpan(buffer)};
    queue.Fill(packet, 2, 5, 0);
  }
  EXPECT_FALSE(queue.Contains("u"));
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace swim

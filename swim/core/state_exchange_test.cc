#include "swim/core/state_exchange.h"

#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/broadcast_history.h"
#include "swim/core/member_table.h"
#include "swim/core/random.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

Address Addr(int i) { return Address::Ipv4({10, 0, 0, 1}, 7000 + i); }

std::string Encoded(const Metadata& metadata) {
  return *EncodeMetadata(metadata);
}

Claim Local() {
  return ClaimAbout("self", Addr(0), MemberStatus::kOnline, {5, 2}, "", "self");
}

TEST(ClaimAboutTest, MetadataOnlyWhenOnlineOriginOnlyOnAccusations) {
  const std::string metadata = Encoded({{"role", "db"}});
  const Claim online =
      ClaimAbout("a", Addr(1), MemberStatus::kOnline, {1, 0}, metadata, "x");
  EXPECT_TRUE(online.has_metadata);
  EXPECT_TRUE(online.origin.empty());
  const Claim suspect =
      ClaimAbout("a", Addr(1), MemberStatus::kSuspect, {1, 0}, metadata, "x");
  EXPECT_FALSE(suspect.has_metadata);
  EXPECT_EQ(suspect.origin, "x");
  const Claim left =
      ClaimAbout("a", Addr(1), MemberStatus::kLeft, {1, 0}, metadata, "x");
  EXPECT_FALSE(left.has_metadata);
  EXPECT_TRUE(left.origin.empty());
}

TEST(BuildStateTest, LocalFirstThenTheTableWithoutOrigins) {
  MemberTable table;
  Random random(1);
  MemberRecord& peer =
      table.Add("peer", MemberStatus::kSuspect, Encoded({}), random);
  peer.set_address(Addr(1));
  BroadcastHistory history(4);
  ASSERT_TRUE(history.Adopt("peer", 1, 9));
  ASSERT_TRUE(history.Adopt("stranger", 1, 3));

  const PushPull request =
      BuildState(StateKind::kRequest, Local(), table, history);
  EXPECT_TRUE(request.reply_wanted);
  EXPECT_FALSE(request.joining);
  EXPECT_EQ(request.sender, "self");
  ASSERT_EQ(request.members.size(), 2u);
  EXPECT_EQ(request.members[0].name, "self");
  EXPECT_EQ(request.members[1].name, "peer");
  EXPECT_TRUE(request.members[1].origin.empty());
  EXPECT_TRUE(request.floors.empty());

  const PushPull join = BuildState(StateKind::kJoin, Local(), table, history);
  EXPECT_TRUE(join.reply_wanted && join.joining);
  EXPECT_FALSE(
      BuildState(StateKind::kReply, Local(), table, history).reply_wanted);

  // A joiner's reply carries the floors of known origins only.
  const PushPull to_joiner =
      BuildState(StateKind::kReplyToJoiner, Local(), table, history);
  EXPECT_FALSE(to_joiner.reply_wanted);
  ASSERT_EQ(to_joiner.floors.size(), 1u);
  EXPECT_EQ(to_joiner.floors[0].origin, "peer");
  EXPECT_EQ(to_joiner.floors[0].sequence, 9u);
}

TEST(EncodeStateTest, AStateThatFitsIsEncodedWhole) {
  MemberTable table;
  Random random(1);
  for (int i = 1; i <= 5; ++i) {
    table
        .Add("peer-" + std::to_string(i), MemberStatus::kOnline, Encoded({}),
             random)
        .set_address(Addr(i));
  }
  BroadcastHistory history(1);
  std::optional<EncodedState> encoded =
      EncodeState(BuildState(StateKind::kRequest, Local(), table, history),
                  64 << 10, random);
  ASSERT_TRUE(encoded.has_value());
  EXPECT_FALSE(encoded->truncated);
  std::vector<Message> decoded;
  ASSERT_TRUE(DecodePacket(encoded->packet, decoded).ok());
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(std::get<PushPull>(decoded[0]).members.size(), 6u);
}

TEST(EncodeStateTest, AStateTooLargeIsCutToFitKeepingTheSender) {
  MemberTable table;
  Random random(1);
  const std::string big = Encoded({{"blob", std::string(400, 'x')}});
  for (int i = 1; i <= 20; ++i) {
    table.Add("peer-" + std::to_string(i), MemberStatus::kOnline, big, random)
        .set_address(Addr(i));
  }
  BroadcastHistory history(1);
  constexpr size_t kLimit = 2048;
  std::optional<EncodedState> encoded = EncodeState(
      BuildState(StateKind::kRequest, Local(), table, history), kLimit, random);
  ASSERT_TRUE(encoded.has_value());
  EXPECT_TRUE(encoded->truncated);
  EXPECT_LE(encoded->packet.size(), kLimit);
  std::vector<Message> decoded;
  ASSERT_TRUE(DecodePacket(encoded->packet, decoded).ok());
  const PushPull& state = std::get<PushPull>(decoded[0]);
  ASSERT_GE(state.members.size(), 2u);
  EXPECT_LT(state.members.size(), 21u);
  EXPECT_EQ(state.members[0].name, "self");
}

TEST(StateReplyGateTest, OneReplyPerLifeAndInterval) {
  StateReplyGate gate(2);
  const Instant t(absl::Seconds(100));
  const absl::Duration interval = absl::Seconds(1);
  EXPECT_TRUE(gate.Allows("a", {5, 0}, t, interval));
  gate.Record("a", {5, 0}, t);
  EXPECT_FALSE(gate.Allows("a", {5, 0}, t + absl::Milliseconds(999),
                           interval));                 // a replay
  EXPECT_TRUE(gate.Allows("a", {6, 0}, t, interval));  // a new life
  EXPECT_TRUE(gate.Allows("a", {5, 0}, t + interval, interval));
  EXPECT_TRUE(gate.Allows("b", {5, 0}, t, interval));
  // Bounded: the oldest sender is forgotten.
  gate.Record("b", {5, 0}, t);
  gate.Record("c", {5, 0}, t);
  EXPECT_TRUE(gate.Allows("a", {5, 0}, t, interval));
}

// Whether a seed is settled, from a fixed list of members' addresses.
auto SettledAmong(std::vector<Address> known) {
  return [known = std::move(known)](const Address& seed, absl::string_view) {
    return std::find(known.begin(), known.end(), seed) != known.end();
  };
}

TEST(JoinAttemptTest, SeedsWithoutSelfOrRepeatsAndBackoffDoubles) {
  JoinAttempt join(absl::Seconds(1), absl::Seconds(10));
  EXPECT_FALSE(join.Start({Addr(0)}, Addr(0), false));  // only itself
  EXPECT_FALSE(join.awaiting_floors());
  ASSERT_TRUE(join.Start({Addr(1), Addr(0), Addr(1), Addr(2)}, Addr(0),
                         /*joined=*/false));
  EXPECT_EQ(join.seeds(), (std::vector<Address>{Addr(1), Addr(2)}));
  EXPECT_TRUE(join.awaiting_floors());
  EXPECT_EQ(join.delay(), absl::Seconds(1));
  for (int i = 0; i < 10; ++i) {
    std::optional<std::vector<Address>> ask =
        join.Check(/*joined=*/false, SettledAmong({}));
    ASSERT_TRUE(ask.has_value());
    EXPECT_EQ(*ask, join.seeds());  // every seed until joined
  }
  EXPECT_EQ(join.delay(), absl::Seconds(60));  // capped
  // A restart of the attempt starts the backoff over.
  ASSERT_TRUE(join.Start({Addr(3)}, Addr(0), /*joined=*/false));
  EXPECT_EQ(join.delay(), absl::Seconds(1));
}

TEST(JoinAttemptTest, OnceJoinedOnlyUnsettledSeedsAreAskedWithBackoff) {
  JoinAttempt join(absl::Seconds(1), absl::Seconds(10));
  ASSERT_TRUE(join.Start({Addr(1), Addr(2)}, Addr(0), /*joined=*/false));
  // Joined, both seeds members: nothing to ask, a check every interval.
  std::optional<std::vector<Address>> ask =
      join.Check(/*joined=*/true, SettledAmong({Addr(1), Addr(2)}));
  ASSERT_TRUE(ask.has_value());
  EXPECT_TRUE(ask->empty());
  EXPECT_FALSE(join.awaiting_floors());
  EXPECT_EQ(join.delay(), absl::Seconds(10));
  // Seed 2 was forgotten (a long partition): asked, backing off to 8x.
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 6; ++i) {
    ask = join.Check(/*joined=*/true, SettledAmong({Addr(1)}));
    ASSERT_TRUE(ask.has_value());
    EXPECT_EQ(*ask, std::vector<Address>{Addr(2)});
    delays.push_back(join.delay());
  }
  EXPECT_EQ(delays,
            (std::vector<absl::Duration>{
                absl::Seconds(10), absl::Seconds(20), absl::Seconds(40),
                absl::Seconds(80), absl::Seconds(80), absl::Seconds(80)}));
  // Settled again: the backoff starts over.
  ask = join.Check(/*joined=*/true, SettledAmong({Addr(1), Addr(2)}));
  EXPECT_TRUE(ask->empty());
  ask = join.Check(/*joined=*/true, SettledAmong({Addr(1)}));
  EXPECT_EQ(join.delay(), absl::Seconds(10));
  // Every member lost: every seed, at the joining pace again.
  ask = join.Check(/*joined=*/false, SettledAmong({Addr(1), Addr(2)}));
  EXPECT_EQ(*ask, (std::vector<Address>{Addr(1), Addr(2)}));
  EXPECT_EQ(join.delay(), absl::Seconds(2));
}

TEST(JoinAttemptTest, ASeedIsSettledByTheMemberThatAnsweredThere) {
  JoinAttempt join(absl::Seconds(1), absl::Seconds(10));
  ASSERT_TRUE(join.Start({Addr(1)}, Addr(0), /*joined=*/false));
  ASSERT_TRUE(join.OnReply(Addr(1), "seed-one"));
  std::string asked_about;
  std::optional<std::vector<Address>> ask = join.Check(
      /*joined=*/true, [&](const Address&, absl::string_view answered_by) {
        asked_about = std::string(answered_by);
        return !answered_by.empty();
      });
  EXPECT_EQ(asked_about, "seed-one");
  EXPECT_TRUE(ask->empty());
}

// A member reached only by members that joined through it, its own join
// unanswered, knows live members but no seed: it asks again at the
// joining pace, not the recheck's.
TEST(JoinAttemptTest, JoinedButNoSeedSettledAsksAtTheJoiningPace) {
  JoinAttempt join(absl::Seconds(1), absl::Seconds(10));
  ASSERT_TRUE(join.Start({Addr(1), Addr(2)}, Addr(0), /*joined=*/false));
  EXPECT_FALSE(join.awaiting_seed());
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 3; ++i) {
    std::optional<std::vector<Address>> ask =
        join.Check(/*joined=*/true, SettledAmong({Addr(7)}));
    ASSERT_TRUE(ask.has_value());
    EXPECT_EQ(*ask, (std::vector<Address>{Addr(1), Addr(2)}));
    EXPECT_TRUE(join.awaiting_seed());
    delays.push_back(join.delay());
  }
  EXPECT_EQ(delays, (std::vector<absl::Duration>{
                        absl::Seconds(2), absl::Seconds(4), absl::Seconds(8)}));
  // Its join answered at last: rechecks as usual, the unsettled seed
  // included.
  std::optional<std::vector<Address>> ask =
      join.Check(/*joined=*/true, SettledAmong({Addr(1)}));
  EXPECT_FALSE(join.awaiting_seed());
  EXPECT_EQ(*ask, std::vector<Address>{Addr(2)});
  EXPECT_EQ(join.delay(), absl::Seconds(10));
}

TEST(JoinAttemptTest, NoRecheckWhenOff) {
  JoinAttempt join(absl::Seconds(1), absl::ZeroDuration());
  ASSERT_TRUE(join.Start({Addr(1)}, Addr(0), /*joined=*/false));
  EXPECT_EQ(join.Check(/*joined=*/true, SettledAmong({})), std::nullopt);
  EXPECT_FALSE(join.awaiting_floors());
}

TEST(JoinAttemptTest, FloorsAreTakenOnceFromASeedOnly) {
  JoinAttempt join(absl::Seconds(1), absl::Seconds(10));
  ASSERT_TRUE(join.Start({Addr(1)}, Addr(0), /*joined=*/false));
  EXPECT_FALSE(join.OnReply(Addr(2), "x"));  // not a seed
  EXPECT_TRUE(join.awaiting_floors());
  EXPECT_TRUE(join.OnReply(Addr(1), "x"));
  EXPECT_FALSE(join.awaiting_floors());
  EXPECT_FALSE(join.OnReply(Addr(1), "x"));  // once
  // Seeds given while joined await no floors.
  ASSERT_TRUE(join.Start({Addr(1)}, Addr(0), /*joined=*/true));
  EXPECT_FALSE(join.awaiting_floors());
  EXPECT_FALSE(join.OnReply(Addr(1), "x"));
}

}  // namespace
}  // namespace swim

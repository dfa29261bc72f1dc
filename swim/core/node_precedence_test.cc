// The precedence lattice, exhaustively, through a whole Node: for every
// status the node may hold about a member, every status a claim may carry,
// every order of incarnations (by version and by generation) and every
// source (gossip datagram, push-pull stream), the member ends in the state
// docs/protocol.md prescribes. Claims about the node itself are checked for
// every status and order too.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/core/wire.h"
#include "swim/testing/in_memory.h"

namespace swim {
namespace {

const Instant kNow = Instant(absl::Seconds(1700000000));
const Address kSelfAddress = Address::Ipv4({10, 0, 0, 1}, 7946);
const Address kPeerAddress = Address::Ipv4({10, 0, 0, 2}, 7946);
const Address kSubjectAddress = Address::Ipv4({10, 0, 0, 3}, 7946);
constexpr absl::string_view kSubject = "subject";
constexpr absl::string_view kPeer = "peer";
constexpr uint64_t kSelfGeneration = 50;

constexpr MemberStatus kStatuses[] = {
    MemberStatus::kOnline, MemberStatus::kSuspect, MemberStatus::kOffline,
    MemberStatus::kLeft};

enum class Source { kGossip, kPushPull };

std::unique_ptr<Node> MakeNode() {
  Config config = Config::Local();
  config.name = "self";
  config.address = kSelfAddress;
  config.generation = kSelfGeneration;
  config.security_mode = SecurityMode::kPlaintext;
  return *Node::Create(config, kNow);
}

Claim MakeClaim(absl::string_view name, MemberStatus status,
                Incarnation incarnation, const Address& address) {
  Claim update;
  update.status = status;
  update.name = name;
  update.incarnation = incarnation;
  update.address = address;
  update.has_metadata = status == MemberStatus::kOnline;
  if (status == MemberStatus::kSuspect || status == MemberStatus::kOffline) {
    update.origin = kPeer;
  }
  return update;
}

// Plaintext envelope: mode byte, empty label, packet.
std::vector<uint8_t> Plain(const Message& message) {
  std::vector<uint8_t> bytes(2 + kWireHeaderSize + *EncodedSize(message));
  bytes[0] = static_cast<uint8_t>(SecurityMode::kPlaintext);
  bytes[1] = 0;
  EXPECT_TRUE(EncodePacket(absl::MakeConstSpan(&message, 1),
                           absl::MakeSpan(bytes).subspan(2))
                  .ok());
  return bytes;
}

// `message` as a plaintext stream message.
std::vector<uint8_t> StreamOf(const Message& message) {
  std::vector<uint8_t> packet(kWireHeaderSize + *EncodedSize(message));
  EXPECT_TRUE(
      EncodePacket(absl::MakeConstSpan(&message, 1), absl::MakeSpan(packet))
          .ok());
  return testing::PlaintextStream(packet);
}

void Deliver(Node& node, const Claim& claim, Source source) {
  if (source == Source::kGossip) {
    node.HandleDatagram(kPeerAddress, Plain(claim), kNow);
  } else {
    PushPull state;
    state.sender = kPeer;
    state.members = {
        MakeClaim(kPeer, MemberStatus::kOnline, {1, 0}, kPeerAddress), claim};
    testing::DeliverStream(node, kPeerAddress, StreamOf(state), kNow);
  }
  while (node.PollTransmit()) {
  }
  while (node.PollEvent()) {
  }
}

int Rank(MemberStatus status) {
  switch (status) {
    case MemberStatus::kOnline:
      return 0;
    case MemberStatus::kSuspect:
      return 1;
    case MemberStatus::kOffline:
      return 2;
    case MemberStatus::kLeft:
      return 3;
  }
  return -1;
}

// docs/protocol.md: a claim wins iff (incarnation, rank) is strictly
// greater; a push-pull's OFFLINE entry counts as SUSPECT.
MemberStatus Expected(MemberStatus held, Incarnation held_incarnation,
                      MemberStatus claimed, Incarnation claimed_incarnation,
                      Source source) {
  if (source == Source::kPushPull && claimed == MemberStatus::kOffline) {
    claimed = MemberStatus::kSuspect;
  }
  const bool wins =
      claimed_incarnation > held_incarnation ||
      (claimed_incarnation == held_incarnation && Rank(claimed) > Rank(held));
  return wins ? claimed : held;
}

const Incarnation kHeld = {10, 5};
const Incarnation kOrders[] = {
    {10, 4},  // older version
    {10, 5},  // equal
    {10, 6},  // newer version
    {9, 99},  // older generation, larger version
    {11, 0},  // newer generation, smaller version
};

TEST(NodePrecedenceTest, EveryHeldStatusClaimOrderAndSource) {
  int cases = 0;
  for (Source source : {Source::kGossip, Source::kPushPull}) {
    for (MemberStatus held : kStatuses) {
      for (MemberStatus claimed : kStatuses) {
        for (const Incarnation& order : kOrders) {
          SCOPED_TRACE(
              absl::StrCat(source == Source::kGossip ? "gossip" : "push-pull",
                           " held ", MemberStatusName(held), " claimed ",
                           MemberStatusName(claimed), "@", order.ToString()));
          std::unique_ptr<Node> node = MakeNode();
          // Reach the held state: learn the member, then (for other
          // statuses) hear the held claim at the same incarnation.
          Deliver(*node,
                  MakeClaim(kSubject, MemberStatus::kOnline, kHeld,
                            kSubjectAddress),
                  Source::kGossip);
          if (held != MemberStatus::kOnline) {
            Deliver(*node, MakeClaim(kSubject, held, kHeld, kSubjectAddress),
                    Source::kGossip);
          }
          const std::optional<Member> before = node->Find(kSubject);
          ASSERT_NE(before, std::nullopt);
          ASSERT_EQ(before->status, held);
          ASSERT_EQ(before->incarnation, kHeld);

          Deliver(*node, MakeClaim(kSubject, claimed, order, kSubjectAddress),
                  source);
          const std::optional<Member> after = node->Find(kSubject);
          ASSERT_NE(after, std::nullopt);
          const MemberStatus expected =
              Expected(held, kHeld, claimed, order, source);
          EXPECT_EQ(after->status, expected);
          const bool applied =
              order > kHeld || (order == kHeld && expected != held);
          EXPECT_EQ(after->incarnation, applied ? order : kHeld);
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 2 * 4 * 4 * 5);
}

TEST(NodePrecedenceTest, ClaimsAboutStrangers) {
  for (Source source : {Source::kGossip, Source::kPushPull}) {
    for (MemberStatus claimed : kStatuses) {
      SCOPED_TRACE(MemberStatusName(claimed));
      std::unique_ptr<Node> node = MakeNode();
      Deliver(*node, MakeClaim(kSubject, claimed, kHeld, kSubjectAddress),
              source);
      const std::optional<Member> member = node->Find(kSubject);
      if (StatusIn(claimed, kAvailable)) {
        ASSERT_NE(member, std::nullopt);
        EXPECT_EQ(member->status, claimed);
      } else {
        // The death or departure of a stranger teaches nothing.
        EXPECT_EQ(member, std::nullopt);
      }
    }
  }
}

TEST(NodePrecedenceTest, ClaimsAboutSelfAtEveryStatusAndOrder) {
  const Incarnation self_orders[] = {
      {kSelfGeneration, 0},      // equal (the node starts at version 0)
      {kSelfGeneration, 7},      // newer version
      {kSelfGeneration - 1, 9},  // older generation
      {kSelfGeneration + 1, 0},  // newer generation
  };
  const Address elsewhere = Address::Ipv4({10, 0, 0, 99}, 7946);
  for (Source source : {Source::kGossip, Source::kPushPull}) {
    for (MemberStatus claimed : kStatuses) {
      for (const Incarnation& order : self_orders) {
        for (const Address& address : {kSelfAddress, elsewhere}) {
          SCOPED_TRACE(absl::StrCat(MemberStatusName(claimed), "@",
                                    order.ToString(), " at ",
                                    address.ToString()));
          std::unique_ptr<Node> node = MakeNode();
          const Incarnation before = node->local().incarnation;
          Deliver(*node, MakeClaim("self", claimed, order, address), source);
          const Incarnation after = node->local().incarnation;
          EXPECT_EQ(node->local().status, MemberStatus::kOnline);
          // Refute: claims about this life (this address) at or above its
          // incarnation (ONLINE ones strictly above), at their generation
          // if it is later. A claim naming another address is another
          // life's: never refuted; reported unless it is an older one.
          const bool mine = address == kSelfAddress;
          const bool refutes =
              mine && (claimed == MemberStatus::kOnline ? order > before
                                                        : order >= before);
          if (refutes) {
            EXPECT_EQ(after.generation,
                      std::max(kSelfGeneration, order.generation));
            EXPECT_GT(after, order);
            EXPECT_EQ(node->stats().refutations, 1u);
          } else {
            EXPECT_EQ(after, before);
            EXPECT_EQ(node->stats().refutations, 0u);
          }
          EXPECT_EQ(node->stats().name_conflicts,
                    !mine && order.generation >= kSelfGeneration ? 1u : 0u);
        }
      }
    }
  }
}

}  // namespace
}  // namespace swim

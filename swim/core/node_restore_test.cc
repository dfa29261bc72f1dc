// Node::Restore: members known from elsewhere are installed quietly, and
// bad input changes nothing. Node::Rejoin: a restarted member starts from
// its saved view, tells its application, and announces its new life.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/incarnation.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/wire.h"
#include "swim/testing/node_harness.h"

namespace swim::testing {
namespace {

using ::testing::HasSubstr;

// A member as a saved view holds it.
Member Known(absl::string_view name, const Address& address,
             Incarnation incarnation, Metadata metadata = {}) {
  Member member;
  member.name = std::string(name);
  member.address = address;
  member.status = MemberStatus::kOnline;
  member.incarnation = incarnation;
  member.metadata = std::move(metadata);
  return member;
}

TEST(NodeRestoreTest, MembersArriveOnlineWithoutEventsOrGossip) {
  Harness h;
  const std::vector<Member> view = {
      Known(kPeerA, Addr(2), {3, 1}, {{"role", "db"}}),
      Known(kPeerB, Addr(3), {4, 0}),
  };
  ASSERT_TRUE(h.node().Restore(view, h.now()).ok());

  const std::vector<Member> members = h.node().Members();
  ASSERT_EQ(members.size(), 2u);
  for (size_t i = 0; i < members.size(); ++i) {
    Member expected = view[i];
    expected.last_change = h.now();
    EXPECT_EQ(members[i], expected) << members[i].name;
  }
  EXPECT_EQ(h.node().available(), 2u);
  // Nothing to tell anyone: the cluster knows these members already.
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_EQ(h.node().queued_broadcasts(), 0u);
}

TEST(NodeRestoreTest, RestoredMembersAreProbedAndASilentOneSuspected) {
  Harness h;
  ASSERT_TRUE(h.node().Restore({Known(kPeerA, Addr(2), {1, 0})}, h.now()).ok());
  std::optional<Ping> ping = h.AdvanceToNextPing();
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(ping->target, kPeerA);
  EXPECT_EQ(h.ping_to(), Addr(2));
  // It never answers: probing corrects the restored view.
  h.Advance(ProbeVerdictAfter(h.node().config()));
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kSuspect);
}

TEST(NodeRestoreTest, SkipsItselfKnownNamesAndRepeats) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 0});
  h.TakeEvents();
  const std::vector<Member> view = {
      Known(kSelf, Addr(9), {1, 0}),
      Known(kPeerA, Addr(7), {9, 0}),  // known here: left alone
      Known(kPeerB, Addr(3), {1, 0}),
      Known(kPeerB, Addr(8), {2, 0}),  // a repeat: the first one counts
  };
  ASSERT_TRUE(h.node().Restore(view, h.now()).ok());
  EXPECT_EQ(h.node().size(), 2u);
  EXPECT_EQ(h.node().Find(kPeerA)->incarnation, (Incarnation{5, 0}));
  EXPECT_EQ(h.node().Find(kPeerA)->address, Addr(2));
  EXPECT_EQ(h.node().Find(kPeerB)->address, Addr(3));
  EXPECT_EQ(h.node().local().address, Addr(1));
  EXPECT_TRUE(h.TakeEvents().empty());
}

TEST(NodeRestoreTest, InvalidMembersChangeNothing) {
  Config config = TestConfig();
  config.max_metadata_size = 64;
  Harness h(config);
  const Member good = Known(kPeerA, Addr(2), {1, 0});
  Member suspect = Known(kPeerB, Addr(3), {1, 0});
  suspect.status = MemberStatus::kSuspect;
  Member unnamed = Known("", Addr(4), {1, 0});
  Member long_name =
      Known(std::string(kMaxNameLength + 1, 'n'), Addr(5), {1, 0});
  Member big = Known(kPeerC, Addr(6), {1, 0}, {{"k", std::string(100, 'v')}});
  Member empty_key = Known(kPeerC, Addr(6), {1, 0}, {{"", "v"}});

  struct Case {
    const Member& bad;
    const char* says;
  };
  for (const Case& c :
       {Case{suspect, "only ONLINE"}, Case{unnamed, "name of 0 bytes"},
        Case{long_name, "name of 256 bytes"}, Case{big, "max_metadata_size"},
        Case{empty_key, "metadata key \"\" must be 1-255 bytes"}}) {
    SCOPED_TRACE(c.says);
    const absl::Status status = h.node().Restore({good, c.bad}, h.now());
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.says));
    EXPECT_EQ(h.node().size(), 0u);
  }
}

TEST(NodeRestoreTest, AFullTableChangesNothing) {
  Config config = TestConfig();
  config.max_members = 2;
  Harness h(config);
  const std::vector<Member> three = {Known(kPeerA, Addr(2), {1, 0}),
                                     Known(kPeerB, Addr(3), {1, 0}),
                                     Known(kPeerC, Addr(4), {1, 0})};
  const absl::Status status = h.node().Restore(three, h.now());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("max_members 2"));
  EXPECT_EQ(h.node().size(), 0u);
  // Repeats count once: two new names fit, however often they appear.
  EXPECT_TRUE(
      h.node().Restore({three[0], three[1], three[1], three[0]}, h.now()).ok());
  EXPECT_EQ(h.node().size(), 2u);
  // Known names do not count either; the table is full for new ones.
  EXPECT_TRUE(h.node().Restore({three[0], three[1]}, h.now()).ok());
  EXPECT_EQ(h.node().Restore({three[0], three[2]}, h.now()).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(h.node().size(), 2u);
}

TEST(NodeRestoreTest, ReapedLivesStayBuried) {
  Harness h;
  h.Learn(kPeerA, Addr(2), {5, 0});
  h.Datagram(Addr(3),
             {MakeClaim(MemberStatus::kLeft, kPeerA, Addr(2), {5, 1}, kPeerB)});
  ASSERT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kLeft);
  h.Advance(h.node().config().tombstone_timeout + absl::Seconds(1));
  ASSERT_EQ(h.node().StatusOf(kPeerA), std::nullopt);
  // The same life comes back from an old snapshot: skipped. A newer life
  // (a restart) is restored.
  ASSERT_TRUE(h.node().Restore({Known(kPeerA, Addr(2), {5, 0})}, h.now()).ok());
  EXPECT_EQ(h.node().StatusOf(kPeerA), std::nullopt);
  ASSERT_TRUE(h.node().Restore({Known(kPeerA, Addr(2), {6, 0})}, h.now()).ok());
  EXPECT_EQ(h.node().StatusOf(kPeerA), MemberStatus::kOnline);
}

std::vector<Member> SavedMembers(int count) {
  std::vector<Member> view;
  for (int i = 0; i < count; ++i) {
    view.push_back(Known(absl::StrCat("saved-", i), Addr(10 + i),
                         {static_cast<uint64_t>(100 + i), 2},
                         {{"n", absl::StrCat(i)}}));
  }
  return view;
}

TEST(NodeRejoinTest, ReportsEachMemberAndAsksAFewForState) {
  Harness h;
  std::vector<Member> view = SavedMembers(6);
  view.push_back(Known(kSelf, Addr(1), {1, 7}));  // its own old life: skipped
  Member gone = Known("gone", Addr(40), {1, 0});
  gone.status = MemberStatus::kOffline;  // not ONLINE: skipped
  view.push_back(gone);
  const Incarnation own = h.node().local().incarnation;
  ASSERT_TRUE(h.Rejoin(view).ok());

  EXPECT_EQ(h.node().size(), 6u);
  EXPECT_EQ(h.node().local().incarnation, own);  // the new life, not the saved
  std::vector<Event> events = h.TakeEvents();
  ASSERT_EQ(events.size(), 6u);
  std::set<std::string> reported;
  for (const Event& event : events) {
    const MemberJoined* joined = std::get_if<MemberJoined>(&event);
    ASSERT_NE(joined, nullptr) << EventName(event);
    EXPECT_EQ(joined->member.status, MemberStatus::kOnline);
    reported.insert(joined->member.name);
  }
  EXPECT_EQ(reported.size(), 6u);
  EXPECT_EQ(h.node().Find("saved-3")->metadata, (Metadata{{"n", "3"}}));

  // Three of them get a joining state exchange that carries this node's
  // new life, as seeds would.
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), static_cast<size_t>(Node::kRejoinContacts));
  std::set<Address> asked;
  for (const Sent& one : sent) {
    EXPECT_EQ(one.channel, Channel::kStream);
    const PushPull state = First<PushPull>(one);
    EXPECT_TRUE(state.joining);
    EXPECT_TRUE(state.reply_wanted);
    bool carries_self = false;
    for (const Claim& claim : state.members) {
      if (claim.name == kSelf) {
        carries_self =
            claim.incarnation == own && claim.status == MemberStatus::kOnline;
      }
    }
    EXPECT_TRUE(carries_self);
    asked.insert(one.to);
  }
  EXPECT_EQ(asked.size(), sent.size());
  for (const Address& address : asked) {
    bool saved = false;
    for (int i = 0; i < 6; ++i) saved |= address == Addr(10 + i);
    EXPECT_TRUE(saved) << address.ToString();
  }
}

TEST(NodeRejoinTest, ContactsAreAskedAgainUntilAMemberSendsItsState) {
  Harness h;
  ASSERT_TRUE(h.Rejoin(SavedMembers(2)).ok());
  EXPECT_EQ(h.TakeSent().size(), 2u);
  // The restored members count as known, but none has answered: both are
  // asked again at the joining pace.
  h.Advance(h.node().config().probe_interval);
  size_t asked = 0;
  for (const Sent& one : h.TakeSent()) {
    if (!MessagesOf<PushPull>(one).empty()) ++asked;
  }
  EXPECT_EQ(asked, 2u);
  // One answers: from then on they are settled members.
  PushPull reply;
  reply.sender = "saved-0";
  reply.members = {Online("saved-0", Addr(10), {100, 2})};
  h.Stream(Addr(10, 40001), {reply});
  h.TakeSent();
  h.Advance(4 * h.node().config().probe_interval);
  for (const Sent& one : h.TakeSent()) {
    // State exchanges (a probe's stream fallback is a stream too).
    if (MessagesOf<PushPull>(one).empty()) continue;
    const PushPull* state = nullptr;
    for (const Message& message : one.messages) {
      if (const auto* typed = std::get_if<PushPull>(&message)) state = typed;
    }
    ASSERT_NE(state, nullptr);
    EXPECT_FALSE(state->joining)
        << "asked to join again: " << one.to.ToString();
  }
}

TEST(NodeRejoinTest, FewerMembersThanContactsAreAllAsked) {
  Harness h;
  ASSERT_TRUE(h.Rejoin(SavedMembers(2)).ok());
  EXPECT_EQ(h.TakeSent().size(), 2u);
}

TEST(NodeRejoinTest, AnEmptyViewChangesNothing) {
  Harness h;
  Member gone = Known("gone", Addr(40), {1, 0});
  gone.status = MemberStatus::kLeft;
  ASSERT_TRUE(h.Rejoin({gone}).ok());
  EXPECT_EQ(h.node().size(), 0u);
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_TRUE(h.TakeSent().empty());
  // With seeds, it is a plain Join.
  Harness seeded;
  ASSERT_TRUE(seeded.Rejoin({gone}, {Addr(9)}).ok());
  std::vector<Sent> sent = seeded.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(9));
}

TEST(NodeRejoinTest, MembersHeardOfBeforeAreKeptAsTheyAre) {
  // Members probe a restarted address before its application rejoins:
  // what this life heard stays, the rest is restored.
  Harness h;
  h.Learn("saved-1", Addr(30), {500, 0});
  h.TakeEvents();
  h.TakeSent();
  ASSERT_TRUE(h.Rejoin(SavedMembers(3)).ok());
  EXPECT_EQ(h.node().size(), 3u);
  EXPECT_EQ(h.node().Find("saved-1")->incarnation, (Incarnation{500, 0}));
  EXPECT_EQ(h.node().Find("saved-1")->address, Addr(30));
  EXPECT_EQ(h.TakeEvents().size(), 2u);  // saved-0 and saved-2
}

TEST(NodeRejoinTest, RefusedOnceJoined) {
  Harness h;
  ASSERT_TRUE(h.Join({Addr(9)}).ok());
  h.TakeSent();
  const absl::Status status = h.Rejoin(SavedMembers(3));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("Rejoin"));
  EXPECT_EQ(h.node().size(), 0u);
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_TRUE(h.TakeSent().empty());
  // And once rejoined, a second view is refused too.
  Harness again;
  ASSERT_TRUE(again.Rejoin(SavedMembers(1)).ok());
  EXPECT_EQ(again.Rejoin(SavedMembers(3)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.node().size(), 1u);
}

TEST(NodeRejoinTest, AnInvalidViewChangesNothing) {
  Harness h;
  std::vector<Member> view = SavedMembers(3);
  view[1].name = "";
  const absl::Status status = h.Rejoin(view);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("rejoin: member 1"));
  EXPECT_EQ(h.node().size(), 0u);
  EXPECT_TRUE(h.TakeEvents().empty());
  EXPECT_TRUE(h.TakeSent().empty());
}

TEST(NodeRejoinTest, TheClusterCorrectsTheSavedView) {
  Harness h;
  ASSERT_TRUE(h.Rejoin(SavedMembers(3)).ok());
  h.TakeEvents();
  h.TakeSent();
  // saved-0 restarted since the save (a newer life): the news wins. A
  // claim older than the saved entry changes nothing. saved-1 went
  // OFFLINE at the saved incarnation: that wins too.
  h.Datagram(Addr(30), {Online("saved-0", Addr(10), {200, 0}),
                        Online("saved-2", Addr(12), {102, 1}),
                        MakeClaim(MemberStatus::kOffline, "saved-1", Addr(11),
                                  {101, 2}, kPeerB)});
  EXPECT_EQ(h.node().Find("saved-0")->incarnation, (Incarnation{200, 0}));
  EXPECT_EQ(h.node().Find("saved-2")->incarnation, (Incarnation{102, 2}));
  EXPECT_EQ(h.node().StatusOf("saved-1"), MemberStatus::kOffline);
}

TEST(NodeRejoinTest, SeedsAreAskedOnlyIfNotRestoredMembers) {
  Harness h;
  ASSERT_TRUE(h.Rejoin(SavedMembers(1), {Addr(10), Addr(9)}).ok());
  std::vector<Sent> sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].to, Addr(10));  // the one contact
  EXPECT_EQ(sent[1].to, Addr(9));   // the seed that is no member
  // Once a member answered, seeds given later are asked only if they are
  // not members either.
  PushPull reply;
  reply.sender = "saved-0";
  reply.members = {Online("saved-0", Addr(10), {100, 2})};
  h.Stream(Addr(10, 40001), {reply});
  h.TakeSent();
  ASSERT_TRUE(h.Join({Addr(10), Addr(8)}).ok());
  sent = h.TakeSent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Addr(8));
}

TEST(NodeRestoreTest, RefusedAfterLeaving) {
  Harness h;
  ASSERT_TRUE(h.Leave().ok());
  const absl::Status status =
      h.node().Restore({Known(kPeerA, Addr(2), {1, 0})}, h.now());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.node().size(), 0u);
  EXPECT_EQ(h.Rejoin({Known(kPeerA, Addr(2), {1, 0})}).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace swim::testing

#include "swim/core/member_table.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/incarnation.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/packed_time.h"
#include "swim/core/random.h"
#include "swim/core/suspicion.h"

namespace swim {
namespace {

constexpr MemberStatus kOn = MemberStatus::kOnline;
constexpr MemberStatus kSu = MemberStatus::kSuspect;
constexpr MemberStatus kOf = MemberStatus::kOffline;
constexpr MemberStatus kLe = MemberStatus::kLeft;
constexpr MemberStatus kStatuses[4] = {kOn, kSu, kOf, kLe};

constexpr Precedence kNew = Precedence::kNewer;
constexpr Precedence kSam = Precedence::kSame;
constexpr Precedence kOld = Precedence::kOlder;

const char* PrecedenceName(Precedence precedence) {
  switch (precedence) {
    case Precedence::kNewer:
      return "kNewer";
    case Precedence::kSame:
      return "kSame";
    case Precedence::kOlder:
      return "kOlder";
  }
  return "invalid";
}

// One way the claimed incarnation can relate to the local one, with the
// expected verdict for every (local status, claimed status) pair, written
// out by hand: rows are the local status, columns the claimed status, both
// in the order ONLINE, SUSPECT, OFFLINE, LEFT.
struct IncarnationCase {
  const char* label;
  Incarnation local;
  Incarnation claimed;
  Precedence expected[4][4];
};

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

const IncarnationCase kIncarnationCases[] = {
    {"claimed version lower",
     {7, 5},
     {7, 4},
     {
         // claimed: ONLINE SUSPECT OFFLINE LEFT
         {kOld, kOld, kOld, kOld},  // local ONLINE
         {kOld, kOld, kOld, kOld},  // local SUSPECT
         {kOld, kOld, kOld, kOld},  // local OFFLINE
         {kOld, kOld, kOld, kOld},  // local LEFT
     }},
    {"equal incarnation",
     {7, 5},
     {7, 5},
     {
         // claimed: ONLINE SUSPECT OFFLINE LEFT
         {kSam, kNew, kNew, kNew},  // local ONLINE
         {kOld, kSam, kNew, kNew},  // local SUSPECT
         {kOld, kOld, kSam, kNew},  // local OFFLINE
         {kOld, kOld, kOld, kSam},  // local LEFT
     }},
    {"claimed version higher",
     {7, 5},
     {7, 6},
     {
         // claimed: ONLINE SUSPECT OFFLINE LEFT
         {kNew, kNew, kNew, kNew},  // local ONLINE
         {kNew, kNew, kNew, kNew},  // local SUSPECT
         {kNew, kNew, kNew, kNew},  // local OFFLINE
         {kNew, kNew, kNew, kNew},  // local LEFT
     }},
    {"claimed generation higher, version lower",
     {7, 5},
     {8, 0},
     {
         {kNew, kNew, kNew, kNew},
         {kNew, kNew, kNew, kNew},
         {kNew, kNew, kNew, kNew},
         {kNew, kNew, kNew, kNew},
     }},
    {"claimed generation higher, local version at its maximum",
     {7, kMax},
     {8, 0},
     {
         {kNew, kNew, kNew, kNew},
         {kNew, kNew, kNew, kNew},
         {kNew, kNew, kNew, kNew},
         {kNew, kNew, kNew, kNew},
     }},
    {"claimed generation lower, version higher",
     {7, 5},
     {6, 9},
     {
         {kOld, kOld, kOld, kOld},
         {kOld, kOld, kOld, kOld},
         {kOld, kOld, kOld, kOld},
         {kOld, kOld, kOld, kOld},
     }},
    {"claimed generation lower, claimed version at its maximum",
     {7, 0},
     {6, kMax},
     {
         {kOld, kOld, kOld, kOld},
         {kOld, kOld, kOld, kOld},
         {kOld, kOld, kOld, kOld},
         {kOld, kOld, kOld, kOld},
     }},
    {"zero incarnations, equal",
     {0, 0},
     {0, 0},
     {
         {kSam, kNew, kNew, kNew},
         {kOld, kSam, kNew, kNew},
         {kOld, kOld, kSam, kNew},
         {kOld, kOld, kOld, kSam},
     }},
};

TEST(ComparePrecedenceTest, WholeLattice) {
  int checked = 0;
  for (const IncarnationCase& c : kIncarnationCases) {
    for (int local = 0; local < 4; ++local) {
      for (int claimed = 0; claimed < 4; ++claimed) {
        const Precedence got = ComparePrecedence(kStatuses[local], c.local,
                                                 kStatuses[claimed], c.claimed);
        EXPECT_EQ(got, c.expected[local][claimed])
            << c.label << ": local " << MemberStatusName(kStatuses[local])
            << "@" << c.local.ToString() << ", claimed "
            << MemberStatusName(kStatuses[claimed]) << "@"
            << c.claimed.ToString() << ": got " << PrecedenceName(got)
            << ", want " << PrecedenceName(c.expected[local][claimed]);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 8 * 16);
}

// The paper's rules, spelled out one by one, as a readable cross-check of
// the table above.
TEST(ComparePrecedenceTest, NamedRules) {
  const Incarnation i{3, 3};
  const Incarnation higher{3, 4};
  // ONLINE needs a higher incarnation to override anything.
  for (MemberStatus local : kStatuses) {
    EXPECT_EQ(ComparePrecedence(local, i, kOn, higher), kNew);
  }
  EXPECT_EQ(ComparePrecedence(kSu, i, kOn, i), kOld);
  // SUSPECT beats ONLINE at an equal incarnation; another member's SUSPECT
  // at the same incarnation is a confirmation.
  EXPECT_EQ(ComparePrecedence(kOn, i, kSu, i), kNew);
  EXPECT_EQ(ComparePrecedence(kSu, i, kSu, i), kSam);
  // OFFLINE and LEFT override ONLINE and SUSPECT at an equal incarnation.
  EXPECT_EQ(ComparePrecedence(kSu, i, kOf, i), kNew);
  EXPECT_EQ(ComparePrecedence(kOn, i, kLe, i), kNew);
  // A member that was declared OFFLINE cannot be revived by a replayed
  // ONLINE or SUSPECT at the same incarnation.
  EXPECT_EQ(ComparePrecedence(kOf, i, kOn, i), kOld);
  EXPECT_EQ(ComparePrecedence(kOf, i, kSu, i), kOld);
  // A restarted member (higher generation) wins at once, even with a
  // version counter back at zero.
  EXPECT_EQ(
      ComparePrecedence(kLe, Incarnation{3, 1000}, kOn, Incarnation{4, 0}),
      kNew);
}

// Adds an ONLINE (or `status`) member with empty metadata, vouched for
// (it has answered a probe) unless told otherwise.
MemberRecord& AddTo(MemberTable& table, absl::string_view name, Random& random,
                    MemberStatus status = kOn, bool vouched = true) {
  MemberRecord& record =
      table.Add(name, status, MetadataView().encoded(), random, vouched);
  record.set_address(Address::Ipv4({10, 0, 0, 1}, 7946));
  record.set_incarnation(Incarnation{1, 0});
  record.set_last_change(Instant());
  return record;
}

std::string Name(int i) { return absl::StrCat("member-", i); }

// Adds members "member-0" .. "member-<n-1>", all ONLINE.
void AddMembers(MemberTable& table, Random& random, int n) {
  for (int i = 0; i < n; ++i) AddTo(table, Name(i), random);
}

std::vector<MemberRecord*> All(MemberTable& table) {
  std::vector<MemberRecord*> all;
  for (size_t i = 0; i < table.size(); ++i) all.push_back(&table.at(i));
  return all;
}

size_t CountAvailable(const MemberTable& table) {
  size_t count = 0;
  for (size_t i = 0; i < table.size(); ++i) {
    if (StatusIn(table.at(i).status(), kAvailable)) ++count;
  }
  return count;
}

std::vector<std::string> Picks(MemberTable& table, Random& random, int n) {
  std::vector<std::string> picks;
  for (int i = 0; i < n; ++i) {
    MemberRecord* record = table.NextProbeTarget(random);
    picks.push_back(record == nullptr ? "<null>" : std::string(record->name()));
  }
  return picks;
}

std::multiset<std::string> AsMultiset(const std::vector<std::string>& names) {
  return std::multiset<std::string>(names.begin(), names.end());
}

std::multiset<std::string> AvailableNames(const MemberTable& table) {
  std::multiset<std::string> names;
  for (size_t i = 0; i < table.size(); ++i) {
    if (StatusIn(table.at(i).status(), kAvailable)) {
      names.insert(std::string(table.at(i).name()));
    }
  }
  return names;
}

TEST(MemberTableTest, EmptyTable) {
  MemberTable table;
  Random random(1);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.available(), 0u);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.Find("a"), nullptr);
  EXPECT_EQ(table.NextProbeTarget(random), nullptr);
  EXPECT_EQ(table.NextProbeTarget(random), nullptr);
  table.Remove("a");  // absent: a no-op
  EXPECT_EQ(table.size(), 0u);
}

TEST(MemberTableTest, AddFindRemove) {
  MemberTable table;
  Random random(1);
  Member a;
  a.name = "a";
  a.address = Address::Ipv4({10, 0, 0, 9}, 7000);
  a.status = kOn;
  a.incarnation = Incarnation{5, 6};
  a.metadata["role"] = "db";
  a.last_change = Instant() + absl::Seconds(3);
  const std::string encoded = *EncodeMetadata(a.metadata);
  MemberRecord& added = table.Add(a.name, a.status, encoded, random);
  added.set_address(a.address);
  added.set_incarnation(a.incarnation);
  added.set_last_change(a.last_change);
  EXPECT_EQ(added.name(), "a");
  EXPECT_EQ(added.metadata_encoded(), encoded);
  EXPECT_EQ(added.ToMember(), a);
  EXPECT_EQ(added.suspicion(), nullptr);
  AddTo(table, "b", random, kOf);

  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Find("a"), &added);
  const MemberTable& const_table = table;
  EXPECT_EQ(const_table.Find("a"), &added);
  ASSERT_NE(table.Find("b"), nullptr);
  EXPECT_EQ(table.Find("b")->status(), kOf);
  EXPECT_EQ(table.Find("c"), nullptr);
  EXPECT_EQ(table.Find(""), nullptr);
  EXPECT_EQ(table.Find("A"), nullptr);

  std::set<std::string> all;
  for (const MemberRecord* record : All(table)) {
    all.insert(std::string(record->name()));
  }
  EXPECT_EQ(all, (std::set<std::string>{"a", "b"}));

  table.Remove("a");
  EXPECT_EQ(table.Find("a"), nullptr);
  EXPECT_NE(table.Find("b"), nullptr);
  EXPECT_EQ(table.size(), 1u);
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table.at(0).name(), "b");
  table.Remove("a");  // again: a no-op
  EXPECT_EQ(table.size(), 1u);

  // The name can be reused after removal (and the slot is reused).
  MemberRecord& again = AddTo(table, "a", random, kSu);
  EXPECT_EQ(table.Find("a"), &again);
  EXPECT_EQ(&again, &added);
  EXPECT_EQ(again.status(), kSu);
  EXPECT_EQ(again.metadata_encoded(), MetadataView().encoded());
  EXPECT_EQ(table.size(), 2u);
}

TEST(MemberTableTest, MetadataChangesKeepTheName) {
  MemberTable table;
  Random random(1);
  MemberRecord& record = AddTo(table, "short", random);
  const std::string big = *EncodeMetadata({{"k", std::string(300, 'v')}});
  record.set_metadata_encoded(big);
  EXPECT_EQ(record.name(), "short");
  EXPECT_EQ(record.metadata_encoded(), big);
  EXPECT_EQ(record.ToMember().metadata.at("k"), std::string(300, 'v'));
  record.set_metadata_encoded(MetadataView().encoded());
  EXPECT_EQ(record.name(), "short");
  EXPECT_TRUE(record.ToMember().metadata.empty());
  EXPECT_EQ(table.Find("short"), &record);
}

TEST(MemberTableTest, ManyAddsAndRemovesKeepTheIndexExact) {
  MemberTable table;
  Random random(4);
  std::set<std::string> present;
  for (int step = 0; step < 3000; ++step) {
    const std::string name = Name(static_cast<int>(random.Uniform(400)));
    if (present.contains(name)) {
      table.Remove(name);
      present.erase(name);
    } else {
      AddTo(table, name, random);
      present.insert(name);
    }
    ASSERT_EQ(table.size(), present.size());
  }
  for (const std::string& name : present) {
    ASSERT_NE(table.Find(name), nullptr) << name;
    EXPECT_EQ(table.Find(name)->name(), name);
  }
  for (int i = 0; i < 400; ++i) {
    EXPECT_EQ(table.Find(Name(i)) != nullptr, present.contains(Name(i)));
  }
  // Both orders lost exactly the removed members: the insertion order
  // holds each present member once, and so does a whole probe round.
  std::multiset<std::string> in_order;
  for (size_t i = 0; i < table.size(); ++i) {
    in_order.insert(std::string(table.at(i).name()));
  }
  EXPECT_EQ(in_order, AsMultiset({present.begin(), present.end()}));
  Picks(table, random, static_cast<int>(present.size()));  // finish a round
  EXPECT_EQ(AsMultiset(Picks(table, random, static_cast<int>(present.size()))),
            AsMultiset({present.begin(), present.end()}));
}

TEST(MemberTableTest, AReusedSlotStartsClean) {
  MemberTable table;
  Random random(6);
  MemberRecord& old = AddTo(table, "old-member-with-a-long-name", random, kSu);
  old.set_metadata_encoded(*EncodeMetadata({{"k", std::string(100, 'v')}}));
  old.set_suspicion(std::make_unique<Suspicion>("accuser", 1, absl::Seconds(1),
                                                absl::Seconds(2), Instant()));
  old.suspicion_timer() = PackedTime(Instant() + absl::Seconds(2));
  old.reap_timer() = PackedTime(Instant() + absl::Seconds(9));
  old.set_incarnation({7, 7});
  const MemberRecord* address = &old;
  table.Remove("old-member-with-a-long-name");
  EXPECT_EQ(table.available(), 0u);

  MemberRecord& fresh = table.Add("new", kOn, MetadataView().encoded(), random);
  EXPECT_EQ(&fresh, address);  // the slot was reused
  EXPECT_EQ(fresh.name(), "new");
  EXPECT_EQ(fresh.metadata_encoded(), MetadataView().encoded());
  EXPECT_EQ(fresh.suspicion(), nullptr);
  EXPECT_EQ(fresh.suspicion_timer(), PackedTime::InfiniteFuture());
  EXPECT_EQ(fresh.reap_timer(), PackedTime::InfiniteFuture());
  EXPECT_EQ(fresh.incarnation(), (Incarnation{0, 0}));
  EXPECT_EQ(fresh.status(), kOn);
  EXPECT_EQ(table.Find("old-member-with-a-long-name"), nullptr);
  EXPECT_EQ(table.Find("new"), &fresh);
  EXPECT_EQ(table.available(), 1u);
}

TEST(MemberTableTest, RecordsStayPutAsTheTableGrows) {
  MemberTable table;
  Random random(3);
  MemberRecord* first = &AddTo(table, "first", random);
  AddMembers(table, random, 500);
  EXPECT_EQ(table.Find("first"), first);
  EXPECT_EQ(first->name(), "first");
}

TEST(MemberTableTest, AvailableCountsAddedStatuses) {
  MemberTable table;
  Random random(1);
  AddTo(table, "on", random, kOn);
  EXPECT_EQ(table.available(), 1u);
  AddTo(table, "su", random, kSu);
  EXPECT_EQ(table.available(), 2u);
  AddTo(table, "of", random, kOf);
  EXPECT_EQ(table.available(), 2u);
  AddTo(table, "le", random, kLe);
  EXPECT_EQ(table.available(), 2u);
  EXPECT_EQ(table.size(), 4u);

  table.Remove("of");
  EXPECT_EQ(table.available(), 2u);
  table.Remove("su");
  EXPECT_EQ(table.available(), 1u);
  table.Remove("le");
  EXPECT_EQ(table.available(), 1u);
  table.Remove("on");
  EXPECT_EQ(table.available(), 0u);
}

TEST(MemberTableTest, SetStatusKeepsAvailableExactThroughEveryTransition) {
  for (MemberStatus from : kStatuses) {
    for (MemberStatus to : kStatuses) {
      SCOPED_TRACE(
          absl::StrCat(MemberStatusName(from), " -> ", MemberStatusName(to)));
      MemberTable table;
      Random random(1);
      // Bystanders in every status, so a miscount anywhere shows.
      AddTo(table, "x-on", random, kOn);
      AddTo(table, "x-su", random, kSu);
      AddTo(table, "x-of", random, kOf);
      AddTo(table, "x-le", random, kLe);
      MemberRecord& record = AddTo(table, "m", random, from);
      EXPECT_EQ(table.available(), CountAvailable(table));
      table.SetStatus(record, to);
      EXPECT_EQ(record.status(), to);
      EXPECT_EQ(table.available(), CountAvailable(table));
      EXPECT_EQ(table.available(), 2u + (StatusIn(to, kAvailable) ? 1 : 0));
      table.Remove("m");
      EXPECT_EQ(table.available(), 2u);
    }
  }
}

TEST(MemberTableTest, SetStatusRandomWalkKeepsAvailableExact) {
  MemberTable table;
  Random random(99);
  AddMembers(table, random, 20);
  for (int step = 0; step < 2000; ++step) {
    MemberRecord* record = &table.at(random.Uniform(table.size()));
    table.SetStatus(*record, kStatuses[random.Uniform(4)]);
    ASSERT_EQ(table.available(), CountAvailable(table)) << "step " << step;
  }
}

TEST(MemberTableTest, EachRoundVisitsEveryMemberExactlyOnce) {
  for (int n : {1, 2, 3, 10, 37}) {
    SCOPED_TRACE(absl::StrCat("n = ", n));
    MemberTable table;
    Random random(7);
    AddMembers(table, random, n);
    for (int round = 0; round < 20; ++round) {
      EXPECT_EQ(AsMultiset(Picks(table, random, n)), AvailableNames(table))
          << "round " << round;
    }
  }
}

// Members only heard of (invented by a key holder, say, or just joined)
// get every other probe, round-robin among themselves: however many there
// are, every vouched member is still probed within two of its rounds.
TEST(MemberTableTest, UnvouchedMembersTakeEveryOtherProbe) {
  MemberTable table;
  Random random(21);
  AddMembers(table, random, 4);
  for (int i = 0; i < 20000; ++i) {
    AddTo(table, absl::StrCat("invented-", i), random, kOn, /*vouched=*/false);
  }
  EXPECT_EQ(table.unvouched_available(), 20000u);
  const std::vector<std::string> picks = Picks(table, random, 40000);
  int vouched = 0;
  std::set<std::string> invented;
  for (size_t i = 0; i < picks.size(); ++i) {
    if (absl::StartsWith(picks[i], "invented-")) {
      invented.insert(picks[i]);
    } else {
      ++vouched;
    }
  }
  EXPECT_EQ(invented.size(), 20000u);  // each probed in its own round
  // The other half went round the main round, which passes over the
  // invented while they outnumber the vouched so: each of the four once in
  // every 2 x 4 probes, not once in 2 x 20 004.
  EXPECT_EQ(vouched, 20000);
  for (size_t start = 0; start + 8 <= picks.size(); start += 8) {
    std::set<std::string> seen(picks.begin() + start,
                               picks.begin() + start + 8);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(seen.contains(Name(i))) << i << " at " << start;
    }
  }
}

// While the unvouched are at most kUnvouchedFactor times the vouched, the
// main round holds them too (members that just joined are probed in both
// rounds): probing is plain SWIM plus the unvouched round.
TEST(MemberTableTest, FewUnvouchedMembersStayInTheMainRound) {
  static_assert(MemberTable::kUnvouchedFactor == 4);
  MemberTable table;
  Random random(24);
  AddMembers(table, random, 4);
  for (int i = 0; i < 16; ++i) {
    AddTo(table, absl::StrCat("new-", i), random, kOn, /*vouched=*/false);
  }
  EXPECT_FALSE(table.MostlyUnvouched());
  std::map<std::string, int> counts;
  for (const std::string& name : Picks(table, random, 4000)) ++counts[name];
  ASSERT_EQ(counts.size(), 20u);
  // 2 000 probes in the main round (100 each) and 2 000 in the unvouched
  // one (125 more each for the 16 new members).
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(counts[Name(i)], 100, 1) << i;
  for (int i = 0; i < 16; ++i) {
    EXPECT_NEAR(counts[absl::StrCat("new-", i)], 225, 2) << i;
  }
  // One more: the main round is the vouched's.
  AddTo(table, "new-16", random, kOn, /*vouched=*/false);
  EXPECT_TRUE(table.MostlyUnvouched());
  counts.clear();
  for (const std::string& name : Picks(table, random, 3400)) ++counts[name];
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(counts[Name(i)], 425, 1) << i;
  for (int i = 0; i < 17; ++i) {
    EXPECT_NEAR(counts[absl::StrCat("new-", i)], 100, 1) << i;
  }
}

// Members heard of in the same order (a join storm gossiped to everyone)
// must not be probed in that order by everyone: all would probe the same
// one at once, and a failure late in the order would wait its turn. Each
// member's round of them is its own random order from the first probe.
TEST(MemberTableTest, UnvouchedMembersAreProbedInAnOrderOfEachMembersOwn) {
  std::set<std::string> firsts;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    MemberTable table;
    Random random(seed);
    for (int i = 0; i < 100; ++i) {
      AddTo(table, Name(i), random, kOn, /*vouched=*/false);
    }
    // The first pick comes from the unvouched round.
    firsts.insert(Picks(table, random, 1)[0]);
  }
  // In insertion order it would be member-0 for every seed.
  EXPECT_GE(firsts.size(), 6u);
}

TEST(MemberTableTest, UnvouchedMembersAreCountedAndVouchingEndsTheirRound) {
  MemberTable table;
  Random random(22);
  AddMembers(table, random, 3);
  MemberRecord& a = AddTo(table, "a", random, kOn, /*vouched=*/false);
  MemberRecord& b = AddTo(table, "b", random, kSu, /*vouched=*/false);
  AddTo(table, "c", random, kOf, /*vouched=*/false);
  EXPECT_EQ(table.unvouched_available(), 2u);
  table.SetStatus(b, kOf);
  EXPECT_EQ(table.unvouched_available(), 1u);
  // Every other pick is "a", the one unvouched member still available.
  std::vector<std::string> picks = Picks(table, random, 8);
  int a_picks = 0;
  for (const std::string& name : picks) a_picks += name == "a";
  EXPECT_GE(a_picks, 4);
  table.Vouch(a);
  EXPECT_TRUE(a.vouched());
  EXPECT_EQ(table.unvouched_available(), 0u);
  // Plain SWIM again: each member once a round, so over 40 picks (ten
  // rounds, the first and last perhaps split) each about ten times.
  std::map<std::string, int> counts;
  for (const std::string& name : Picks(table, random, 40)) ++counts[name];
  EXPECT_EQ(counts.size(), 4u);
  for (const auto& [name, count] : counts) {
    EXPECT_GE(count, 9) << name;
    EXPECT_LE(count, 11) << name;
  }
  table.Remove("c");
  table.Remove("b");
  EXPECT_EQ(table.unvouched_available(), 0u);
  AddTo(table, "d", random, kOn, /*vouched=*/false);  // reuses a slot
  EXPECT_EQ(table.unvouched_available(), 1u);
  int d_picks = 0;
  for (const std::string& name : Picks(table, random, 6)) {
    d_picks += name == "d";
    EXPECT_FALSE(name.empty());
  }
  EXPECT_GE(d_picks, 3);
}

TEST(MemberTableTest, RoundsSkipOfflineAndLeft) {
  MemberTable table;
  Random random(11);
  AddMembers(table, random, 12);
  table.SetStatus(*table.Find(Name(0)), kOf);
  table.SetStatus(*table.Find(Name(1)), kLe);
  table.SetStatus(*table.Find(Name(2)), kSu);  // still probed
  table.SetStatus(*table.Find(Name(3)), kOf);
  ASSERT_EQ(table.available(), 9u);
  // No round has started, so each run of 9 picks is one whole round.
  const std::vector<std::string> first = Picks(table, random, 9);
  for (const std::string& name : first) {
    EXPECT_NE(name, Name(0));
    EXPECT_NE(name, Name(1));
    EXPECT_NE(name, Name(3));
  }
  EXPECT_EQ(AsMultiset(first), AvailableNames(table));
  for (int round = 0; round < 10; ++round) {
    EXPECT_EQ(AsMultiset(Picks(table, random, 9)), AvailableNames(table))
        << "round " << round;
  }
}

TEST(MemberTableTest, StatusChangesMidRound) {
  MemberTable table;
  Random random(12);
  AddMembers(table, random, 10);
  const std::vector<std::string> before = Picks(table, random, 4);
  // Take down one member not yet probed this round: the round's remaining
  // picks are exactly the unprobed available members.
  std::multiset<std::string> remaining = AvailableNames(table);
  for (const std::string& name : before) remaining.erase(name);
  const std::string downed = *remaining.begin();
  table.SetStatus(*table.Find(downed), kOf);
  remaining.erase(downed);
  EXPECT_EQ(AsMultiset(Picks(table, random, 5)), remaining);
  // The next round leaves it out too.
  EXPECT_EQ(AsMultiset(Picks(table, random, 9)), AvailableNames(table));
  // Back ONLINE: it is probed again, at the latest in the next round.
  table.SetStatus(*table.Find(downed), kOn);
  const std::vector<std::string> later = Picks(table, random, 10);
  EXPECT_NE(std::find(later.begin(), later.end(), downed), later.end());
}

TEST(MemberTableTest, NullWhenNoneAvailable) {
  MemberTable table;
  Random random(5);
  AddTo(table, "of", random, kOf);
  AddTo(table, "le", random, kLe);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(table.NextProbeTarget(random), nullptr);
  }
  // One comes back: it is found, again and again.
  table.SetStatus(*table.Find("of"), kOn);
  for (int i = 0; i < 10; ++i) {
    MemberRecord* record = table.NextProbeTarget(random);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->name(), "of");
  }
  // All removed: nothing.
  table.Remove("of");
  table.Remove("le");
  EXPECT_EQ(table.NextProbeTarget(random), nullptr);
}

TEST(MemberTableTest, ReshufflesBetweenRounds) {
  constexpr int kMembers = 20;
  MemberTable table;
  Random random(2024);
  AddMembers(table, random, kMembers);
  std::set<std::vector<std::string>> orders;
  for (int round = 0; round < 10; ++round) {
    orders.insert(Picks(table, random, kMembers));
  }
  // 20! orders: ten rounds in one order would mean no reshuffling. Seeded,
  // so this is deterministic; in practice all ten differ.
  EXPECT_GT(orders.size(), 1u);
  EXPECT_EQ(orders.size(), 10u);
}

TEST(MemberTableTest, MemberAddedMidRoundIsProbedWithinThisRound) {
  constexpr int kMembers = 8;
  // How often the newcomer came at each position of the rest of the round.
  std::vector<int> position_counts(kMembers + 1, 0);
  for (uint64_t seed = 0; seed < 40; ++seed) {
    // From 1: with no pick taken yet the table is still at the end of the
    // previous round, the same state as with all kMembers taken.
    for (int taken = 1; taken <= kMembers; ++taken) {
      SCOPED_TRACE(absl::StrCat("seed ", seed, ", ", taken, " picks taken"));
      MemberTable table;
      Random random(seed);
      AddMembers(table, random, kMembers);
      // Finish one whole round first, so the round below is a reshuffled
      // one, then take some of the next round.
      Picks(table, random, kMembers);
      const std::vector<std::string> before = Picks(table, random, taken);
      std::multiset<std::string> unprobed = AvailableNames(table);
      for (const std::string& name : before) unprobed.erase(name);

      AddTo(table, "new", random);
      // The rest of this round, lengthened by one, holds exactly the
      // unprobed members and the newcomer.
      const std::vector<std::string> after =
          Picks(table, random, unprobed.size() + 1);
      std::multiset<std::string> with_new = unprobed;
      with_new.insert("new");
      EXPECT_EQ(AsMultiset(after), with_new);
      const auto at = std::find(after.begin(), after.end(), "new");
      if (at != after.end()) ++position_counts[at - after.begin()];
    }
  }
  // Its position is random: it is not always first or always last.
  EXPECT_GT(position_counts[0], 0);
  EXPECT_LT(position_counts[0], 40 * kMembers);
  EXPECT_GT(position_counts[1], 0);
}

TEST(MemberTableTest, RemovedMemberIsNeverReturned) {
  constexpr int kMembers = 10;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    for (int taken = 0; taken <= kMembers; ++taken) {
      for (int victim : {0, 5, kMembers - 1}) {
        SCOPED_TRACE(absl::StrCat("seed ", seed, ", ", taken,
                                  " picks taken, removing ", Name(victim)));
        MemberTable table;
        Random random(seed);
        AddMembers(table, random, kMembers);
        Picks(table, random, kMembers);
        const std::vector<std::string> before = Picks(table, random, taken);
        std::multiset<std::string> unprobed = AvailableNames(table);
        for (const std::string& name : before) unprobed.erase(name);
        unprobed.erase(Name(victim));

        table.Remove(Name(victim));
        EXPECT_EQ(table.Find(Name(victim)), nullptr);
        // The rest of the round is the unprobed survivors, each once.
        EXPECT_EQ(AsMultiset(Picks(table, random, unprobed.size())), unprobed);
        // Later rounds are the survivors, never it.
        for (int round = 0; round < 5; ++round) {
          EXPECT_EQ(AsMultiset(Picks(table, random, kMembers - 1)),
                    AvailableNames(table));
        }
      }
    }
  }
}

TEST(MemberTableTest, RemovingTheLastAvailableMemberMidRound) {
  MemberTable table;
  Random random(8);
  AddTo(table, "a", random);
  AddTo(table, "b", random);
  MemberRecord* first = table.NextProbeTarget(random);
  ASSERT_NE(first, nullptr);
  const std::string other = first->name() == "a" ? "b" : "a";
  table.Remove(other);
  for (int i = 0; i < 5; ++i) {
    MemberRecord* record = table.NextProbeTarget(random);
    ASSERT_NE(record, nullptr);
    EXPECT_NE(record->name(), other);
  }
  table.Remove(first->name());
  EXPECT_EQ(table.NextProbeTarget(random), nullptr);
}

// Runs a fixed script of adds, removes, status changes and picks, and
// returns everything observable.
std::vector<std::string> Script(uint64_t seed) {
  MemberTable table;
  Random random(seed);
  std::vector<std::string> log;
  AddMembers(table, random, 15);
  for (int step = 0; step < 300; ++step) {
    if (step % 17 == 3) {
      AddTo(table, absl::StrCat("late-", step), random);
    }
    if (step % 23 == 5) table.Remove(Name(step % 15));
    if (step % 11 == 7 && table.size() > 0) {
      table.SetStatus(table.at(step % table.size()), kStatuses[step % 4]);
    }
    MemberRecord* record = table.NextProbeTarget(random);
    log.push_back(record == nullptr ? "<null>" : std::string(record->name()));
  }
  for (const MemberRecord* record : All(table)) {
    log.push_back(absl::StrCat("all:", record->name()));
  }
  return log;
}

TEST(MemberTableTest, DeterministicForASeed) {
  EXPECT_EQ(Script(42), Script(42));
  EXPECT_EQ(Script(0), Script(0));
  EXPECT_NE(Script(42), Script(43));
}

}  // namespace
}  // namespace swim

#include "tools/member/event_json.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/verdict.h"

namespace swim::tools {
namespace {

Member Two() {
  Member member;
  member.name = "127.0.0.1:2002";
  member.address = *Address::Parse("127.0.0.1:2002");
  member.status = MemberStatus::kOffline;
  member.incarnation = {1718000000000000, 2};
  member.metadata = {{"name", "two"}, {"token", "ab\"c"}};
  return member;
}

const absl::Time kNow = absl::FromUnixMillis(1718000012345);

TEST(EventJsonTest, StatusChange) {
  const Event event =
      MemberStatusChanged{Two(), MemberStatus::kSuspect, std::nullopt};
  EXPECT_EQ(EventJson("127.0.0.1:2001", event, kNow),
            R"({"event":"status-changed","observer":"127.0.0.1:2001",)"
            R"("member":"127.0.0.1:2002","address":"127.0.0.1:2002",)"
            R"("status":"OFFLINE","incarnation":"1718000000000000.2",)"
            R"("previous_status":"SUSPECT",)"
            R"("metadata":{"name":"two","token":"ab\"c"},)"
            R"("t":1718000012.345})");
}

TEST(EventJsonTest, AVerdictTellsWhyWithWallClockTimes) {
  Member member = Two();
  const Instant changed_at = Instant(absl::Seconds(500));
  member.last_change = changed_at;
  Verdict cause;
  cause.reason = Verdict::Reason::kTimedOut;
  cause.accuser = "127.0.0.1:2001";
  cause.declared_by = "127.0.0.1:2001";
  cause.suspected_at = changed_at - absl::Seconds(4);
  cause.timeout = absl::Milliseconds(3500);
  cause.probe = Verdict::ProbeFailure{changed_at - absl::Milliseconds(4500),
                                      true,
                                      {"127.0.0.1:2003", "127.0.0.1:2004"},
                                      2,
                                      2};
  cause.confirmations = {{"127.0.0.1:2005", changed_at - absl::Seconds(1)}};
  cause.health = 1;
  const Event event =
      MemberStatusChanged{member, MemberStatus::kSuspect, cause};
  EXPECT_EQ(EventJson("127.0.0.1:2001", event, kNow),
            R"({"event":"status-changed","observer":"127.0.0.1:2001",)"
            R"("member":"127.0.0.1:2002","address":"127.0.0.1:2002",)"
            R"("status":"OFFLINE","incarnation":"1718000000000000.2",)"
            R"("previous_status":"SUSPECT","cause":{"reason":"timed-out",)"
            R"("accuser":"127.0.0.1:2001","declared_by":"127.0.0.1:2001",)"
            R"("from_state_exchange":false,"suspected_at":1718000008.345,)"
            R"("timeout_s":3.5,"probe":{"sent_at":1718000007.845,)"
            R"("stream_fallback":true,)"
            R"("helpers":["127.0.0.1:2003","127.0.0.1:2004"],)"
            R"("nacks_expected":2,"nacks":2},)"
            R"("confirmations":[{"member":"127.0.0.1:2005",)"
            R"("at":1718000011.345}],"health":1},)"
            R"("metadata":{"name":"two","token":"ab\"c"},)"
            R"("t":1718000012.345})");
}

TEST(EventJsonTest, EveryStatusIsSpelledInCapitals) {
  MemberJoined event{Two()};
  for (const auto& [status, text] :
       {std::pair{MemberStatus::kOnline, "\"status\":\"ONLINE\""},
        std::pair{MemberStatus::kSuspect, "\"status\":\"SUSPECT\""},
        std::pair{MemberStatus::kOffline, "\"status\":\"OFFLINE\""},
        std::pair{MemberStatus::kLeft, "\"status\":\"LEFT\""}}) {
    event.member.status = status;
    EXPECT_NE(EventJson("o", event, kNow).find(text), std::string::npos)
        << text;
  }
}

TEST(EventJsonTest, UserMessageAndNameConflictCarryTheirFields) {
  EXPECT_EQ(EventJson("o", UserMessage{"127.0.0.1:2003", "hello"}, kNow),
            R"({"event":"user-message","observer":"o",)"
            R"("origin":"127.0.0.1:2003","payload":"hello",)"
            R"("t":1718000012.345})");
  EXPECT_EQ(
      EventJson("o", NameConflict{*Address::Parse("10.0.0.9:2002")}, kNow),
      R"({"event":"name-conflict","observer":"o",)"
      R"("conflict_address":"10.0.0.9:2002","t":1718000012.345})");
}

TEST(EventJsonTest, Lifecycle) {
  Member member = Two();
  member.status = MemberStatus::kLeft;
  EXPECT_EQ(LifecycleJson("stopped", member, kNow),
            R"({"event":"stopped","observer":"127.0.0.1:2002",)"
            R"("member":"127.0.0.1:2002","address":"127.0.0.1:2002",)"
            R"("status":"LEFT","incarnation":"1718000000000000.2",)"
            R"("metadata":{"name":"two","token":"ab\"c"},)"
            R"("t":1718000012.345})");
}

}  // namespace
}  // namespace swim::tools

#include "tools/event_json.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/address.h"
#include "swim/core/event.h"

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
  Event event;
  event.type = Event::Type::kStatusChanged;
  event.member = Two();
  event.previous_status = MemberStatus::kSuspect;
  EXPECT_EQ(EventJson("127.0.0.1:2001", event, kNow),
            R"({"event":"status-changed","observer":"127.0.0.1:2001",)"
            R"("member":"127.0.0.1:2002","address":"127.0.0.1:2002",)"
            R"("status":"OFFLINE","incarnation":"1718000000000000.2",)"
            R"("previous_status":"SUSPECT",)"
            R"("metadata":{"name":"two","token":"ab\"c"},)"
            R"("t":1718000012.345})");
}

TEST(EventJsonTest, EveryStatusIsSpelledInCapitals) {
  Event event;
  event.type = Event::Type::kJoined;
  event.member = Two();
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
  Event message;
  message.type = Event::Type::kUserMessage;
  message.origin = "127.0.0.1:2003";
  message.payload = "hello";
  const std::string json = EventJson("o", message, kNow);
  EXPECT_NE(json.find(R"("event":"user-message")"), std::string::npos);
  EXPECT_NE(json.find(R"("origin":"127.0.0.1:2003","payload":"hello")"),
            std::string::npos);

  Event conflict;
  conflict.type = Event::Type::kNameConflict;
  conflict.member = Two();
  conflict.conflict_address = *Address::Parse("10.0.0.9:2002");
  EXPECT_NE(EventJson("o", conflict, kNow)
                .find(R"("conflict_address":"10.0.0.9:2002")"),
            std::string::npos);
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

#include "swim/drivers/net/host_port.h"

#include "gtest/gtest.h"

namespace swim::net {
namespace {

TEST(HostPortTest, ParsesNamesAndLiterals) {
  EXPECT_EQ(*ParseHostPort("db.example:7946"), (HostPort{"db.example", 7946}));
  EXPECT_EQ(*ParseHostPort("10.0.0.1:1"), (HostPort{"10.0.0.1", 1}));
  EXPECT_EQ(*ParseHostPort("[::1]:7946"), (HostPort{"::1", 7946}));
  EXPECT_EQ(*ParseHostPort("[fd00::1:2]:65535"),
            (HostPort{"fd00::1:2", 65535}));
  EXPECT_EQ(*ParseHostPort("swim_service", 7000),
            (HostPort{"swim_service", 7000}));
  EXPECT_EQ(*ParseHostPort("[::1]", 7000), (HostPort{"::1", 7000}));
}

TEST(HostPortTest, RejectsMalformedSeedsWithAReason) {
  for (const char* bad :
       {"", "host", "host:", "host:0", "host:65536", "host:x", "::1:7946",
        "[::1", "[::1]x", "[zz]:1", "bad host:1", "[1.2.3.4]:1"}) {
    absl::StatusOr<HostPort> parsed = ParseHostPort(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("expected host:port"),
              absl::string_view::npos)
        << parsed.status();
  }
}

TEST(HostPortTest, RoundTripsThroughToString) {
  for (const char* text : {"db.example:7946", "[::1]:7946", "1.2.3.4:5"}) {
    EXPECT_EQ(ParseHostPort(text)->ToString(), text);
  }
}

TEST(HostPortTest, LiteralAddressOnlyForIpLiterals) {
  EXPECT_EQ(LiteralAddress(HostPort{"127.0.0.1", 9}),
            *Address::Parse("127.0.0.1:9"));
  EXPECT_EQ(LiteralAddress(HostPort{"::1", 9}), *Address::Parse("[::1]:9"));
  EXPECT_EQ(LiteralAddress(HostPort{"localhost", 9}), std::nullopt);
}

}  // namespace
}  // namespace swim::net

#include "swim/drivers/net/listening_sockets.h"

#include <sys/socket.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace swim::net {
namespace {

TEST(ListeningSocketsTest, PortZeroBindsUdpAndTcpOnOneFreePort) {
  absl::StatusOr<ListeningSockets> sockets =
      OpenListeningSockets(*Address::Parse("127.0.0.1:0"), DriverOptions());
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  EXPECT_NE(sockets->bound.port(), 0);
  EXPECT_TRUE(sockets->udp.valid());
  EXPECT_TRUE(sockets->tcp.valid());
  EXPECT_EQ(sockets->bound.ToString(),
            absl::StrCat("127.0.0.1:", sockets->bound.port()));
}

TEST(ListeningSocketsTest, PortInUseIsAClearError) {
  absl::StatusOr<ListeningSockets> first =
      OpenListeningSockets(*Address::Parse("127.0.0.1:0"), DriverOptions());
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<ListeningSockets> second =
      OpenListeningSockets(first->bound, DriverOptions());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status()));
  EXPECT_NE(second.status().message().find("another process holds this port"),
            absl::string_view::npos)
      << second.status();
}

TEST(ListeningSocketsTest, ForeignAddressIsAClearError) {
  // TEST-NET-1 is never assigned to this host.
  absl::StatusOr<ListeningSockets> sockets =
      OpenListeningSockets(*Address::Parse("192.0.2.1:0"), DriverOptions());
  ASSERT_FALSE(sockets.ok());
  EXPECT_NE(sockets.status().message().find("not an address of this host"),
            absl::string_view::npos)
      << sockets.status();
}

TEST(ListeningSocketsTest, Ipv6WildcardIsDualStack) {
  absl::StatusOr<ListeningSockets> sockets =
      OpenListeningSockets(*Address::Parse("[::]:0"), DriverOptions());
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  EXPECT_EQ(sockets->family, AF_INET6);
  EXPECT_NE(sockets->bound.port(), 0);
}

}  // namespace
}  // namespace swim::net

#include "swim/drivers/net/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "gtest/gtest.h"

namespace swim::net {
namespace {

TEST(SocketAddressTest, Ipv4RoundTrips) {
  const Address address = *Address::Parse("192.0.2.7:7946");
  const std::optional<SocketAddress> socket = ToSocketAddress(address, AF_INET);
  ASSERT_TRUE(socket.has_value());
  EXPECT_EQ(socket->family(), AF_INET);
  EXPECT_EQ(socket->length, sizeof(sockaddr_in));
  const auto* in = reinterpret_cast<const sockaddr_in*>(socket->get());
  EXPECT_EQ(ntohs(in->sin_port), 7946);
  EXPECT_EQ(FromSocketAddress(socket->get(), socket->length), address);
}

TEST(SocketAddressTest, Ipv6RoundTrips) {
  const Address address = *Address::Parse("[2001:db8::5]:1234");
  const std::optional<SocketAddress> socket =
      ToSocketAddress(address, AF_INET6);
  ASSERT_TRUE(socket.has_value());
  EXPECT_EQ(socket->length, sizeof(sockaddr_in6));
  EXPECT_EQ(FromSocketAddress(socket->get(), socket->length), address);
}

TEST(SocketAddressTest, Ipv4ThroughADualStackSocketIsMappedAndBack) {
  const Address address = *Address::Parse("127.0.0.1:80");
  const std::optional<SocketAddress> socket =
      ToSocketAddress(address, AF_INET6);
  ASSERT_TRUE(socket.has_value());
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(socket->get());
  EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr));
  // A peer heard on a dual-stack socket is known by its IPv4 address.
  EXPECT_EQ(FromSocketAddress(socket->get(), socket->length), address);
}

TEST(SocketAddressTest, Ipv6CannotLeaveAnIpv4Socket) {
  EXPECT_FALSE(
      ToSocketAddress(*Address::Parse("[::1]:80"), AF_INET).has_value());
}

TEST(SocketAddressTest, RejectsShortAndForeignSockaddrs) {
  SocketAddress socket =
      *ToSocketAddress(*Address::Parse("1.2.3.4:5"), AF_INET);
  EXPECT_FALSE(FromSocketAddress(socket.get(), 4).has_value());
  socket.storage.ss_family = AF_UNIX;
  EXPECT_FALSE(FromSocketAddress(socket.get(), socket.length).has_value());
  EXPECT_FALSE(FromSocketAddress(nullptr, 0).has_value());
}

TEST(SocketAddressTest, Unspecified) {
  EXPECT_TRUE(IsUnspecified(*Address::Parse("0.0.0.0:1")));
  EXPECT_TRUE(IsUnspecified(*Address::Parse("[::]:1")));
  EXPECT_FALSE(IsUnspecified(*Address::Parse("127.0.0.1:1")));
}

TEST(SocketAddressTest, UnreachableAsMember) {
  const Address lan = *Address::Parse("10.0.0.5:1");
  const Address lan6 = *Address::Parse("[2001:db8::5]:1");
  const auto unreachable = [](const char* to, const Address& from) {
    return UnreachableAsMember(*Address::Parse(to), from).value_or("");
  };
  EXPECT_EQ(unreachable("10.0.0.9:1", lan), "");
  EXPECT_EQ(unreachable("[2001:db8::9]:1", lan6), "");
  EXPECT_NE(unreachable("0.0.0.0:1", lan).find("wildcard"), std::string::npos);
  EXPECT_NE(unreachable("[::]:1", lan6).find("wildcard"), std::string::npos);
  for (const char* group :
       {"224.0.0.1:1", "239.1.2.3:1", "255.255.255.255:1", "[ff02::1]:1"}) {
    EXPECT_NE(unreachable(group, lan).find("multicast"), std::string::npos)
        << group;
  }
  EXPECT_NE(unreachable("127.0.0.1:1", lan).find("loopback"),
            std::string::npos);
  EXPECT_NE(unreachable("[::1]:1", lan6).find("loopback"), std::string::npos);
  EXPECT_NE(unreachable("169.254.9.9:1", lan).find("link-local"),
            std::string::npos);
  EXPECT_NE(unreachable("[fe80::1]:1", lan6).find("link-local"),
            std::string::npos);
  // From an address of the same kind, a loopback or link-local one is fine.
  EXPECT_EQ(unreachable("127.0.0.2:1", *Address::Parse("127.0.0.1:1")), "");
  EXPECT_EQ(unreachable("169.254.9.9:1", *Address::Parse("169.254.1.1:1")), "");
  EXPECT_EQ(unreachable("[fe80::2]:1", *Address::Parse("[fe80::1]:1")), "");
}

}  // namespace
}  // namespace swim::net

#include "swim/core/address.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace swim {
namespace {

using ::testing::HasSubstr;

std::array<uint8_t, 16> Ipv6Octets(std::vector<uint8_t> prefix,
                                   std::vector<uint8_t> suffix) {
  std::array<uint8_t, 16> octets{};
  for (size_t i = 0; i < prefix.size(); ++i) octets[i] = prefix[i];
  for (size_t i = 0; i < suffix.size(); ++i) {
    octets[16 - suffix.size() + i] = suffix[i];
  }
  return octets;
}

Address MustParse(absl::string_view text) {
  absl::StatusOr<Address> address = Address::Parse(text);
  EXPECT_TRUE(address.ok()) << text << ": " << address.status();
  return address.ok() ? *address : Address();
}

TEST(AddressTest, DefaultIsIpv4Zero) {
  const Address address;
  EXPECT_EQ(address.family(), Address::Family::kIpv4);
  EXPECT_EQ(address.port(), 0);
  EXPECT_EQ(address.octets(), (std::array<uint8_t, 16>{}));
  EXPECT_EQ(address.octet_count(), 4u);
  EXPECT_EQ(address.ToString(), "0.0.0.0:0");
  EXPECT_EQ(MustParse("0.0.0.0:0"), address);
}

TEST(AddressTest, ParsesIpv4) {
  const Address address = MustParse("1.2.3.4:7946");
  EXPECT_EQ(address.family(), Address::Family::kIpv4);
  EXPECT_EQ(address.port(), 7946);
  EXPECT_EQ(address.octet_count(), 4u);
  EXPECT_EQ(address.octets(), Ipv6Octets({1, 2, 3, 4}, {}));
  EXPECT_EQ(address.ToString(), "1.2.3.4:7946");
  EXPECT_EQ(address, Address::Ipv4({1, 2, 3, 4}, 7946));
}

TEST(AddressTest, ParsesIpv4PortBounds) {
  const Address low = MustParse("10.0.0.1:0");
  EXPECT_EQ(low.port(), 0);
  EXPECT_EQ(low.ToString(), "10.0.0.1:0");
  const Address high = MustParse("255.255.255.255:65535");
  EXPECT_EQ(high.port(), 65535);
  EXPECT_EQ(high.octets(), Ipv6Octets({255, 255, 255, 255}, {}));
  EXPECT_EQ(high.ToString(), "255.255.255.255:65535");
}

TEST(AddressTest, ParsesIpv6Loopback) {
  const Address address = MustParse("[::1]:7946");
  EXPECT_EQ(address.family(), Address::Family::kIpv6);
  EXPECT_EQ(address.port(), 7946);
  EXPECT_EQ(address.octet_count(), 16u);
  EXPECT_EQ(address.octets(), Ipv6Octets({}, {1}));
  EXPECT_EQ(address.ToString(), "[::1]:7946");
  EXPECT_EQ(address, Address::Ipv6(Ipv6Octets({}, {1}), 7946));
}

TEST(AddressTest, ParsesIpv6DocumentationPrefixPortZero) {
  const Address address = MustParse("[2001:db8::1]:0");
  EXPECT_EQ(address.family(), Address::Family::kIpv6);
  EXPECT_EQ(address.port(), 0);
  EXPECT_EQ(address.octets(), Ipv6Octets({0x20, 0x01, 0x0d, 0xb8}, {1}));
  EXPECT_EQ(address.ToString(), "[2001:db8::1]:0");
}

TEST(AddressTest, ParsesIpv6PortMax) {
  const Address address = MustParse("[ff02::1]:65535");
  EXPECT_EQ(address.port(), 65535);
  EXPECT_EQ(address.ToString(), "[ff02::1]:65535");
}

TEST(AddressTest, ToStringIsCanonical) {
  EXPECT_EQ(MustParse("[2001:0DB8:0000:0000:0000:0000:0000:0001]:5").ToString(),
            "[2001:db8::1]:5");
  EXPECT_EQ(MustParse("[::]:1").ToString(), "[::]:1");
  EXPECT_EQ(MustParse("[::ffff:1.2.3.4]:1").ToString(), "[::ffff:1.2.3.4]:1");
}

TEST(AddressTest, CanonicalFormsRoundTrip) {
  for (absl::string_view text :
       {"0.0.0.0:0", "127.0.0.1:1", "192.168.1.254:7946",
        "255.255.255.255:65535", "[::]:0", "[::1]:7946", "[2001:db8::1]:0",
        "[fe80::1:2:3:4]:65535", "[2001:db8:1:2:3:4:5:6]:80"}) {
    SCOPED_TRACE(text);
    const Address address = MustParse(text);
    EXPECT_EQ(address.ToString(), text);
    EXPECT_EQ(MustParse(address.ToString()), address);
  }
}

TEST(AddressTest, FactoriesZeroUnusedOctets) {
  const Address v4 = Address::Ipv4({9, 8, 7, 6}, 1);
  EXPECT_EQ(v4.octets(), Ipv6Octets({9, 8, 7, 6}, {}));
  EXPECT_EQ(v4.ToString(), "9.8.7.6:1");
  std::array<uint8_t, 16> all{};
  all.fill(0xff);
  const Address v6 = Address::Ipv6(all, 2);
  EXPECT_EQ(v6.octets(), all);
  EXPECT_EQ(v6.ToString(), "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:2");
}

struct RejectCase {
  const char* text;
  const char* error;
};

TEST(AddressTest, RejectsMalformedInput) {
  const std::vector<RejectCase> cases = {
      {"", "missing \":port\""},
      {"1.2.3.4", "missing \":port\""},
      {"localhost", "missing \":port\""},
      {"1.2.3.4:", "is not 0-65535"},
      {"1.2.3.4:65536", "port \"65536\" is not 0-65535"},
      {"1.2.3.4:99999999999", "is not 0-65535"},
      {"1.2.3.4:+1", "port \"+1\" is not 0-65535"},
      {"1.2.3.4:-1", "port \"-1\" is not 0-65535"},
      {"1.2.3.4:-0", "is not 0-65535"},
      {"1.2.3.4:0x10", "is not 0-65535"},
      {"1.2.3.4:http", "is not 0-65535"},
      {"localhost:1", "is not an IPv4 literal (resolve host names"},
      {"example.com:7946", "is not an IPv4 literal"},
      {":1", "is not an IPv4 literal"},
      {"1.2.3:1", "is not an IPv4 literal"},
      {"1.2.3.256:1", "is not an IPv4 literal"},
      {"1.2.3.4.5:1", "is not an IPv4 literal"},
      {"::1:7946", "IPv6 addresses need brackets"},
      {"2001:db8::1:80", "IPv6 addresses need brackets"},
      {"[::1]", "expected \"[ipv6]:port\""},
      {"[::1]x1", "expected \"[ipv6]:port\""},
      {"[::1", "expected \"[ipv6]:port\""},
      {"[", "expected \"[ipv6]:port\""},
      {"[::1]:", "is not 0-65535"},
      {"[::1]:65536", "is not 0-65535"},
      {"[::1]:+1", "is not 0-65535"},
      {"[]:1", "\"\" is not an IPv6 literal"},
      {"[1.2.3.4]:1", "\"1.2.3.4\" is not an IPv6 literal"},
      {"[localhost]:1", "is not an IPv6 literal"},
      {"[::g]:1", "is not an IPv6 literal"},
      // One spelling per port: no whitespace, sign or leading zeros.
      {"1.2.3.4: 1", "is not 0-65535"},
      {"1.2.3.4:1 ", "is not 0-65535"},
      {"1.2.3.4:1\n", "is not 0-65535"},
      {"1.2.3.4:\t2", "is not 0-65535"},
      {"1.2.3.4: +1", "is not 0-65535"},
      {"[::1]: 1", "is not 0-65535"},
      {"1.2.3.4:007", "is not 0-65535"},
      {"1.2.3.4:00", "is not 0-65535"},
  };
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<Address> address = Address::Parse(c.text);
    ASSERT_FALSE(address.ok()) << address->ToString();
    EXPECT_EQ(address.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(address.status().message(), HasSubstr(c.error));
    EXPECT_THAT(address.status().message(),
                HasSubstr(absl::StrCat("address \"", c.text, "\"")));
  }
}

TEST(AddressTest, FamilyDistinguishesEqualOctets) {
  const Address v4 = Address::Ipv4({0, 0, 0, 0}, 0);
  const Address v6 = Address::Ipv6({}, 0);
  EXPECT_NE(v4, v6);
  EXPECT_EQ(v4.octets(), v6.octets());
  // An IPv4-mapped IPv6 address is not the IPv4 address.
  EXPECT_NE(MustParse("[::ffff:1.2.3.4]:1"), MustParse("1.2.3.4:1"));
}

TEST(AddressTest, Ordering) {
  // Family first, then octets, then port.
  const std::vector<Address> ascending = {
      MustParse("0.0.0.0:0"),       MustParse("1.2.3.4:1"),
      MustParse("1.2.3.4:2"),       MustParse("1.2.3.5:0"),
      MustParse("255.0.0.0:0"),     MustParse("[::]:0"),
      MustParse("[::1]:0"),         MustParse("[::1]:65535"),
      MustParse("[2001:db8::]:80"),
  };
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      SCOPED_TRACE(absl::StrCat(ascending[i].ToString(), " vs ",
                                ascending[j].ToString()));
      EXPECT_EQ(ascending[i] < ascending[j], i < j);
      EXPECT_EQ(ascending[i] == ascending[j], i == j);
      EXPECT_EQ(ascending[i] != ascending[j], i != j);
    }
  }
}

TEST(AddressTest, EqualityFollowsValueNotSpelling) {
  EXPECT_EQ(MustParse("[2001:db8::1]:7"),
            MustParse("[2001:0db8:0:0:0:0:0:0001]:7"));
  EXPECT_NE(MustParse("[2001:db8::1]:7"), MustParse("[2001:db8::1]:8"));
  EXPECT_NE(MustParse("1.2.3.4:7"), MustParse("1.2.3.5:7"));
}

TEST(AddressTest, HashesConsistentlyWithEquality) {
  EXPECT_EQ(absl::Hash<Address>{}(MustParse("[::1]:1")),
            absl::Hash<Address>{}(MustParse("[0::0:1]:1")));

  absl::flat_hash_set<Address> set;
  EXPECT_TRUE(set.insert(MustParse("1.2.3.4:1")).second);
  EXPECT_TRUE(set.insert(MustParse("1.2.3.4:2")).second);
  EXPECT_TRUE(set.insert(MustParse("[::1]:1")).second);
  EXPECT_TRUE(set.insert(MustParse("[::ffff:1.2.3.4]:1")).second);
  EXPECT_TRUE(set.insert(Address()).second);
  EXPECT_TRUE(set.insert(Address::Ipv6({}, 0)).second);
  // Same values, spelled differently.
  EXPECT_FALSE(set.insert(Address::Ipv4({1, 2, 3, 4}, 1)).second);
  EXPECT_FALSE(set.insert(MustParse("[0:0::1]:1")).second);
  EXPECT_FALSE(set.insert(MustParse("0.0.0.0:0")).second);
  EXPECT_EQ(set.size(), 6u);
  EXPECT_TRUE(set.contains(MustParse("1.2.3.4:2")));
  EXPECT_FALSE(set.contains(MustParse("1.2.3.4:3")));
  EXPECT_FALSE(set.contains(MustParse("[::2]:1")));
}

}  // namespace
}  // namespace swim

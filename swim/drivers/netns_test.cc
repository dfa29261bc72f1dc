// Members on separate hosts: two network namespaces joined by a veth link,
// two members in each, addresses that exist only inside the namespaces.
// Taking the link down partitions the cluster (each side declares the
// other OFFLINE); bringing it up heals it (everyone ONLINE again). Once
// with IPv4 members, once on dual stack (members advertising IPv4 and
// IPv6 addresses in one cluster, each bound to [::] and reached over
// both), each in both transports (UDP, and TCP-only), for the epoll and
// the Asio driver.
//
// Needs root and `ip netns`; skipped with the reason otherwise.

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/membership_view.h"
#include "swim/drivers/testing/running_member.h"

namespace swim::drivertest {
namespace {

constexpr absl::Duration kBound = absl::Seconds(60);

// Runs a shell command; its exit status and combined output.
struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult Shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[256];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    result.output += buffer;
  }
  result.status = ::pclose(pipe);
  return result;
}

// Two namespaces, "a" and "b", joined by one veth link: 10.77.0.1/24 and
// fd77::1/64 on a's end, 10.77.0.2/24 and fd77::2/64 on b's. Removed on
// destruction.
class TwoHosts {
 public:
  TwoHosts()
      : suffix_(absl::StrCat(::getpid())),
        a_(absl::StrCat("swim-a-", suffix_)),
        b_(absl::StrCat("swim-b-", suffix_)),
        link_a_(absl::StrCat("swa", suffix_)),
        link_b_(absl::StrCat("swb", suffix_)) {}

  ~TwoHosts() {
    Shell(absl::StrCat("ip netns del ", a_));
    Shell(absl::StrCat("ip netns del ", b_));
  }

  // Empty on success, else why the hosts cannot be built here. With
  // `ipv6`, the IPv6 addresses too.
  std::string Build(bool ipv6) {
    std::string why = RunAll({
        absl::StrCat("ip netns add ", a_),
        absl::StrCat("ip netns add ", b_),
        absl::StrCat("ip link add ", link_a_, " type veth peer name ", link_b_),
        absl::StrCat("ip link set ", link_a_, " netns ", a_),
        absl::StrCat("ip link set ", link_b_, " netns ", b_),
        absl::StrCat("ip -n ", a_, " addr add 10.77.0.1/24 dev ", link_a_),
        absl::StrCat("ip -n ", b_, " addr add 10.77.0.2/24 dev ", link_b_),
        absl::StrCat("ip -n ", a_, " link set lo up"),
        absl::StrCat("ip -n ", b_, " link set lo up"),
        absl::StrCat("ip -n ", a_, " link set ", link_a_, " up"),
        absl::StrCat("ip -n ", b_, " link set ", link_b_, " up"),
    });
    if (!why.empty() || !ipv6) return why;
    return RunAll({
        // IPv6 addresses usable at once (no duplicate detection), and
        // kept while a's end is down.
        absl::StrCat("ip netns exec ", a_,
                     " sh -c 'echo 1 > /proc/sys/net/ipv6/conf/", link_a_,
                     "/keep_addr_on_down'"),
        absl::StrCat("ip -n ", a_, " addr add fd77::1/64 dev ", link_a_,
                     " nodad"),
        absl::StrCat("ip -n ", b_, " addr add fd77::2/64 dev ", link_b_,
                     " nodad"),
    });
  }

  // Takes a's end of the link down or up.
  bool SetLink(bool up) {
    return Shell(absl::StrCat("ip -n ", a_, " link set ", link_a_,
                              up ? " up" : " down"))
               .status == 0;
  }

  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }

 private:
  // Runs `commands` in order; empty, or why the first that failed did.
  static std::string RunAll(const std::vector<std::string>& commands) {
    for (const std::string& command : commands) {
      const CommandResult result = Shell(command);
      if (result.status != 0) {
        return absl::StrCat("`", command, "` failed: ", result.output);
      }
    }
    return "";
  }

  std::string suffix_;
  std::string a_;
  std::string b_;
  std::string link_a_;
  std::string link_b_;
};

// Starts a member whose sockets live in network namespace `netns`: a
// thread of its own enters the namespace and creates the driver there
// (sockets belong to the namespace they were made in; the member's loop
// then runs on a thread of its own, anywhere).
absl::StatusOr<std::unique_ptr<RunningMember>> StartInNamespace(
    const std::string& netns, DriverKind kind, Config config,
    DriverOptions options, MembershipView& view) {
  absl::StatusOr<std::unique_ptr<RunningMember>> member =
      absl::InternalError("not started");
  std::thread([&] {
    const int fd = ::open(absl::StrCat("/var/run/netns/", netns).c_str(),
                          O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      member = absl::InternalError(absl::StrCat("cannot enter ", netns));
      if (fd >= 0) ::close(fd);
      return;
    }
    ::close(fd);
    member = StartMember(kind, std::move(config), std::move(options), &view);
  }).join();
  return member;
}

// One member of a layout: its name, the address it advertises, where it
// binds (empty: the advertised address) and the seed it joins through
// (empty: none).
struct Placement {
  std::string name;
  std::string address;
  std::string bind;
  std::string seed;
};

// Each driver, and both transports: datagrams and streams, and TCP-only
// (Config::tcp_only).
class NetnsTest
    : public ::testing::TestWithParam<std::tuple<DriverKind, bool>> {
 protected:
  DriverKind kind() const { return std::get<0>(GetParam()); }
  bool tcp_only() const { return std::get<1>(GetParam()); }

  // Builds the two hosts, starts `layout` (names starting with 'a' on host
  // a, 'b' on host b), and checks that they converge, that taking the
  // link down partitions them and that bringing it up heals them.
  void PartitionAndHeal(const std::vector<Placement>& layout, bool ipv6) {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "network namespaces need root; skipping the "
                      "multi-host test";
    }
    if (Shell("ip netns list").status != 0) {
      GTEST_SKIP() << "`ip netns` is not available here; skipping the "
                      "multi-host test";
    }
    TwoHosts hosts;
    if (const std::string why = hosts.Build(ipv6); !why.empty()) {
      GTEST_SKIP() << "network namespaces are not permitted here (" << why
                   << "); skipping the multi-host test";
    }

    MembershipView view;
    std::vector<std::unique_ptr<RunningMember>> members;
    std::vector<std::string> side_a;
    std::vector<std::string> side_b;
    for (const Placement& placement : layout) {
      Config config = FastConfig(placement.name, placement.address);
      config.tcp_only = tcp_only();
      DriverOptions options = FastDriverOptions();
      options.bind = placement.bind;
      const bool on_a = placement.name[0] == 'a';
      absl::StatusOr<std::unique_ptr<RunningMember>> member = StartInNamespace(
          on_a ? hosts.a() : hosts.b(), kind(), config, options, view);
      ASSERT_TRUE(member.ok()) << member.status();
      members.push_back(*std::move(member));
      (on_a ? side_a : side_b).push_back(placement.name);
    }
    for (size_t i = 0; i < layout.size(); ++i) {
      if (!layout[i].seed.empty()) {
        members[i]->driver().Join({layout[i].seed});
      }
    }
    std::vector<std::string> everyone = side_a;
    everyone.insert(everyone.end(), side_b.begin(), side_b.end());
    ASSERT_TRUE(view.AwaitConverged(everyone, kBound)) << view.Describe();

    ASSERT_TRUE(hosts.SetLink(false));
    EXPECT_TRUE(
        view.AwaitStatus(side_a, side_b, MemberStatus::kOffline, kBound))
        << view.Describe();
    EXPECT_TRUE(
        view.AwaitStatus(side_b, side_a, MemberStatus::kOffline, kBound))
        << view.Describe();
    // Each side still sees its own half.
    EXPECT_TRUE(view.AwaitConverged(side_a, kBound)) << view.Describe();
    EXPECT_TRUE(view.AwaitConverged(side_b, kBound)) << view.Describe();
    // With its interface down, side a has no route to side b: the kernel
    // refuses those datagrams (or connections), which is counted (and
    // reported), not fatal.
    DriverStats stats;
    ASSERT_TRUE(members[0]
                    ->driver()
                    .Inspect([&](const Node&, const DriverStats& driver_stats) {
                      stats = driver_stats;
                    })
                    .ok());
    if (tcp_only()) {
      EXPECT_EQ(stats.datagrams_sent, 0u) << stats.ToString();
      EXPECT_GT(stats.stream_messages_dropped, 0u) << stats.ToString();
    } else {
      EXPECT_GT(stats.datagram_send_errors + stats.datagram_send_dropped, 0u)
          << stats.ToString();
    }

    ASSERT_TRUE(hosts.SetLink(true));
    EXPECT_TRUE(view.AwaitConverged(everyone, kBound)) << view.Describe();
    members.clear();
  }
};

TEST_P(NetnsTest, LinkDownPartitionsTheClusterAndLinkUpHealsIt) {
  PartitionAndHeal({{"a1", "10.77.0.1:7946", "", ""},
                    {"a2", "10.77.0.1:7947", "", "10.77.0.1:7946"},
                    {"b1", "10.77.0.2:7946", "", "10.77.0.1:7946"},
                    {"b2", "10.77.0.2:7947", "", "10.77.0.1:7946"}},
                   /*ipv6=*/false);
}

// Dual stack: every member binds [::] (IPv4 and IPv6); a1 and b1 advertise
// IPv6 addresses, a2 and b2 IPv4 ones, and seeds are reached over the
// other family than the one they advertise (a1 over IPv4, a2 over IPv6).
TEST_P(NetnsTest, DualStackClusterMixesFamiliesAndHeals) {
  PartitionAndHeal({{"a1", "[fd77::1]:7946", "[::]:7946", ""},
                    {"a2", "10.77.0.1:7947", "[::]:7947", "[fd77::1]:7946"},
                    {"b1", "[fd77::2]:7946", "[::]:7946", "10.77.0.1:7946"},
                    {"b2", "10.77.0.2:7947", "[::]:7947", "[fd77::1]:7947"}},
                   /*ipv6=*/true);
}

INSTANTIATE_TEST_SUITE_P(
    DriversAndTransports, NetnsTest,
    ::testing::Combine(::testing::Values(DriverKind::kEpoll, DriverKind::kAsio),
                       ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<DriverKind, bool>>& info) {
      return absl::StrCat(
          std::get<0>(info.param) == DriverKind::kEpoll ? "Epoll" : "Asio",
          std::get<1>(info.param) ? "TcpOnly" : "Udp");
    });

}  // namespace
}  // namespace swim::drivertest

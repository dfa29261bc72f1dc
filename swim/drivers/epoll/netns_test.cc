// Members on separate hosts: two network namespaces joined by a veth link,
// two members in each, addresses that exist only inside the namespaces.
// Taking the link down partitions the cluster (each side declares the
// other OFFLINE); bringing it up heals it (everyone ONLINE again).
//
// Needs root and `ip netns`; skipped with the reason otherwise.

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "swim/drivers/epoll/epoll_driver.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/membership_view.h"

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

// Two namespaces, "a" and "b", joined by one veth link: 10.77.0.1/24 on
// a's end, 10.77.0.2/24 on b's. Removed on destruction.
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

  // Empty on success, else why the hosts cannot be built here.
  std::string Build() {
    for (const std::string& command : {
             absl::StrCat("ip netns add ", a_),
             absl::StrCat("ip netns add ", b_),
             absl::StrCat("ip link add ", link_a_, " type veth peer name ",
                          link_b_),
             absl::StrCat("ip link set ", link_a_, " netns ", a_),
             absl::StrCat("ip link set ", link_b_, " netns ", b_),
             absl::StrCat("ip -n ", a_, " addr add 10.77.0.1/24 dev ", link_a_),
             absl::StrCat("ip -n ", b_, " addr add 10.77.0.2/24 dev ", link_b_),
             absl::StrCat("ip -n ", a_, " link set lo up"),
             absl::StrCat("ip -n ", b_, " link set lo up"),
             absl::StrCat("ip -n ", a_, " link set ", link_a_, " up"),
             absl::StrCat("ip -n ", b_, " link set ", link_b_, " up"),
         }) {
      const CommandResult result = Shell(command);
      if (result.status != 0) {
        return absl::StrCat("`", command, "` failed: ", result.output);
      }
    }
    return "";
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
  std::string suffix_;
  std::string a_;
  std::string b_;
  std::string link_a_;
  std::string link_b_;
};

// An epoll member whose sockets live in network namespace `netns`: its
// thread enters the namespace, creates the driver there and runs it.
class NamespacedMember {
 public:
  NamespacedMember(const std::string& netns, Config config,
                   MembershipView& view) {
    thread_ = std::thread([this, netns, config, &view] {
      const int fd = ::open(absl::StrCat("/var/run/netns/", netns).c_str(),
                            O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
        status_ = absl::InternalError(absl::StrCat("cannot enter ", netns));
        if (fd >= 0) ::close(fd);
        created_.Notify();
        return;
      }
      ::close(fd);
      absl::StatusOr<std::unique_ptr<EpollDriver>> driver =
          EpollDriver::Create(config, FastDriverOptions());
      if (!driver.ok()) {
        status_ = driver.status();
        created_.Notify();
        return;
      }
      driver_ = *std::move(driver);
      view.Attach(*driver_);
      created_.Notify();
      (void)driver_->Run();
    });
    created_.WaitForNotification();
  }
  ~NamespacedMember() {
    if (driver_) driver_->Stop();
    thread_.join();
  }
  const absl::Status& status() const { return status_; }
  EpollDriver& driver() { return *driver_; }

 private:
  absl::Notification created_;
  absl::Status status_;
  std::unique_ptr<EpollDriver> driver_;
  std::thread thread_;
};

// Both transports: datagrams and streams, and TCP-only (Config::tcp_only).
class NetnsTest : public ::testing::TestWithParam<bool> {
 protected:
  bool tcp_only() const { return GetParam(); }
};

TEST_P(NetnsTest, LinkDownPartitionsTheClusterAndLinkUpHealsIt) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "network namespaces need root; skipping the multi-host "
                    "test";
  }
  if (Shell("ip netns list").status != 0) {
    GTEST_SKIP() << "`ip netns` is not available here; skipping the "
                    "multi-host test";
  }
  TwoHosts hosts;
  if (const std::string why = hosts.Build(); !why.empty()) {
    GTEST_SKIP() << "network namespaces are not permitted here (" << why
                 << "); skipping the multi-host test";
  }

  MembershipView view;
  std::vector<std::unique_ptr<NamespacedMember>> members;
  const std::vector<std::pair<std::string, std::string>> layout = {
      {"a1", "10.77.0.1:7946"},
      {"a2", "10.77.0.1:7947"},
      {"b1", "10.77.0.2:7946"},
      {"b2", "10.77.0.2:7947"}};
  for (const auto& [name, address] : layout) {
    Config config = FastConfig(name, address);
    config.tcp_only = tcp_only();
    members.push_back(std::make_unique<NamespacedMember>(
        name[0] == 'a' ? hosts.a() : hosts.b(), config, view));
    ASSERT_TRUE(members.back()->status().ok()) << members.back()->status();
  }
  for (size_t i = 1; i < members.size(); ++i) {
    members[i]->driver().Join({"10.77.0.1:7946"});
  }
  const std::vector<std::string> side_a = {"a1", "a2"};
  const std::vector<std::string> side_b = {"b1", "b2"};
  const std::vector<std::string> everyone = {"a1", "a2", "b1", "b2"};
  ASSERT_TRUE(view.AwaitConverged(everyone, kBound)) << view.Describe();

  ASSERT_TRUE(hosts.SetLink(false));
  EXPECT_TRUE(view.AwaitStatus(side_a, side_b, MemberStatus::kOffline, kBound))
      << view.Describe();
  EXPECT_TRUE(view.AwaitStatus(side_b, side_a, MemberStatus::kOffline, kBound))
      << view.Describe();
  // Each side still sees its own half.
  EXPECT_EQ(view.StatusOf("a1", "a2"), MemberStatus::kOnline);
  EXPECT_EQ(view.StatusOf("b1", "b2"), MemberStatus::kOnline);
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

INSTANTIATE_TEST_SUITE_P(Transports, NetnsTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "TcpOnly" : "Udp";
                         });

}  // namespace
}  // namespace swim::drivertest

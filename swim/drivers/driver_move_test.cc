// A member following its advertised host name (DriverOptions::
// advertised_host) on a driver whose loop the test pumps: when the name
// moves, the old life leaves and, a suspicion timeout after its LEFT went
// out, a new life starts at the new address with the same name, metadata,
// keys and view; what cannot move is refused and reported, and the member
// stays.

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/node.h"
#include "swim/core/suspicion.h"
#include "swim/drivers/driver.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/testing/manual_driver.h"

namespace swim {
namespace {

using drivertest::ManualDriver;

const Address kOld = *Address::Parse("127.0.0.1:7001");
const Address kNew = *Address::Parse("127.0.0.2:7001");
const Address kPeer = *Address::Parse("127.0.0.1:7002");
const Address kWildcard = *Address::Parse("0.0.0.0:7001");
const std::string kFirstKey = drivertest::kManualKey;
const std::string kSecondKey(32, 'l');

// What the name resolves to, and what the listeners heard; shared with the
// resolver's thread.
struct World {
  absl::Mutex mutex;
  absl::StatusOr<std::vector<Address>> records ABSL_GUARDED_BY(mutex) =
      std::vector<Address>{kOld};
  std::vector<std::string> errors ABSL_GUARDED_BY(mutex);
  int joined_events ABSL_GUARDED_BY(mutex) = 0;

  void Resolve(absl::StatusOr<std::vector<Address>> to) {
    absl::MutexLock lock(&mutex);
    records = std::move(to);
  }
  bool Reported(absl::string_view text) {
    absl::MutexLock lock(&mutex);
    for (const std::string& error : errors) {
      if (absl::StrContains(error, text)) return true;
    }
    return false;
  }
};

// A member that knows one peer, advertised as "self.test", with timers
// fast enough for a test and slow enough that a loaded machine still
// runs the steps between the lives within the move's wait (about 2.3 s:
// a suspicion timeout of 1.5 s, six relays 50 ms apart, a probe interval).
std::unique_ptr<ManualDriver> MakeDriver(const Address& bound,
                                         std::shared_ptr<World> world) {
  Config config = drivertest::ManualConfig(kOld);
  config.metadata = {{"role", "first"}};
  config.probe_interval = absl::Milliseconds(500);
  config.probe_timeout = absl::Milliseconds(200);
  config.gossip_interval = absl::Milliseconds(50);
  std::unique_ptr<Node> node =
      drivertest::NodeKnowingPeer(std::move(config), kPeer);

  DriverOptions options;
  options.advertised_host = "self.test";
  options.advertised_refresh_interval = absl::Milliseconds(5);
  options.min_resolve_backoff = absl::Milliseconds(5);
  options.max_resolve_backoff = absl::Milliseconds(20);
  options.resolve =
      [world](
          const net::HostPort& name) -> absl::StatusOr<std::vector<Address>> {
    EXPECT_EQ(name.ToString(), "self.test:7001");
    absl::MutexLock lock(&world->mutex);
    return world->records;
  };
  auto driver = std::make_unique<ManualDriver>(std::move(node), bound, options);
  driver->AddErrorListener([world](const absl::Status& error) {
    absl::MutexLock lock(&world->mutex);
    world->errors.push_back(std::string(error.message()));
  });
  driver->AddEventListener([world](const Event& event, const Node&) {
    absl::MutexLock lock(&world->mutex);
    if (std::holds_alternative<MemberJoined>(event)) ++world->joined_events;
  });
  driver->Join({});
  return driver;
}

// Pumps the loop at the real time (the commands read it too) until
// `done` holds; false after `timeout`.
bool PumpUntil(ManualDriver& driver, const std::function<bool()>& done,
               absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    driver.Pump(net::MonotonicNow());
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return false;
}

void PumpFor(ManualDriver& driver, absl::Duration duration) {
  PumpUntil(
      driver, [] { return false; }, duration);
}

Lifecycle LifecycleOf(ManualDriver& driver) {
  Lifecycle lifecycle = Lifecycle::kActive;
  EXPECT_TRUE(driver
                  .Inspect([&](const Node& node, const DriverStats&) {
                    lifecycle = node.lifecycle();
                  })
                  .ok());
  return lifecycle;
}

DriverStats StatsOf(ManualDriver& driver) {
  DriverStats stats;
  EXPECT_TRUE(
      driver.Inspect([&](const Node&, const DriverStats& s) { stats = s; })
          .ok());
  return stats;
}

// Runs `command` (given a callback) and pumps until it completes.
absl::Status Complete(ManualDriver& driver,
                      const std::function<void(StatusCallback)>& command) {
  std::optional<absl::Status> outcome;
  command([&](absl::Status status) { outcome = std::move(status); });
  EXPECT_TRUE(PumpUntil(driver, [&] { return outcome.has_value(); }));
  return outcome.value_or(absl::DeadlineExceededError("never completed"));
}

TEST(DriverMoveTest, FollowsTheNameWithANewLife) {
  auto world = std::make_shared<World>();
  std::unique_ptr<ManualDriver> driver = MakeDriver(kWildcard, world);
  PumpFor(*driver, absl::Milliseconds(50));  // resolved: still here
  EXPECT_EQ(LifecycleOf(*driver), Lifecycle::kActive);
  EXPECT_EQ(driver->address(), kOld);

  world->Resolve(std::vector<Address>{kNew});
  ASSERT_TRUE(PumpUntil(
      *driver, [&] { return LifecycleOf(*driver) != Lifecycle::kActive; }));
  const absl::Time left = absl::Now();
  EXPECT_TRUE(world->Reported("now resolves to 127.0.0.2:7001"));
  // Between the lives: metadata is kept for the next one, keys rotate on
  // the old one and carry over, other commands wait.
  EXPECT_TRUE(Complete(*driver, [&](StatusCallback done) {
                driver->SetMetadata({{"role", "second"}}, std::move(done));
              }).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(Complete(*driver, [&](StatusCallback
                                                                done) {
    driver->SetMetadata({{"role", std::string(4096, 'x')}}, std::move(done));
  })));
  const absl::Status broadcast = Complete(*driver, [&](StatusCallback done) {
    driver->Broadcast("hello", std::move(done));
  });
  EXPECT_TRUE(absl::IsUnavailable(broadcast)) << broadcast;
  EXPECT_TRUE(absl::StrContains(broadcast.message(), "moving to 127.0.0.2"))
      << broadcast;
  driver->Execute([](Node& node) {
    ASSERT_TRUE(node.AddKey(kSecondKey).ok());
    ASSERT_TRUE(node.UseKey(kSecondKey).ok());
  });
  EXPECT_EQ(driver->address(), kOld);
  const int streams_before = driver->streams_sent();

  ASSERT_TRUE(PumpUntil(*driver, [&] { return driver->address() == kNew; }));
  // Not before the peer takes a life at another address: a suspicion
  // timeout (ReclaimAfter, for its one other member and this one) after it
  // heard the LEFT, which was after `left`.
  EXPECT_GE(absl::Now() - left,
            SuspicionTimeout(3, 2, absl::Milliseconds(500)));
  EXPECT_EQ(StatsOf(*driver).address_moves, 1u);
  EXPECT_EQ(driver->streams_closed(), 1);
  ASSERT_TRUE(driver
                  ->Inspect([&](const Node& node, const DriverStats&) {
                    const Member& self = node.local();
                    EXPECT_EQ(self.name, "self");
                    EXPECT_EQ(self.address, kNew);
                    EXPECT_EQ(self.status, MemberStatus::kOnline);
                    EXPECT_GT(self.incarnation.generation, 1u);
                    EXPECT_EQ(self.metadata, (Metadata{{"role", "second"}}));
                    EXPECT_EQ(
                        node.InstalledKeys(),
                        (std::vector<std::string>{kSecondKey, kFirstKey}));
                    EXPECT_EQ(node.lifecycle(), Lifecycle::kActive);
                    EXPECT_EQ(node.StatusOf("peer"), MemberStatus::kOnline);
                  })
                  .ok());
  // The new life announced itself to the peer it restored, and the
  // application was not told of the peer again.
  PumpFor(*driver, absl::Milliseconds(50));
  EXPECT_GT(driver->streams_sent(), streams_before);
  {
    absl::MutexLock lock(&world->mutex);
    EXPECT_EQ(world->joined_events, 0);
  }
  EXPECT_TRUE(Complete(*driver, [&](StatusCallback done) {
                driver->Broadcast("hello", std::move(done));
              }).ok());
}

TEST(DriverMoveTest, SocketsBoundToTheOldAddressStayAndSaySo) {
  auto world = std::make_shared<World>();
  std::unique_ptr<ManualDriver> driver = MakeDriver(kOld, world);
  world->Resolve(std::vector<Address>{kNew});
  ASSERT_TRUE(PumpUntil(
      *driver, [&] { return world->Reported("the address it would leave"); }));
  EXPECT_TRUE(world->Reported("bind a wildcard such as 0.0.0.0"));
  EXPECT_EQ(LifecycleOf(*driver), Lifecycle::kActive);
  EXPECT_EQ(driver->address(), kOld);
  EXPECT_EQ(StatsOf(*driver).address_moves, 0u);
}

TEST(DriverMoveTest, AnIpv4WildcardCannotFollowToIpv6) {
  auto world = std::make_shared<World>();
  std::unique_ptr<ManualDriver> driver = MakeDriver(kWildcard, world);
  world->Resolve(std::vector<Address>{*Address::Parse("[::1]:7001")});
  ASSERT_TRUE(
      PumpUntil(*driver, [&] { return world->Reported("(IPv4 only)"); }));
  EXPECT_EQ(LifecycleOf(*driver), Lifecycle::kActive);
  EXPECT_EQ(driver->address(), kOld);
}

TEST(DriverMoveTest, AnAddressNoMemberCouldReachIsNotFollowed) {
  auto world = std::make_shared<World>();
  std::unique_ptr<ManualDriver> driver = MakeDriver(kWildcard, world);
  // kOld is 127.0.0.1: a loopback address may follow the name to another.
  const struct {
    const char* record;
    const char* why;
  } cases[] = {
      {"0.0.0.0:7001", "a wildcard"},
      {"224.0.0.1:7001", "a multicast or broadcast address"},
      {"255.255.255.255:7001", "a multicast or broadcast address"},
      {"169.254.1.1:7001", "a link-local address"},
  };
  for (const auto& c : cases) {
    world->Resolve(std::vector<Address>{*Address::Parse(c.record)});
    const std::string report =
        absl::StrCat("now resolves to ", c.record,
                     ", not 127.0.0.1:7001, but it is ", c.why);
    ASSERT_TRUE(PumpUntil(*driver, [&] { return world->Reported(report); }))
        << report;
  }
  EXPECT_EQ(LifecycleOf(*driver), Lifecycle::kActive);
  EXPECT_EQ(driver->address(), kOld);
  EXPECT_EQ(StatsOf(*driver).address_moves, 0u);
  EXPECT_GE(StatsOf(*driver).advertised_resolve_failures, 4u);

  // Among the records, the first one a member could reach is followed.
  world->Resolve(std::vector<Address>{*Address::Parse("0.0.0.0:7001"), kNew});
  ASSERT_TRUE(PumpUntil(*driver, [&] {
    return world->Reported("now resolves to 127.0.0.2:7001");
  }));
}

TEST(DriverMoveTest, LeaveDuringTheMoveEndsIt) {
  auto world = std::make_shared<World>();
  std::unique_ptr<ManualDriver> driver = MakeDriver(kWildcard, world);
  world->Resolve(std::vector<Address>{kNew});
  ASSERT_TRUE(PumpUntil(
      *driver, [&] { return LifecycleOf(*driver) != Lifecycle::kActive; }));
  EXPECT_TRUE(Complete(*driver, [&](StatusCallback done) {
                driver->Leave(absl::Seconds(5), std::move(done));
              }).ok());
  PumpFor(*driver, absl::Seconds(3));  // longer than the move's wait
  EXPECT_EQ(driver->address(), kOld);
  EXPECT_EQ(LifecycleOf(*driver), Lifecycle::kLeft);
  EXPECT_EQ(StatsOf(*driver).address_moves, 0u);
  EXPECT_EQ(driver->streams_closed(), 0);
}

TEST(DriverMoveTest, ANameThatComesBackStartsTheNewLifeAtTheOldAddress) {
  auto world = std::make_shared<World>();
  std::unique_ptr<ManualDriver> driver = MakeDriver(kWildcard, world);
  world->Resolve(std::vector<Address>{kNew});
  ASSERT_TRUE(PumpUntil(
      *driver, [&] { return LifecycleOf(*driver) != Lifecycle::kActive; }));
  world->Resolve(std::vector<Address>{kOld});
  ASSERT_TRUE(
      PumpUntil(*driver, [&] { return StatsOf(*driver).address_moves == 1; }));
  EXPECT_TRUE(world->Reported("moved again, to 127.0.0.1:7001"));
  EXPECT_EQ(driver->address(), kOld);
  EXPECT_EQ(LifecycleOf(*driver), Lifecycle::kActive);
}

TEST(DriverMoveTest, ANameThatStopsResolvingIsReportedAndTheMemberStays) {
  auto world = std::make_shared<World>();
  world->Resolve(absl::UnavailableError("self.test: no such host"));
  std::unique_ptr<ManualDriver> driver = MakeDriver(kWildcard, world);
  ASSERT_TRUE(PumpUntil(*driver, [&] {
    return StatsOf(*driver).advertised_resolve_failures >= 2;
  }));
  EXPECT_TRUE(world->Reported(
      "the advertised name self.test:7001 does not resolve: self.test: no "
      "such host; this member stays at 127.0.0.1:7001, retrying in"));
  EXPECT_EQ(LifecycleOf(*driver), Lifecycle::kActive);
  // An empty answer moves nothing either.
  world->Resolve(std::vector<Address>{});
  PumpFor(*driver, absl::Milliseconds(100));
  EXPECT_EQ(LifecycleOf(*driver), Lifecycle::kActive);
  EXPECT_EQ(driver->address(), kOld);
}

}  // namespace
}  // namespace swim

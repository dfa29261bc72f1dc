// What is particular to the epoll driver: its own loop and its shutdown,
// embedding in another epoll set, binding, and errors at creation. Cluster
// behaviour shared with the Asio driver is in //swim/drivers:cluster_test.

#include "swim/drivers/epoll/epoll_driver.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "swim/drivers/net/file_descriptor.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/membership_view.h"
#include "swim/drivers/testing/running_member.h"

namespace swim {
namespace {

using drivertest::FastConfig;
using drivertest::FastDriverOptions;
using drivertest::MembershipView;

constexpr absl::Duration kConverge = absl::Seconds(30);

std::unique_ptr<EpollDriver> MustCreate(Config config,
                                        DriverOptions options = {}) {
  absl::StatusOr<std::unique_ptr<EpollDriver>> driver =
      EpollDriver::Create(std::move(config), std::move(options));
  EXPECT_TRUE(driver.ok()) << driver.status();
  return driver.ok() ? *std::move(driver) : nullptr;
}

TEST(EpollDriverTest, PortZeroIsAdvertisedAsTheBoundPort) {
  auto driver = MustCreate(FastConfig("a"));
  ASSERT_NE(driver, nullptr);
  EXPECT_NE(driver->address().port(), 0);
  EXPECT_EQ(driver->address(), driver->bound_address());
  EXPECT_EQ(driver->name(), "a");
}

TEST(EpollDriverTest, PortInUseIsAClearError) {
  auto first = MustCreate(FastConfig("a"));
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<EpollDriver>> second =
      EpollDriver::Create(FastConfig("b", first->address().ToString()));
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_NE(second.status().message().find("another process holds this port"),
            absl::string_view::npos)
      << second.status();
}

TEST(EpollDriverTest, WildcardAdvertisedAddressIsRejected) {
  absl::StatusOr<std::unique_ptr<EpollDriver>> driver =
      EpollDriver::Create(FastConfig("a", "0.0.0.0:0"));
  ASSERT_FALSE(driver.ok());
  EXPECT_NE(driver.status().message().find("DriverOptions::bind"),
            absl::string_view::npos)
      << driver.status();
}

TEST(EpollDriverTest, InvalidOptionsNameTheField) {
  DriverOptions options;
  options.max_datagram_size = 100;  // below the datagram budget
  absl::StatusOr<std::unique_ptr<EpollDriver>> driver =
      EpollDriver::Create(FastConfig("a"), options);
  ASSERT_FALSE(driver.ok());
  EXPECT_NE(driver.status().message().find("max_datagram_size"),
            absl::string_view::npos);
}

TEST(EpollDriverTest, BindsAWildcardWhileAdvertisingLoopback) {
  MembershipView view;
  DriverOptions options = FastDriverOptions();
  options.bind = "0.0.0.0:0";
  auto a = drivertest::StartMember(drivertest::DriverKind::kEpoll,
                                   FastConfig("a"), options, &view);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ((*a)->driver().address().ToString(),
            absl::StrCat("127.0.0.1:", (*a)->driver().bound_address().port()));
  EXPECT_EQ((*a)->driver().bound_address().ToString(),
            absl::StrCat("0.0.0.0:", (*a)->driver().bound_address().port()));
  auto b = drivertest::StartMember(drivertest::DriverKind::kEpoll,
                                   FastConfig("b"), FastDriverOptions(), &view);
  ASSERT_TRUE(b.ok()) << b.status();
  (*b)->driver().Join({(*a)->address()});
  EXPECT_TRUE(view.AwaitConverged({"a", "b"}, kConverge)) << view.Describe();
}

TEST(EpollDriverTest, Ipv6MembersConverge) {
  MembershipView view;
  auto a = drivertest::StartMember(drivertest::DriverKind::kEpoll,
                                   FastConfig("a", "[::1]:0"),
                                   FastDriverOptions(), &view);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ((*a)->driver().address().family(), Address::Family::kIpv6);
  auto b = drivertest::StartMember(drivertest::DriverKind::kEpoll,
                                   FastConfig("b", "[::1]:0"),
                                   FastDriverOptions(), &view);
  ASSERT_TRUE(b.ok()) << b.status();
  (*b)->driver().Join({(*a)->address()});  // "[::1]:port"
  EXPECT_TRUE(view.AwaitConverged({"a", "b"}, kConverge)) << view.Describe();
}

TEST(EpollDriverTest, DualStackMemberTalksToBothFamilies) {
  MembershipView view;
  DriverOptions dual = FastDriverOptions();
  dual.bind = "[::]:0";
  auto hub = drivertest::StartMember(drivertest::DriverKind::kEpoll,
                                     FastConfig("hub"), dual, &view);
  ASSERT_TRUE(hub.ok()) << hub.status();
  auto v4 =
      drivertest::StartMember(drivertest::DriverKind::kEpoll, FastConfig("v4"),
                              FastDriverOptions(), &view);
  ASSERT_TRUE(v4.ok()) << v4.status();
  (*v4)->driver().Join({(*hub)->address()});
  EXPECT_TRUE(view.AwaitConverged({"hub", "v4"}, kConverge)) << view.Describe();
}

// How many members `driver`'s node knows, read through Inspect (served by
// whichever loop runs the driver).
size_t MembersKnown(EpollDriver& driver) {
  size_t members = 0;
  EXPECT_TRUE(driver
                  .Inspect([&](const Node& node, const DriverStats&) {
                    members = node.Members().size();
                  })
                  .ok());
  return members;
}

TEST(EpollDriverTest, EmbedsInAnExternalEpollSet) {
  MembershipView view;
  auto embedded = MustCreate(FastConfig("embedded"), FastDriverOptions());
  ASSERT_NE(embedded, nullptr);
  view.Attach(*embedded);

  // The application's own loop: its epoll set holds the driver's fd and a
  // stop eventfd of its own.
  net::FileDescriptor app_epoll(::epoll_create1(EPOLL_CLOEXEC));
  net::FileDescriptor app_stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  epoll_event event = {};
  event.events = EPOLLIN;
  event.data.u64 = 1;
  ASSERT_EQ(::epoll_ctl(app_epoll.get(), EPOLL_CTL_ADD, embedded->fd(), &event),
            0);
  event.data.u64 = 2;
  ASSERT_EQ(::epoll_ctl(app_epoll.get(), EPOLL_CTL_ADD, app_stop.get(), &event),
            0);
  std::atomic<int> processed{0};
  std::thread app_loop([&] {
    while (true) {
      epoll_event ready[4];
      const int count = ::epoll_wait(app_epoll.get(), ready, 4, -1);
      for (int i = 0; i < count; ++i) {
        if (ready[i].data.u64 == 2) return;
        embedded->Process();
        ++processed;
      }
    }
  });

  auto other =
      drivertest::StartMember(drivertest::DriverKind::kEpoll,
                              FastConfig("other"), FastDriverOptions(), &view);
  ASSERT_TRUE(other.ok()) << other.status();
  embedded->Join({(*other)->address()});
  EXPECT_TRUE(view.AwaitConverged({"embedded", "other"}, kConverge))
      << view.Describe();
  // Inspect from this thread is served by the application's loop.
  EXPECT_EQ(MembersKnown(*embedded), 1u);
  EXPECT_GT(processed.load(), 0);

  const uint64_t one = 1;
  ASSERT_EQ(::write(app_stop.get(), &one, sizeof(one)), 8);
  app_loop.join();
}

// A listener or task that throws: the exception goes on to the caller of
// Process, and the driver stays usable, delivering what was left undone.
TEST(EpollDriverTest, AListenerOrTaskThatThrowsLeavesTheDriverUsable) {
  MembershipView view;
  auto embedded = MustCreate(FastConfig("embedded"), FastDriverOptions());
  ASSERT_NE(embedded, nullptr);
  view.Attach(*embedded);
  std::atomic<bool> thrown{false};
  embedded->AddEventListener([&](const Event&, const Node&) {
    if (!thrown.exchange(true)) throw std::runtime_error("listener");
  });
  auto other =
      drivertest::StartMember(drivertest::DriverKind::kEpoll,
                              FastConfig("other"), FastDriverOptions(), &view);
  ASSERT_TRUE(other.ok()) << other.status();
  embedded->Join({(*other)->address()});
  std::atomic<bool> ran_after{false};
  embedded->Execute([](Node&) { throw std::runtime_error("task"); });
  embedded->Execute([&](Node&) { ran_after = true; });

  int caught = 0;
  std::atomic<bool> done{false};
  std::thread checker([&] {
    view.AwaitConverged({"embedded", "other"}, kConverge);
    done = true;
  });
  const absl::Time deadline = absl::Now() + kConverge;
  while (!done && absl::Now() < deadline) {
    try {
      embedded->Process();
    } catch (const std::runtime_error& error) {
      ++caught;
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  checker.join();
  EXPECT_EQ(caught, 2);  // the task's and the listener's, once each
  EXPECT_TRUE(ran_after);
  EXPECT_TRUE(view.AwaitConverged({"embedded", "other"}, absl::ZeroDuration()))
      << view.Describe();
  // And it can still run its own loop.
  std::thread loop([&] { EXPECT_TRUE(embedded->Run().ok()); });
  EXPECT_EQ(MembersKnown(*embedded), 1u);
  embedded->Stop();
  loop.join();
}

// Run times its waits itself, leaving the timerfd alone; once it returns,
// the timerfd must hold the node's deadline again, or an embedding loop
// would never be woken for it.
TEST(EpollDriverTest, EmbedsAfterItsOwnLoopRan) {
  auto driver = MustCreate(FastConfig("a"), FastDriverOptions());
  ASSERT_NE(driver, nullptr);
  uint64_t wakeups = 0;
  absl::Notification ran;
  driver->Execute([&](Node&) { ran.Notify(); });
  std::thread loop([&] { EXPECT_TRUE(driver->Run().ok()); });
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(kConverge));
  // Until the loop has been woken by a deadline of its own.
  const absl::Time give_up = absl::Now() + kConverge;
  while (wakeups == 0 && absl::Now() < give_up) {
    ASSERT_TRUE(driver
                    ->Inspect([&](const Node&, const DriverStats& stats) {
                      wakeups = stats.timer_wakeups;
                    })
                    .ok());
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GT(wakeups, 0u);
  driver->Stop();
  loop.join();

  // Embedded now. One Process takes what Stop left (its wake-up); after
  // that nobody sends to this member and no command is posted, so only the
  // timerfd makes fd() readable, each time Process handled the last one.
  driver->Process();
  net::FileDescriptor app_epoll(::epoll_create1(EPOLL_CLOEXEC));
  epoll_event event = {};
  event.events = EPOLLIN;
  ASSERT_EQ(::epoll_ctl(app_epoll.get(), EPOLL_CTL_ADD, driver->fd(), &event),
            0);
  for (int i = 0; i < 2; ++i) {
    epoll_event ready;
    ASSERT_EQ(::epoll_wait(app_epoll.get(), &ready, 1,
                           absl::ToInt64Milliseconds(kConverge)),
              1)
        << "no deadline woke the embedding loop";
    driver->Process();
  }
}

TEST(EpollDriverTest, ShutdownLeavesGracefullyAndStopsTheLoop) {
  MembershipView view;
  auto stays =
      drivertest::StartMember(drivertest::DriverKind::kEpoll,
                              FastConfig("stays"), FastDriverOptions(), &view);
  ASSERT_TRUE(stays.ok()) << stays.status();
  auto goes = MustCreate(FastConfig("goes"), FastDriverOptions());
  ASSERT_NE(goes, nullptr);
  view.Attach(*goes);
  std::thread loop([&] { EXPECT_TRUE(goes->Run().ok()); });
  goes->Join({(*stays)->address()});
  ASSERT_TRUE(view.AwaitConverged({"stays", "goes"}, kConverge))
      << view.Describe();

  EXPECT_TRUE(goes->Shutdown(absl::Seconds(10)).ok());
  loop.join();  // Run returned
  EXPECT_TRUE(
      view.AwaitStatus({"stays"}, {"goes"}, MemberStatus::kLeft, kConverge))
      << view.Describe();
}

TEST(EpollDriverTest, ShutdownWithoutARunningLoopRunsItItself) {
  auto alone = MustCreate(FastConfig("alone"), FastDriverOptions());
  ASSERT_NE(alone, nullptr);
  // Nobody to tell: the leave counts as sent at once.
  EXPECT_TRUE(alone->Shutdown(absl::Seconds(5)).ok());
}

TEST(EpollDriverTest, InspectWithoutARunningLoopTimesOut) {
  auto idle = MustCreate(FastConfig("idle"), FastDriverOptions());
  ASSERT_NE(idle, nullptr);
  bool ran = false;
  const absl::Status status =
      idle->Inspect([&](const Node&, const DriverStats&) { ran = true; },
                    absl::Milliseconds(50));
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_FALSE(ran);
  // The abandoned inspection never runs later either.
  idle->Process();
  EXPECT_FALSE(ran);
}

TEST(EpollDriverTest, AListenerAddedBeforeTheLoopHearsWhatArrivedFirst) {
  MembershipView before;
  auto early = drivertest::StartMember(drivertest::DriverKind::kEpoll,
                                       FastConfig("early"), FastDriverOptions(),
                                       &before);
  ASSERT_TRUE(early.ok()) << early.status();
  auto first = drivertest::StartMember(drivertest::DriverKind::kEpoll,
                                       FastConfig("restarted"),
                                       FastDriverOptions(), &before);
  ASSERT_TRUE(first.ok()) << first.status();
  (*first)->driver().Join({(*early)->address()});
  ASSERT_TRUE(before.AwaitConverged({"early", "restarted"}, kConverge))
      << before.Describe();
  // Killed, and created again at its address, its loop not yet running:
  // the cluster still gossips to it, here news of `early`.
  const std::string address = (*first)->address();
  first->reset();
  auto late = MustCreate(FastConfig("restarted", address), FastDriverOptions());
  ASSERT_NE(late, nullptr);
  (*early)->driver().SetMetadata({{"news", "1"}});
  absl::SleepFor(absl::Milliseconds(300));  // in its socket by now
  // A listener added before the loop starts hears of it.
  MembershipView after;
  after.Attach(*late);
  std::thread loop([&] { EXPECT_TRUE(late->Run().ok()); });
  EXPECT_TRUE(
      after.AwaitMetadata({"restarted"}, "early", "news", "1", kConverge))
      << after.Describe();
  late->Stop();
  loop.join();
}

TEST(EpollDriverTest, OnlyOneThreadRunsTheLoop) {
  auto driver = MustCreate(FastConfig("a"), FastDriverOptions());
  ASSERT_NE(driver, nullptr);
  absl::Notification running;
  driver->Execute([&](Node&) { running.Notify(); });
  std::thread loop([&] { EXPECT_TRUE(driver->Run().ok()); });
  ASSERT_TRUE(running.WaitForNotificationWithTimeout(kConverge));
  EXPECT_TRUE(absl::IsFailedPrecondition(driver->Run()));
  driver->Stop();
  loop.join();
}

}  // namespace
}  // namespace swim

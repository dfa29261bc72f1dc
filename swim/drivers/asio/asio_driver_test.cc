// What is particular to the Asio driver: members sharing one io_context
// run by several threads, Close, and destruction with the context stopped.
// Cluster behaviour shared with the epoll driver is in
// //swim/drivers:cluster_test.

#include "swim/drivers/asio/asio_driver.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "asio.hpp"
#include "gtest/gtest.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/membership_view.h"

namespace swim {
namespace {

using drivertest::FastConfig;
using drivertest::FastDriverOptions;
using drivertest::MembershipView;

constexpr absl::Duration kConverge = absl::Seconds(30);

// One io_context shared by many members, run by `threads` threads.
class SharedContext {
 public:
  explicit SharedContext(int threads) : work_(asio::make_work_guard(io_)) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
  }
  ~SharedContext() { Stop(); }
  void Stop() {
    work_.reset();
    io_.stop();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

TEST(AsioDriverTest, FiveMembersShareAContextRunByTwoThreads) {
  MembershipView view;
  std::vector<std::unique_ptr<AsioDriver>> drivers;
  std::vector<std::string> names;
  {
    SharedContext context(2);
    for (int i = 0; i < 5; ++i) {
      absl::StatusOr<std::unique_ptr<AsioDriver>> driver = AsioDriver::Create(
          context.io(), FastConfig(absl::StrCat("a", i)), FastDriverOptions());
      ASSERT_TRUE(driver.ok()) << driver.status();
      view.Attach(**driver);
      names.push_back((*driver)->name());
      if (i > 0) (*driver)->Join({drivers[0]->address().ToString()});
      drivers.push_back(*std::move(driver));
    }
    EXPECT_TRUE(view.AwaitConverged(names, kConverge)) << view.Describe();
    context.Stop();
    // The context stopped with operations pending: destroying the drivers
    // now is allowed, and the context's destruction then drops handlers
    // that find their driver gone.
    drivers.clear();
  }
}

// A listener or task that throws: the exception leaves the context's run,
// and run again, the driver carries on with what was left undone.
TEST(AsioDriverTest, AListenerOrTaskThatThrowsLeavesTheDriverUsable) {
  MembershipView view;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  absl::StatusOr<std::unique_ptr<AsioDriver>> a =
      AsioDriver::Create(io, FastConfig("a"), FastDriverOptions());
  absl::StatusOr<std::unique_ptr<AsioDriver>> b =
      AsioDriver::Create(io, FastConfig("b"), FastDriverOptions());
  ASSERT_TRUE(a.ok() && b.ok());
  view.Attach(**a);
  view.Attach(**b);
  std::atomic<bool> thrown{false};
  (*a)->AddEventListener([&](const Event&, const Node&) {
    if (!thrown.exchange(true)) throw std::runtime_error("listener");
  });
  (*a)->Execute([](Node&) { throw std::runtime_error("task"); });
  std::atomic<bool> ran_after{false};
  (*a)->Execute([&](Node&) { ran_after = true; });
  (*b)->Join({(*a)->address().ToString()});

  std::atomic<bool> done{false};
  std::thread checker([&] {
    view.AwaitConverged({"a", "b"}, kConverge);
    done = true;
  });
  int caught = 0;
  const absl::Time deadline = absl::Now() + kConverge;
  while (!done && absl::Now() < deadline) {
    try {
      io.run_for(std::chrono::milliseconds(10));
    } catch (const std::runtime_error&) {
      ++caught;
    }
    if (io.stopped()) io.restart();
  }
  checker.join();
  EXPECT_EQ(caught, 2);  // the task's and the listener's, once each
  EXPECT_TRUE(ran_after);
  EXPECT_TRUE(view.AwaitConverged({"a", "b"}, absl::ZeroDuration()))
      << view.Describe();
  work.reset();
  a->reset();
  b->reset();
}

TEST(AsioDriverTest, ClosedMemberIsDeclaredOfflineAndLeftOneIsLeft) {
  MembershipView view;
  SharedContext context(1);
  std::vector<std::unique_ptr<AsioDriver>> drivers;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<AsioDriver>> driver = AsioDriver::Create(
        context.io(), FastConfig(absl::StrCat("a", i)), FastDriverOptions());
    ASSERT_TRUE(driver.ok()) << driver.status();
    view.Attach(**driver);
    if (i > 0) (*driver)->Join({drivers[0]->address().ToString()});
    drivers.push_back(*std::move(driver));
  }
  ASSERT_TRUE(view.AwaitConverged({"a0", "a1", "a2"}, kConverge))
      << view.Describe();

  // a1 leaves gracefully and closes in the leave's completion.
  AsioDriver* leaving = drivers[1].get();
  absl::Notification left;
  leaving->Leave(absl::Seconds(10), [&](absl::Status status) {
    EXPECT_TRUE(status.ok()) << status;
    leaving->Close();
    left.Notify();
  });
  ASSERT_TRUE(left.WaitForNotificationWithTimeout(kConverge));
  EXPECT_TRUE(
      view.AwaitStatus({"a0", "a2"}, {"a1"}, MemberStatus::kLeft, kConverge))
      << view.Describe();

  // a2 just goes silent.
  drivers[2]->Close();
  EXPECT_TRUE(
      view.AwaitStatus({"a0"}, {"a2"}, MemberStatus::kOffline, kConverge))
      << view.Describe();
  context.Stop();
}

TEST(AsioDriverTest, PortInUseIsAClearError) {
  asio::io_context io;
  absl::StatusOr<std::unique_ptr<AsioDriver>> first =
      AsioDriver::Create(io, FastConfig("a"));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<AsioDriver>> second =
      AsioDriver::Create(io, FastConfig("b", (*first)->address().ToString()));
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
}

}  // namespace
}  // namespace swim

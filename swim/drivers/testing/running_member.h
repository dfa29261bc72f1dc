#ifndef SWIM_DRIVERS_TESTING_RUNNING_MEMBER_H_
#define SWIM_DRIVERS_TESTING_RUNNING_MEMBER_H_

#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "asio.hpp"
#include "swim/core/config.h"
#include "swim/core/stats.h"
#include "swim/drivers/asio/asio_driver.h"
#include "swim/drivers/driver.h"
#include "swim/drivers/driver_stats.h"
#include "swim/drivers/epoll/epoll_driver.h"
#include "swim/drivers/testing/membership_view.h"

namespace swim::drivertest {

// A member with its driver running on a thread of its own, stopped and
// joined on destruction. Which driver it is does not matter to the tests
// of cluster behaviour: that is the point of the mixed-cluster test.
class RunningMember {
 public:
  virtual ~RunningMember() = default;
  virtual Driver& driver() = 0;
  const std::string& name() { return driver().name(); }
  std::string address() { return driver().address().ToString(); }
};

enum class DriverKind { kEpoll, kAsio };

// A driver's statistics, and its node's, read on its loop.
DriverStats DriverStatsOf(Driver& driver);
Stats NodeStatsOf(Driver& driver);

// Creates the driver, attaches `view` (if any) and starts its loop.
absl::StatusOr<std::unique_ptr<RunningMember>> StartMember(
    DriverKind kind, Config config, DriverOptions options,
    MembershipView* view = nullptr);

// An EpollDriver running Run() on its own thread.
class EpollMember final : public RunningMember {
 public:
  explicit EpollMember(std::unique_ptr<EpollDriver> driver);
  ~EpollMember() override;
  Driver& driver() override { return *driver_; }
  EpollDriver& epoll() { return *driver_; }

 private:
  std::unique_ptr<EpollDriver> driver_;
  std::thread thread_;
};

// An AsioDriver on its own io_context, run by one thread.
class AsioMember final : public RunningMember {
 public:
  AsioMember();
  ~AsioMember() override;
  absl::Status Create(Config config, DriverOptions options);
  void Start();
  Driver& driver() override { return *driver_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<AsioDriver> driver_;
  std::thread thread_;
};

}  // namespace swim::drivertest

#endif  // SWIM_DRIVERS_TESTING_RUNNING_MEMBER_H_

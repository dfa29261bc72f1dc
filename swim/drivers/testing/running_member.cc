#include "swim/drivers/testing/running_member.h"

#include <utility>

namespace swim::drivertest {

EpollMember::EpollMember(std::unique_ptr<EpollDriver> driver)
    : driver_(std::move(driver)) {
  thread_ = std::thread([this] { (void)driver_->Run(); });
}

EpollMember::~EpollMember() {
  driver_->Stop();
  thread_.join();
}

AsioMember::AsioMember() : work_(asio::make_work_guard(io_)) {}

absl::Status AsioMember::Create(Config config, DriverOptions options) {
  absl::StatusOr<std::unique_ptr<AsioDriver>> driver =
      AsioDriver::Create(io_, std::move(config), std::move(options));
  if (!driver.ok()) return driver.status();
  driver_ = *std::move(driver);
  return absl::OkStatus();
}

void AsioMember::Start() {
  thread_ = std::thread([this] { io_.run(); });
}

AsioMember::~AsioMember() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  driver_.reset();  // the context is not running: allowed
}

DriverStats DriverStatsOf(Driver& driver) {
  DriverStats stats;
  (void)driver.Inspect([&](const Node&, const DriverStats& s) { stats = s; });
  return stats;
}

Stats NodeStatsOf(Driver& driver) {
  Stats stats;
  (void)driver.Inspect(
      [&](const Node& node, const DriverStats&) { stats = node.stats(); });
  return stats;
}

absl::StatusOr<std::unique_ptr<RunningMember>> StartMember(
    DriverKind kind, Config config, DriverOptions options,
    MembershipView* view) {
  if (kind == DriverKind::kEpoll) {
    absl::StatusOr<std::unique_ptr<EpollDriver>> driver =
        EpollDriver::Create(std::move(config), std::move(options));
    if (!driver.ok()) return driver.status();
    if (view != nullptr) view->Attach(**driver);
    return std::make_unique<EpollMember>(*std::move(driver));
  }
  auto member = std::make_unique<AsioMember>();
  if (absl::Status status =
          member->Create(std::move(config), std::move(options));
      !status.ok()) {
    return status;
  }
  if (view != nullptr) view->Attach(member->driver());
  member->Start();
  return member;
}

}  // namespace swim::drivertest

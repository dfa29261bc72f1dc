#include "swim/drivers/testing/manual_driver.h"

#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "swim/drivers/net/monotonic_clock.h"

namespace swim::drivertest {

Config ManualConfig(const Address& address) {
  Config config = Config::Local();
  config.name = "self";
  config.address = address;
  config.generation = 1;
  config.seed = 1;
  config.keys = {kManualKey};
  config.nonce_seed[0] = 1;
  return config;
}

std::unique_ptr<Node> NodeKnowingPeer(Config config, const Address& peer) {
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(std::move(config), net::MonotonicNow());
  if (!node.ok()) {
    ADD_FAILURE() << node.status();
    return nullptr;
  }
  Member member;
  member.name = "peer";
  member.address = peer;
  member.status = MemberStatus::kOnline;
  member.incarnation = {1, 0};
  EXPECT_TRUE((*node)->Restore({member}, net::MonotonicNow()).ok());
  return *std::move(node);
}

ManualDriver::ManualDriver(std::unique_ptr<Node> node, const Address& bound,
                           DriverOptions options)
    : Driver(std::move(node), bound, std::move(options)) {}

ManualDriver::~ManualDriver() { StopBackgroundWork(); }

void ManualDriver::Pump(Instant now) {
  std::vector<absl::AnyInvocable<void()>> tasks;
  {
    absl::MutexLock lock(&mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
  Drain(now);
}

void ManualDriver::Post(absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mutex_);
  posted_.push_back(std::move(task));
}

void ManualDriver::SendDatagram(const Address&, absl::Span<const uint8_t>) {
  ++datagrams_sent_;
}

void ManualDriver::SendStream(const Address&, std::optional<StreamId>,
                              absl::Span<const uint8_t> bytes) {
  ++streams_sent_;
  queued_ += bytes.size();
}

}  // namespace swim::drivertest

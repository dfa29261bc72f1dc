// When Driver::Leave reports its news sent, on a driver whose sockets are
// simulated: in TCP-only mode only once the sockets took every queued
// stream byte (a member stopped right after its leave must not drop the
// LEFT claim on a connection still being established), with datagrams as
// soon as the Node sent it.

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/node.h"
#include "swim/drivers/driver.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/testing/manual_driver.h"

namespace swim {
namespace {

const Address kSelf = *Address::Parse("127.0.0.1:7001");
const Address kPeer = *Address::Parse("127.0.0.1:7002");

using drivertest::ManualDriver;

// A member that knows one peer, on a driver the test drives.
std::unique_ptr<ManualDriver> MakeDriver(bool tcp_only) {
  Config config = drivertest::ManualConfig(kSelf);
  config.tcp_only = tcp_only;
  return std::make_unique<ManualDriver>(
      drivertest::NodeKnowingPeer(std::move(config), kPeer), kSelf,
      DriverOptions());
}

struct LeaveOutcome {
  bool done = false;
  absl::Status status;
};

// Leaves, then pumps the loop a few seconds of the node's timers (its
// gossip sends the LEFT claim until it has gone out to enough members).
void LeaveAndPump(ManualDriver& driver, LeaveOutcome& outcome) {
  driver.Leave(absl::Hours(1), [&outcome](absl::Status status) {
    outcome.done = true;
    outcome.status = status;
  });
  const Instant start = net::MonotonicNow();
  for (int i = 0; i <= 100; ++i) {
    driver.Pump(start + i * absl::Milliseconds(50));
  }
}

TEST(DriverLeaveTest, TcpOnlyLeaveWaitsUntilTheSocketsTookTheNews) {
  std::unique_ptr<ManualDriver> driver = MakeDriver(true);
  LeaveOutcome outcome;
  LeaveAndPump(*driver, outcome);
  ASSERT_GT(driver->streams_sent(), 0);
  EXPECT_EQ(driver->datagrams_sent(), 0);
  // The node is done, but its LEFT claim still waits on a connection.
  EXPECT_FALSE(outcome.done);
  ASSERT_TRUE(driver->armed().has_value()) << "the loop must look again";
  const Instant looked_again = *driver->armed();

  driver->set_queued_stream_bytes(0);  // the sockets took everything
  driver->Pump(looked_again);
  EXPECT_TRUE(outcome.done);
  EXPECT_TRUE(outcome.status.ok()) << outcome.status;
}

TEST(DriverLeaveTest, WithDatagramsLeaveIsDoneOnceTheNodeSentIt) {
  std::unique_ptr<ManualDriver> driver = MakeDriver(false);
  driver->set_queued_stream_bytes(1000);  // a state exchange still queued
  LeaveOutcome outcome;
  LeaveAndPump(*driver, outcome);
  EXPECT_GT(driver->datagrams_sent(), 0);
  EXPECT_TRUE(outcome.done);
  EXPECT_TRUE(outcome.status.ok()) << outcome.status;
}

}  // namespace
}  // namespace swim

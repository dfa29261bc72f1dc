// When Driver::Leave reports its news sent, on a driver whose sockets are
// simulated: in TCP-only mode only once the sockets took every queued
// stream byte (a member stopped right after its leave must not drop the
// LEFT claim on a connection still being established), with datagrams as
// soon as the Node sent it.

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"
#include "swim/core/node.h"
#include "swim/drivers/driver.h"
#include "swim/drivers/net/monotonic_clock.h"

namespace swim {
namespace {

const Address kSelf = *Address::Parse("127.0.0.1:7001");
const Address kPeer = *Address::Parse("127.0.0.1:7002");

// A driver whose loop is the test: posted tasks run when the test pumps,
// and the sockets take queued stream bytes only when the test says so.
class ManualDriver final : public Driver {
 public:
  static std::unique_ptr<ManualDriver> Create(bool tcp_only) {
    Config config = Config::Local();
    config.name = "self";
    config.address = kSelf;
    config.generation = 1;
    config.seed = 1;
    config.keys = {std::string(32, 'k')};
    config.nonce_seed[0] = 1;
    config.tcp_only = tcp_only;
    std::unique_ptr<Node> node =
        *Node::Create(std::move(config), net::MonotonicNow());
    Member peer;
    peer.name = "peer";
    peer.address = kPeer;
    peer.status = MemberStatus::kOnline;
    peer.incarnation = {1, 0};
    EXPECT_TRUE(node->Restore({peer}, net::MonotonicNow()).ok());
    return std::unique_ptr<ManualDriver>(
        new ManualDriver(std::move(node), DriverOptions()));
  }

  // Runs the posted tasks, then the node's due work at `now`.
  void Pump(Instant now) {
    std::vector<absl::AnyInvocable<void()>> tasks = std::move(posted_);
    posted_.clear();
    for (auto& task : tasks) task();
    Drain(now);
  }

  ~ManualDriver() override { StopBackgroundWork(); }

  void set_queued_stream_bytes(size_t bytes) { queued_ = bytes; }
  const std::optional<Instant>& armed() const { return armed_; }
  int streams_sent() const { return streams_sent_; }
  int datagrams_sent() const { return datagrams_sent_; }

 private:
  ManualDriver(std::unique_ptr<Node> node, DriverOptions options)
      : Driver(std::move(node), kSelf, std::move(options)) {}

  void Post(absl::AnyInvocable<void()> task) override {
    posted_.push_back(std::move(task));
  }
  bool InLoopThread() const override { return true; }
  void SendDatagram(const Address&, absl::Span<const uint8_t>) override {
    ++datagrams_sent_;
  }
  void SendStream(const Address&, std::optional<StreamId>,
                  absl::Span<const uint8_t> bytes) override {
    ++streams_sent_;
    queued_ += bytes.size();
  }
  void ArmTimer(std::optional<Instant> deadline) override { armed_ = deadline; }
  size_t QueuedStreamBytes() const override { return queued_; }
  void UseTls(std::shared_ptr<const net::TlsContext>) override {}

  std::vector<absl::AnyInvocable<void()>> posted_;
  size_t queued_ = 0;
  std::optional<Instant> armed_;
  int streams_sent_ = 0;
  int datagrams_sent_ = 0;
};

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
  std::unique_ptr<ManualDriver> driver = ManualDriver::Create(true);
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
  std::unique_ptr<ManualDriver> driver = ManualDriver::Create(false);
  driver->set_queued_stream_bytes(1000);  // a state exchange still queued
  LeaveOutcome outcome;
  LeaveAndPump(*driver, outcome);
  EXPECT_GT(driver->datagrams_sent(), 0);
  EXPECT_TRUE(outcome.done);
  EXPECT_TRUE(outcome.status.ok()) << outcome.status;
}

}  // namespace
}  // namespace swim

#ifndef SWIM_DRIVERS_TESTING_MANUAL_DRIVER_H_
#define SWIM_DRIVERS_TESTING_MANUAL_DRIVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/drivers/driver.h"
#include "swim/drivers/driver_options.h"

namespace swim::drivertest {

// The key ManualConfig installs.
inline constexpr char kManualKey[] = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";

// The Local preset for member "self" at `address`, with a fixed identity
// (generation 1, seed 1, a nonce seed) and kManualKey.
Config ManualConfig(const Address& address);
// A Node made from `config` (started now) that knows one ONLINE member,
// "peer" at `peer`.
std::unique_ptr<Node> NodeKnowingPeer(Config config, const Address& peer);

// A Driver whose loop is the test: posted tasks (from any thread, the
// resolver's included) run when the test pumps, at the instants the test
// chooses; the sockets only count what they are given, and take queued
// stream bytes when the test says so.
class ManualDriver final : public Driver {
 public:
  // `bound`: where the sockets would be bound.
  ManualDriver(std::unique_ptr<Node> node, const Address& bound,
               DriverOptions options);
  ~ManualDriver() override;

  // Runs the posted tasks, then the node's due work at `now`.
  void Pump(Instant now);

  void set_queued_stream_bytes(size_t bytes) { queued_ = bytes; }
  const std::optional<Instant>& armed() const { return armed_; }
  int streams_sent() const { return streams_sent_; }
  int datagrams_sent() const { return datagrams_sent_; }
  // Times CloseStreams was called.
  int streams_closed() const { return streams_closed_; }

 protected:
  void Post(absl::AnyInvocable<void()> task) override;
  bool InLoopThread() const override { return true; }
  void SendDatagram(const Address& to,
                    absl::Span<const uint8_t> bytes) override;
  void SendStream(const Address& to, std::optional<StreamId> stream,
                  absl::Span<const uint8_t> bytes) override;
  void ArmTimer(std::optional<Instant> deadline) override { armed_ = deadline; }
  size_t QueuedStreamBytes() const override { return queued_; }
  void UseTls(std::shared_ptr<const net::TlsContext>) override {}
  void CloseStreams() override { ++streams_closed_; }

 private:
  absl::Mutex mutex_;
  std::vector<absl::AnyInvocable<void()>> posted_ ABSL_GUARDED_BY(mutex_);
  size_t queued_ = 0;
  std::optional<Instant> armed_;
  int streams_sent_ = 0;
  int datagrams_sent_ = 0;
  int streams_closed_ = 0;
};

}  // namespace swim::drivertest

#endif  // SWIM_DRIVERS_TESTING_MANUAL_DRIVER_H_

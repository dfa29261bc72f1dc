#ifndef SWIM_DRIVERS_ASIO_ASIO_DRIVER_H_
#define SWIM_DRIVERS_ASIO_ASIO_DRIVER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "asio.hpp"
#include "swim/core/config.h"
#include "swim/core/instant.h"
#include "swim/drivers/asio/asio_streams.h"
#include "swim/drivers/driver.h"

namespace swim {
namespace net {
struct OpenedMember;
}  // namespace net

// A swim member on a caller-provided asio::io_context (standalone Asio):
// async_receive_from on one UDP socket, one steady_timer at the node's next
// deadline, and a TCP acceptor plus connections for stream messages. It
// only adds work to the io_context; whoever runs the context runs the
// member:
//
//   asio::io_context io;
//   auto driver = swim::AsioDriver::Create(io, config).value();
//   driver->Join({"seed.example:7946"});
//   io.run();
//
// All of the driver's handlers run on one strand, so the context may be run
// by one thread or several. The commands and Inspect of swim::Driver are
// safe from any thread. Destroy the driver on a thread running the context
// (inside a handler) or while no thread runs it; pending handlers then find
// it gone and do nothing.
class AsioDriver final : public Driver {
 public:
  static absl::StatusOr<std::unique_ptr<AsioDriver>> Create(
      asio::io_context& io, Config config, DriverOptions options = {});
  ~AsioDriver() override;

  // Stops all I/O: closes the sockets and cancels the timer. Thread-safe
  // (runs on the strand). For a graceful exit, Leave first and Close in its
  // completion.
  void Close();

 protected:
  void Post(absl::AnyInvocable<void()> task) override;
  bool InLoopThread() const override;
  void SendDatagram(const Address& to,
                    absl::Span<const uint8_t> bytes) override;
  void SendStream(const Address& to, std::optional<StreamId> stream,
                  absl::Span<const uint8_t> bytes) override;
  void ArmTimer(std::optional<Instant> deadline) override;
  size_t QueuedStreamBytes() const override;
  void UseTls(std::shared_ptr<const net::TlsContext> tls) override;
  void CloseStreams() override;

 private:
  AsioDriver(asio::io_context& io, net::OpenedMember opened,
             DriverOptions options);
  absl::Status Start(int family, int udp_fd, int tcp_fd);

  void StartReceive();
  void OnReceive(const asio::error_code& error, size_t count);
  // Hands one received datagram to the node.
  void Deliver(size_t count, Instant now);
  void RearmTimer();
  void OnTimer(uint64_t generation, const asio::error_code& error);
  void CloseOnStrand();

  asio::strand<asio::io_context::executor_type> strand_;
  // False once the driver is destroyed; every handler checks it first.
  std::shared_ptr<bool> alive_;
  asio::ip::udp::socket udp_;
  asio::steady_timer timer_;
  std::unique_ptr<AsioStreams> streams_;
  int family_ = 0;
  bool closed_ = false;

  std::vector<uint8_t> receive_buffer_;
  asio::ip::udp::endpoint sender_;
  std::optional<Instant> node_wake_;
  std::optional<Instant> armed_;
  uint64_t timer_generation_ = 0;
  Instant now_;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_ASIO_ASIO_DRIVER_H_

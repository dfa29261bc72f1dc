#ifndef SWIM_DRIVERS_EPOLL_EPOLL_DRIVER_H_
#define SWIM_DRIVERS_EPOLL_EPOLL_DRIVER_H_

#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/core/instant.h"
#include "swim/drivers/driver.h"
#include "swim/drivers/epoll/epoll_streams.h"
#include "swim/drivers/net/file_descriptor.h"
#include "swim/drivers/net/socket_address.h"

namespace swim {
namespace net {
struct OpenedMember;
}  // namespace net

// A swim member on Linux sockets: one UDP socket (datagrams batched with
// recvmmsg and sendmmsg), a TCP listener on the same port for stream
// messages and an eventfd that wakes the loop when another thread posts a
// command. All of it sits in one epoll set, so the driver either runs its
// own loop, whose wait ends at the node's next deadline, or embeds in
// another, when a timerfd in the set holds that deadline:
//
//   Own loop:   std::thread loop([&] { driver->Run(); });
//               ...
//               driver->Shutdown();  // leave gracefully, then stop
//               loop.join();
//
//   Embedded:   add driver->fd() to your epoll set (EPOLLIN); whenever it
//               is readable, call driver->Process() on your loop thread.
//
// Everything that touches the Node runs on the loop thread (whichever
// thread calls Run or Process); the commands and Inspect of swim::Driver
// are safe from any thread. Destroy the driver when no thread is in Run or
// Process.
class EpollDriver final : public Driver {
 public:
  static absl::StatusOr<std::unique_ptr<EpollDriver>> Create(
      Config config, DriverOptions options = {});
  ~EpollDriver() override;

  // --- Own loop -----------------------------------------------------------
  // Runs the loop on the calling thread until Stop() (at once if Stop was
  // already called: a stopped driver stays stopped). FailedPrecondition if
  // another thread is already in Run or Process.
  absl::Status Run();
  // Makes Run return soon. Thread-safe; callable from listeners.
  void Stop();
  // Leaves gracefully (see Driver::Leave), waiting at most `timeout` for
  // the news to go out, then stops Run. Call it from another thread while
  // Run runs there, or with no loop running (it then runs the loop itself
  // until done). Returns the leave's outcome.
  absl::Status Shutdown(absl::Duration timeout = absl::Seconds(5));

  // --- Embedding ----------------------------------------------------------
  // An epoll descriptor that is readable whenever Process has work.
  int fd() const { return epoll_.get(); }
  // Does all ready work without blocking. Does nothing when another thread
  // is in Run or Process, or when called from a listener (re-entrantly).
  void Process();

 protected:
  void Post(absl::AnyInvocable<void()> task) override;
  bool InLoopThread() const override;
  void SendDatagram(const Address& to,
                    absl::Span<const uint8_t> bytes) override;
  void SendStream(const Address& to, std::optional<StreamId> stream,
                  absl::Span<const uint8_t> bytes) override;
  void FlushDatagrams() override;
  void ArmTimer(std::optional<Instant> deadline) override;
  size_t QueuedStreamBytes() const override;
  void UseTls(std::shared_ptr<const net::TlsContext> tls) override;
  void CloseStreams() override;

 private:
  // Datagrams moved per recvmmsg/sendmmsg call.
  static constexpr int kBatch = 64;

  EpollDriver(net::OpenedMember opened, DriverOptions options);
  absl::Status Initialize();

  // The driver's own loop (Run, Shutdown): rounds until `done`.
  void RunLoop(absl::FunctionRef<bool()> done);
  // The own loop's wait: until the next deadline, in milliseconds rounded
  // up (-1: none).
  int WaitTimeout() const;
  // One round: wait up to `timeout_ms` (-1: forever), then handle what is
  // ready.
  void Poll(int timeout_ms);
  void ReceiveDatagrams();
  void RunPosted();
  void OnTimer();
  // The next deadline: the earlier of the node's wake-up and the streams'.
  // Outside the own loop, the timerfd holds it.
  void RearmTimer();
  // Arms the timerfd at the next deadline, if it is not already.
  void SyncTimerfd();

  net::FileDescriptor epoll_;
  net::FileDescriptor udp_;
  net::FileDescriptor wake_;   // eventfd
  net::FileDescriptor timer_;  // timerfd, CLOCK_MONOTONIC; when embedded
  int family_ = AF_INET;
  std::unique_ptr<EpollStreams> streams_;

  std::atomic<bool> stop_{false};
  std::atomic<std::thread::id> loop_thread_{};

  absl::Mutex posted_mutex_;
  std::vector<absl::AnyInvocable<void()>> posted_
      ABSL_GUARDED_BY(posted_mutex_);
  std::vector<absl::AnyInvocable<void()>> running_;  // loop thread only

  // Loop-thread state.
  std::optional<Instant> node_wake_;
  std::optional<Instant> wake_at_;     // the next deadline (RearmTimer)
  std::optional<Instant> timerfd_at_;  // what the timerfd is armed at
  // In RunLoop: the wait's timeout serves the deadline, not the timerfd.
  bool own_loop_ = false;
  Instant now_;  // of the current round

  // recvmmsg buffers.
  std::vector<uint8_t> receive_buffer_;
  std::vector<mmsghdr> receive_headers_;
  std::vector<iovec> receive_iovecs_;
  std::vector<net::SocketAddress> receive_from_;
  // sendmmsg batch.
  size_t send_slot_size_ = 0;
  std::vector<uint8_t> send_buffer_;
  std::vector<mmsghdr> send_headers_;
  std::vector<iovec> send_iovecs_;
  std::vector<net::SocketAddress> send_to_;
  int send_count_ = 0;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_EPOLL_EPOLL_DRIVER_H_

#ifndef TOOLS_MEMBER_LIVE_MEMBER_H_
#define TOOLS_MEMBER_LIVE_MEMBER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/drivers/epoll/epoll_driver.h"
#include "tools/member/member_config.h"

namespace swim::tools {

// One member of a program: an epoll driver with its sockets bound, and
// once started, its loop on a thread of its own.
class LiveMember {
 public:
  // Binds the sockets (fails with the driver's reason, e.g. the port is in
  // use). With a view file, fails first if no file can be created beside
  // it (net::CheckFileCanBeReplaced). Add listeners to driver() before Start to
  // see every event.
  static absl::StatusOr<std::unique_ptr<LiveMember>> Create(
      const MemberSettings& settings);
  // Stops the loop and waits for its thread.
  ~LiveMember();

  LiveMember(const LiveMember&) = delete;
  LiveMember& operator=(const LiveMember&) = delete;

  EpollDriver& driver() { return *driver_; }
  const std::string& name() const { return driver_->name(); }

  // Starts the loop and joins through the seeds (and the saved view, with
  // a view file); `joined` gets the outcome of the first attempt (on the
  // loop thread).
  void Start(StatusCallback joined = {});
  // Stops the loop (no leave) and waits for its thread. Idempotent.
  void Stop();

 private:
  LiveMember(std::unique_ptr<EpollDriver> driver,
             std::vector<std::string> seeds, bool rejoin_from_view)
      : driver_(std::move(driver)),
        seeds_(std::move(seeds)),
        rejoin_from_view_(rejoin_from_view) {}

  std::unique_ptr<EpollDriver> driver_;
  std::vector<std::string> seeds_;
  const bool rejoin_from_view_;
  std::thread loop_;
};

// Every member leaves at once, each waiting until its news went out to
// enough members (at most `timeout`), then all stop. Members that had
// nobody to tell stop at once.
void LeaveAndStop(absl::Span<LiveMember* const> members,
                  absl::Duration timeout);

// SIGHUP with TLS (--tls-cert): every member re-reads its certificate, key
// and CA files for the connections it makes from now on. One line per
// member for the program to print: what it did, or why it kept the files
// it had.
std::vector<std::string> ReloadCertificates(
    absl::Span<LiveMember* const> members);

}  // namespace swim::tools

#endif  // TOOLS_MEMBER_LIVE_MEMBER_H_

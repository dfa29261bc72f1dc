#ifndef SWIM_DRIVERS_TESTING_CHILD_MEMBER_H_
#define SWIM_DRIVERS_TESTING_CHILD_MEMBER_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace swim::drivertest {

// A member in a process of its own (//swim/drivers/testing:member_process),
// for tests that kill it or measure its memory. Killed (SIGKILL) on
// destruction if still running; it also dies with the test process.
class ChildMember {
 public:
  ChildMember() = default;
  ChildMember(const ChildMember&) = delete;
  ChildMember& operator=(const ChildMember&) = delete;
  ~ChildMember() { Kill(); }

  // Starts `member_process args...` and waits (up to `bound`) until it
  // says its sockets are bound.
  absl::Status Start(const std::vector<std::string>& args,
                     absl::Duration bound = absl::Seconds(30));
  void Kill();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // The process's resident memory and its peak since start or the last
  // ResetPeakMemory, in bytes (from /proc); nullopt if unreadable.
  std::optional<uint64_t> ResidentBytes() const;
  std::optional<uint64_t> PeakResidentBytes() const;
  // Restarts the peak at the current resident size.
  absl::Status ResetPeakMemory() const;
  // The process's open file descriptors (from /proc); nullopt if
  // unreadable.
  std::optional<size_t> OpenDescriptors() const;
  // CPU time (user + system) the process has used.
  std::optional<absl::Duration> CpuTime() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace swim::drivertest

#endif  // SWIM_DRIVERS_TESTING_CHILD_MEMBER_H_

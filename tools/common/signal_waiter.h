#ifndef TOOLS_COMMON_SIGNAL_WAITER_H_
#define TOOLS_COMMON_SIGNAL_WAITER_H_

#include <signal.h>

#include <initializer_list>

#include "absl/time/time.h"

namespace swim::tools {

// Signals taken synchronously by one thread instead of by handlers, so a
// program can react to them with ordinary code (leave the cluster, re-read
// files). The constructor blocks the signals in the calling thread, and so
// in every thread started after it: create it in main before any thread.
// Child processes should be started with an empty signal mask
// (posix_spawnattr_setsigmask), as the mask is inherited.
class SignalWaiter {
 public:
  explicit SignalWaiter(std::initializer_list<int> signals);

  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  // The next of the signals, waiting at most `timeout` (which may be
  // infinite); 0 when none came.
  int Wait(absl::Duration timeout);

 private:
  sigset_t set_;
};

}  // namespace swim::tools

#endif  // TOOLS_COMMON_SIGNAL_WAITER_H_

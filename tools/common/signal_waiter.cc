#include "tools/common/signal_waiter.h"

#include <errno.h>
#include <pthread.h>

#include <algorithm>

#include "absl/time/clock.h"

namespace swim::tools {

SignalWaiter::SignalWaiter(std::initializer_list<int> signals) {
  sigemptyset(&set_);
  for (int signal : signals) sigaddset(&set_, signal);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int SignalWaiter::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    siginfo_t info;
    int signal = 0;
    if (timeout == absl::InfiniteDuration()) {
      signal = sigwaitinfo(&set_, &info);
    } else {
      const absl::Duration left =
          std::max(deadline - absl::Now(), absl::ZeroDuration());
      const timespec wait = absl::ToTimespec(left);
      signal = sigtimedwait(&set_, &info, &wait);
    }
    if (signal > 0) return signal;
    if (errno == EAGAIN) return 0;  // timed out
    // EINTR: another signal (say SIGWINCH) interrupted the wait.
  }
}

}  // namespace swim::tools

#include "swim/drivers/testing/eventually.h"

#include "absl/time/clock.h"

namespace swim::drivertest {

bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

}  // namespace swim::drivertest

#ifndef SWIM_DRIVERS_TESTING_EVENTUALLY_H_
#define SWIM_DRIVERS_TESTING_EVENTUALLY_H_

#include <functional>

#include "absl/time/time.h"

namespace swim::drivertest {

// Re-checks `condition` every few milliseconds until it holds (true) or
// `timeout` passes (false). For conditions no event announces, such as a
// counter in a member's stats; prefer MembershipView's waits otherwise.
bool Eventually(const std::function<bool()>& condition, absl::Duration timeout);

}  // namespace swim::drivertest

#endif  // SWIM_DRIVERS_TESTING_EVENTUALLY_H_

#ifndef SWIM_DRIVERS_TESTING_FAST_CONFIG_H_
#define SWIM_DRIVERS_TESTING_FAST_CONFIG_H_

#include <string>

#include "swim/core/config.h"
#include "swim/drivers/driver_options.h"

namespace swim::drivertest {

// The cluster key of the driver tests (AES-256-GCM).
inline constexpr char kTestKey[] = "swim-driver-tests-0123456789abcd";

// Config::Local() with intervals short enough that a loopback cluster
// joins, detects a failure and heals within a few seconds, at `address`
// ("127.0.0.1:0": any free port).
Config FastConfig(const std::string& name,
                  const std::string& address = "127.0.0.1:0");

// Stream timeouts short enough for tests of misbehaving peers.
DriverOptions FastDriverOptions();

}  // namespace swim::drivertest

#endif  // SWIM_DRIVERS_TESTING_FAST_CONFIG_H_

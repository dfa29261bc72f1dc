#include "swim/drivers/testing/fast_config.h"

namespace swim::drivertest {

Config FastConfig(const std::string& name, const std::string& address) {
  Config config = Config::Local();
  config.name = name;
  config.address = *Address::Parse(address);
  config.keys = {kTestKey};
  config.label = "driver-tests";
  config.probe_interval = absl::Milliseconds(200);
  config.probe_timeout = absl::Milliseconds(100);
  config.gossip_interval = absl::Milliseconds(50);
  config.suspicion_mult = 3;
  config.push_pull_interval = absl::Seconds(1);
  // Long enough that OFFLINE members stay visible to the assertions.
  config.reconnect_timeout = absl::Minutes(5);
  return config;
}

DriverOptions FastDriverOptions() {
  DriverOptions options;
  options.connect_timeout = absl::Seconds(2);
  options.read_timeout = absl::Milliseconds(500);
  options.write_timeout = absl::Seconds(2);
  options.idle_timeout = absl::Milliseconds(200);
  options.min_resolve_backoff = absl::Milliseconds(20);
  options.max_resolve_backoff = absl::Milliseconds(100);
  return options;
}

}  // namespace swim::drivertest

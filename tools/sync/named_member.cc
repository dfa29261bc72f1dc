// A member under any name at all, for end-to-end tests that need names the
// programs themselves never produce (swim-sync must refuse "../escape"):
//
//   named-member NAME ADDRESS SEED SECRET [KEY=VALUE...]
//
// Runs an epoll driver with the Local preset and fast timers at ADDRESS,
// sealing with the key swim-demo and swim-sync derive from SECRET,
// publishing the KEY=VALUE metadata (a key may contain '/' or be ".."),
// and joining through SEED. Prints "ready" once its sockets are bound,
// then runs until SIGTERM (leaves first) or SIGKILL.

#include <signal.h>

#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_split.h"
#include "swim/core/address.h"
#include "swim/core/cluster_key.h"
#include "swim/core/config.h"
#include "swim/drivers/epoll/epoll_driver.h"
#include "tools/common/signal_waiter.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: named-member NAME ADDRESS SEED SECRET "
                 "[KEY=VALUE...]\n");
    return 2;
  }
  swim::tools::SignalWaiter signals({SIGINT, SIGTERM});
  swim::Config config = swim::Config::Local();
  config.name = argv[1];
  absl::StatusOr<swim::Address> address = swim::Address::Parse(argv[2]);
  if (!address.ok()) {
    std::fprintf(stderr, "named-member: %s\n",
                 address.status().ToString().c_str());
    return 2;
  }
  config.address = *address;
  absl::StatusOr<swim::ClusterKeys> keys =
      swim::ParseClusterKeys(argv[4], "", "the key argument");
  if (!keys.ok()) {
    std::fprintf(stderr, "named-member: %s\n",
                 keys.status().ToString().c_str());
    return 2;
  }
  config.keys = std::move(keys->keys);  // the node wipes them
  config.probe_interval = absl::Milliseconds(200);
  config.probe_timeout = absl::Milliseconds(100);
  config.gossip_interval = absl::Milliseconds(50);
  config.push_pull_interval = absl::Seconds(1);
  for (int i = 5; i < argc; ++i) {
    std::vector<std::string> entry =
        absl::StrSplit(argv[i], absl::MaxSplits('=', 1));
    if (entry.size() == 2) config.metadata[entry[0]] = entry[1];
  }
  absl::StatusOr<std::unique_ptr<swim::EpollDriver>> driver =
      swim::EpollDriver::Create(config);
  if (!driver.ok()) {
    std::fprintf(stderr, "named-member: %s\n",
                 driver.status().ToString().c_str());
    return 1;
  }
  std::thread loop([&] { (void)(*driver)->Run(); });
  (*driver)->Join({argv[3]});
  std::printf("ready\n");
  std::fflush(stdout);
  signals.Wait(absl::InfiniteDuration());
  const absl::Status left = (*driver)->Shutdown(absl::Seconds(5));
  loop.join();
  return left.ok() ? 0 : 1;
}

// A swim member in a process of its own, for tests that kill it:
//
//   member_process NAME ADDRESS SEED|- [KEY=VALUE...]
//
// Runs an epoll driver with the driver tests' fast config at ADDRESS
// ("127.0.0.1:0" for any free port), publishing the KEY=VALUE metadata and
// joining through SEED. Prints "ready <port>" once its sockets are bound,
// then runs until killed (and dies with its parent).

#include <signal.h>
#include <sys/prctl.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "swim/drivers/epoll/epoll_driver.h"
#include "swim/drivers/testing/fast_config.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: member_process NAME ADDRESS SEED|- [KEY=VALUE...]\n");
    return 2;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  swim::Config config = swim::drivertest::FastConfig(argv[1], argv[2]);
  for (int i = 4; i < argc; ++i) {
    std::vector<std::string> entry =
        absl::StrSplit(argv[i], absl::MaxSplits('=', 1));
    if (entry.size() == 2) config.metadata[entry[0]] = entry[1];
  }
  absl::StatusOr<std::unique_ptr<swim::EpollDriver>> driver =
      swim::EpollDriver::Create(config, swim::drivertest::FastDriverOptions());
  if (!driver.ok()) {
    std::fprintf(stderr, "member_process: %s\n",
                 driver.status().ToString().c_str());
    return 1;
  }
  if (std::string(argv[3]) != "-") (*driver)->Join({argv[3]});
  std::printf("ready %d\n", (*driver)->address().port());
  std::fflush(stdout);
  return (*driver)->Run().ok() ? 0 : 1;
}

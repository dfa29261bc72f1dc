// A swim member in a process of its own, for tests that kill it or measure
// its memory:
//
//   member_process [--asio] [--tls CERT KEY CA] NAME ADDRESS SEED|-
//                  [KEY=VALUE...]
//
// Runs an epoll driver (or, with --asio, an Asio driver) with the driver
// tests' fast config (and TLS on its streams with --tls) at ADDRESS
// ("127.0.0.1:0" for any free port), publishing the KEY=VALUE metadata and
// joining through SEED. Prints "ready <port>" once its sockets are bound, then
// runs until killed (and dies with its parent).

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/running_member.h"

int main(int argc, char** argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  std::vector<std::string> args(argv + 1, argv + argc);
  swim::drivertest::DriverKind kind = swim::drivertest::DriverKind::kEpoll;
  if (!args.empty() && args[0] == "--asio") {
    kind = swim::drivertest::DriverKind::kAsio;
    args.erase(args.begin());
  }
  swim::DriverOptions options = swim::drivertest::FastDriverOptions();
  if (args.size() >= 4 && args[0] == "--tls") {
    options.tls.certificate_file = args[1];
    options.tls.key_file = args[2];
    options.tls.ca_file = args[3];
    args.erase(args.begin(), args.begin() + 4);
  }
  if (args.size() < 3) {
    std::fprintf(stderr,
                 "usage: member_process [--asio] [--tls CERT KEY CA] NAME "
                 "ADDRESS SEED|- [KEY=VALUE...]\n");
    return 2;
  }
  swim::Config config = swim::drivertest::FastConfig(args[0], args[1]);
  for (size_t i = 3; i < args.size(); ++i) {
    std::vector<std::string> entry =
        absl::StrSplit(args[i], absl::MaxSplits('=', 1));
    if (entry.size() == 2) config.metadata[entry[0]] = entry[1];
  }
  absl::StatusOr<std::unique_ptr<swim::drivertest::RunningMember>> member =
      swim::drivertest::StartMember(kind, config, options);
  if (!member.ok()) {
    std::fprintf(stderr, "member_process: %s\n",
                 member.status().ToString().c_str());
    return 1;
  }
  if (args[2] != "-") (*member)->driver().Join({args[2]});
  std::printf("ready %d\n", (*member)->driver().address().port());
  std::fflush(stdout);
  while (true) ::pause();  // the driver runs on its own thread
}

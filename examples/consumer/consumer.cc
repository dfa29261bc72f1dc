// Two swim members on loopback, each with the epoll driver on a thread of
// its own: the second joins the first, and the program exits 0 once each
// sees the other ONLINE (1 if that takes more than 20 seconds).

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/core/version.h"
#include "swim/drivers/driver_stats.h"
#include "swim/drivers/epoll/epoll_driver.h"

namespace {

// Every member needs the same 16-, 24- or 32-byte secret. A real cluster
// reads it from its configuration (`swim-keygen` makes one).
constexpr char kSecret[] = "consumer example secret 32 bytes";
static_assert(sizeof(kSecret) - 1 == 32);

std::unique_ptr<swim::EpollDriver> StartMember(const std::string& name) {
  swim::Config config = swim::Config::Local();
  config.name = name;
  config.address = *swim::Address::Parse("127.0.0.1:0");  // any free port
  config.keys = {kSecret};
  auto driver = swim::EpollDriver::Create(std::move(config));
  if (!driver.ok()) {
    std::fprintf(stderr, "cannot start %s: %s\n", name.c_str(),
                 driver.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(driver);
}

bool SeesOnline(swim::EpollDriver& driver, const std::string& other) {
  bool online = false;
  const absl::Status status =
      driver.Inspect([&](const swim::Node& node, const swim::DriverStats&) {
        online = node.StatusOf(other) == swim::MemberStatus::kOnline;
      });
  return status.ok() && online;
}

}  // namespace

int main() {
  std::printf("swim %s\n", SWIM_VERSION_STRING);
  std::unique_ptr<swim::EpollDriver> a = StartMember("a");
  std::unique_ptr<swim::EpollDriver> b = StartMember("b");
  std::thread loop_a([&] { (void)a->Run(); });
  std::thread loop_b([&] { (void)b->Run(); });
  b->Join({a->address().ToString()});

  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  bool converged = false;
  while (!converged && absl::Now() < deadline) {
    converged = SeesOnline(*a, "b") && SeesOnline(*b, "a");
    if (!converged) absl::SleepFor(absl::Milliseconds(20));
  }

  (void)b->Shutdown(absl::Seconds(2));  // leave gracefully, stop the loop
  (void)a->Shutdown(absl::Seconds(2));
  loop_a.join();
  loop_b.join();
  if (!converged) {
    std::fprintf(stderr,
                 "timeout: a and b did not see each other ONLINE within "
                 "20 seconds\n");
    return 1;
  }
  std::printf("a (%s) and b (%s) see each other ONLINE\n",
              a->address().ToString().c_str(), b->address().ToString().c_str());
  return 0;
}

// What a settled member costs at rest: N members on real loopback sockets
// in one process, each with its own loop (the epoll driver's Run on its own
// thread, or an Asio io_context run by its own thread), join through the
// first one, settle, and are then measured over a window:
//
//   CPU        the process's user + system time (getrusage), per member
//              per second, and each apart;
//   traffic    datagrams and bytes sent per member per second, UDP and
//              TCP apart, from the members' own Stats;
//   wake-ups   timer and socket wake-ups of the loops: not measurable
//              from outside without tracing, so --strace counts the
//              process's system calls in a second window of the same
//              length, with strace attached (it slows every call, so the
//              CPU figure comes from the first window, untraced).
//
//   bazel run -c opt //bench:rest_bench -- --members=64 --driver=epoll
//   bazel run -c opt //bench:rest_bench -- --members=64 --driver=asio
//       --security=plaintext --strace=/usr/bin/strace
//
// --driver=floor runs the same wake-ups without swim, to tell what the
// machine charges for them from what swim adds: N bare loops, each with a
// UDP socket and an epoll set on its own thread, each sending a ping of
// swim's size to a random other one every probe interval (at a random
// phase), which answers with an ack: a settled member's three wake-ups a
// probe interval (its tick, the ping it answers, the ack it gets), with
// one epoll_wait, one recvfrom and at most one sendto each, and no crypto
// or protocol work.
//
// --driver=sleep keeps only the wake-ups: N bare loops that wake three
// times a probe interval (at random phases) from epoll_wait's timeout on
// an empty set, with no socket, no datagram and no work. What it costs is
// what this machine charges a thread for sleeping and waking as often as
// a settled member does.
//
// --loops=K spreads the members (or the floor's sockets) round-robin over
// K loops, each on its own thread: K io_contexts, or K epoll sets that the
// epoll drivers embed in (fd(), Process()). 0, the default, gives every
// member a loop of its own.
//
// --probe_interval_ms sets the members' probe interval (and the floor's);
// the LAN preset's, 1 s, by default. The rest of the configuration is the
// LAN preset's.
//
// docs/performance.md ("Rest cost") has the figures.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "asio.hpp"
#include "swim/core/config.h"
#include "swim/core/member_status.h"
#include "swim/core/stats.h"
#include "swim/drivers/asio/asio_driver.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/driver_stats.h"
#include "swim/drivers/epoll/epoll_driver.h"

ABSL_FLAG(int, members, 16, "Members in the process, 2-1024.");
ABSL_FLAG(std::string, driver, "epoll",
          "epoll, asio, floor (the same wake-ups and datagrams without "
          "swim), or sleep (the same wake-ups and nothing else).");
ABSL_FLAG(std::string, security, "encrypted", "encrypted or plaintext.");
ABSL_FLAG(double, settle_s, 30,
          "Seconds after every member knows every other before measuring.");
ABSL_FLAG(double, window_s, 30, "Seconds measured.");
ABSL_FLAG(int, wire_version, SWIM_WIRE_VERSION,
          "Config::wire_version (1: state exchanges uncompressed).");
ABSL_FLAG(int, probe_interval_ms, 1000,
          "Config::probe_interval of every member and the floor's ping "
          "interval, in ms: above the LAN preset's probe timeout (500). A "
          "settled member wakes three times a probe interval.");
ABSL_FLAG(int, loops, 0,
          "0: every member on a loop of its own, on its own thread. K: the "
          "members spread over K loops, one thread each (K io_contexts; K "
          "epoll sets the epoll drivers embed in; the floor's sockets K "
          "epoll sets).");
ABSL_FLAG(bool, progress, false,
          "Report the join's progress and any drops every 5 s.");
ABSL_FLAG(std::string, strace, "",
          "Path of strace: count system calls in a second window.");
ABSL_FLAG(bool, strace_table, false,
          "With --strace, print strace's table: calls per system call.");

namespace swim {
namespace {

// The process's CPU time so far, user and system apart.
struct CpuTime {
  double user = 0;
  double system = 0;

  static CpuTime Now() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) +
             static_cast<double>(t.tv_usec) / 1e6;
    };
    return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
  }
};

// "0.213 ms/s (user 0.070, system 0.143)" for the CPU spent since
// `before`, scaled by `per` (1 / members / seconds).
std::string CpuPerMember(const CpuTime& before, double per) {
  const CpuTime now = CpuTime::Now();
  const double user = (now.user - before.user) * 1e3 * per;
  const double system = (now.system - before.system) * 1e3 * per;
  return absl::StrFormat("%.3f ms/s (user %.3f, system %.3f)", user + system,
                         user, system);
}

struct Traffic {
  uint64_t datagrams = 0;
  uint64_t datagram_bytes = 0;
  uint64_t streams = 0;
  uint64_t stream_bytes = 0;
  uint64_t probes = 0;
  uint64_t gossip_rounds = 0;
};

// The members and their loops. With --loops=0 every member has a loop of
// its own on its own thread (the epoll driver's Run, or an io_context of
// its own); with --loops=K the members are spread over K loops, each on
// its own thread: K io_contexts, or K epoll sets into which the epoll
// drivers embed (driver->fd(), Process()).
class Cluster {
 public:
  virtual ~Cluster() = default;
  // Creates a member and puts it on its loop.
  virtual absl::Status Add(const Config& config,
                           const DriverOptions& options) = 0;
  std::vector<Driver*>& drivers() { return drivers_; }

 protected:
  std::vector<Driver*> drivers_;
};

// `count` epoll sets into `sets`; an error once one cannot be made.
absl::Status MakeEpollSets(int count, std::vector<int>& sets) {
  for (int i = 0; i < count; ++i) {
    const int set = epoll_create1(EPOLL_CLOEXEC);
    if (set < 0) {
      return absl::InternalError(
          absl::StrCat("epoll_create1: ", strerror(errno)));
    }
    sets.push_back(set);
  }
  return absl::OkStatus();
}

// With --loops=0 each epoll driver runs its own loop (Run) on its own
// thread; with K, the drivers embed, round-robin, in K epoll sets, each
// waited on by its own thread, which calls Process on every driver found
// ready.
class EpollCluster final : public Cluster {
 public:
  ~EpollCluster() override {
    stop_.store(true);
    for (const std::unique_ptr<EpollDriver>& driver : owned_) driver->Stop();
    for (std::thread& thread : threads_) thread.join();
    for (int set : sets_) close(set);
  }
  absl::Status Start(int loops) {
    if (absl::Status status = MakeEpollSets(loops, sets_); !status.ok()) {
      return status;
    }
    for (int set : sets_) threads_.emplace_back([this, set] { Run(set); });
    return absl::OkStatus();
  }
  absl::Status Add(const Config& config,
                   const DriverOptions& options) override {
    absl::StatusOr<std::unique_ptr<EpollDriver>> driver =
        EpollDriver::Create(config, options);
    if (!driver.ok()) return driver.status();
    EpollDriver* raw = driver->get();
    owned_.push_back(*std::move(driver));
    drivers_.push_back(raw);
    if (sets_.empty()) {
      threads_.emplace_back([raw] { (void)raw->Run(); });
      return absl::OkStatus();
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = raw;
    if (epoll_ctl(sets_[(owned_.size() - 1) % sets_.size()], EPOLL_CTL_ADD,
                  raw->fd(), &event) != 0) {
      return absl::InternalError(absl::StrCat("epoll_ctl: ", strerror(errno)));
    }
    return absl::OkStatus();
  }

 private:
  void Run(int set) {
    epoll_event events[64];
    while (!stop_.load(std::memory_order_relaxed)) {
      // At most a second, so the destructor's stop is seen.
      const int ready = epoll_wait(set, events, 64, 1000);
      for (int i = 0; i < ready; ++i) {
        static_cast<EpollDriver*>(events[i].data.ptr)->Process();
      }
    }
  }

  std::vector<int> sets_;
  std::vector<std::unique_ptr<EpollDriver>> owned_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
};

// The Asio drivers spread round-robin over `loops` io_contexts, each run
// by its own thread; with --loops=0, one io_context per member.
class AsioCluster final : public Cluster {
 public:
  explicit AsioCluster(int loops) : loops_(loops) {}
  ~AsioCluster() override {
    for (const std::unique_ptr<AsioDriver>& driver : owned_) driver->Close();
    guards_.clear();
    for (const std::unique_ptr<asio::io_context>& io : ios_) io->stop();
    for (std::thread& thread : threads_) thread.join();
    owned_.clear();
  }
  absl::Status Add(const Config& config,
                   const DriverOptions& options) override {
    if (loops_ == 0 || static_cast<int>(ios_.size()) < loops_) {
      ios_.push_back(std::make_unique<asio::io_context>());
      asio::io_context* io = ios_.back().get();
      guards_.emplace_back(asio::make_work_guard(*io));
      threads_.emplace_back([io] { io->run(); });
    }
    absl::StatusOr<std::unique_ptr<AsioDriver>> driver =
        AsioDriver::Create(*ios_[owned_.size() % ios_.size()], config, options);
    if (!driver.ok()) return driver.status();
    drivers_.push_back(driver->get());
    owned_.push_back(*std::move(driver));
    return absl::OkStatus();
  }

 private:
  const int loops_;
  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
      guards_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<AsioDriver>> owned_;
};

Traffic Sum(std::vector<Driver*>& members) {
  Traffic total;
  for (Driver* member : members) {
    (void)member->Inspect([&](const Node& node, const DriverStats&) {
      const Stats& stats = node.stats();
      total.datagrams += stats.datagrams_sent;
      total.datagram_bytes += stats.datagram_bytes_sent;
      total.streams += stats.streams_sent;
      total.stream_bytes += stats.stream_bytes_sent;
      total.probes += stats.probes;
      total.gossip_rounds += stats.gossip_rounds;
    });
  }
  return total;
}

// How many members know every other as ONLINE.
int KnowingAll(std::vector<Driver*>& members) {
  const size_t others = members.size() - 1;
  int knowing = 0;
  for (Driver* member : members) {
    size_t online = 0;
    (void)member->Inspect([&](const Node& node, const DriverStats&) {
      online = node.Members(StatusMask(MemberStatus::kOnline)).size();
    });
    knowing += online == others;
  }
  return knowing;
}

bool AllKnowAll(std::vector<Driver*>& members) {
  return KnowingAll(members) == static_cast<int>(members.size());
}

// Every drop and driver counter that is not zero, summed over the members:
// what went wrong, if anything did.
std::string Troubles(std::vector<Driver*>& members) {
  std::vector<uint64_t> drops(kDropReasonCount);
  std::vector<uint64_t> driver(DriverStatsFields().size());
  for (Driver* member : members) {
    (void)member->Inspect([&](const Node& node, const DriverStats& stats) {
      for (int i = 0; i < kDropReasonCount; ++i) {
        drops[i] += node.stats().drops[i];
      }
      for (size_t i = 0; i < driver.size(); ++i) {
        driver[i] += stats.*DriverStatsFields()[i].value;
      }
    });
  }
  std::string out;
  for (int i = 0; i < kDropReasonCount; ++i) {
    if (drops[i] == 0) continue;
    absl::StrAppend(&out, " drop:", DropReasonName(static_cast<DropReason>(i)),
                    "=", drops[i]);
  }
  for (size_t i = 0; i < driver.size(); ++i) {
    if (driver[i] == 0) continue;
    absl::StrAppend(&out, " ", DriverStatsFields()[i].name, "=", driver[i]);
  }
  return out;
}

// --driver=floor: bare loops with a settled member's wake-ups (above);
// --driver=sleep: the wake-ups alone, from timers, without sockets.
class FloorCluster {
 public:
  // A ping and an ack of swim's, sealed (41 bytes each at 64 members).
  static constexpr size_t kDatagramBytes = 41;

  ~FloorCluster() {
    stop_.store(true);
    for (std::thread& thread : threads_) thread.join();
    for (const Member& member : members_) {
      if (member.socket >= 0) close(member.socket);
    }
    for (int set : sets_) close(set);
  }

  // `n` members on `loops` loops (one each with 0), round-robin. Without
  // `sockets`, each member is three timers a probe interval instead.
  absl::Status Start(int n, int loops, absl::Duration interval, bool sockets) {
    interval_ = interval;
    sockets_ = sockets;
    longest_wait_ms_ = static_cast<int>(
        std::max<int64_t>(1000, absl::ToInt64Milliseconds(absl::Ceil(
                                    interval, absl::Milliseconds(1)))));
    if (loops == 0) loops = n;
    if (absl::Status status = MakeEpollSets(loops, sets_); !status.ok()) {
      return status;
    }
    members_.resize(n);
    for (int i = 0; sockets && i < n; ++i) {
      Member& member = members_[i];
      member.socket = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      if (member.socket < 0) {
        return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
      }
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t length = sizeof(address);
      if (bind(member.socket, reinterpret_cast<sockaddr*>(&address),
               sizeof(address)) != 0 ||
          getsockname(member.socket, reinterpret_cast<sockaddr*>(&address),
                      &length) != 0) {
        return absl::InternalError(absl::StrCat("bind: ", strerror(errno)));
      }
      member.address = address;
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u32 = static_cast<uint32_t>(i);
      if (epoll_ctl(sets_[i % loops], EPOLL_CTL_ADD, member.socket, &event) !=
          0) {
        return absl::InternalError(
            absl::StrCat("epoll_ctl: ", strerror(errno)));
      }
    }
    for (int i = 0; i < loops; ++i) {
      threads_.emplace_back([this, i, loops] { Run(i, loops); });
    }
    return absl::OkStatus();
  }

  uint64_t wakeups() const { return wakeups_.load(); }
  uint64_t datagrams() const { return datagrams_.load(); }

 private:
  struct Member {
    int socket = -1;
    sockaddr_in address{};
  };
  using Clock = std::chrono::steady_clock;

  // Loop `index` of `loops`: the members index, index + loops, ...
  void Run(int index, int loops) {
    const int set = sets_[index];
    std::mt19937_64 random(static_cast<uint64_t>(index) + 1);
    const auto interval = absl::ToChronoNanoseconds(interval_);
    // A member's tick (its ping), or without sockets each of its three
    // wake-ups, and the member it belongs to.
    std::vector<int> mine;
    std::vector<Clock::time_point> ticks;
    const int timers_per_member = sockets_ ? 1 : 3;
    for (size_t i = index; i < members_.size(); i += loops) {
      for (int t = 0; t < timers_per_member; ++t) {
        mine.push_back(static_cast<int>(i));
        ticks.push_back(Clock::now() +
                        std::chrono::nanoseconds(random() % interval.count()));
      }
    }
    char buffer[1500] = {};
    epoll_event events[64];
    while (!stop_.load(std::memory_order_relaxed)) {
      const Clock::time_point next =
          *std::min_element(ticks.begin(), ticks.end());
      const auto left = next - Clock::now();
      const int timeout =
          left <= Clock::duration::zero()
              ? 0
              : static_cast<int>(
                    std::chrono::ceil<std::chrono::milliseconds>(left).count());
      // At most an interval, so the destructor's stop is seen without
      // waking a loop more often than a member would be.
      const int ready =
          epoll_wait(set, events, 64, std::min(timeout, longest_wait_ms_));
      wakeups_.fetch_add(1, std::memory_order_relaxed);
      for (int i = 0; i < ready; ++i) {
        const Member& member = members_[events[i].data.u32];
        sockaddr_in from{};
        socklen_t length = sizeof(from);
        const ssize_t got =
            recvfrom(member.socket, buffer, sizeof(buffer), 0,
                     reinterpret_cast<sockaddr*>(&from), &length);
        if (got > 0 && buffer[0] == 'p') {
          buffer[0] = 'a';
          Send(member, from, buffer);
        }
      }
      const Clock::time_point now = Clock::now();
      for (size_t m = 0; m < mine.size(); ++m) {
        if (now < ticks[m]) continue;
        ticks[m] += interval;
        if (!sockets_) continue;
        size_t target = random() % (members_.size() - 1);
        if (target >= static_cast<size_t>(mine[m])) ++target;
        buffer[0] = 'p';
        Send(members_[mine[m]], members_[target].address, buffer);
      }
    }
  }

  void Send(const Member& member, const sockaddr_in& to, const char* buffer) {
    if (sendto(member.socket, buffer, kDatagramBytes, 0,
               reinterpret_cast<const sockaddr*>(&to), sizeof(to)) > 0) {
      datagrams_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  absl::Duration interval_;
  bool sockets_ = true;
  int longest_wait_ms_ = 1000;
  std::vector<int> sets_;
  std::vector<Member> members_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> wakeups_{0};
  std::atomic<uint64_t> datagrams_{0};
};

// strace -c -f on this process for `window`; the total number of calls.
// `table`, if not null, receives strace's summary as printed.
absl::StatusOr<uint64_t> CountSystemCalls(const std::string& strace,
                                          absl::Duration window,
                                          std::string* table) {
  const std::string out =
      absl::StrCat("/tmp/rest_bench.strace.", getpid(), ".txt");
  const std::string pid = absl::StrCat(getpid());
  const pid_t child = fork();
  if (child < 0) return absl::InternalError("fork failed");
  if (child == 0) {
    execl(strace.c_str(), "strace", "-c", "-f", "-q", "-o", out.c_str(), "-p",
          pid.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  absl::SleepFor(window);
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  std::ifstream file(out);
  std::string line;
  uint64_t calls = 0;
  bool found = false;
  while (std::getline(file, line)) {
    if (table != nullptr) absl::StrAppend(table, "    ", line, "\n");
    // "100.00    0.012345           3      4321        12 total"
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() >= 4 && fields.back() == "total") {
      found = absl::SimpleAtoi(fields[3], &calls);
    }
  }
  std::remove(out.c_str());
  if (!found) {
    return absl::FailedPreconditionError(
        absl::StrCat("no summary from ", strace,
                     " (is it installed, and may this process be traced?)"));
  }
  return calls;
}

// With --strace, the process's system calls per member per second over a
// window of `window` (strace's table in `table` with --strace_table).
std::string SystemCallsPerMember(int n, absl::Duration window,
                                 std::string& table) {
  const std::string strace = absl::GetFlag(FLAGS_strace);
  if (strace.empty()) return "not counted (--strace)";
  absl::StatusOr<uint64_t> calls = CountSystemCalls(
      strace, window, absl::GetFlag(FLAGS_strace_table) ? &table : nullptr);
  if (!calls.ok()) return calls.status().ToString();
  return absl::StrFormat(
      "%.1f", static_cast<double>(*calls) / n / absl::ToDoubleSeconds(window));
}

// --probe_interval_ms, for the members and the floor.
absl::Duration ProbeInterval() {
  return absl::Milliseconds(absl::GetFlag(FLAGS_probe_interval_ms));
}

// "a loop per member" or "4 loops", from --loops.
std::string LoopsText() {
  const int loops = absl::GetFlag(FLAGS_loops);
  if (loops == 0) return "a loop per member";
  return absl::StrCat(loops, loops == 1 ? " loop" : " loops");
}

// --driver=floor, or --driver=sleep without `sockets`.
int RunFloor(int n, bool sockets, absl::Duration settle,
             absl::Duration window) {
  FloorCluster floor;
  if (absl::Status status =
          floor.Start(n, absl::GetFlag(FLAGS_loops), ProbeInterval(), sockets);
      !status.ok()) {
    std::fprintf(stderr, "rest_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  absl::SleepFor(settle);
  const uint64_t wakeups = floor.wakeups();
  const uint64_t datagrams = floor.datagrams();
  const CpuTime cpu_before = CpuTime::Now();
  const absl::Time window_start = absl::Now();
  absl::SleepFor(window);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - window_start);
  const double per = 1.0 / n / seconds;
  const std::string cpu = CpuPerMember(cpu_before, per);
  const double sent = static_cast<double>(floor.datagrams() - datagrams) * per;
  const double woken = static_cast<double>(floor.wakeups() - wakeups) * per;
  std::string table;
  const std::string syscalls = SystemCallsPerMember(n, window, table);
  std::printf(
      "members %d, %s, %s, %s interval %d ms; settled %.0f s, window %.1f "
      "s\n",
      n,
      sockets ? "floor: bare loops, no swim"
              : "sleep: bare loops that only wake, no sockets",
      LoopsText().c_str(), sockets ? "ping" : "probe",
      absl::GetFlag(FLAGS_probe_interval_ms), absl::ToDoubleSeconds(settle),
      seconds);
  std::printf("  CPU per member:            %s\n", cpu.c_str());
  std::printf("  system calls per member:   %s /s\n", syscalls.c_str());
  std::printf("  UDP per member:            %.2f datagrams/s, %.0f B/s\n", sent,
              sent * FloorCluster::kDatagramBytes);
  std::printf("  wake-ups per member:       %.2f /s\n", woken);
  if (!table.empty()) std::printf("  strace -c -f:\n%s", table.c_str());
  return 0;
}

int Main() {
  const int n = absl::GetFlag(FLAGS_members);
  const std::string driver = absl::GetFlag(FLAGS_driver);
  const std::string security = absl::GetFlag(FLAGS_security);
  const int loops = absl::GetFlag(FLAGS_loops);
  if (n < 2 || n > 1024 || loops < 0 || loops > n ||
      (driver != "epoll" && driver != "asio" && driver != "floor" &&
       driver != "sleep") ||
      (security != "encrypted" && security != "plaintext") ||
      ProbeInterval() <= Config::Lan().probe_timeout) {
    std::fprintf(stderr,
                 "rest_bench: --members 2-1024, --loops 0-members, --driver "
                 "epoll|asio|floor|sleep, --security encrypted|plaintext, "
                 "--probe_interval_ms above %d\n",
                 static_cast<int>(
                     absl::ToInt64Milliseconds(Config::Lan().probe_timeout)));
    return 2;
  }
  const absl::Duration settle = absl::Seconds(absl::GetFlag(FLAGS_settle_s));
  const absl::Duration window = absl::Seconds(absl::GetFlag(FLAGS_window_s));
  if (driver == "floor" || driver == "sleep") {
    return RunFloor(n, driver == "floor", settle, window);
  }

  // Every member is on 127.0.0.1: the per-host caps, meant for members
  // on hosts of their own, would make the first member turn most of a
  // burst of joiners away (docs/drivers.md, "Streams").
  DriverOptions options;
  options.max_unauthenticated_per_host = options.max_connections;
  options.max_connections_per_host = options.max_connections;
  std::unique_ptr<Cluster> cluster;
  if (driver == "asio") {
    cluster = std::make_unique<AsioCluster>(loops);
  } else {
    auto epoll = std::make_unique<EpollCluster>();
    if (absl::Status status = epoll->Start(loops); !status.ok()) {
      std::fprintf(stderr, "rest_bench: %s\n", status.ToString().c_str());
      return 1;
    }
    cluster = std::move(epoll);
  }
  std::vector<Driver*>& members = cluster->drivers();
  std::string seed;
  for (int i = 0; i < n; ++i) {
    Config config = Config::Lan();
    config.probe_interval = ProbeInterval();
    config.name = absl::StrCat("m", i);
    config.address = *Address::Parse("127.0.0.1:0");
    config.wire_version = absl::GetFlag(FLAGS_wire_version);
    if (security == "encrypted") {
      config.security_mode = SecurityMode::kEncrypted;
      config.keys = {std::string(32, 'k')};
    } else {
      config.security_mode = SecurityMode::kPlaintext;
    }
    if (absl::Status status = cluster->Add(config, options); !status.ok()) {
      std::fprintf(stderr, "rest_bench: %s\n", status.ToString().c_str());
      return 1;
    }
    if (i == 0) {
      seed = members[0]->bound_address().ToString();
    } else {
      members.back()->Join({seed});
    }
  }
  const absl::Time started = absl::Now();
  absl::Time reported = started;
  while (!AllKnowAll(members)) {
    if (absl::Now() - started > absl::Minutes(5)) {
      std::fprintf(stderr, "rest_bench: no convergence in 5 minutes\n");
      return 1;
    }
    if (absl::GetFlag(FLAGS_progress) &&
        absl::Now() - reported > absl::Seconds(5)) {
      reported = absl::Now();
      std::fprintf(stderr, "  %.0f s: %d of %d members know every other;%s\n",
                   absl::ToDoubleSeconds(reported - started),
                   KnowingAll(members), n, Troubles(members).c_str());
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  const absl::Duration joined = absl::Now() - started;
  absl::SleepFor(settle);

  const Traffic before = Sum(members);
  const CpuTime cpu_before = CpuTime::Now();
  const absl::Time window_start = absl::Now();
  absl::SleepFor(window);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - window_start);
  const double per = 1.0 / n / seconds;
  const std::string cpu = CpuPerMember(cpu_before, per);
  const Traffic after = Sum(members);
  const bool settled = AllKnowAll(members);

  std::string table;
  const std::string syscalls = SystemCallsPerMember(n, window, table);
  std::printf(
      "members %d, driver %s, %s, %s, probe interval %d ms; joined in %.1f "
      "s, settled %.0f s, window %.1f s%s\n",
      n, driver.c_str(), security.c_str(), LoopsText().c_str(),
      absl::GetFlag(FLAGS_probe_interval_ms), absl::ToDoubleSeconds(joined),
      absl::ToDoubleSeconds(settle), seconds,
      settled ? "" : " (NOT all ONLINE at the end)");
  std::printf("  CPU per member:            %s\n", cpu.c_str());
  std::printf("  system calls per member:   %s /s\n", syscalls.c_str());
  std::printf("  UDP per member:            %.2f datagrams/s, %.0f B/s\n",
              (after.datagrams - before.datagrams) * per,
              (after.datagram_bytes - before.datagram_bytes) * per);
  std::printf("  TCP per member:            %.3f messages/s, %.0f B/s\n",
              (after.streams - before.streams) * per,
              (after.stream_bytes - before.stream_bytes) * per);
  std::printf("  drops and driver counters: %s\n", Troubles(members).c_str());
  std::printf("  probes, gossip rounds:     %.2f /s, %.2f /s\n",
              (after.probes - before.probes) * per,
              (after.gossip_rounds - before.gossip_rounds) * per);
  if (!table.empty()) std::printf("  strace -c -f:\n%s", table.c_str());
  return settled ? 0 : 1;
}

}  // namespace
}  // namespace swim

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return swim::Main();
}

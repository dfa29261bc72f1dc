// swim-demo: a live SWIM cluster to watch. Like the Python swim-protocol's
// swim-protocol-demo: run it in a few terminals, each naming another as a
// peer, and every member's table shows every member; with
// --token-interval each member keeps changing a "token" metadata value
// and the changes spread. --local N runs N members in one process (real
// sockets on consecutive loopback ports), the one-command demo. Not on a
// terminal, or with --json-events, it prints one JSON object per event
// instead, so scripts can follow a cluster. See kUsage.

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "swim/core/cluster_key.h"
#include "swim/core/event.h"
#include "swim/core/member_status.h"
#include "swim/drivers/net/host_port.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "tools/common/signal_waiter.h"
#include "tools/common/terminal_text.h"
#include "tools/demo/member_table.h"
#include "tools/member/event_json.h"
#include "tools/member/live_member.h"
#include "tools/member/member_config.h"
#include "tools/member/member_flags.h"
#include "tools/member/operator_endpoints.h"

ABSL_FLAG(int, local, 0,
          "Run this many members (1-64) in this process, on consecutive "
          "loopback ports from --name's (default 127.0.0.1:7946); each "
          "joins the first.");
ABSL_FLAG(std::optional<double>, token_interval, std::nullopt,
          "Change this member's 'token' metadata about every SECONDS "
          "(normally distributed around it), so changes spread. Also "
          "spelled --token-interval.");
ABSL_FLAG(bool, json_events, false,
          "Print one JSON object per event even on a terminal (the default "
          "when stdout is not one). Also spelled --json-events.");
ABSL_FLAG(double, duration_s, 0,
          "Leave and exit after this many seconds (0: run until SIGINT or "
          "SIGTERM). Also spelled --duration-s.");

namespace swim::tools {
namespace {

constexpr absl::string_view kUsage =
    R"usage(Runs SWIM cluster members and shows what they see.

  swim-demo --name=HOST:PORT [--peer=HOST:PORT ...]
            [--metadata KEY VALUE ...] [--token-interval=SECONDS]
            [--json-events] [--duration-s=SECONDS]
  swim-demo --local=N     N members in this process (with a fresh key
                          unless SWIM_SECRET gives one)

For example, in three terminals, with the same key in each
(export SWIM_SECRET="$(swim-keygen)" once, then copy it):

  swim-demo --name 127.0.0.1:2001 --peer 127.0.0.1:2003 --metadata name one
  swim-demo --name 127.0.0.1:2002 --peer 127.0.0.1:2001 --metadata name two
  swim-demo --name 127.0.0.1:2003 --peer 127.0.0.1:2001 --metadata name three

On a terminal it draws
a table of the members, redrawn live: name, status (ONLINE, SUSPECT,
OFFLINE, LEFT), incarnation, time since the last change, metadata; and the
member's counters. Otherwise, or with --json-events, it prints one JSON
object per line for every event:

  {"event":"status-changed","observer":"127.0.0.1:2001",
   "member":"127.0.0.1:2002","address":"127.0.0.1:2002","status":"OFFLINE",
   "previous_status":"ONLINE","incarnation":"1718000000000000.2",
   "metadata":{"name":"two"},"t":1718000012.345}

event is started, joined, status-changed, metadata-changed, reaped,
name-conflict, refuted, user-message or stopped; t is Unix time.
name-conflict and user-message are about no member: they carry
conflict_address, or origin and payload, instead of the member fields.
A change to SUSPECT, OFFLINE or LEFT also carries its "cause": the
reason, the accuser, the confirmations, the timeout and this member's
health (docs/operations.md, "Why a member went").

--metrics=127.0.0.1:9100 serves every member's Prometheus metrics at
http://127.0.0.1:9100/metrics (port 0: any free port, printed on stderr).
SIGUSR1 writes the members' status as JSON to the --status-json file.
--record=FILE records every input of the member (FILE.1, FILE.2, ...
with --local) for `swim-sim replay FILE` (docs/operations.md).

SIGINT (Ctrl-C), SIGTERM or SIGHUP: every member leaves gracefully (the
others see it LEFT), then the program exits with status 0. With TLS
(--tls-cert), SIGHUP instead re-reads the certificate files (renewed
certificates, a new CA bundle) for the connections made from then on.
Exit status: 0 after leaving, 1 if a member cannot start (e.g. its port is
in use), 2 for a bad flag or environment value.
)usage";

constexpr absl::Duration kLeaveTimeout = absl::Seconds(5);
constexpr absl::Duration kRedrawInterval = absl::Milliseconds(250);
constexpr int kMaxLocal = 64;
constexpr absl::string_view kNames[] = {"one", "two",   "three", "four", "five",
                                        "six", "seven", "eight", "nine", "ten"};

struct DemoFlags {
  int local = 0;
  std::optional<absl::Duration> token_interval;
  bool json = false;
  std::optional<absl::Duration> duration;
};

absl::StatusOr<DemoFlags> ReadDemoFlags() {
  DemoFlags flags;
  flags.local = absl::GetFlag(FLAGS_local);
  if (flags.local < 0 || flags.local > kMaxLocal) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--local=", flags.local, ": must be 1-", kMaxLocal, " (0: off)"));
  }
  if (const std::optional<double> seconds = absl::GetFlag(FLAGS_token_interval);
      seconds.has_value()) {
    if (!(*seconds > 0 && *seconds <= 86400)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--token-interval=", *seconds,
                       ": must be above 0 and at most 86400 seconds"));
    }
    flags.token_interval = absl::Seconds(*seconds);
  }
  const double duration = absl::GetFlag(FLAGS_duration_s);
  if (!(duration >= 0 && duration <= 1e7)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--duration-s=", duration, ": must be 0 (until a signal) or positive"));
  }
  if (duration > 0) flags.duration = absl::Seconds(duration);
  flags.json = absl::GetFlag(FLAGS_json_events) || isatty(STDOUT_FILENO) == 0;
  return flags;
}

// The settings of every member this process runs.
absl::StatusOr<std::vector<MemberSettings>> BuildSettings(
    const MemberOptions& options, const DemoFlags& flags,
    const Environment& environment, const SystemAccess& system) {
  if (flags.local == 0) {
    absl::StatusOr<MemberSettings> settings =
        ResolveMemberSettings(options, environment, system);
    if (!settings.ok()) return settings.status();
    return std::vector<MemberSettings>{*std::move(settings)};
  }
  if (options.discovery) {
    return absl::InvalidArgumentError(
        "--local and --discovery do not go together (--local members find "
        "each other on loopback)");
  }
  if (options.bind_port.has_value()) {
    return absl::InvalidArgumentError(
        "--local and --bind-port do not go together (--local members listen "
        "on consecutive ports)");
  }
  const std::string base_text = options.name.value_or("127.0.0.1:7946");
  absl::StatusOr<net::HostPort> base = net::ParseHostPort(base_text);
  if (!base.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--name=", base_text, ": ", base.status().message()));
  }
  if (base->port + flags.local - 1 > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--local=", flags.local, " from port ", base->port,
                     " runs past port 65535; choose a lower --name port"));
  }
  // Members of one process share whatever key it has; with none given,
  // a fresh one (nobody outside the process can join, which is the point).
  Environment local_environment = environment;
  if (!options.insecure && !options.secret_file.has_value() &&
      !environment.contains("SWIM_SECRET") &&
      !environment.contains("SWIM_SECRET_FILE")) {
    absl::StatusOr<std::string> key = GenerateKey();
    if (!key.ok()) return key.status();
    local_environment["SWIM_SECRET"] = *std::move(key);
  }
  std::vector<MemberSettings> all;
  for (int i = 0; i < flags.local; ++i) {
    MemberOptions member = options;
    net::HostPort host_port = *base;
    host_port.port = static_cast<uint16_t>(base->port + i);
    member.name = host_port.ToString();
    const bool named =
        std::any_of(options.metadata.begin(), options.metadata.end(),
                    [](const auto& entry) { return entry.first == "name"; });
    if (!named) {
      member.metadata.insert(
          member.metadata.begin(),
          {"name", i < 10 ? std::string(kNames[i]) : absl::StrCat(i + 1)});
    }
    // Every member joins the first, which joins the given peers.
    if (i > 0) member.peers = {all.front().config.name};
    // A view file is one member's: FILE.1, FILE.2, ... (as --record).
    if (options.view_file.has_value() && flags.local > 1) {
      member.view_file = absl::StrCat(*options.view_file, ".", i + 1);
    }
    absl::StatusOr<MemberSettings> settings =
        ResolveMemberSettings(member, local_environment, system);
    if (!settings.ok()) return settings.status();
    all.push_back(*std::move(settings));
  }
  return all;
}

// Writes whole lines to stdout from any thread.
class Output {
 public:
  void Line(const std::string& line) {
    absl::MutexLock lock(&mutex_);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  // Replaces the screen's contents with `lines` (a terminal).
  void Screen(const std::vector<std::string>& lines) {
    std::string out = "\x1b[H";  // home; each line then clears its rest
    for (const std::string& line : lines)
      absl::StrAppend(&out, line, "\x1b[K\n");
    out += "\x1b[J";  // clear below
    absl::MutexLock lock(&mutex_);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }

 private:
  absl::Mutex mutex_;
};

// What the table's last line says: the latest error, or how to stop.
class Note {
 public:
  void Set(std::string text) {
    absl::MutexLock lock(&mutex_);
    text_ = std::move(text);
  }
  std::string Get() {
    absl::MutexLock lock(&mutex_);
    return text_;
  }

 private:
  absl::Mutex mutex_;
  std::string text_;
};

std::optional<MemberView> Snapshot(LiveMember& member) {
  MemberView view;
  const absl::Status status = member.driver().Inspect(
      [&view](const Node& node, const DriverStats& driver_stats) {
        view.local = node.local();
        view.members = node.Members();
        view.stats = node.stats();
        view.driver_stats = driver_stats;
      },
      absl::Seconds(1));
  if (!status.ok()) return std::nullopt;
  view.now = net::MonotonicNow();
  return view;
}

void TerminalSize(int& width, int& height) {
  winsize size = {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    width = size.ws_col;
    height = size.ws_row;
  } else {
    width = 100;
    height = 30;
  }
}

// A fresh random token: 8 hex digits are plenty to see it change.
std::string NewToken(absl::BitGen& random) {
  return absl::StrFormat("%08x", absl::Uniform<uint32_t>(random));
}

// Seconds until the next token change: normal around the interval (as the
// Python demo), never below a tenth of it.
absl::Duration NextTokenDelay(absl::BitGen& random, absl::Duration interval) {
  const double mean = absl::ToDoubleSeconds(interval);
  const double seconds =
      std::max(absl::Gaussian<double>(random, mean, mean / 5), mean / 10);
  return absl::Seconds(seconds);
}

int Main(int argc, char** argv) {
  // Before any thread starts, so every thread inherits the mask.
  SignalWaiter signals({SIGINT, SIGTERM, SIGHUP, SIGUSR1});

  ConfigureMemberProgramUsage("swim-demo", "tools/demo/swim_demo.cc", kUsage);

  absl::StatusOr<MemberOptions> options = ParseMemberCommandLine(argc, argv);
  if (!options.ok()) {
    absl::FPrintF(stderr, "swim-demo: %s\n", options.status().message());
    return 2;
  }
  absl::StatusOr<DemoFlags> flags = ReadDemoFlags();
  if (!flags.ok()) {
    absl::FPrintF(stderr, "swim-demo: %s\n", flags.status().message());
    return 2;
  }
  absl::StatusOr<std::vector<MemberSettings>> settings =
      BuildSettings(*options, *flags, ProcessEnvironment(), RealSystem());
  if (!settings.ok()) {
    absl::FPrintF(stderr, "swim-demo: %s\n", settings.status().message());
    return absl::IsInvalidArgument(settings.status()) ? 2 : 1;
  }
  for (const std::string& warning : settings->front().warnings) {
    absl::FPrintF(stderr, "swim-demo: warning: %s\n", warning);
  }
  ApplyRecordFlag(absl::MakeSpan(*settings));

  // Declared before the members: their loops use these until stopped.
  Output output;
  Note note;
  const bool json = flags->json;
  const bool tls = settings->front().driver_options.tls.enabled();
  // Errors worth the user's attention: on stderr, or in the table's note
  // (stderr would scribble over the table). They may quote what peers
  // sent, so they reach the terminal escaped (the table escapes its note).
  auto report = [&note, json](const std::string& text) {
    if (json) {
      absl::FPrintF(stderr, "swim-demo: %s\n", TerminalSafe(text));
    } else {
      note.Set(text);
    }
  };

  std::vector<std::unique_ptr<LiveMember>> members;
  for (const MemberSettings& member_settings : *settings) {
    absl::StatusOr<std::unique_ptr<LiveMember>> member =
        LiveMember::Create(member_settings);
    if (!member.ok()) {
      absl::FPrintF(stderr, "swim-demo: %s: %s\n", member_settings.config.name,
                    member.status().message());
      return 1;
    }
    members.push_back(*std::move(member));
  }

  std::vector<LiveMember*> all;
  for (std::unique_ptr<LiveMember>& member : members) {
    all.push_back(member.get());
  }
  absl::StatusOr<std::unique_ptr<OperatorEndpoints>> endpoints =
      OperatorEndpoints::Start(all);
  if (!endpoints.ok()) {
    absl::FPrintF(stderr, "swim-demo: %s\n", endpoints.status().message());
    return absl::IsInvalidArgument(endpoints.status()) ? 2 : 1;
  }
  if (!(*endpoints)->leftover_error().ok()) {
    absl::FPrintF(stderr, "swim-demo: warning: %s\n",
                  (*endpoints)->leftover_error().message());
  }
  if (std::optional<std::string> url = (*endpoints)->metrics_url()) {
    absl::FPrintF(stderr, "swim-demo: metrics: %s\n", *url);
  }

  const std::string stop_hint =
      members.size() > 1
          ? absl::StrCat(members.size(), " members in this process; showing ",
                         members.front()->name(),
                         "'s view. Ctrl-C: leave and exit")
          : "Ctrl-C: leave the cluster and exit";
  note.Set(stop_hint);
  for (std::unique_ptr<LiveMember>& member : members) {
    const std::string observer = member->name();
    if (json) {
      member->driver().AddEventListener(
          [&output, observer](const Event& event, const Node&) {
            output.Line(EventJson(observer, event, absl::Now()));
          });
      member->driver().Execute([&output](Node& node) {
        output.Line(LifecycleJson("started", node.local(), absl::Now()));
      });
    }
    member->driver().AddErrorListener(
        [report, observer](const absl::Status& error) {
          report(absl::StrCat(observer, ": ", error.message()));
        });
  }
  for (std::unique_ptr<LiveMember>& member : members) {
    const std::string observer = member->name();
    member->Start([report, observer](absl::Status status) {
      if (!status.ok()) {
        report(absl::StrCat(observer, ": cannot join: ", status.message()));
      }
    });
  }

  // Token changes, one schedule per member.
  absl::BitGen random;
  std::vector<Metadata> metadata;
  std::vector<absl::Time> next_token;
  for (const MemberSettings& member_settings : *settings) {
    metadata.push_back(member_settings.config.metadata);
    next_token.push_back(absl::Now());
  }

  if (!json) std::fputs("\x1b[2J\x1b[?25l", stdout);  // clear, hide cursor
  const absl::Time end = flags->duration.has_value()
                             ? absl::Now() + *flags->duration
                             : absl::InfiniteFuture();
  absl::Time next_redraw = absl::Now();
  for (;;) {
    absl::Time wake = end;
    if (flags->token_interval.has_value()) {
      wake = std::min(wake,
                      *std::min_element(next_token.begin(), next_token.end()));
    }
    if (!json) wake = std::min(wake, next_redraw);
    const absl::Duration wait =
        wake == absl::InfiniteFuture()
            ? absl::InfiniteDuration()
            : std::max(wake - absl::Now(), absl::ZeroDuration());
    const int signal = signals.Wait(wait);
    if (signal == SIGHUP && tls) {
      for (const std::string& line : ReloadCertificates(all)) report(line);
      continue;
    }
    if (signal == SIGUSR1) {
      if (absl::Status written = (*endpoints)->WriteStatus(); !written.ok()) {
        report(std::string(written.message()));
      }
      continue;
    }
    if (signal != 0) break;
    const absl::Time now = absl::Now();
    if (now >= end) break;
    if (flags->token_interval.has_value()) {
      for (size_t i = 0; i < members.size(); ++i) {
        if (now < next_token[i]) continue;
        metadata[i]["token"] = NewToken(random);
        const std::string name = members[i]->name();
        members[i]->driver().SetMetadata(
            metadata[i], [report, name](absl::Status status) {
              if (!status.ok()) {
                report(absl::StrCat(
                    name, ": metadata not published: ", status.message()));
              }
            });
        next_token[i] = now + NextTokenDelay(random, *flags->token_interval);
      }
    }
    if (!json && now >= next_redraw) {
      if (std::optional<MemberView> view = Snapshot(*members.front())) {
        int width = 0;
        int height = 0;
        TerminalSize(width, height);
        output.Screen(RenderMemberTable(*view, width, height,
                                        /*color=*/true, note.Get()));
      }
      next_redraw = now + kRedrawInterval;
    }
  }

  if (!json) {
    std::fputs("\x1b[?25h", stdout);  // show the cursor again
    output.Line(absl::StrCat("swim-demo: leaving (", members.size(),
                             members.size() == 1 ? " member" : " members",
                             ")..."));
  }
  // The exporter stops first: a scrape would wait on loops that stop.
  endpoints->reset();
  LeaveAndStop(all, kLeaveTimeout);
  if (json) {
    // The loops have stopped: the nodes can be read here, on this thread.
    for (LiveMember* member : all) {
      member->driver().Execute([&output](Node& node) {
        output.Line(LifecycleJson("stopped", node.local(), absl::Now()));
      });
      member->driver().Process();
    }
  } else {
    output.Line("swim-demo: left");
  }
  return 0;
}

}  // namespace
}  // namespace swim::tools

int main(int argc, char** argv) { return swim::tools::Main(argc, argv); }

// swim-sync: cluster membership and metadata as files, like the Python
// swim-protocol's swim-protocol-sync. Files in DIRECTORY/<this member's
// name>/ are its metadata; every other member's metadata appears in
// DIRECTORY/<its name>/; status directories hold links to the members in
// that status; DIRECTORY/on-update, if executable, runs after every
// change. See kUsage.

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "swim/core/event.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "tools/common/signal_waiter.h"
#include "tools/common/terminal_text.h"
#include "tools/member/live_member.h"
#include "tools/member/member_config.h"
#include "tools/member/member_flags.h"
#include "tools/member/operator_endpoints.h"
#include "tools/sync/hook.h"
#include "tools/sync/pending_changes.h"
#include "tools/sync/sync_directory.h"

ABSL_FLAG(double, duration_s, 0,
          "Leave and exit after this many seconds (0: run until SIGINT or "
          "SIGTERM). Also spelled --duration-s.");

namespace swim::tools {
namespace {

constexpr absl::string_view kUsage =
    R"(Keeps cluster membership and metadata as files in DIRECTORY.

  swim-sync --name=HOST:PORT [--peer=HOST:PORT ...] DIRECTORY

For example:

  swim-sync --name 127.0.0.1:2001 --peer 127.0.0.1:2002 ~/node1
  swim-sync --name 127.0.0.1:2002 --peer 127.0.0.1:2001 ~/node2

(with the same secret in SWIM_SECRET). Then:

  DIRECTORY/
    127.0.0.1:2001/      this member's metadata: file name = key,
                         contents = value (edit, then send SIGHUP)
    127.0.0.1:2002/      another member's metadata, kept up to date
    .local -> 127.0.0.1:2001
    .online/  .suspect/  .offline/      links to the members in that status
    .available/ (ONLINE or SUSPECT)  .unavailable/ (SUSPECT, OFFLINE, LEFT)
    on-update            if executable: run as
                         on-update NAME STATUS PATH
                         after each change to a member (STATUS is ONLINE,
                         SUSPECT, OFFLINE, LEFT, or REAPED when a member
                         long gone is forgotten and its directory removed;
                         PATH is the member's directory), one at a time,
                         reading /dev/null, killed with its process
                         group after 60 s or when swim-sync stops;
                         SWIM_SECRET is not passed on

Every file and link is replaced atomically (written under a temporary name
in the same directory, then renamed). What swim-sync creates is mode 0640
(files) or 0750 (directories), whatever the umask. A member that changes
again before its previous change is written is written once, in its
latest state (the hook runs once too). Files whose names start with '.' in
this member's directory are not metadata (editors keep temporary files
there). Member names and metadata keys from other members that could
escape the directory ('..', '/', NUL; names starting with '.' or '-', with
control characters, or named on-update; keys starting with .swim-sync) are
refused, counted and reported on stderr, never written. Each member
directory swim-sync makes holds an empty .swim-sync file; one it did not
make is never written into or removed (that member is refused), and those
a killed run left are removed at start.

SIGHUP: re-read this member's files and publish them (--metadata values
are published too; a file of the same name wins); with TLS (--tls-cert),
re-read the certificate files too, for the connections made from then on. SIGINT, SIGTERM: leave
gracefully, remove the other members' directories, the links and .local
(this member's files stay), print what was refused, exit 0.
--metrics=IP:PORT serves Prometheus metrics over HTTP (GET /metrics);
SIGUSR1 writes the member's status as JSON to the --status-json file.
--record=FILE records every input of the member for `swim-sim replay`.
Exit status: 0 after leaving, 1 if the member cannot start (port in use,
directory not writable), 2 for a bad flag or environment value.
)";

constexpr absl::Duration kLeaveTimeout = absl::Seconds(5);
constexpr absl::Duration kHookTimeout = absl::Seconds(60);

// Member names and metadata keys come from the network, and appear in
// these lines: escaped, so none can act on the terminal.
void Log(absl::string_view text) {
  absl::FPrintF(stderr, "swim-sync: %s\n", TerminalSafe(text));
}

// Member changes from the driver's loop, applied to the directory (and
// the hook run) on a thread of its own, so slow disks and hooks never hold
// up the protocol. Changes wait in a PendingChanges: at most one per
// member, the latest, so a lagging writer loses nothing and the queue
// stays as small as the membership. A change that could not be written
// (a full disk, say) is tried again, after 1 s, then twice as long each
// time in a row up to a minute, unless a newer one for that member comes
// first.
class Writer {
 public:
  // `max_members`: members whose changes may wait at once (see
  // PendingChanges); changes for further members are dropped and counted.
  Writer(SyncDirectory& directory, size_t max_members)
      : directory_(directory), pending_(max_members) {
    thread_ = std::thread([this] { Work(); });
  }
  ~Writer() { Finish(); }

  // On the loop thread.
  void Add(const Member& member, bool reaped) {
    bool first_drop = false;
    {
      absl::MutexLock lock(&mutex_);
      if (stopping_) return;
      retry_.erase(member.name);  // this one is newer
      if (pending_.Add({reaped, member})) {
        return;
      }
      first_drop = pending_.dropped() == 1;
    }
    if (first_drop) {
      Log("too many members waiting to be written: changes for further "
          "members are dropped (counted; their directories may be stale "
          "until they change again)");
    }
  }

  // Stops at once: a hook under way is killed (with its group), and
  // changes still waiting are dropped, as Cleanup then removes every other
  // member's directory anyway. Idempotent.
  void Finish() {
    cancel_.store(true);
    {
      absl::MutexLock lock(&mutex_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

  uint64_t dropped() {
    absl::MutexLock lock(&mutex_);
    return pending_.dropped();
  }

 private:
  static constexpr absl::Duration kFirstRetry = absl::Seconds(1);
  static constexpr absl::Duration kLongestRetry = absl::Minutes(1);

  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return stopping_ || !pending_.empty();
  }

  void Work() {
    for (;;) {
      std::optional<MemberChange> change;
      {
        absl::MutexLock lock(&mutex_);
        const absl::Condition ready(this, &Writer::Ready);
        absl::Time next_retry = absl::InfiniteFuture();
        for (const auto& [name, retry] : retry_) {
          if (retry.change.has_value()) {
            next_retry = std::min(next_retry, retry.at);
          }
        }
        mutex_.AwaitWithDeadline(ready, next_retry);
        if (stopping_) return;
        // The failed changes now due, again (none has a newer change
        // waiting: Add drops the retry when one comes).
        const absl::Time now = absl::Now();
        for (auto& [name, retry] : retry_) {
          if (!retry.change.has_value() || retry.at > now) continue;
          if (!pending_.Contains(name)) pending_.Add(*std::move(retry.change));
          retry.change.reset();  // the delay stays, for a next failure
        }
        change = pending_.Take();
        if (!change.has_value()) continue;
      }
      Apply(*change);
    }
  }

  // Writes `change` (and runs the hook); a failure is kept to try again.
  void Apply(const MemberChange& change) {
    const std::string& name = change.member.name;
    absl::StatusOr<bool> changed = change.reaped
                                       ? directory_.RemoveMember(name)
                                       : directory_.WriteMember(change.member);
    if (directory_.newly_refused()) {
      Log(absl::StrCat(
          "refused ", directory_.refusal(), " from ",
          SyncDirectory::IsSafeMemberName(name) ? name : "a member",
          " (refused so far: ", directory_.refused_names(), " names, ",
          directory_.refused_keys(), " keys)"));
    }
    if (!changed.ok()) {
      absl::Duration delay;
      {
        absl::MutexLock lock(&mutex_);
        // Twice the last delay if this member's previous try failed too.
        auto [it, first] = retry_.try_emplace(name);
        Retry& retry = it->second;
        retry.delay =
            first ? kFirstRetry : std::min(retry.delay * 2, kLongestRetry);
        retry.at = absl::Now() + retry.delay;
        delay = retry.delay;
        // Unless a newer change for the member is already waiting.
        if (pending_.Contains(name)) {
          retry_.erase(it);
        } else {
          retry.change = change;
        }
      }
      Log(absl::StrCat("cannot write ", name, ": ", changed.status().message(),
                       " (tried again in ", absl::FormatDuration(delay), ")"));
      return;
    }
    {
      absl::MutexLock lock(&mutex_);
      retry_.erase(name);  // written: a next failure starts at 1 s again
    }
    if (!*changed) return;
    const std::string hook = absl::StrCat(directory_.path(), "/on-update");
    if (!IsExecutableFile(hook)) return;
    const std::string status =
        change.reaped ? "REAPED"
                      : std::string(MemberStatusName(change.member.status));
    absl::Status ran =
        RunHook(hook, {name, status, directory_.MemberPath(name)}, kHookTimeout,
                &cancel_);
    if (!ran.ok()) Log(absl::StrCat("on-update: ", ran.message()));
  }

  // A member whose last write failed: the change to try again (none while
  // that try is under way) and when, and the delay used, doubled if the
  // try fails too.
  struct Retry {
    std::optional<MemberChange> change;
    absl::Time at;
    absl::Duration delay;
  };

  SyncDirectory& directory_;
  std::atomic<bool> cancel_{false};
  absl::Mutex mutex_;
  PendingChanges pending_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, Retry> retry_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

// The metadata to publish: the flags', overlaid with the local files.
absl::StatusOr<Metadata> LocalMetadata(const SyncDirectory& directory,
                                       const Metadata& from_flags,
                                       size_t limit) {
  absl::StatusOr<Metadata> files = directory.ReadLocal(limit);
  if (!files.ok()) return files.status();
  Metadata metadata = from_flags;
  for (auto& [key, value] : *files) metadata[key] = std::move(value);
  absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
  if (!encoded.ok()) return encoded.status();
  if (encoded->size() > limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("the metadata in ", directory.LocalPath(), " (",
                     metadata.size(), " entries) encodes to ", encoded->size(),
                     " bytes, over the limit of ", limit, " bytes"));
  }
  return metadata;
}

int Main(int argc, char** argv) {
  // The cluster's key is in this process's memory and may be in its
  // environment (SWIM_SECRET): the hook, and any other process of the same
  // user, must not read it through /proc/PID/environ or mem, and no core
  // dump may hold it.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // Before any thread starts, so every thread inherits the mask.
  SignalWaiter signals({SIGINT, SIGTERM, SIGHUP, SIGUSR1});

  ConfigureMemberProgramUsage("swim-sync", "tools/sync/swim_sync.cc", kUsage);

  std::vector<std::string> operands;
  absl::StatusOr<MemberOptions> options =
      ParseMemberCommandLine(argc, argv, &operands);
  if (!options.ok()) {
    Log(options.status().message());
    return 2;
  }
  if (operands.size() != 1) {
    Log(operands.empty()
            ? "no DIRECTORY given (swim-sync [flags] DIRECTORY; see --help)"
            : absl::StrCat("one DIRECTORY expected, got ", operands.size(),
                           " operands (see --help)"));
    return 2;
  }
  const double duration_s = absl::GetFlag(FLAGS_duration_s);
  if (!(duration_s >= 0 && duration_s <= 1e7)) {
    Log(absl::StrCat("--duration-s=", duration_s,
                     ": must be 0 (until a signal) or positive"));
    return 2;
  }
  absl::StatusOr<MemberSettings> settings =
      ResolveMemberSettings(*options, ProcessEnvironment(), RealSystem());
  if (!settings.ok()) {
    Log(settings.status().message());
    return absl::IsInvalidArgument(settings.status()) ? 2 : 1;
  }
  for (const std::string& warning : settings->warnings) {
    Log(absl::StrCat("warning: ", warning));
  }
  ApplyRecordFlag(absl::MakeSpan(&*settings, 1));

  absl::StatusOr<std::unique_ptr<SyncDirectory>> directory =
      SyncDirectory::Open(operands.front(), settings->config.name);
  if (!directory.ok()) {
    Log(directory.status().message());
    return absl::IsInvalidArgument(directory.status()) ? 2 : 1;
  }
  const Metadata from_flags = settings->config.metadata;
  const bool tls = settings->driver_options.tls.enabled();
  const size_t limit = settings->config.max_metadata_size;
  absl::StatusOr<Metadata> metadata =
      LocalMetadata(**directory, from_flags, limit);
  if (!metadata.ok()) {
    Log(metadata.status().message());
    return 2;
  }
  settings->config.metadata = *std::move(metadata);

  absl::StatusOr<std::unique_ptr<LiveMember>> member =
      LiveMember::Create(*settings);
  if (!member.ok()) {
    Log(absl::StrCat(settings->config.name, ": ", member.status().message()));
    (*directory)->Cleanup();
    return 1;
  }
  // Every member the node tracks, and as many it has forgotten while the
  // writer lagged (their REAPED waits too): reaching this takes a node
  // meeting that many new names while the directory or the hook is stuck.
  Writer writer(**directory, 2 * settings->config.max_members);
  const std::string local_name = settings->config.name;
  (*member)->driver().AddEventListener(
      [&writer, local_name](const Event& event, const Node&) {
        if (const auto* conflict = std::get_if<NameConflict>(&event)) {
          Log(absl::StrCat("another process at ", conflict->address.ToString(),
                           " claims this member's name ", local_name));
        } else if (const Member* member = EventMember(event)) {
          if (member->name != local_name) {  // not a file of the directory
            writer.Add(*member, std::holds_alternative<MemberReaped>(event));
          }
        }
      });
  (*member)->driver().AddErrorListener(
      [](const absl::Status& error) { Log(error.message()); });
  LiveMember* const members[] = {member->get()};
  absl::StatusOr<std::unique_ptr<OperatorEndpoints>> endpoints =
      OperatorEndpoints::Start(members);
  if (!endpoints.ok()) {
    Log(endpoints.status().message());
    (*directory)->Cleanup();
    return absl::IsInvalidArgument(endpoints.status()) ? 2 : 1;
  }
  if (!(*endpoints)->leftover_error().ok()) {
    Log(absl::StrCat("warning: ", (*endpoints)->leftover_error().message()));
  }
  if (std::optional<std::string> url = (*endpoints)->metrics_url()) {
    Log(absl::StrCat("metrics: ", *url));
  }
  (*member)->Start([](absl::Status status) {
    if (!status.ok()) Log(absl::StrCat("cannot join: ", status.message()));
  });

  const absl::Time end = duration_s > 0
                             ? absl::Now() + absl::Seconds(duration_s)
                             : absl::InfiniteFuture();
  for (;;) {
    const int signal =
        signals.Wait(end == absl::InfiniteFuture() ? absl::InfiniteDuration()
                                                   : end - absl::Now());
    if (signal == SIGUSR1) {
      if (absl::Status written = (*endpoints)->WriteStatus(); !written.ok()) {
        Log(written.message());
      }
      continue;
    }
    if (signal == SIGHUP) {
      if (tls) {
        LiveMember* reloaded[] = {member->get()};
        for (const std::string& line : ReloadCertificates(reloaded)) {
          Log(absl::StrCat("SIGHUP: ", line));
        }
      }
      absl::StatusOr<Metadata> reread =
          LocalMetadata(**directory, from_flags, limit);
      if (!reread.ok()) {
        Log(absl::StrCat("SIGHUP: not published: ", reread.status().message()));
        continue;
      }
      (*member)->driver().SetMetadata(*std::move(reread), [](absl::Status s) {
        if (!s.ok()) Log(absl::StrCat("SIGHUP: not published: ", s.message()));
      });
      continue;
    }
    if (signal != 0 || absl::Now() >= end) break;
  }

  // The writer stops first (a hook under way is killed): what it would
  // still write, Cleanup removes. Then the exporter: a scrape would wait
  // on loops that stop.
  writer.Finish();
  endpoints->reset();
  LeaveAndStop(members, kLeaveTimeout);
  (*directory)->Cleanup();
  Log(absl::StrCat("left; refused ", (*directory)->distinct_refused_names(),
                   " unsafe member names (", (*directory)->refused_names(),
                   " times) and ", (*directory)->distinct_refused_keys(),
                   " unsafe metadata keys (", (*directory)->refused_keys(),
                   " times)"));
  if (const uint64_t dropped = writer.dropped(); dropped > 0) {
    Log(absl::StrCat("dropped ", dropped,
                     " changes for members beyond those already waiting "
                     "while the directory or the hook lagged"));
  }
  return 0;
}

}  // namespace
}  // namespace swim::tools

int main(int argc, char** argv) { return swim::tools::Main(argc, argv); }

#include "tools/sync/hook.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/common/environment.h"

namespace swim::tools {

bool IsExecutableFile(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

absl::Status RunHook(const std::string& path,
                     const std::vector<std::string>& args,
                     absl::Duration timeout, const std::atomic<bool>* cancel) {
  const auto cancelled = [cancel] {
    return cancel != nullptr && cancel->load(std::memory_order_relaxed);
  };
  if (cancelled()) {
    return absl::CancelledError(
        absl::StrCat(path, " not run: swim-sync is stopping"));
  }
  std::vector<char*> argv = {const_cast<char*>(path.c_str())};
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  // Everything but the cluster's keys.
  std::vector<std::string> environment = ChildEnvironment();
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);

  // The caller blocks signals to take them synchronously; the hook must
  // not inherit that, nor any ignored signal.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attributes, &all);
  // A process group of its own, so that what the hook starts is killed
  // with it.
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF |
                                            POSIX_SPAWN_SETPGROUP);
  // Outside the terminal's foreground group, a hook that read the terminal
  // would be stopped: it reads /dev/null instead.
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY,
                                   0);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, path.c_str(), &files, &attributes,
                                argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&files);
  if (error != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run ", path, ": ", strerror(error)));
  }

  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  for (absl::Duration pause = absl::Milliseconds(1);;
       pause = std::min(pause * 2, absl::Milliseconds(50))) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      return absl::InternalError(
          absl::StrCat("waiting for ", path, ": ", strerror(errno)));
    }
    const bool stop = cancelled();
    if (stop || absl::Now() >= deadline) {
      // Its group (what it started, unless that made a group of its own),
      // and the hook itself, should it have left the group.
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      if (stop) {
        return absl::CancelledError(
            absl::StrCat(path, " was killed: swim-sync is stopping"));
      }
      return absl::DeadlineExceededError(
          absl::StrCat(path, " ran longer than ", absl::FormatDuration(timeout),
                       " and was killed, with its process group"));
    }
    absl::SleepFor(pause);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  if (WIFEXITED(status)) {
    return absl::AbortedError(
        absl::StrCat(path, " exited with status ", WEXITSTATUS(status)));
  }
  return absl::AbortedError(
      absl::StrCat(path, " was killed by signal ", WTERMSIG(status)));
}

}  // namespace swim::tools

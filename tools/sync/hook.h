#ifndef TOOLS_SYNC_HOOK_H_
#define TOOLS_SYNC_HOOK_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace swim::tools {

// Whether `path` is a regular file (or a link to one) this process may
// execute.
bool IsExecutableFile(const std::string& path);

// Runs `path` with `args` and waits for it, at most `timeout`, or until
// `cancel` (if not null) becomes true: then it is killed with its process
// group (it runs in one of its own), so what it started and left running
// goes too, unless that made a group or session of its own. What is still
// running when the hook exits by itself is left alone. Not started at all
// if `cancel` is already true. It starts with default signal handling and
// an empty signal mask, whatever this process blocks, reads /dev/null,
// and inherits stdout, stderr and the environment, except the variables
// that hold the cluster's keys (ChildEnvironment: SWIM_SECRET is not
// passed on). Errors: it could not start, was killed (DeadlineExceeded at
// the timeout, Cancelled), or exited non-zero (the message says which).
absl::Status RunHook(const std::string& path,
                     const std::vector<std::string>& args,
                     absl::Duration timeout,
                     const std::atomic<bool>* cancel = nullptr);

}  // namespace swim::tools

#endif  // TOOLS_SYNC_HOOK_H_

#ifndef SWIM_DRIVERS_NET_VIEW_FILE_H_
#define SWIM_DRIVERS_NET_VIEW_FILE_H_

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "swim/core/saved_view.h"

namespace swim::net {

// Reads the view saved at `path` (DriverOptions::view_file). NotFound
// when there is no file (a first start); otherwise an error that says why
// it is unusable: unreadable, not a regular file, larger than any view,
// not a saved view or damaged, or of more than `max_members` members
// (SavedView's decoder).
absl::StatusOr<SavedView> LoadViewFile(
    const std::string& path,
    size_t max_members = std::numeric_limits<size_t>::max());

// Whether member `name` may restore `view`, read from `path`, at
// `wall_now`: FailedPrecondition, saying why, when another member saved it
// (two members given one file), or it was saved more than `max_age` ago,
// or in the future (a clock that went back).
absl::Status CheckViewFile(const SavedView& view, const std::string& path,
                           absl::string_view name, absl::Time wall_now,
                           absl::Duration max_age);

// Whether WriteFileAtomically(`path`, ...) can work: `path` is not a
// directory and a file can be created beside it (its directory exists and
// may be written). Creates and removes a temporary file there (named as
// WriteFileAtomically's). The error names the path and the system's reason
// (NotFound for a directory that does not exist, Unavailable otherwise).
// For a program to refuse a view file at start instead of finding out at
// its first save.
absl::Status CheckFileCanBeReplaced(const std::string& path);

// Writes `bytes` to `path` atomically: a temporary file beside it (mode
// 0600) named `path` + ".swim-tmp-" + 6 random letters and digits, flushed
// to disk, then renamed over `path`. A reader sees the old file or the new
// one, never a part. A process killed before the rename leaves the
// temporary file behind (RemoveLeftoverTemporaries).
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes);

// Removes the temporary files WriteFileAtomically(`path`, ...) and
// CheckFileCanBeReplaced(`path`) left when their process was killed: the
// entries of `path`'s directory named exactly `path`'s last component,
// ".swim-tmp-" and 6 letters or digits, that are regular files of this
// process's effective user. Never touches anything else: not `path`
// itself, no other name (`view.backup`, `view.swim-tmp-12345`), no link
// (nor what it points to), directory, FIFO, socket or device, and no other
// user's file. Reads the directory one entry at a time, keeping no names
// (bounded memory however many it holds); a file that cannot be removed
// does not stop the others. For the program that owns `path`, once at
// start and before its first write: the temporary file of another process
// writing `path` at that moment would go, and that write fail.
//
// Returns how many files were removed. NotFound (naming `path`) when the
// directory does not exist; Unavailable when it cannot be read, or some
// leftover could not be removed: the message names the first and its
// reason, and says how many more failed and how many were removed.
absl::StatusOr<int> RemoveLeftoverTemporaries(const std::string& path);

// Writes views on a helper thread, so a driver's loop never waits for the
// disk. Only the latest view matters: one queued while another is being
// written replaces any still waiting, so the file is always one whole
// view (compacted by construction) and the queue holds at most one.
class ViewFileWriter {
 public:
  explicit ViewFileWriter(std::string path);
  // Writes the view still waiting, if any, then stops the thread.
  ~ViewFileWriter();

  ViewFileWriter(const ViewFileWriter&) = delete;
  ViewFileWriter& operator=(const ViewFileWriter&) = delete;

  // Queues `bytes` (a SavedView's encoding). Thread-safe; never blocks on
  // the disk.
  void Save(std::string bytes);
  // Waits until everything queued before the call is written (or failed).
  void Flush();
  // Writes finished since the last call, and the latest failure among them
  // (OK if none failed). Thread-safe.
  struct Outcome {
    int written = 0;
    int failed = 0;
    absl::Status last_error;
  };
  Outcome TakeOutcome();

 private:
  void Run();

  const std::string path_;
  absl::Mutex mutex_;
  std::optional<std::string> pending_ ABSL_GUARDED_BY(mutex_);
  Outcome outcome_ ABSL_GUARDED_BY(mutex_);
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_VIEW_FILE_H_

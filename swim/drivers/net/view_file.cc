#include "swim/drivers/net/view_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "swim/core/wire.h"
#include "swim/drivers/net/file_descriptor.h"

namespace swim::net {
namespace {

// A saved view is a state message plus a small header: anything larger is
// not one, and is not read into memory.
constexpr size_t kMaxViewFileSize = kMaxPacketSize + 4096;

absl::Status Errno(absl::string_view what, const std::string& path, int error) {
  const std::string message =
      absl::StrCat(what, " ", path, ": ", std::strerror(error));
  return error == ENOENT ? absl::NotFoundError(message)
                         : absl::UnavailableError(message);
}

std::string Directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A temporary file beside PATH is PATH.swim-tmp-XXXXXX, mkostemp replacing
// the X's with letters and digits: a name no operator's file has, so the
// ones a killed process left can be told apart and removed.
constexpr absl::string_view kTemporaryInfix = ".swim-tmp-";
constexpr size_t kTemporaryRandomChars = 6;  // mkostemp's XXXXXX

// Creates a temporary file of its own beside `path` (mode 0600) and puts
// its name in `*temporary`; invalid, with errno set, on failure.
FileDescriptor CreateTemporaryBeside(const std::string& path,
                                     std::string* temporary) {
  *temporary = absl::StrCat(path, kTemporaryInfix,
                            std::string(kTemporaryRandomChars, 'X'));
  return FileDescriptor(::mkostemp(temporary->data(), O_CLOEXEC));
}

// Whether directory entry `name` is a temporary file's name
// (CreateTemporaryBeside) for a path whose last component is `base`.
bool IsTemporaryName(absl::string_view name, absl::string_view base) {
  return absl::ConsumePrefix(&name, base) &&
         absl::ConsumePrefix(&name, kTemporaryInfix) &&
         name.size() == kTemporaryRandomChars &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c));
         });
}

}  // namespace

absl::StatusOr<SavedView> LoadViewFile(const std::string& path,
                                       size_t max_members) {
  // Non-blocking, so a FIFO at the path cannot stall the caller's loop
  // (it is refused below as not a regular file).
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!file.valid()) return Errno("cannot open view file", path, errno);
  struct stat info;
  if (::fstat(file.get(), &info) != 0) {
    return Errno("cannot read view file", path, errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("view file ", path, " is not a regular file"));
  }
  if (static_cast<uint64_t>(info.st_size) > kMaxViewFileSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "view file ", path, " has ", info.st_size,
        " bytes, more than any saved view (", kMaxViewFileSize, ")"));
  }
  std::string bytes(static_cast<size_t>(info.st_size), '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n =
        ::read(file.get(), bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot read view file", path, errno);
    if (n == 0) break;  // shrank while read: the decoder says truncated
    got += static_cast<size_t>(n);
  }
  bytes.resize(got);
  absl::StatusOr<SavedView> view = DecodeSavedView(bytes, max_members);
  if (!view.ok()) {
    return absl::Status(
        view.status().code(),
        absl::StrCat("view file ", path, ": ", view.status().message()));
  }
  return view;
}

absl::Status CheckViewFile(const SavedView& view, const std::string& path,
                           absl::string_view name, absl::Time wall_now,
                           absl::Duration max_age) {
  if (view.name != name) {
    return absl::FailedPreconditionError(
        absl::StrCat("view file ", path, " was saved by member '", view.name,
                     "', not by this member '", name,
                     "' (give each member a file of its own)"));
  }
  const absl::Duration age = wall_now - view.saved_at;
  if (age < absl::ZeroDuration()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "view file ", path, " was saved ", absl::FormatDuration(-age),
        " in the future (the wall clock went back)"));
  }
  if (age > max_age) {
    return absl::FailedPreconditionError(absl::StrCat(
        "view file ", path, " was saved ", absl::FormatDuration(age),
        " ago, more than the ", absl::FormatDuration(max_age),
        " a saved view is trusted"));
  }
  return absl::OkStatus();
}

absl::Status CheckFileCanBeReplaced(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is a directory, not a file"));
  }
  std::string temporary;
  FileDescriptor file = CreateTemporaryBeside(path, &temporary);
  if (!file.valid()) {
    return Errno("cannot create a file beside", path, errno);
  }
  file.Reset();
  ::unlink(temporary.c_str());
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes) {
  // A name of its own beside the target (mode 0600), so two writers never
  // share a temporary file; removed on every failure.
  std::string temporary;
  FileDescriptor file = CreateTemporaryBeside(path, &temporary);
  if (!file.valid()) {
    return Errno("cannot create a temporary file beside", path, errno);
  }
  auto fail = [&](absl::string_view what) {
    const int error = errno;
    file.Reset();
    ::unlink(temporary.c_str());
    return Errno(what, temporary, error);
  };
  size_t put = 0;
  while (put < bytes.size()) {
    const ssize_t n =
        ::write(file.get(), bytes.data() + put, bytes.size() - put);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    put += static_cast<size_t>(n);
  }
  if (::fsync(file.get()) != 0) return fail("cannot sync");
  file.Reset();
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return Errno(absl::StrCat("cannot rename ", temporary, " to"), path, error);
  }
  // The rename itself survives a crash once the directory is synced.
  const std::string directory_path = Directory(path);
  FileDescriptor directory(
      ::open(directory_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory.valid() || ::fsync(directory.get()) != 0) {
    return Errno("cannot sync directory", directory_path, errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> RemoveLeftoverTemporaries(const std::string& path) {
  const std::string directory_path = Directory(path);
  const size_t slash = path.rfind('/');
  const absl::string_view base =
      slash == std::string::npos ? absl::string_view(path)
                                 : absl::string_view(path).substr(slash + 1);
  std::unique_ptr<DIR, int (*)(DIR*)> directory(
      ::opendir(directory_path.c_str()), &::closedir);
  if (directory == nullptr) {
    return Errno("cannot look for leftover temporary files of", path, errno);
  }
  const int directory_fd = ::dirfd(directory.get());
  const uid_t owner = ::geteuid();
  int removed = 0;
  int failed = 0;
  std::string first_failure;
  auto fail = [&](absl::string_view what, absl::string_view name, int error) {
    if (failed++ == 0) {
      first_failure = absl::StrCat(what, " ", directory_path, "/", name, ": ",
                                   std::strerror(error));
    }
  };
  // One entry at a time, nothing kept: bounded however large the
  // directory. An entry gone meanwhile (ENOENT) is not a failure.
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(directory.get());
    if (entry == nullptr) {
      if (errno != 0) fail("cannot read the directory of", base, errno);
      break;
    }
    if (!IsTemporaryName(entry->d_name, base)) continue;
    // Only a regular file of this user's; a link is never followed (and
    // unlinkat, below, removes a name, never what a link points to, nor a
    // directory put there meanwhile).
    struct stat info;
    if (::fstatat(directory_fd, entry->d_name, &info, AT_SYMLINK_NOFOLLOW) !=
        0) {
      if (errno != ENOENT) {
        fail("cannot inspect leftover temporary file", entry->d_name, errno);
      }
      continue;
    }
    if (!S_ISREG(info.st_mode) || info.st_uid != owner) continue;
    if (::unlinkat(directory_fd, entry->d_name, 0) != 0) {
      if (errno != ENOENT) {
        fail("cannot remove leftover temporary file", entry->d_name, errno);
      }
      continue;
    }
    ++removed;
  }
  if (failed == 0) return removed;
  if (failed > 1) {
    absl::StrAppend(&first_failure, "; ", failed - 1, " more failed");
  }
  absl::StrAppend(&first_failure, "; ", removed, " removed");
  return absl::UnavailableError(first_failure);
}

ViewFileWriter::ViewFileWriter(std::string path) : path_(std::move(path)) {
  thread_ = std::thread([this] { Run(); });
}

ViewFileWriter::~ViewFileWriter() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  thread_.join();
}

void ViewFileWriter::Save(std::string bytes) {
  absl::MutexLock lock(&mutex_);
  pending_ = std::move(bytes);
}

void ViewFileWriter::Flush() {
  absl::MutexLock lock(&mutex_);
  mutex_.Await(absl::Condition(
      +[](ViewFileWriter* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mutex_) {
        return !self->pending_.has_value() && !self->writing_;
      },
      this));
}

ViewFileWriter::Outcome ViewFileWriter::TakeOutcome() {
  absl::MutexLock lock(&mutex_);
  return std::exchange(outcome_, Outcome());
}

void ViewFileWriter::Run() {
  while (true) {
    std::string bytes;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(
          +[](ViewFileWriter* self)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mutex_) {
                 return self->pending_.has_value() || self->stopping_;
               },
          this));
      if (!pending_.has_value()) return;  // stopping, nothing left
      bytes = *std::move(pending_);
      pending_.reset();
      writing_ = true;
    }
    absl::Status status = WriteFileAtomically(path_, bytes);
    absl::MutexLock lock(&mutex_);
    writing_ = false;
    if (status.ok()) {
      ++outcome_.written;
    } else {
      ++outcome_.failed;
      outcome_.last_error = std::move(status);
    }
  }
}

}  // namespace swim::net

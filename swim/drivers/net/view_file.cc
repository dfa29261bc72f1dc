#include "swim/drivers/net/view_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
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
  std::string temporary = absl::StrCat(path, ".XXXXXX");
  FileDescriptor file(::mkostemp(temporary.data(), O_CLOEXEC));
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
  std::string temporary = absl::StrCat(path, ".XXXXXX");
  FileDescriptor file(::mkostemp(temporary.data(), O_CLOEXEC));
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

#include "swim/drivers/net/recording_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace swim::net {

absl::StatusOr<std::unique_ptr<RecordingFile>> RecordingFile::Create(
    const std::string& path, size_t max_bytes) {
  // Never through a symbolic link, and readable by its owner only, even
  // when it replaces a file that was not.
  FileDescriptor fd(
      ::open(path.c_str(),
             O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid() || ::fchmod(fd.get(), 0600) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "recording_file: cannot create ", path, ": ", std::strerror(errno)));
  }
  std::unique_ptr<RecordingFile> recording(
      new RecordingFile(std::move(fd), max_bytes));
  const auto* magic = reinterpret_cast<const uint8_t*>(kRecordingMagic.data());
  recording->Write(absl::MakeConstSpan(magic, kRecordingMagic.size()));
  if (recording->ended_) {
    return absl::UnavailableError(
        absl::StrCat("recording_file: cannot write ", path));
  }
  return recording;
}

RecordingFile::RecordingFile(FileDescriptor fd, size_t max_bytes)
    : fd_(std::move(fd)), max_bytes_(max_bytes) {}

void RecordingFile::Write(absl::Span<const uint8_t> entries) {
  if (ended_ || written_ + entries.size() > max_bytes_) {
    ended_ = true;
    ++dropped_;
    return;
  }
  size_t done = 0;
  while (done < entries.size()) {
    const ssize_t count =
        ::write(fd_.get(), entries.data() + done, entries.size() - done);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) {
      // A full disk or an I/O error ends the recording (a batch cut short
      // leaves a last entry that replay reports as cut short).
      ended_ = true;
      ++dropped_;
      return;
    }
    done += static_cast<size_t>(count);
  }
  written_ += entries.size();
}

}  // namespace swim::net

#include "tools/sync/sync_directory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "swim/core/member_status.h"

namespace swim::tools {
namespace {

struct StatusDirectory {
  const char* name;
  StatusMask mask;
};
// As the Python swim-protocol's Status flags.
constexpr StatusDirectory kStatusDirectories[] = {
    {".online", MemberStatus::kOnline},   {".offline", MemberStatus::kOffline},
    {".suspect", MemberStatus::kSuspect}, {".available", kAvailable},
    {".unavailable", kUnavailable},
};
constexpr int kStatusCount = 5;

// Distinct refused values remembered (for one log line each); beyond this
// refusals are still counted.
constexpr size_t kMaxRemembered = 1000;

// The modes of the files and directories this creates, exactly: the
// cluster's metadata is for the owner and its group, not every user of
// the machine. They are given at creation, so a permissive umask (even 0)
// adds nothing, and set again with fchmod, so a restrictive one takes
// nothing away. (A file keeps its mode when renamed into place.)
constexpr mode_t kFileMode = 0640;
constexpr mode_t kDirectoryMode = 0750;

// What marks a member directory as one this program made: an empty file
// in it. A directory without it (the operator's own, or one made by
// anything else) is never written into or emptied, whatever member name
// it shares. Its temporary files start with the same prefix, and metadata
// keys that do are refused (IsSafeKey), so neither can be clobbered.
constexpr char kOwnedMarker[] = ".swim-sync";

absl::Status Errno(absl::string_view what, absl::string_view path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", strerror(errno)));
}

// Creates `parent`/`name` (`path` for messages), a directory of mode
// kDirectoryMode. Returns whether it was created; one already there is
// left as it is.
absl::StatusOr<bool> MakeDirectory(int parent, const std::string& name,
                                   absl::string_view path) {
  if (mkdirat(parent, name.c_str(), kDirectoryMode) != 0) {
    if (errno == EEXIST) return false;
    return Errno("cannot create", path);
  }
  const int fd = openat(parent, name.c_str(),
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fchmod(fd, kDirectoryMode) != 0) {
    const absl::Status status = Errno("cannot set the mode of", path);
    if (fd >= 0) close(fd);
    return status;
  }
  close(fd);
  return true;
}

// The names in a directory (without "." and ".."), with their types.
std::vector<std::pair<std::string, unsigned char>> List(int directory) {
  std::vector<std::pair<std::string, unsigned char>> entries;
  const int copy = fcntl(directory, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return entries;
  DIR* dir = fdopendir(copy);
  if (dir == nullptr) {
    close(copy);
    return entries;
  }
  rewinddir(dir);
  while (dirent* entry = readdir(dir)) {
    const absl::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat info;
      if (fstatat(directory, entry->d_name, &info, AT_SYMLINK_NOFOLLOW) == 0) {
        type = S_ISDIR(info.st_mode)   ? DT_DIR
               : S_ISLNK(info.st_mode) ? DT_LNK
               : S_ISREG(info.st_mode) ? DT_REG
                                       : DT_UNKNOWN;
      }
    }
    entries.emplace_back(std::string(name), type);
  }
  closedir(dir);  // closes `copy`
  return entries;
}

// Whether `directory` holds the marker of a member directory this program
// made (a regular file, not a link to one).
bool IsOwned(int directory) {
  struct stat info;
  return fstatat(directory, kOwnedMarker, &info, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISREG(info.st_mode);
}

// Removes `parent`/`name` if it is a member directory this program made:
// its files (marker last), then itself. Returns whether it was removed.
bool RemoveOwnedDirectory(int parent, const std::string& name) {
  const int directory = openat(parent, name.c_str(),
                               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (directory < 0) return false;
  if (!IsOwned(directory)) {
    close(directory);
    return false;
  }
  for (const auto& [entry, type] : List(directory)) {
    if (type != DT_DIR && entry != kOwnedMarker) {
      unlinkat(directory, entry.c_str(), 0);
    }
  }
  unlinkat(directory, kOwnedMarker, 0);
  const bool removed = unlinkat(parent, name.c_str(), AT_REMOVEDIR) == 0;
  if (!removed) {
    // Something else is in it now (a directory someone made there): it
    // stays, and stays ours.
    const int marker =
        openat(directory, kOwnedMarker,
               O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, kFileMode);
    if (marker >= 0) close(marker);
  }
  close(directory);
  return removed;
}

// The prefix of the temporary name a member directory is made under.
constexpr char kStagedPrefix[] = ".swim-sync-dir-";

// The contents of `directory`/`name` if it is a regular file (not a link)
// of at most `limit` bytes.
std::optional<std::string> ReadIfFile(int directory, const std::string& name,
                                      size_t limit, bool follow) {
  // Non-blocking: opening a FIFO someone put there must not wait for a
  // writer (it is then refused as not a regular file).
  const int fd =
      openat(directory, name.c_str(),
             O_RDONLY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0) return std::nullopt;
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<size_t>(info.st_size) > limit) {
    close(fd);
    return std::nullopt;
  }
  std::string contents;
  char buffer[4096];
  for (;;) {
    const ssize_t count = read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    contents.append(buffer, static_cast<size_t>(count));
    if (contents.size() > limit) break;
  }
  close(fd);
  if (contents.size() > limit) return std::nullopt;
  return contents;
}

}  // namespace

bool SyncDirectory::IsSafeKey(absl::string_view key) {
  return !key.empty() && key != "." && key != ".." &&
         !absl::StrContains(key, '/') &&
         !absl::StrContains(key, absl::string_view("\0", 1)) &&
         !absl::StartsWith(key, kOwnedMarker);
}

bool SyncDirectory::IsSafeMemberName(absl::string_view name) {
  if (!IsSafeKey(name) || absl::StartsWith(name, ".") ||
      absl::StartsWith(name, "-") || name == "on-update") {
    return false;
  }
  // The name is the hook's first argument, and a line in whatever the hook
  // logs: no control characters.
  return std::none_of(name.begin(), name.end(), [](char c) {
    const unsigned char byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

absl::StatusOr<std::unique_ptr<SyncDirectory>> SyncDirectory::Open(
    const std::string& path, const std::string& local_name) {
  if (!IsSafeMemberName(local_name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "member name ", local_name, " cannot be a directory name"));
  }
  if (absl::StatusOr<bool> created = MakeDirectory(AT_FDCWD, path, path);
      !created.ok()) {
    return created.status();
  }
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    const absl::Status status = Errno("cannot resolve", path);
    close(fd);
    return status;
  }
  std::unique_ptr<SyncDirectory> directory(
      new SyncDirectory(resolved, fd, local_name));
  for (int i = 0; i < kStatusCount; ++i) {
    const char* name = kStatusDirectories[i].name;
    if (absl::StatusOr<bool> created =
            MakeDirectory(fd, name, absl::StrCat(path, "/", name));
        !created.ok()) {
      return created.status();
    }
    directory->status_fds_[i] =
        openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (directory->status_fds_[i] < 0) {
      return Errno("cannot open", absl::StrCat(path, "/", name));
    }
    // Links a previous run left would claim statuses nobody vouches for.
    for (const auto& [entry, type] : List(directory->status_fds_[i])) {
      if (type == DT_LNK) unlinkat(directory->status_fds_[i], entry.c_str(), 0);
    }
  }
  // Member directories a previous run left (it was killed): their members
  // are learned again, and until then they would show members nobody
  // vouches for. Only directories with the marker; the local member's is
  // the operator's (if it was once another member's, it loses the mark).
  for (const auto& [entry, type] : List(fd)) {
    if (type != DT_DIR) continue;
    if (absl::StartsWith(entry, kStagedPrefix)) {
      // One being made when the run was killed (marked, or still empty).
      if (!RemoveOwnedDirectory(fd, entry)) {
        unlinkat(fd, entry.c_str(), AT_REMOVEDIR);
      }
      continue;
    }
    if (absl::StartsWith(entry, ".")) continue;
    if (entry != local_name) {
      RemoveOwnedDirectory(fd, entry);
      continue;
    }
    const int local = openat(fd, entry.c_str(),
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (local >= 0) {
      if (IsOwned(local)) unlinkat(local, kOwnedMarker, 0);
      close(local);
    }
  }
  if (absl::StatusOr<bool> created =
          MakeDirectory(fd, local_name, directory->MemberPath(local_name));
      !created.ok()) {
    return created.status();
  }
  absl::StatusOr<bool> linked =
      directory->SetLink(fd, ".local", local_name, /*wanted=*/true);
  if (!linked.ok()) return linked.status();
  return directory;
}

SyncDirectory::SyncDirectory(std::string path, int fd, std::string local_name)
    : path_(std::move(path)), fd_(fd), local_name_(std::move(local_name)) {
  for (int& status_fd : status_fds_) status_fd = -1;
}

SyncDirectory::~SyncDirectory() {
  for (int status_fd : status_fds_) {
    if (status_fd >= 0) close(status_fd);
  }
  close(fd_);
}

std::string SyncDirectory::MemberPath(absl::string_view name) const {
  return absl::StrCat(path_, "/", name);
}

absl::StatusOr<Metadata> SyncDirectory::ReadLocal(size_t max_file_size) const {
  const int local =
      openat(fd_, local_name_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (local < 0) return Errno("cannot open", MemberPath(local_name_));
  Metadata metadata;
  absl::Status status;
  for (const auto& [name, type] : List(local)) {
    if (absl::StartsWith(name, ".") || type == DT_DIR) continue;
    struct stat info;
    if (fstatat(local, name.c_str(), &info, 0) != 0 || !S_ISREG(info.st_mode)) {
      continue;  // a dangling link, a socket, ...
    }
    if (static_cast<size_t>(info.st_size) > max_file_size) {
      status = absl::InvalidArgumentError(absl::StrCat(
          MemberPath(local_name_), "/", name, " is ", info.st_size,
          " bytes, over the metadata limit of ", max_file_size, " bytes"));
      break;
    }
    std::optional<std::string> contents =
        ReadIfFile(local, name, max_file_size, /*follow=*/true);
    if (!contents.has_value()) {
      status = absl::InternalError(
          absl::StrCat("cannot read ", MemberPath(local_name_), "/", name));
      break;
    }
    metadata[name] = *std::move(contents);
  }
  close(local);
  if (!status.ok()) return status;
  return metadata;
}

void SyncDirectory::NoteRefused(absl::flat_hash_set<std::string>& seen,
                                absl::string_view value) {
  if (seen.size() < kMaxRemembered && seen.insert(std::string(value)).second) {
    newly_refused_ = true;
  }
}

absl::StatusOr<bool> SyncDirectory::SetLink(int directory,
                                            const std::string& name,
                                            const std::string& target,
                                            bool wanted) {
  char current[PATH_MAX];
  const ssize_t length =
      readlinkat(directory, name.c_str(), current, sizeof(current));
  const bool present = length >= 0;
  if (!wanted) {
    if (!present) {
      // Whatever else is there (not a link) is not ours to remove.
      return false;
    }
    unlinkat(directory, name.c_str(), 0);
    return true;
  }
  if (present &&
      absl::string_view(current, static_cast<size_t>(length)) == target) {
    return false;
  }
  const std::string temporary =
      absl::StrCat(".swim-sync-", getpid(), "-", ++temp_counter_);
  if (symlinkat(target.c_str(), directory, temporary.c_str()) != 0) {
    return Errno("cannot create link", name);
  }
  if (renameat(directory, temporary.c_str(), directory, name.c_str()) != 0) {
    const absl::Status status = Errno("cannot replace", name);
    unlinkat(directory, temporary.c_str(), 0);
    return status;
  }
  return true;
}

absl::StatusOr<bool> SyncDirectory::WriteFile(int directory,
                                              const std::string& key,
                                              absl::string_view value) {
  std::optional<std::string> current =
      ReadIfFile(directory, key, value.size(), /*follow=*/false);
  if (current.has_value() && *current == value) return false;
  std::string temporary;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    temporary = absl::StrCat(".swim-sync-", getpid(), "-", ++temp_counter_);
    fd =
        openat(directory, temporary.c_str(),
               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return Errno("cannot create a file for", key);
  if (fchmod(fd, kFileMode) != 0) {
    const absl::Status status = Errno("cannot set the mode of a file for", key);
    close(fd);
    unlinkat(directory, temporary.c_str(), 0);
    return status;
  }
  size_t written = 0;
  while (written < value.size()) {
    const ssize_t count =
        write(fd, value.data() + written, value.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      const absl::Status status = Errno("cannot write", key);
      close(fd);
      unlinkat(directory, temporary.c_str(), 0);
      return status;
    }
    written += static_cast<size_t>(count);
  }
  close(fd);
  // A directory squatting on the key's name cannot be replaced by a file.
  if (renameat(directory, temporary.c_str(), directory, key.c_str()) != 0) {
    const absl::Status status = Errno("cannot replace", key);
    unlinkat(directory, temporary.c_str(), 0);
    return status;
  }
  return true;
}

absl::StatusOr<bool> SyncDirectory::WriteMember(const Member& member) {
  newly_refused_ = false;
  refusal_.clear();
  if (member.name == local_name_) return false;  // its files are the user's
  if (!IsSafeMemberName(member.name)) {
    ++refused_names_;
    NoteRefused(seen_names_, member.name);
    if (newly_refused_) refusal_ = "an unsafe member name";
    return false;
  }
  bool changed = false;
  absl::StatusOr<int> opened = OpenMemberDirectory(member.name, changed);
  if (!opened.ok()) return opened.status();
  if (*opened < 0) return false;  // refused: something else is there
  const int directory = *opened;
  written_.insert(member.name);
  absl::Status status;
  for (const auto& [key, value] : member.metadata) {
    if (!IsSafeKey(key)) {
      ++refused_keys_;
      NoteRefused(seen_keys_, key);
      if (newly_refused_ && refusal_.empty()) {
        refusal_ = "an unsafe metadata key";
      }
      continue;
    }
    absl::StatusOr<bool> wrote = WriteFile(directory, key, value);
    if (!wrote.ok()) {
      status = wrote.status();
      break;
    }
    changed |= *wrote;
  }
  if (status.ok()) {
    // Keys the member no longer has (and temporary files a crash left).
    for (const auto& [name, type] : List(directory)) {
      if (type == DT_DIR || name == kOwnedMarker) continue;
      if (IsSafeKey(name) && member.metadata.contains(name)) continue;
      if (unlinkat(directory, name.c_str(), 0) == 0) changed = true;
    }
  }
  close(directory);
  if (!status.ok()) return status;
  // The new status's links first, then the old one's go, so a failure
  // between them leaves the member listed twice rather than nowhere.
  const std::string target = absl::StrCat("../", member.name);
  for (const bool wanted : {true, false}) {
    for (int i = 0; i < kStatusCount; ++i) {
      if (StatusIn(member.status, kStatusDirectories[i].mask) != wanted) {
        continue;
      }
      absl::StatusOr<bool> linked =
          SetLink(status_fds_[i], member.name, target, wanted);
      if (!linked.ok()) return linked.status();
      changed |= *linked;
    }
  }
  return changed;
}

absl::StatusOr<int> SyncDirectory::OpenMemberDirectory(const std::string& name,
                                                       bool& created) {
  created = false;
  const std::string path = MemberPath(name);
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int directory = openat(fd_, name.c_str(), kFlags);
  if (directory < 0 && errno == ENOENT) {
    // Made under a temporary name, marked, then moved into place, so that
    // a directory of the member's name is marked from its first moment (a
    // failure or a kill in between leaves a temporary, removed at the
    // next start).
    const std::string staged =
        absl::StrCat(kStagedPrefix, getpid(), "-", ++temp_counter_);
    if (absl::StatusOr<bool> made = MakeDirectory(fd_, staged, path);
        !made.ok()) {
      return made.status();
    }
    directory = openat(fd_, staged.c_str(), kFlags);
    const int marker =
        directory < 0
            ? -1
            : openat(directory, kOwnedMarker,
                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     kFileMode);
    if (marker < 0 || fchmod(marker, kFileMode) != 0) {
      const absl::Status status =
          Errno("cannot make a marked directory for", path);
      if (marker >= 0) close(marker);
      if (directory >= 0) close(directory);
      if (!RemoveOwnedDirectory(fd_, staged)) {
        unlinkat(fd_, staged.c_str(), AT_REMOVEDIR);
      }
      return status;
    }
    close(marker);
    int renamed =
        renameat2(fd_, staged.c_str(), fd_, name.c_str(), RENAME_NOREPLACE);
    if (renamed != 0 && errno == EINVAL) {
      // A filesystem without RENAME_NOREPLACE: look, then rename (what
      // appears in between is replaced only if it is an empty directory).
      struct stat info;
      if (fstatat(fd_, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
      } else {
        renamed = renameat(fd_, staged.c_str(), fd_, name.c_str());
      }
    }
    if (renamed == 0) {
      created = true;
      return directory;  // the same directory, now under the member's name
    }
    const int error = errno;
    close(directory);
    RemoveOwnedDirectory(fd_, staged);
    if (error != EEXIST) {
      errno = error;
      return Errno("cannot create", path);
    }
    // Something appeared under that name meanwhile: as if it had been
    // there.
    directory = openat(fd_, name.c_str(), kFlags);
  }
  if (directory < 0 && errno != ENOTDIR && errno != ELOOP) {
    return Errno("cannot open", path);
  }
  if (directory >= 0 && IsOwned(directory)) return directory;
  // A file, a link, or a directory this program did not make: never
  // written into, never emptied.
  if (directory >= 0) close(directory);
  ++refused_names_;
  NoteRefused(seen_names_, name);
  if (newly_refused_) {
    refusal_ = absl::StrCat(
        path,
        directory >= 0 ? absl::StrCat(" was not made by swim-sync (it has no ",
                                      kOwnedMarker, " file)")
                       : " is not a directory (a file or a link)",
        " and is left as it is: remove it to have this member written");
  }
  return -1;
}

absl::StatusOr<bool> SyncDirectory::RemoveMember(const std::string& name) {
  newly_refused_ = false;
  refusal_.clear();
  if (!IsSafeMemberName(name) || name == local_name_) return false;
  bool changed = false;
  for (int i = 0; i < kStatusCount; ++i) {
    absl::StatusOr<bool> unlinked = SetLink(status_fds_[i], name, "", false);
    if (unlinked.ok()) changed |= *unlinked;
  }
  // Only a directory this program made; anything else there is not ours.
  if (RemoveOwnedDirectory(fd_, name)) changed = true;
  written_.erase(name);
  return changed;
}

void SyncDirectory::Cleanup() {
  const std::vector<std::string> names(written_.begin(), written_.end());
  for (const std::string& name : names) (void)RemoveMember(name);
  for (int i = 0; i < kStatusCount; ++i) {
    for (const auto& [entry, type] : List(status_fds_[i])) {
      if (type == DT_LNK) unlinkat(status_fds_[i], entry.c_str(), 0);
    }
  }
  (void)SetLink(fd_, ".local", "", /*wanted=*/false);
}

}  // namespace swim::tools

#ifndef TOOLS_SYNC_SYNC_DIRECTORY_H_
#define TOOLS_SYNC_SYNC_DIRECTORY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "swim/core/member.h"
#include "swim/core/metadata.h"

namespace swim::tools {

// The directory swim-sync keeps, laid out as the Python swim-protocol's
// swim-protocol-sync does:
//
//   DIRECTORY/
//     <local-name>/       this member's metadata: one file per key
//     <member-name>/      every other member's metadata, kept up to date
//     .local -> <local-name>
//     .online/<name> -> ../<name>     and likewise .suspect, .offline
//     .available/ .unavailable/       (AVAILABLE = ONLINE | SUSPECT,
//                                      UNAVAILABLE = SUSPECT | OFFLINE |
//                                      LEFT)
//
// Every file and link is replaced atomically (written under a temporary
// name in the same directory, then renamed), so readers never see a
// partial value. Names come from the network, so every path is resolved
// relative to the directory's descriptor without following links
// (openat, O_NOFOLLOW), and member names and metadata keys that could
// reach outside their directory are refused and counted, never written:
// see IsSafeMemberName and IsSafeKey. What it creates is mode 0640
// (files) or 0750 (directories) whatever the umask; a directory already
// there keeps its mode.
//
// Every member directory it makes holds an empty .swim-sync file, its
// mark: a directory without it that shares a member's name (the
// operator's own, say) is never written into or removed; the member is
// refused instead, and reported once.
//
// Not thread-safe, except that ReadLocal (which only reads the local
// member's directory) may run alongside the others.
class SyncDirectory {
 public:
  // Creates `path` if needed (not its parents), the status directories
  // (emptied of links a previous run left), removes the member
  // directories a previous run left (marked ones only), creates the local
  // member's directory, and points .local at it. INVALID_ARGUMENT when
  // `local_name` is not a safe member name; otherwise the error names the
  // path and the reason.
  static absl::StatusOr<std::unique_ptr<SyncDirectory>> Open(
      const std::string& path, const std::string& local_name);
  ~SyncDirectory();

  SyncDirectory(const SyncDirectory&) = delete;
  SyncDirectory& operator=(const SyncDirectory&) = delete;

  // The local member's metadata: every regular file (or link to one) in
  // its directory; file name = key, contents = value. Names starting with
  // '.' are skipped (editors keep their temporary files there). A file
  // above `max_file_size` is an error naming it.
  absl::StatusOr<Metadata> ReadLocal(size_t max_file_size) const;

  // Brings `member`'s directory (one file per metadata key; files of keys
  // it no longer has are removed) and its status links up to date (the
  // new ones made before the old ones go). Returns whether anything on
  // disk changed. A refused name (unsafe, or a directory of that name not
  // made here) changes nothing and returns false; refused keys are
  // skipped and counted.
  absl::StatusOr<bool> WriteMember(const Member& member);
  // Removes a member's links and, if this program made it, its directory
  // (it was forgotten). Returns whether anything was there.
  absl::StatusOr<bool> RemoveMember(const std::string& name);
  // Removes everything written for other members, the status links and
  // .local, leaving the local member's files (swim-sync does this on
  // exit, so no stale status outlives it).
  void Cleanup();

  // The absolute path of a member's directory.
  std::string MemberPath(absl::string_view name) const;
  std::string LocalPath() const { return MemberPath(local_name_); }
  const std::string& path() const { return path_; }

  // Refusals so far: every time a name or key was refused, and how many
  // distinct ones there were.
  uint64_t refused_names() const { return refused_names_; }
  uint64_t refused_keys() const { return refused_keys_; }
  size_t distinct_refused_names() const { return seen_names_.size(); }
  size_t distinct_refused_keys() const { return seen_keys_.size(); }
  // Whether the latest WriteMember refused something not refused before
  // (for a log line per distinct refusal), and what: "an unsafe member
  // name", "an unsafe metadata key", or which directory is in the way.
  bool newly_refused() const { return newly_refused_; }
  const std::string& refusal() const { return refusal_; }

  // A member name becomes a directory next to the status directories and
  // the hook's first argument: refused when it is not a safe key, starts
  // with '.' (it would shadow .local or a status directory) or '-' (an
  // option to whatever the hook passes it to), holds a control character
  // (a line break in the hook's log), or is "on-update".
  static bool IsSafeMemberName(absl::string_view name);
  // A metadata key becomes a file in a member's directory: refused when
  // empty, "." or "..", containing '/' or NUL, or starting with
  // ".swim-sync" (the mark and the temporary files).
  static bool IsSafeKey(absl::string_view key);

 private:
  SyncDirectory(std::string path, int fd, std::string local_name);

  // Opens member `name`'s directory, making it (marked, under a
  // temporary name first) if there is none; `created` says whether it
  // did. -1 when the name is refused because something not made here is
  // in the way (a file, a link, an unmarked directory): counted, and
  // refusal() says what.
  absl::StatusOr<int> OpenMemberDirectory(const std::string& name,
                                          bool& created);
  // Points `directory`/`name` at `target` (atomically), or removes it;
  // returns whether that changed anything.
  absl::StatusOr<bool> SetLink(int directory, const std::string& name,
                               const std::string& target, bool wanted);
  // Writes `value` to `directory`/`key` unless it is already there.
  absl::StatusOr<bool> WriteFile(int directory, const std::string& key,
                                 absl::string_view value);
  void NoteRefused(absl::flat_hash_set<std::string>& seen,
                   absl::string_view value);

  const std::string path_;  // absolute
  const int fd_;
  const std::string local_name_;
  int status_fds_[5];
  absl::flat_hash_set<std::string> written_;  // member directories we made
  uint64_t refused_names_ = 0;
  uint64_t refused_keys_ = 0;
  absl::flat_hash_set<std::string> seen_names_;
  absl::flat_hash_set<std::string> seen_keys_;
  bool newly_refused_ = false;
  std::string refusal_;
  uint64_t temp_counter_ = 0;
};

}  // namespace swim::tools

#endif  // TOOLS_SYNC_SYNC_DIRECTORY_H_

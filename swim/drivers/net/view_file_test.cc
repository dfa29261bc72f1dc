#include "swim/drivers/net/view_file.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/saved_view.h"

namespace swim::net {
namespace {

const absl::Time kSaved = absl::FromUnixSeconds(1'800'000'000);
constexpr absl::Duration kMaxAge = absl::Minutes(15);

std::string TempPath(absl::string_view name) {
  return absl::StrCat(::testing::TempDir(), "/", name);
}

// A new empty directory of its own under the test's temporary directory.
std::string FreshDirectory(absl::string_view name) {
  std::string path = absl::StrCat(::testing::TempDir(), "/", name, "-XXXXXX");
  if (::mkdtemp(path.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << path << ": " << std::strerror(errno);
  }
  return path;
}

void WriteFile(const std::string& path, absl::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

bool Exists(const std::string& path) {
  struct stat info;
  return ::lstat(path.c_str(), &info) == 0;
}

// The names of the files created in `directory` while `action` runs.
std::vector<std::string> NamesCreatedIn(const std::string& directory,
                                        const std::function<void()>& action) {
  std::vector<std::string> names;
  const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (watch < 0 ||
      ::inotify_add_watch(watch, directory.c_str(), IN_CREATE) < 0) {
    ADD_FAILURE() << "inotify " << directory << ": " << std::strerror(errno);
    if (watch >= 0) ::close(watch);
    return names;
  }
  action();
  alignas(inotify_event) char buffer[64 * 1024];
  ssize_t n;
  while ((n = ::read(watch, buffer, sizeof(buffer))) > 0) {
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->len > 0) names.push_back(event->name);
      at += sizeof(inotify_event) + event->len;
    }
  }
  ::close(watch);
  return names;
}

std::string ViewBytes(absl::string_view name, absl::Time saved_at,
                      int members) {
  SavedView view;
  view.name = std::string(name);
  view.saved_at = saved_at;
  for (int i = 0; i < members; ++i) {
    Member member;
    member.name = absl::StrCat("m", i);
    member.address = Address::Ipv4({127, 0, 0, 1}, 7000 + i);
    member.incarnation = {static_cast<uint64_t>(i + 1), 0};
    view.members.push_back(member);
  }
  return *EncodeSavedView(view);
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(ViewFileTest, AMissingFileIsNotFound) {
  EXPECT_EQ(LoadViewFile(TempPath("absent")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ViewFileTest, WritesAtomicallyAndLoads) {
  const std::string path = TempPath("view-ok");
  ASSERT_TRUE(WriteFileAtomically(path, ViewBytes("self", kSaved, 3)).ok());
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);  // the view is the member's own
  EXPECT_NE(::access(absl::StrCat(path, ".tmp").c_str(), F_OK), 0);
  absl::StatusOr<SavedView> view = LoadViewFile(path);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_TRUE(
      CheckViewFile(*view, path, "self", kSaved + absl::Minutes(1), kMaxAge)
          .ok());
  EXPECT_EQ(view->members.size(), 3u);
  EXPECT_EQ(view->saved_at, kSaved);
}

TEST(ViewFileTest, AViewOfMoreMembersThanTheTableTakesIsRefusedWhole) {
  const std::string path = TempPath("view-large");
  ASSERT_TRUE(WriteFileAtomically(path, ViewBytes("self", kSaved, 3)).ok());
  EXPECT_TRUE(LoadViewFile(path, 3).ok());
  absl::Status status = LoadViewFile(path, 2).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("member count"), absl::string_view::npos)
      << status;
}

TEST(ViewFileTest, EachReasonNotToUseAViewIsSaid) {
  const std::string path = TempPath("view-reasons");
  ASSERT_TRUE(WriteFileAtomically(path, ViewBytes("other", kSaved, 1)).ok());
  absl::StatusOr<SavedView> other = LoadViewFile(path);
  ASSERT_TRUE(other.ok()) << other.status();
  absl::Status status = CheckViewFile(*other, path, "self", kSaved, kMaxAge);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("saved by member 'other'"),
            absl::string_view::npos)
      << status;

  ASSERT_TRUE(WriteFileAtomically(path, ViewBytes("self", kSaved, 1)).ok());
  absl::StatusOr<SavedView> own = LoadViewFile(path);
  ASSERT_TRUE(own.ok()) << own.status();
  status =
      CheckViewFile(*own, path, "self", kSaved + absl::Minutes(16), kMaxAge);
  EXPECT_NE(status.message().find("16m ago, more than the 15m"),
            absl::string_view::npos)
      << status;
  status =
      CheckViewFile(*own, path, "self", kSaved - absl::Minutes(1), kMaxAge);
  EXPECT_NE(status.message().find("in the future"), absl::string_view::npos)
      << status;

  std::string damaged = ViewBytes("self", kSaved, 2);
  damaged[damaged.size() / 2] ^= 0x10;
  ASSERT_TRUE(WriteFileAtomically(path, damaged).ok());
  status = LoadViewFile(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find(path), absl::string_view::npos) << status;

  ASSERT_TRUE(WriteFileAtomically(path, "some other file").ok());
  status = LoadViewFile(path).status();
  EXPECT_NE(status.message().find("not a saved view"), absl::string_view::npos)
      << status;

  EXPECT_EQ(LoadViewFile(::testing::TempDir()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ViewFileTest, AHugeFileIsNotRead) {
  const std::string path = TempPath("view-huge");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, off_t{1} << 30), 0);  // sparse: no disk used
  ::close(fd);
  absl::Status status = LoadViewFile(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("more than any saved view"),
            absl::string_view::npos)
      << status;
  ::unlink(path.c_str());
}

TEST(ViewFileTest, TheWriterKeepsOnlyTheLatestView) {
  const std::string path = TempPath("view-writer");
  ViewFileWriter writer(path);
  for (int i = 1; i <= 20; ++i) writer.Save(ViewBytes("self", kSaved, i));
  writer.Flush();
  absl::StatusOr<SavedView> view = LoadViewFile(path);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->members.size(), 20u);
  const ViewFileWriter::Outcome outcome = writer.TakeOutcome();
  EXPECT_GE(outcome.written, 1);
  EXPECT_LE(outcome.written, 20);
  EXPECT_EQ(outcome.failed, 0);
}

// What a program checks at start: a file can be created beside the path,
// which is not a directory; nothing is left behind.
TEST(ViewFileTest, WhetherAFileCanBeReplacedIsCheckedWithoutTraces) {
  const std::string directory = TempPath("check-dir");
  ASSERT_EQ(::mkdir(directory.c_str(), 0700), 0);
  const std::string path = absl::StrCat(directory, "/view");
  EXPECT_TRUE(CheckFileCanBeReplaced(path).ok());
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // not created
  EXPECT_EQ(::rmdir(directory.c_str()), 0);    // empty: nothing left

  const absl::Status missing =
      CheckFileCanBeReplaced(TempPath("no-such-directory/view"));
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("no-such-directory/view"),
            absl::string_view::npos)
      << missing;

  const absl::Status directory_itself =
      CheckFileCanBeReplaced(::testing::TempDir());
  EXPECT_EQ(directory_itself.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(directory_itself.message().find("is a directory"),
            absl::string_view::npos)
      << directory_itself;
}

TEST(ViewFileTest, TheWriterReportsFailures) {
  ViewFileWriter writer(TempPath("no-such-directory/view"));
  writer.Save(ViewBytes("self", kSaved, 1));
  writer.Flush();
  const ViewFileWriter::Outcome outcome = writer.TakeOutcome();
  EXPECT_EQ(outcome.written, 0);
  EXPECT_EQ(outcome.failed, 1);
  EXPECT_NE(outcome.last_error.message().find("cannot create"),
            absl::string_view::npos)
      << outcome.last_error;
  EXPECT_EQ(writer.TakeOutcome().failed, 0);  // taken
}

TEST(ViewFileTest, TheWriterFinishesItsLastViewWhenDestroyed) {
  const std::string path = TempPath("view-last");
  {
    ViewFileWriter writer(path);
    writer.Save(ViewBytes("self", kSaved, 5));
  }
  EXPECT_EQ(Read(path), ViewBytes("self", kSaved, 5));
}

// A process killed while writing leaves PATH.swim-tmp-XXXXXX: those of
// this user's that are regular files go, and nothing else does.
TEST(ViewFileTest, LeftoverTemporariesAreRemovedAndNothingElse) {
  const std::string directory = FreshDirectory("leftovers");
  const std::string path = absl::StrCat(directory, "/view");
  const std::string view = ViewBytes("self", kSaved, 2);
  ASSERT_TRUE(WriteFileAtomically(path, view).ok());
  const std::vector<std::string> leftovers = {
      "view.swim-tmp-Ab3xY9", "view.swim-tmp-000000", "view.swim-tmp-zzZZzz"};
  for (const std::string& name : leftovers) {
    WriteFile(absl::StrCat(directory, "/", name), "half a view");
  }
  const std::vector<std::string> kept_files = {
      "other.swim-tmp-Ab3xY9",  // another path's
      "xview.swim-tmp-Ab3xY9",  // another path's, ending like this one
      "view.backup",            // the operator's
      "view.Ab3xY9",            // the old temporary name: could be anyone's
      "view.swim-tmp-12345",    // 5 characters
      "view.swim-tmp-1234567",  // 7 characters
      "view.swim-tmp-",         // none
      "view.swim-tmp-abc-ef",   // one outside [A-Za-z0-9]
      "view.swim-tmp-abc.ef",   //
      "view.swim-tmp-abcd\xc3\xa9",  // 6 bytes, 5 characters, one not ASCII
      "view.swim-tmp-Ab3xY9.bak",    // more after
      "VIEW.swim-tmp-Ab3xY9",        // the name's case differs
  };
  for (const std::string& name : kept_files) {
    WriteFile(absl::StrCat(directory, "/", name), name);
  }
  // Named like leftovers, but no regular files: a link to a file elsewhere,
  // a directory (with a file in it) and a FIFO.
  const std::string elsewhere = FreshDirectory("leftovers-elsewhere");
  const std::string target = absl::StrCat(elsewhere, "/precious");
  WriteFile(target, "precious");
  const std::string link = absl::StrCat(directory, "/view.swim-tmp-Link01");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  const std::string dangling = absl::StrCat(directory, "/view.swim-tmp-Link02");
  ASSERT_EQ(::symlink("/nonexistent/file", dangling.c_str()), 0);
  const std::string subdirectory =
      absl::StrCat(directory, "/view.swim-tmp-Dir001");
  ASSERT_EQ(::mkdir(subdirectory.c_str(), 0700), 0);
  WriteFile(absl::StrCat(subdirectory, "/inside"), "inside");
  const std::string fifo = absl::StrCat(directory, "/view.swim-tmp-Fifo01");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);

  absl::StatusOr<int> removed = RemoveLeftoverTemporaries(path);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 3);
  for (const std::string& name : leftovers) {
    EXPECT_FALSE(Exists(absl::StrCat(directory, "/", name))) << name;
  }
  for (const std::string& name : kept_files) {
    EXPECT_EQ(Read(absl::StrCat(directory, "/", name)), name);
  }
  EXPECT_EQ(Read(path), view);  // the saved file itself
  EXPECT_EQ(Read(target), "precious");
  struct stat info;
  ASSERT_EQ(::lstat(link.c_str(), &info), 0);
  EXPECT_TRUE(S_ISLNK(info.st_mode));
  ASSERT_EQ(::lstat(dangling.c_str(), &info), 0);
  EXPECT_TRUE(S_ISLNK(info.st_mode));
  EXPECT_EQ(Read(absl::StrCat(subdirectory, "/inside")), "inside");
  ASSERT_EQ(::lstat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));

  removed = RemoveLeftoverTemporaries(path);  // nothing left to remove
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 0);
}

// The names the writes use are the ones looked for: a temporary file of
// WriteFileAtomically or CheckFileCanBeReplaced left by a killed process
// is removed.
TEST(ViewFileTest, TheTemporaryFilesAreNamedAsLeftoversAreLookedFor) {
  const std::string directory = FreshDirectory("temporary-names");
  const std::string path = absl::StrCat(directory, "/view");
  const std::vector<std::string> created = NamesCreatedIn(directory, [&] {
    ASSERT_TRUE(WriteFileAtomically(path, "bytes").ok());
    ASSERT_TRUE(CheckFileCanBeReplaced(path).ok());
  });
  ASSERT_EQ(created.size(), 2u);  // the rename creates no name
  for (const std::string& name : created) {
    EXPECT_EQ(name.substr(0, 14), "view.swim-tmp-") << name;
    EXPECT_EQ(name.size(), 20u) << name;
    // As the process left it when killed before the rename (or unlink).
    WriteFile(absl::StrCat(directory, "/", name), "half");
    absl::StatusOr<int> removed = RemoveLeftoverTemporaries(path);
    ASSERT_TRUE(removed.ok()) << removed.status();
    EXPECT_EQ(*removed, 1) << name;
    EXPECT_FALSE(Exists(absl::StrCat(directory, "/", name))) << name;
  }
  EXPECT_EQ(Read(path), "bytes");
}

TEST(ViewFileTest, LeftoversInADirectoryThatDoesNotExistAreNotFound) {
  const std::string path = TempPath("no-such-directory/view");
  const absl::StatusOr<int> removed = RemoveLeftoverTemporaries(path);
  EXPECT_EQ(removed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(removed.status().message().find(path), absl::string_view::npos)
      << removed.status();
}

TEST(ViewFileTest, AnotherUsersLeftoverIsKept) {
  const std::string directory = FreshDirectory("leftovers-owner");
  const std::string path = absl::StrCat(directory, "/view");
  const std::string theirs = absl::StrCat(path, ".swim-tmp-Theirs");
  WriteFile(theirs, "theirs");
  if (::chown(theirs.c_str(), ::geteuid() + 1, -1) != 0) {
    GTEST_SKIP() << "cannot give a file to another user: "
                 << std::strerror(errno);
  }
  const std::string ours = absl::StrCat(path, ".swim-tmp-OursAA");
  WriteFile(ours, "ours");
  absl::StatusOr<int> removed = RemoveLeftoverTemporaries(path);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(Read(theirs), "theirs");
  EXPECT_FALSE(Exists(ours));
}

TEST(ViewFileTest, LeftoversThatCannotBeRemovedAreReported) {
  if (::geteuid() == 0) GTEST_SKIP() << "root removes from any directory";
  const std::string directory = FreshDirectory("leftovers-kept");
  const std::string path = absl::StrCat(directory, "/view");
  WriteFile(absl::StrCat(path, ".swim-tmp-aaaaaa"), "half");
  WriteFile(absl::StrCat(path, ".swim-tmp-bbbbbb"), "half");
  ASSERT_EQ(::chmod(directory.c_str(), 0500), 0);  // read, not written
  const absl::StatusOr<int> removed = RemoveLeftoverTemporaries(path);
  ASSERT_EQ(::chmod(directory.c_str(), 0700), 0);
  EXPECT_EQ(removed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(removed.status().message().find(absl::StrCat(
                "cannot remove leftover temporary file ", path, ".swim-tmp-")),
            absl::string_view::npos)
      << removed.status();
  // Both were tried: one failure does not end the sweep.
  EXPECT_NE(removed.status().message().find("1 more failed; 0 removed"),
            absl::string_view::npos)
      << removed.status();
}

}  // namespace
}  // namespace swim::net

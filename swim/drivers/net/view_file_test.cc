#include "swim/drivers/net/view_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace
}  // namespace swim::net

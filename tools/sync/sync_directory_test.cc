#include "tools/sync/sync_directory.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/sync/pending_changes.h"

namespace swim::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Write(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

bool Exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

std::string LinkTarget(const std::string& path) {
  char target[4096];
  const ssize_t length = readlink(path.c_str(), target, sizeof(target));
  return length < 0 ? "" : std::string(target, static_cast<size_t>(length));
}

std::set<std::string> Entries(const std::string& path) {
  std::set<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.insert(name);
  }
  closedir(dir);
  return names;
}

Member MakeMember(const std::string& name, MemberStatus status,
                  Metadata metadata) {
  Member member;
  member.name = name;
  member.status = status;
  member.metadata = std::move(metadata);
  return member;
}

class SyncDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/sync_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern + "/cluster";  // created by Open
    absl::StatusOr<std::unique_ptr<SyncDirectory>> directory =
        SyncDirectory::Open(root_, "127.0.0.1:2001");
    ASSERT_TRUE(directory.ok()) << directory.status();
    directory_ = *std::move(directory);
  }

  std::string root_;
  std::unique_ptr<SyncDirectory> directory_;
};

TEST_F(SyncDirectoryTest, OpenLaysOutTheDirectory) {
  EXPECT_THAT(Entries(root_),
              ::testing::UnorderedElementsAre(
                  ".available", ".local", ".offline", ".online", ".suspect",
                  ".unavailable", "127.0.0.1:2001"));
  EXPECT_EQ(LinkTarget(root_ + "/.local"), "127.0.0.1:2001");
  char resolved[PATH_MAX];
  ASSERT_NE(realpath(root_.c_str(), resolved), nullptr);
  EXPECT_EQ(directory_->path(), resolved);  // absolute, for the hook
  EXPECT_EQ(directory_->LocalPath(), absl::StrCat(resolved, "/127.0.0.1:2001"));
}

TEST_F(SyncDirectoryTest, ReadLocalTakesRegularFilesOnly) {
  const std::string local = root_ + "/127.0.0.1:2001";
  Write(local + "/name", "one");
  Write(local + "/empty", "");
  Write(local + "/.name.swp", "editor junk");
  ASSERT_EQ(mkdir((local + "/subdir").c_str(), 0755), 0);
  ASSERT_EQ(symlink("/nonexistent", (local + "/dangling").c_str()), 0);
  absl::StatusOr<Metadata> metadata = directory_->ReadLocal(512);
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_THAT(*metadata, ElementsAre(Pair("empty", ""), Pair("name", "one")));

  Write(local + "/big", std::string(600, 'x'));
  absl::StatusOr<Metadata> too_big = directory_->ReadLocal(512);
  ASSERT_FALSE(too_big.ok());
  EXPECT_THAT(too_big.status().message(), HasSubstr("/big is 600 bytes"));
}

TEST_F(SyncDirectoryTest, WritesMetadataAndStatusLinks) {
  const Member two = MakeMember("127.0.0.1:2002", MemberStatus::kOnline,
                                {{"name", "two"}, {"token", "a"}});
  absl::StatusOr<bool> changed = directory_->WriteMember(two);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  const std::string path = root_ + "/127.0.0.1:2002";
  EXPECT_EQ(Contents(path + "/name"), "two");
  EXPECT_EQ(Contents(path + "/token"), "a");
  EXPECT_EQ(LinkTarget(root_ + "/.online/127.0.0.1:2002"), "../127.0.0.1:2002");
  EXPECT_EQ(LinkTarget(root_ + "/.available/127.0.0.1:2002"),
            "../127.0.0.1:2002");
  EXPECT_FALSE(Exists(root_ + "/.unavailable/127.0.0.1:2002"));
  // Links resolve to the member's directory.
  EXPECT_EQ(Contents(root_ + "/.online/127.0.0.1:2002/name"), "two");

  // The same again: nothing changes on disk.
  changed = directory_->WriteMember(two);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

TEST_F(SyncDirectoryTest, FollowsStatusAndMetadataChanges) {
  ASSERT_TRUE(
      directory_
          ->WriteMember(MakeMember("127.0.0.1:2002", MemberStatus::kOnline,
                                   {{"name", "two"}, {"old", "x"}}))
          .ok());
  absl::StatusOr<bool> changed = directory_->WriteMember(
      MakeMember("127.0.0.1:2002", MemberStatus::kSuspect, {{"name", "deux"}}));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  const std::string path = root_ + "/127.0.0.1:2002";
  EXPECT_EQ(Entries(path), (std::set<std::string>{".swim-sync", "name"}));
  EXPECT_EQ(Contents(path + "/name"), "deux");
  EXPECT_FALSE(Exists(root_ + "/.online/127.0.0.1:2002"));
  EXPECT_TRUE(Exists(root_ + "/.suspect/127.0.0.1:2002"));
  EXPECT_TRUE(Exists(root_ + "/.available/127.0.0.1:2002"));
  EXPECT_TRUE(Exists(root_ + "/.unavailable/127.0.0.1:2002"));

  ASSERT_TRUE(
      directory_
          ->WriteMember(MakeMember("127.0.0.1:2002", MemberStatus::kLeft,
                                   {{"name", "deux"}}))
          .ok());
  EXPECT_THAT(Entries(root_ + "/.suspect"), IsEmpty());
  EXPECT_THAT(Entries(root_ + "/.available"), IsEmpty());
  EXPECT_THAT(Entries(root_ + "/.offline"), IsEmpty());  // LEFT is not OFFLINE
  EXPECT_EQ(Entries(root_ + "/.unavailable"),
            std::set<std::string>{"127.0.0.1:2002"});
}

TEST_F(SyncDirectoryTest, RefusesNamesThatEscapeAndCountsThem) {
  for (const char* name :
       {"..", ".", "", "../escape", "a/b", ".online", ".local", "on-update",
        "-x", "two\nlines", "del\x7f", "tab\tbed"}) {
    absl::StatusOr<bool> changed = directory_->WriteMember(
        MakeMember(name, MemberStatus::kOnline, {{"k", "v"}}));
    ASSERT_TRUE(changed.ok()) << name;
    EXPECT_FALSE(*changed) << name;
    EXPECT_TRUE(directory_->newly_refused()) << name;
  }
  const std::string with_nul("evil\0name", 9);
  ASSERT_TRUE(
      directory_->WriteMember(MakeMember(with_nul, MemberStatus::kOnline, {}))
          .ok());
  EXPECT_EQ(directory_->refused_names(), 13u);
  EXPECT_EQ(directory_->distinct_refused_names(), 13u);
  // The same name again is counted, but not new.
  ASSERT_TRUE(
      directory_->WriteMember(MakeMember("..", MemberStatus::kOnline, {}))
          .ok());
  EXPECT_FALSE(directory_->newly_refused());
  EXPECT_EQ(directory_->refused_names(), 14u);
  EXPECT_EQ(directory_->distinct_refused_names(), 13u);

  // Nothing was written anywhere.
  EXPECT_FALSE(Exists(root_ + "/../escape"));
  EXPECT_FALSE(Exists(root_ + "/a"));
  EXPECT_EQ(LinkTarget(root_ + "/.local"), "127.0.0.1:2001");
  EXPECT_FALSE(Exists(root_ + "/on-update"));
  EXPECT_THAT(Entries(root_ + "/.online"), IsEmpty());
}

TEST_F(SyncDirectoryTest, RefusesKeysThatEscapeButWritesTheRest) {
  absl::StatusOr<bool> changed = directory_->WriteMember(
      MakeMember("127.0.0.1:2002", MemberStatus::kOnline,
                 {{"..", "x"},
                  {"../../outside", "x"},
                  {"a/b", "x"},
                  {".", "x"},
                  {std::string("nul\0key", 7), "x"},
                  {".swim-sync", "the mark"},
                  {".swim-sync-1-1", "a temporary name"},
                  {"fine", "ok"},
                  {".hidden", "h"}}));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_TRUE(directory_->newly_refused());
  EXPECT_EQ(directory_->refusal(), "an unsafe metadata key");
  EXPECT_EQ(directory_->refused_keys(), 7u);
  EXPECT_EQ(Entries(root_ + "/127.0.0.1:2002"),
            (std::set<std::string>{".hidden", ".swim-sync", "fine"}));
  EXPECT_EQ(Contents(root_ + "/127.0.0.1:2002/.swim-sync"), "");
  EXPECT_FALSE(Exists(root_ + "/outside"));
  EXPECT_FALSE(Exists(root_ + "/../outside"));
}

TEST_F(SyncDirectoryTest, NeverWritesThroughALinkPlantedForAMember) {
  // Someone with access to the directory plants a link where a member's
  // directory will go.
  std::string outside = ::testing::TempDir() + "/sync_outside_XXXXXX";
  ASSERT_NE(mkdtemp(outside.data()), nullptr);
  ASSERT_EQ(symlink(outside.c_str(), (root_ + "/127.0.0.1:2009").c_str()), 0);
  absl::StatusOr<bool> changed = directory_->WriteMember(
      MakeMember("127.0.0.1:2009", MemberStatus::kOnline, {{"k", "v"}}));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_THAT(directory_->refusal(), HasSubstr("is not a directory"));
  EXPECT_THAT(Entries(outside), IsEmpty());
  EXPECT_THAT(Entries(root_ + "/.online"), IsEmpty());
}

TEST_F(SyncDirectoryTest, NeverTouchesTheLocalMembersFiles) {
  Write(root_ + "/127.0.0.1:2001/name", "one");
  absl::StatusOr<bool> changed = directory_->WriteMember(
      MakeMember("127.0.0.1:2001", MemberStatus::kOffline, {}));
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ(Contents(root_ + "/127.0.0.1:2001/name"), "one");
  EXPECT_THAT(Entries(root_ + "/.offline"), IsEmpty());
}

TEST_F(SyncDirectoryTest, RemoveMemberAndCleanup) {
  ASSERT_TRUE(
      directory_
          ->WriteMember(MakeMember("127.0.0.1:2002", MemberStatus::kOffline,
                                   {{"name", "two"}}))
          .ok());
  ASSERT_TRUE(
      directory_
          ->WriteMember(MakeMember("127.0.0.1:2003", MemberStatus::kOnline,
                                   {{"name", "three"}}))
          .ok());
  absl::StatusOr<bool> removed = directory_->RemoveMember("127.0.0.1:2002");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(Exists(root_ + "/127.0.0.1:2002"));
  EXPECT_THAT(Entries(root_ + "/.offline"), IsEmpty());

  Write(root_ + "/127.0.0.1:2001/name", "one");
  directory_->Cleanup();
  EXPECT_EQ(Entries(root_), (std::set<std::string>{
                                ".available", ".offline", ".online", ".suspect",
                                ".unavailable", "127.0.0.1:2001"}));
  EXPECT_THAT(Entries(root_ + "/.online"), IsEmpty());
  EXPECT_EQ(Contents(root_ + "/127.0.0.1:2001/name"), "one");
}

TEST_F(SyncDirectoryTest, CoalescedChangesLeaveEachMembersLatestState) {
  // 200 000 changes to four members while swim-sync's writer is away (a
  // hook hangs); each change a new status and token. The fourth member's
  // first state was on disk, and it is forgotten in the end.
  const std::string names[] = {"127.0.0.1:2002", "127.0.0.1:2003",
                               "127.0.0.1:2004", "127.0.0.1:2005"};
  const MemberStatus statuses[] = {
      MemberStatus::kOnline, MemberStatus::kSuspect, MemberStatus::kOffline};
  const auto nth = [&](int i) {
    return MakeMember(names[i % 4], statuses[i % 3],
                      {{"name", names[i % 4]}, {"token", absl::StrCat(i)}});
  };
  constexpr int kChanges = 200000;
  ASSERT_TRUE(directory_->WriteMember(nth(3)).ok());
  PendingChanges pending(/*max_members=*/100);
  for (int i = 0; i < kChanges; ++i) pending.Add({false, nth(i)});
  pending.Add({true, MakeMember(names[3], MemberStatus::kOffline, {})});
  EXPECT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending.dropped(), 0u);

  // The writer catches up, as swim-sync's does: one write per member.
  int writes = 0;
  while (std::optional<MemberChange> change = pending.Take()) {
    absl::StatusOr<bool> changed =
        change->reaped ? directory_->RemoveMember(change->member.name)
                       : directory_->WriteMember(change->member);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_TRUE(*changed) << change->member.name;
    ++writes;
  }
  EXPECT_EQ(writes, 4);

  EXPECT_EQ(Entries(root_), (std::set<std::string>{
                                ".available", ".local", ".offline", ".online",
                                ".suspect", ".unavailable", "127.0.0.1:2001",
                                names[0], names[1], names[2]}));
  // Changes 199 996 to 199 998 are the last of the first three members:
  // SUSPECT, OFFLINE and ONLINE.
  for (int m = 0; m < 3; ++m) {
    const std::string path = absl::StrCat(root_, "/", names[m]);
    EXPECT_EQ(Entries(path),
              (std::set<std::string>{".swim-sync", "name", "token"}));
    EXPECT_EQ(Contents(path + "/name"), names[m]);
    EXPECT_EQ(Contents(path + "/token"), absl::StrCat(kChanges - 4 + m));
  }
  EXPECT_EQ(Entries(root_ + "/.suspect"), std::set<std::string>{names[0]});
  EXPECT_EQ(Entries(root_ + "/.offline"), std::set<std::string>{names[1]});
  EXPECT_EQ(Entries(root_ + "/.online"), std::set<std::string>{names[2]});
  EXPECT_EQ(Entries(root_ + "/.available"),
            (std::set<std::string>{names[0], names[2]}));
  EXPECT_EQ(Entries(root_ + "/.unavailable"),
            (std::set<std::string>{names[0], names[1]}));
}

TEST_F(SyncDirectoryTest, ReopeningClearsStaleLinks) {
  ASSERT_TRUE(
      directory_
          ->WriteMember(MakeMember("127.0.0.1:2002", MemberStatus::kOnline, {}))
          .ok());
  directory_.reset();  // as if the process died without cleaning up
  absl::StatusOr<std::unique_ptr<SyncDirectory>> reopened =
      SyncDirectory::Open(root_, "127.0.0.1:2001");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_THAT(Entries(root_ + "/.online"), IsEmpty());
}

// A directory that shares a member's name but was not made by swim-sync
// (the operator's own, a mount point) is neither written into nor
// removed: the member is refused, once, saying what is in the way.
TEST_F(SyncDirectoryTest, NeverTakesOverADirectoryItDidNotMake) {
  const std::string bin = root_ + "/bin";
  ASSERT_EQ(mkdir(bin.c_str(), 0755), 0);
  Write(bin + "/notify.sh", "the operator's");
  absl::StatusOr<bool> changed = directory_->WriteMember(
      MakeMember("bin", MemberStatus::kOnline, {{"notify.sh", "echo pwned"}}));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_TRUE(directory_->newly_refused());
  EXPECT_THAT(directory_->refusal(), HasSubstr("was not made by swim-sync"));
  EXPECT_EQ(directory_->refused_names(), 1u);
  EXPECT_THAT(Entries(root_ + "/.online"), IsEmpty());
  // Again: counted, not reported again.
  ASSERT_TRUE(directory_
                  ->WriteMember(MakeMember("bin", MemberStatus::kOnline,
                                           {{"other", "x"}}))
                  .ok());
  EXPECT_FALSE(directory_->newly_refused());

  ASSERT_TRUE(directory_->RemoveMember("bin").ok());
  directory_->Cleanup();
  EXPECT_EQ(Entries(bin), std::set<std::string>{"notify.sh"});
  EXPECT_EQ(Contents(bin + "/notify.sh"), "the operator's");
}

// A killed run leaves its member directories: the next one removes them
// (their members are learned again), and only them.
TEST_F(SyncDirectoryTest, ReopeningRemovesTheDirectoriesAKilledRunLeft) {
  ASSERT_TRUE(
      directory_
          ->WriteMember(MakeMember("127.0.0.1:2002", MemberStatus::kOnline,
                                   {{"name", "two"}}))
          .ok());
  ASSERT_EQ(mkdir((root_ + "/keep").c_str(), 0755), 0);
  Write(root_ + "/keep/file", "mine");
  directory_.reset();  // killed: no Cleanup
  absl::StatusOr<std::unique_ptr<SyncDirectory>> reopened =
      SyncDirectory::Open(root_, "127.0.0.1:2001");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_FALSE(Exists(root_ + "/127.0.0.1:2002"));
  EXPECT_EQ(Contents(root_ + "/keep/file"), "mine");

  // Restarted under a name that was a member's here: its directory
  // becomes the operator's (no mark), its files stay.
  ASSERT_TRUE(
      (*reopened)
          ->WriteMember(MakeMember("127.0.0.1:2003", MemberStatus::kOnline,
                                   {{"name", "three"}}))
          .ok());
  reopened->reset();
  absl::StatusOr<std::unique_ptr<SyncDirectory>> renamed =
      SyncDirectory::Open(root_, "127.0.0.1:2003");
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(Entries(root_ + "/127.0.0.1:2003"), std::set<std::string>{"name"});
}

// A member directory is made under a temporary name and marked before it
// takes the member's name: what a killed run left of that is removed at
// the next start, marked or still empty; anything else is not touched.
TEST_F(SyncDirectoryTest, ReopeningRemovesHalfMadeDirectories) {
  ASSERT_EQ(mkdir((root_ + "/.swim-sync-dir-1-1").c_str(), 0750), 0);
  Write(root_ + "/.swim-sync-dir-1-1/.swim-sync", "");
  Write(root_ + "/.swim-sync-dir-1-1/k", "v");
  ASSERT_EQ(mkdir((root_ + "/.swim-sync-dir-1-2").c_str(), 0750), 0);
  ASSERT_EQ(mkdir((root_ + "/.kept").c_str(), 0750), 0);
  directory_.reset();
  absl::StatusOr<std::unique_ptr<SyncDirectory>> reopened =
      SyncDirectory::Open(root_, "127.0.0.1:2001");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_FALSE(Exists(root_ + "/.swim-sync-dir-1-1"));
  EXPECT_FALSE(Exists(root_ + "/.swim-sync-dir-1-2"));
  EXPECT_TRUE(Exists(root_ + "/.kept"));
}

// A member directory that cannot be removed (someone made a directory in
// it) stays, and stays swim-sync's: the member is written again later.
TEST_F(SyncDirectoryTest, ADirectoryThatCannotBeRemovedKeepsItsMark) {
  const Member two =
      MakeMember("127.0.0.1:2002", MemberStatus::kOnline, {{"k", "v"}});
  ASSERT_TRUE(directory_->WriteMember(two).ok());
  const std::string path = root_ + "/127.0.0.1:2002";
  ASSERT_EQ(mkdir((path + "/sub").c_str(), 0750), 0);
  ASSERT_TRUE(directory_->RemoveMember("127.0.0.1:2002").ok());
  EXPECT_TRUE(Exists(path + "/.swim-sync"));
  absl::StatusOr<bool> changed = directory_->WriteMember(two);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_FALSE(directory_->newly_refused());
  EXPECT_EQ(Contents(path + "/k"), "v");
}

// A refusal is reported by the call that made it, not by the next one.
TEST_F(SyncDirectoryTest, ARemovalDoesNotRepeatTheLastRefusal) {
  ASSERT_TRUE(
      directory_->WriteMember(MakeMember("..", MemberStatus::kOnline, {}))
          .ok());
  EXPECT_TRUE(directory_->newly_refused());
  ASSERT_TRUE(directory_->RemoveMember("127.0.0.1:2002").ok());
  EXPECT_FALSE(directory_->newly_refused());
  EXPECT_EQ(directory_->refusal(), "");
}

// A FIFO where a member's file goes (put there by someone who may write
// the directory) is replaced, not opened for reading until a writer comes.
TEST_F(SyncDirectoryTest, AFifoWhereAFileGoesDoesNotStopTheWriter) {
  const Member two =
      MakeMember("127.0.0.1:2002", MemberStatus::kOnline, {{"k", "v"}});
  ASSERT_TRUE(directory_->WriteMember(two).ok());
  const std::string key = root_ + "/127.0.0.1:2002/k";
  ASSERT_EQ(unlink(key.c_str()), 0);
  ASSERT_EQ(mkfifo(key.c_str(), 0640), 0);
  absl::StatusOr<bool> changed = directory_->WriteMember(two);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Contents(key), "v");
}

// The process's umask, set for a scope.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(umask(mask)) {}
  ~ScopedUmask() { umask(previous_); }

 private:
  const mode_t previous_;
};

// The permission bits of `path` (not following a link); 0 if missing.
mode_t Mode(const std::string& path) {
  struct stat info;
  if (lstat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 07777;
}

TEST(SyncDirectoryModeTest, FilesAre0640AndDirectories0750WhateverTheUmask) {
  // 0 would make 0666/0777 of what asks for it; 077 would take the
  // group's access away.
  for (const mode_t mask : {mode_t{0}, mode_t{077}}) {
    SCOPED_TRACE(absl::StrCat("umask 0", absl::Hex(mask)));
    const ScopedUmask scoped(mask);
    std::string parent = ::testing::TempDir() + "/modes_XXXXXX";
    ASSERT_NE(mkdtemp(parent.data()), nullptr);
    const std::string root = parent + "/cluster";
    absl::StatusOr<std::unique_ptr<SyncDirectory>> directory =
        SyncDirectory::Open(root, "127.0.0.1:2001");
    ASSERT_TRUE(directory.ok()) << directory.status();
    Member two = MakeMember("127.0.0.1:2002", MemberStatus::kOnline,
                            {{"name", "two"}, {"token", "a"}});
    ASSERT_TRUE((*directory)->WriteMember(two).ok());
    // A value replaced: the new file comes from a temporary one.
    two.metadata["token"] = "b";
    ASSERT_TRUE((*directory)->WriteMember(two).ok());
    ASSERT_EQ(Contents(root + "/127.0.0.1:2002/token"), "b");

    for (const char* path :
         {"", "/.online", "/.offline", "/.suspect", "/.available",
          "/.unavailable", "/127.0.0.1:2001", "/127.0.0.1:2002"}) {
      EXPECT_EQ(Mode(root + path), 0750u) << root + path;
    }
    for (const char* path : {"/127.0.0.1:2002/name", "/127.0.0.1:2002/token"}) {
      EXPECT_EQ(Mode(root + path), 0640u) << root + path;
    }
  }
}

TEST(SyncDirectoryOpenTest, RefusesAnUnsafeLocalName) {
  absl::StatusOr<std::unique_ptr<SyncDirectory>> directory =
      SyncDirectory::Open(::testing::TempDir() + "/unsafe", "../x");
  ASSERT_FALSE(directory.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(directory.status()));
}

TEST(SyncDirectoryOpenTest, ReportsADirectoryThatCannotBeCreated) {
  absl::StatusOr<std::unique_ptr<SyncDirectory>> directory =
      SyncDirectory::Open("/proc/no/such/dir", "127.0.0.1:1");
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.status().message(), HasSubstr("/proc/no/such/dir"));
}

}  // namespace
}  // namespace swim::tools

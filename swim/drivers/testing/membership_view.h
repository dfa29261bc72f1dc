#ifndef SWIM_DRIVERS_TESTING_MEMBERSHIP_VIEW_H_
#define SWIM_DRIVERS_TESTING_MEMBERSHIP_VIEW_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/drivers/driver.h"

namespace swim::drivertest {

// What each attached driver's event listener has reported: for every
// viewer, the status and metadata of every member it knows. Thread-safe;
// the waits are condition waits on the recorded events (no polling).
class MembershipView {
 public:
  // Records `driver`'s events under its name. Attach before Join so the
  // first events are seen.
  void Attach(Driver& driver);
  // Forgets what `viewer` reported (before restarting it).
  void Forget(const std::string& viewer);

  std::optional<MemberStatus> StatusOf(const std::string& viewer,
                                       const std::string& member) const;
  std::optional<Metadata> MetadataOf(const std::string& viewer,
                                     const std::string& member) const;
  // User broadcasts `viewer` received.
  std::vector<std::string> MessagesOf(const std::string& viewer) const;

  // Waits until every viewer sees every member other than itself with
  // `status`; false after `timeout`.
  bool AwaitStatus(const std::vector<std::string>& viewers,
                   const std::vector<std::string>& members, MemberStatus status,
                   absl::Duration timeout) const;
  // Every name sees every other one ONLINE.
  bool AwaitConverged(const std::vector<std::string>& names,
                      absl::Duration timeout) const {
    return AwaitStatus(names, names, MemberStatus::kOnline, timeout);
  }
  // Every viewer sees `member` ONLINE with metadata[key] == value.
  bool AwaitMetadata(const std::vector<std::string>& viewers,
                     const std::string& member, const std::string& key,
                     const std::string& value, absl::Duration timeout) const;
  // Waits until `viewer` received `count` user broadcasts.
  bool AwaitMessages(const std::string& viewer, size_t count,
                     absl::Duration timeout) const;

  // Every viewer's table, for failure messages.
  std::string Describe() const;

 private:
  struct Seen {
    MemberStatus status = MemberStatus::kOnline;
    Metadata metadata;
  };
  using Table = absl::flat_hash_map<std::string, Seen>;

  bool Await(const std::function<bool()>& done, absl::Duration timeout) const;

  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Table> tables_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, std::vector<std::string>> messages_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace swim::drivertest

#endif  // SWIM_DRIVERS_TESTING_MEMBERSHIP_VIEW_H_

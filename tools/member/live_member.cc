#include "tools/member/live_member.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "swim/drivers/net/view_file.h"

namespace swim::tools {

absl::StatusOr<std::unique_ptr<LiveMember>> LiveMember::Create(
    const MemberSettings& settings) {
  // A view file that cannot be saved is refused now, not at the first save
  // (after the member has run for a while without it).
  if (const std::string& view = settings.driver_options.view_file;
      !view.empty()) {
    if (absl::Status status = net::CheckFileCanBeReplaced(view); !status.ok()) {
      return absl::Status(
          status.code(),
          absl::StrCat("--view-file: ", status.message(),
                       " (the member keeps its view there: give a path in "
                       "a directory it may write)"));
    }
  }
  absl::StatusOr<std::unique_ptr<EpollDriver>> driver =
      EpollDriver::Create(settings.config, settings.driver_options);
  if (!driver.ok()) return driver.status();
  return std::unique_ptr<LiveMember>(new LiveMember(
      *std::move(driver), settings.seeds,
      /*rejoin_from_view=*/!settings.driver_options.view_file.empty()));
}

LiveMember::~LiveMember() { Stop(); }

void LiveMember::Start(StatusCallback joined) {
  loop_ = std::thread([this] { (void)driver_->Run(); });
  // With a view file, Join restores the saved view even without seeds.
  if (!seeds_.empty() || rejoin_from_view_) {
    driver_->Join(seeds_, std::move(joined));
  }
}

void LiveMember::Stop() {
  driver_->Stop();
  if (loop_.joinable()) loop_.join();
}

void LeaveAndStop(absl::Span<LiveMember* const> members,
                  absl::Duration timeout) {
  // Shared with the callbacks, which outlive this call if a loop misses
  // the deadline.
  struct Pending {
    absl::Mutex mutex;
    size_t left = 0;
    bool done = false;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = members.size();
  pending->done = members.empty();
  for (LiveMember* member : members) {
    member->driver().Leave(timeout, [pending](absl::Status) {
      absl::MutexLock lock(&pending->mutex);
      pending->done = --pending->left == 0;
    });
  }
  {
    absl::MutexLock lock(&pending->mutex);
    // The drivers complete every leave by `timeout`; the margin covers a
    // loop busy elsewhere.
    pending->mutex.AwaitWithTimeout(absl::Condition(&pending->done),
                                    timeout + absl::Seconds(1));
  }
  for (LiveMember* member : members) member->Stop();
}

std::vector<std::string> ReloadCertificates(
    absl::Span<LiveMember* const> members) {
  std::vector<std::string> lines;
  for (LiveMember* member : members) {
    const absl::Status status = member->driver().ReloadTls();
    const std::optional<absl::Time> expiry =
        member->driver().TlsCertificateExpiry();
    lines.push_back(
        status.ok()
            ? absl::StrCat(member->name(),
                           ": TLS certificates re-read; new connections use "
                           "them (the certificate expires ",
                           expiry
                               ? absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *expiry,
                                                  absl::UTCTimeZone())
                               : "never",
                           ")")
            : absl::StrCat(member->name(),
                           ": TLS certificates kept: ", status.message()));
  }
  return lines;
}

}  // namespace swim::tools

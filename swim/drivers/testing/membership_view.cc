#include "swim/drivers/testing/membership_view.h"

#include <algorithm>
#include <variant>

#include "absl/strings/str_cat.h"

namespace swim::drivertest {

void MembershipView::Attach(Driver& driver) {
  const std::string viewer = driver.name();
  driver.AddEventListener([this, viewer](const Event& event, const Node&) {
    absl::MutexLock lock(&mutex_);
    Table& table = tables_[viewer];
    if (const auto* message = std::get_if<UserMessage>(&event)) {
      messages_[viewer].push_back(message->payload);
    } else if (const auto* reaped = std::get_if<MemberReaped>(&event)) {
      table.erase(reaped->member.name);
    } else if (std::holds_alternative<MemberJoined>(event) ||
               std::holds_alternative<MemberStatusChanged>(event) ||
               std::holds_alternative<MemberMetadataChanged>(event)) {
      const Member& member = *EventMember(event);
      table[member.name] = Seen{member.status, member.metadata};
    }
  });
}

void MembershipView::Forget(const std::string& viewer) {
  absl::MutexLock lock(&mutex_);
  tables_.erase(viewer);
  messages_.erase(viewer);
}

std::optional<MemberStatus> MembershipView::StatusOf(
    const std::string& viewer, const std::string& member) const {
  absl::MutexLock lock(&mutex_);
  auto table = tables_.find(viewer);
  if (table == tables_.end()) return std::nullopt;
  auto seen = table->second.find(member);
  if (seen == table->second.end()) return std::nullopt;
  return seen->second.status;
}

std::optional<Metadata> MembershipView::MetadataOf(
    const std::string& viewer, const std::string& member) const {
  absl::MutexLock lock(&mutex_);
  auto table = tables_.find(viewer);
  if (table == tables_.end()) return std::nullopt;
  auto seen = table->second.find(member);
  if (seen == table->second.end()) return std::nullopt;
  return seen->second.metadata;
}

std::vector<std::string> MembershipView::MessagesOf(
    const std::string& viewer) const {
  absl::MutexLock lock(&mutex_);
  auto it = messages_.find(viewer);
  return it == messages_.end() ? std::vector<std::string>() : it->second;
}

bool MembershipView::Await(const std::function<bool()>& done,
                           absl::Duration timeout) const {
  absl::MutexLock lock(&mutex_);
  return mutex_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

bool MembershipView::AwaitStatus(const std::vector<std::string>& viewers,
                                 const std::vector<std::string>& members,
                                 MemberStatus status,
                                 absl::Duration timeout) const {
  return Await(
      [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        for (const std::string& viewer : viewers) {
          auto table = tables_.find(viewer);
          for (const std::string& member : members) {
            if (member == viewer) continue;
            if (table == tables_.end()) return false;
            auto seen = table->second.find(member);
            if (seen == table->second.end() || seen->second.status != status) {
              return false;
            }
          }
        }
        return true;
      },
      timeout);
}

bool MembershipView::AwaitMetadata(const std::vector<std::string>& viewers,
                                   const std::string& member,
                                   const std::string& key,
                                   const std::string& value,
                                   absl::Duration timeout) const {
  return Await(
      [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        for (const std::string& viewer : viewers) {
          if (viewer == member) continue;
          auto table = tables_.find(viewer);
          if (table == tables_.end()) return false;
          auto seen = table->second.find(member);
          if (seen == table->second.end() ||
              seen->second.status != MemberStatus::kOnline) {
            return false;
          }
          auto entry = seen->second.metadata.find(key);
          if (entry == seen->second.metadata.end() || entry->second != value) {
            return false;
          }
        }
        return true;
      },
      timeout);
}

bool MembershipView::AwaitMessages(const std::string& viewer, size_t count,
                                   absl::Duration timeout) const {
  return Await(
      [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        auto it = messages_.find(viewer);
        return it != messages_.end() && it->second.size() >= count;
      },
      timeout);
}

std::string MembershipView::Describe() const {
  absl::MutexLock lock(&mutex_);
  std::vector<std::string> viewers;
  for (const auto& [viewer, table] : tables_) viewers.push_back(viewer);
  std::sort(viewers.begin(), viewers.end());
  std::string out;
  for (const std::string& viewer : viewers) {
    absl::StrAppend(&out, viewer, " sees:");
    std::vector<std::string> members;
    for (const auto& [member, seen] : tables_.at(viewer)) {
      members.push_back(
          absl::StrCat(" ", member, "=", MemberStatusName(seen.status)));
    }
    std::sort(members.begin(), members.end());
    for (const std::string& member : members) absl::StrAppend(&out, member);
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace swim::drivertest

#include "tools/sync/pending_changes.h"

#include <utility>

namespace swim::tools {

bool PendingChanges::Add(MemberChange change) {
  const auto waiting = waiting_.find(change.member.name);
  if (waiting != waiting_.end()) {
    waiting->second = std::move(change);
    ++replaced_;
    return true;
  }
  if (order_.size() >= max_members_) {
    ++dropped_;
    return false;
  }
  order_.push_back(change.member.name);
  waiting_.emplace(order_.back(), std::move(change));
  return true;
}

std::optional<MemberChange> PendingChanges::Take() {
  if (order_.empty()) return std::nullopt;
  auto node = waiting_.extract(order_.front());
  order_.pop_front();
  return std::move(node.mapped());
}

}  // namespace swim::tools

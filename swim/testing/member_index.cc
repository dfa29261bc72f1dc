#include "swim/testing/member_index.h"

namespace swim::testing {

std::optional<int> MemberIndex::Find(absl::string_view name) {
  for (; indexed_ < sim_.size(); ++indexed_) {
    by_name_.try_emplace(sim_.node(indexed_).local().name, indexed_);
  }
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

}  // namespace swim::testing

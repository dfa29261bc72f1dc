#ifndef SWIM_TESTING_MEMBER_INDEX_H_
#define SWIM_TESTING_MEMBER_INDEX_H_

// Finds a simulator node by its member name (a name stays with its index
// across restarts), for checkers that read events about members by name.

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "swim/drivers/sim/simulator.h"

namespace swim::testing {

class MemberIndex {
 public:
  explicit MemberIndex(const sim::Simulator& sim) : sim_(sim) {}

  // The index of the node named `name`, or nullopt if none is.
  std::optional<int> Find(absl::string_view name);

 private:
  const sim::Simulator& sim_;
  absl::flat_hash_map<std::string, int> by_name_;
  int indexed_ = 0;  // nodes 0 .. indexed_ - 1 are in by_name_
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_MEMBER_INDEX_H_

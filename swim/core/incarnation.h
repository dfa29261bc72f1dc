#ifndef SWIM_CORE_INCARNATION_H_
#define SWIM_CORE_INCARNATION_H_

#include <compare>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace swim {

// How new a member's claim about itself is. Ordered lexicographically:
// `generation` identifies a process lifetime (a restarted member picks a
// larger one, e.g. from its start time, and so wins at once without having
// to out-count its previous life), `version` counts refutations and metadata
// changes within one lifetime.
struct Incarnation {
  uint64_t generation = 0;
  uint64_t version = 0;

  friend bool operator==(const Incarnation&, const Incarnation&) = default;
  friend auto operator<=>(const Incarnation&, const Incarnation&) = default;

  std::string ToString() const {
    return absl::StrCat(generation, ".", version);
  }
};

}  // namespace swim

#endif  // SWIM_CORE_INCARNATION_H_

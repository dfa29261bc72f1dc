#include "swim/core/awareness.h"

#include <algorithm>

namespace swim {

void Awareness::ApplyDelta(int delta) {
  // Widened, so no delta can overflow on the way to the clamp.
  const long long next = static_cast<long long>(score_) + delta;
  score_ =
      static_cast<int>(std::clamp<long long>(next, 0, max_multiplier_ - 1));
}

}  // namespace swim

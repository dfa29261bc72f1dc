#include "swim/core/transmit.h"

namespace swim {

absl::string_view StreamVerdictName(StreamVerdict verdict) {
  switch (verdict) {
    case StreamVerdict::kContinue:
      return "continue";
    case StreamVerdict::kProgress:
      return "progress";
    case StreamVerdict::kClose:
      return "close";
  }
  return "unknown";
}

}  // namespace swim

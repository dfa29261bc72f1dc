#include "swim/testing/violation_log.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace swim::testing {

ViolationLog::ViolationLog(const TraceRecorder& trace, std::string invariant,
                           size_t keep)
    : trace_(trace), invariant_(std::move(invariant)), keep_(keep) {}

void ViolationLog::Add(const std::string& what) {
  ++count_;
  if (lines_.size() >= keep_) return;
  lines_.push_back(absl::StrCat(invariant_, " violated at ", trace_.Now(),
                                " (seed ", trace_.sim().seed(), "): ", what));
}

std::vector<std::string> ViolationLog::lines() const {
  std::vector<std::string> lines = lines_;
  if (count_ > lines_.size()) {
    lines.push_back(absl::StrCat("... and ", count_ - lines_.size(), " more ",
                                 invariant_, " violations"));
  }
  return lines;
}

}  // namespace swim::testing

#include "swim/core/event.h"

#include <iterator>
#include <type_traits>

namespace swim {

absl::Span<const absl::string_view> EventNames() {
  static constexpr absl::string_view kNames[] = {
      "joined",        "status-changed", "metadata-changed", "reaped",
      "name-conflict", "refuted",        "user-message"};
  static_assert(std::size(kNames) == std::variant_size_v<Event>);
  return kNames;
}

absl::string_view EventName(const Event& event) {
  return EventNames()[event.index()];
}

const Member* EventMember(const Event& event) {
  return std::visit(
      [](const auto& e) -> const Member* {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, NameConflict> ||
                      std::is_same_v<T, UserMessage>) {
          return nullptr;
        } else {
          return &e.member;
        }
      },
      event);
}

absl::string_view VerdictReasonName(Verdict::Reason reason) {
  switch (reason) {
    case Verdict::Reason::kProbeFailed:
      return "probe-failed";
    case Verdict::Reason::kSuspected:
      return "suspected";
    case Verdict::Reason::kTimedOut:
      return "timed-out";
    case Verdict::Reason::kDeclared:
      return "declared";
    case Verdict::Reason::kLeft:
      return "left";
    case Verdict::Reason::kRemoved:
      return "removed";
  }
  return "unknown";
}

}  // namespace swim

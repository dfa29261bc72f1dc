#include "swim/core/event.h"

namespace swim {

absl::string_view EventTypeName(Event::Type type) {
  switch (type) {
    case Event::Type::kJoined:
      return "joined";
    case Event::Type::kStatusChanged:
      return "status-changed";
    case Event::Type::kMetadataChanged:
      return "metadata-changed";
    case Event::Type::kReaped:
      return "reaped";
    case Event::Type::kNameConflict:
      return "name-conflict";
    case Event::Type::kRefuted:
      return "refuted";
    case Event::Type::kUserMessage:
      return "user-message";
  }
  return "unknown";
}

}  // namespace swim

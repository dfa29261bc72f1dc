#include "tools/event_json.h"

#include "swim/core/member_status.h"
#include "tools/json_writer.h"

namespace swim::tools {
namespace {

JsonObject MemberFields(absl::string_view event, absl::string_view observer,
                        const Member& member) {
  JsonObject json;
  json.Add("event", event)
      .Add("observer", observer)
      .Add("member", member.name)
      .Add("address", member.address.ToString())
      .Add("status", MemberStatusName(member.status))
      .Add("incarnation", member.incarnation.ToString());
  return json;
}

JsonObject MetadataObject(const Metadata& metadata) {
  JsonObject object;
  for (const auto& [key, value] : metadata) object.Add(key, value);
  return object;
}

double UnixSeconds(absl::Time now) {
  // Milliseconds are plenty for following a cluster and keep lines short.
  return static_cast<double>(absl::ToUnixMillis(now)) / 1000;
}

}  // namespace

std::string EventJson(absl::string_view observer, const Event& event,
                      absl::Time now) {
  JsonObject json =
      MemberFields(EventTypeName(event.type), observer, event.member);
  switch (event.type) {
    case Event::Type::kStatusChanged:
      json.Add("previous_status", MemberStatusName(event.previous_status));
      break;
    case Event::Type::kNameConflict:
      json.Add("conflict_address", event.conflict_address.ToString());
      break;
    case Event::Type::kUserMessage:
      json.Add("origin", event.origin).Add("payload", event.payload);
      break;
    default:
      break;
  }
  json.Add("metadata", MetadataObject(event.member.metadata))
      .Add("t", UnixSeconds(now));
  return json.Finish();
}

std::string LifecycleJson(absl::string_view what, const Member& member,
                          absl::Time now) {
  return MemberFields(what, member.name, member)
      .Add("metadata", MetadataObject(member.metadata))
      .Add("t", UnixSeconds(now))
      .Finish();
}

}  // namespace swim::tools

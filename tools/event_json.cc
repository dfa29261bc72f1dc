#include "tools/event_json.h"

#include <variant>

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
  const Member* member = EventMember(event);
  if (member == nullptr) {
    JsonObject json;
    json.Add("event", EventName(event)).Add("observer", observer);
    if (const auto* conflict = std::get_if<NameConflict>(&event)) {
      json.Add("conflict_address", conflict->address.ToString());
    } else if (const auto* message = std::get_if<UserMessage>(&event)) {
      json.Add("origin", message->origin).Add("payload", message->payload);
    }
    return json.Add("t", UnixSeconds(now)).Finish();
  }
  JsonObject json = MemberFields(EventName(event), observer, *member);
  if (const auto* changed = std::get_if<MemberStatusChanged>(&event)) {
    json.Add("previous_status", MemberStatusName(changed->previous_status));
  }
  json.Add("metadata", MetadataObject(member->metadata))
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

#include "tools/member/event_json.h"

#include <string>
#include <variant>

#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/verdict.h"
#include "tools/common/json_writer.h"

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

// A verdict (docs/operations.md, "Why a member went"): its instants, on the
// driver's clock, become wall-clock seconds through the change's own
// instant (`changed_at`) and `now`.
JsonObject CauseObject(const Verdict& verdict, Instant changed_at,
                       absl::Time now) {
  const auto wall = [&](Instant at) {
    return UnixSeconds(now - (changed_at - at));
  };
  JsonObject json;
  json.Add("reason", VerdictReasonName(verdict.reason))
      .Add("accuser", verdict.accuser);
  if (!verdict.declared_by.empty()) {
    json.Add("declared_by", verdict.declared_by);
  }
  json.Add("from_state_exchange", verdict.from_state_exchange);
  if (verdict.suspected_at) {
    json.Add("suspected_at", wall(*verdict.suspected_at))
        .Add("timeout_s", absl::ToDoubleSeconds(verdict.timeout));
  }
  if (verdict.probe) {
    JsonArray helpers;
    for (const std::string& helper : verdict.probe->helpers) {
      helpers.Add(helper);
    }
    json.Add("probe",
             JsonObject()
                 .Add("sent_at", wall(verdict.probe->sent_at))
                 .Add("stream_fallback", verdict.probe->stream_fallback)
                 .Add("helpers", helpers)
                 .Add("nacks_expected", verdict.probe->nacks_expected)
                 .Add("nacks", verdict.probe->nacks));
  }
  JsonArray confirmations;
  for (const Verdict::Confirmation& confirmation : verdict.confirmations) {
    confirmations.Add(JsonObject()
                          .Add("member", confirmation.member)
                          .Add("at", wall(confirmation.at)));
  }
  json.Add("confirmations", confirmations).Add("health", verdict.health);
  return json;
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
    if (changed->cause) {
      json.Add("cause", CauseObject(*changed->cause, member->last_change, now));
    }
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

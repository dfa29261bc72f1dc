#ifndef TOOLS_MEMBER_EVENT_JSON_H_
#define TOOLS_MEMBER_EVENT_JSON_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/event.h"
#include "swim/core/member.h"

namespace swim::tools {

// One event as a line of JSON (without the newline), for scripts that
// follow a cluster:
//
//   {"event":"status-changed","observer":"127.0.0.1:7001",
//    "member":"127.0.0.1:7002","address":"127.0.0.1:7002",
//    "status":"OFFLINE","previous_status":"ONLINE","incarnation":"1718.3",
//    "metadata":{"name":"two","token":"5f0c..."},"t":1718000000.123}
//
// "event" is the core's name for it (joined, status-changed,
// metadata-changed, reaped, name-conflict, refuted, user-message);
// "observer" is the member that saw it, "member" the one it is about;
// "status" is ONLINE, SUSPECT, OFFLINE or LEFT; "t" is wall-clock seconds
// since the Unix epoch. previous_status only on status-changed, and on a
// change to SUSPECT, OFFLINE or LEFT its "cause" (swim::Verdict; times in
// the same seconds):
//
//   "cause":{"reason":"timed-out","accuser":"127.0.0.1:7003",
//    "declared_by":"127.0.0.1:7001","from_state_exchange":false,
//    "suspected_at":1718000000.1,"timeout_s":4.5,
//    "confirmations":[{"member":"127.0.0.1:7004","at":1718000001.2}],
//    "health":0}
//
// with "probe":{"sent_at":...,"stream_fallback":true,"helpers":[...],
// "nacks_expected":3,"nacks":3} when this member's own probe failed. The two
// events about no member carry their own fields instead of the member's:
// name-conflict "conflict_address", user-message "origin" and "payload":
//
//   {"event":"user-message","observer":"127.0.0.1:7001",
//    "origin":"127.0.0.1:7003","payload":"hello","t":1718000000.456}
std::string EventJson(absl::string_view observer, const Event& event,
                      absl::Time now);

// A line in the same shape for what the program itself does to a member
// it runs: "started" (sockets bound, about to join) or "stopped" (after
// its leave), with the member as it is then.
std::string LifecycleJson(absl::string_view what, const Member& member,
                          absl::Time now);

}  // namespace swim::tools

#endif  // TOOLS_MEMBER_EVENT_JSON_H_

#ifndef SWIM_CORE_VERDICT_H_
#define SWIM_CORE_VERDICT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/instant.h"

namespace swim {

// Why a member became SUSPECT, OFFLINE or LEFT, as the node that reports it
// saw it (MemberStatusChanged::cause): who accused it, what this node's own
// probe found, who confirmed, how long the suspect had to refute and how
// healthy this node was. It is made from what the node holds anyway and
// travels nowhere: another member's verdict on the same change names what
// that member saw. Times are on the driver's clock (Instant).
struct Verdict {
  enum class Reason : uint8_t {
    // SUSPECT: this node probed the member and nothing answered (`probe`
    // says what was tried); this node is the accuser.
    kProbeFailed,
    // SUSPECT: another member's suspicion reached this node (`accuser`),
    // by gossip or in a state exchange (where an OFFLINE entry counts as a
    // suspicion, so a stale view cannot kill a member).
    kSuspected,
    // OFFLINE: this node's suspicion ran out and nobody refuted it.
    kTimedOut,
    // OFFLINE: another member's declaration reached this node
    // (`declared_by`).
    kDeclared,
    // LEFT: a claim that the member left reached this node: its own leave,
    // or another member's Node::Remove (a LEFT claim does not say which;
    // `accuser` is "?").
    kLeft,
    // LEFT: this node removed it as gone for good (Node::Remove here;
    // `accuser` is this node's name).
    kRemoved,
  };

  // This node's probe that found the member silent.
  struct ProbeFailure {
    Instant sent_at;  // when the ping went out
    // The ping also went over the stream plane (Config::stream_fallback)
    // and that went unanswered too.
    bool stream_fallback = false;
    // Members asked to ping it (ping-reqs), by name (an address when the
    // helper is no longer known here); empty when none was available.
    std::vector<std::string> helpers;
    // Helpers asked to report failure (Lifeguard nacks), and how many
    // reported the member silent: a nack missing means this node's own
    // messages may be the ones getting lost.
    int nacks_expected = 0;
    int nacks = 0;
  };

  // Another member's independent suspicion of the same life, which
  // shortened the timeout (Lifeguard counts at most the confirmations it
  // expects; later ones are not kept).
  struct Confirmation {
    std::string member;
    Instant at;  // when this node heard it
  };

  Reason reason = Reason::kSuspected;
  // Who first suspected the member (the origin of the suspicion held
  // here), else who declared or removed it: this node's name when it did;
  // "?" when the claim does not say (LEFT claims, and SUSPECT ones from
  // older versions).
  std::string accuser;
  // OFFLINE: the member that declared it (this node's name for kTimedOut);
  // empty for other changes.
  std::string declared_by;
  // The change came in a state exchange, whose entries do not say who
  // suspected first: for a suspicion, `accuser` is the member that sent the
  // exchange, which may have heard it from another.
  bool from_state_exchange = false;
  // When this node began holding the member SUSPECT (for OFFLINE and LEFT
  // after a suspicion here, and for SUSPECT itself); nullopt when it did not.
  std::optional<Instant> suspected_at;
  // When this node was the accuser: the probe that found the member silent.
  std::optional<ProbeFailure> probe;
  // Independent confirmations, in the order heard.
  std::vector<Confirmation> confirmations;
  // The suspicion timeout that applied when the change was made (with
  // Lifeguard's dynamic suspicion, shortened by the confirmations so far);
  // zero when no suspicion was held here.
  absl::Duration timeout;
  // This node's Lifeguard health score when it made the change (0 is
  // healthy; see Stats::awareness).
  int health = 0;
};

// The reason's name for logs: "probe-failed", "suspected", "timed-out",
// "declared", "left", "removed".
absl::string_view VerdictReasonName(Verdict::Reason reason);

}  // namespace swim

#endif  // SWIM_CORE_VERDICT_H_

#ifndef SWIM_CORE_PROBE_H_
#define SWIM_CORE_PROBE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/incarnation.h"
#include "swim/core/instant.h"
#include "swim/core/transmit.h"

namespace swim {

// The probe of one period (docs/protocol.md, "Failure detection"): a ping
// to one member, ping-reqs through helpers if it stays silent, and the
// verdict at the end of the period. It owns its two deadlines (the probe
// timeout and the period's end) and makes no membership decision: the Node
// reads the outcome and suspects, confirms or adjusts its health.
//
//   Start         a ping went out; the timeout and the end are armed.
//   OnAck         an ack for the probe's sequence number arrived (directly
//                 or relayed by a helper); the timeout is disarmed.
//   HandleExpiry  a deadline passed: at the timeout, unanswered, the Node
//                 asks helpers (AddHelper for each that will nack); at the
//                 end, the outcome.
//   OnNack        a helper reports the target silent; each helper counts
//                 once, whatever repeats arrive.
//   Finish        ends the probe now (the next period starts, or the member
//                 leaves) and says what happened.
class Probe {
 public:
  // The most helpers one probe can ask (Config::indirect_checks' bound).
  static constexpr int kMaxHelpers = 16;

  struct Outcome {
    bool acked = false;
    // When the ping went out.
    Instant sent_at;
    // Helpers asked to nack, and how many did.
    int expected_nacks = 0;
    int nacks = 0;
    // Every helper asked to ping the target (first `helpers_asked`).
    int helpers_asked = 0;
    std::array<Address, kMaxHelpers> helpers;
    // The ping also went over the stream plane (MarkFallback).
    bool stream_fallback = false;
    // Unanswered, with a stream fallback still to be answered until then
    // (MarkFallback): the verdict waits (FallbackWaits).
    std::optional<Instant> fallback_until;
    // Sent while this member was cut off (MarkSentIsolated): its failure
    // says nothing about the target.
    bool sent_isolated = false;
  };
  // What HandleExpiry found due.
  struct Expiry {
    // The timeout passed and the target has not answered: ask helpers.
    bool ask_helpers = false;
    // The period ended with a probe active: its outcome.
    std::optional<Outcome> ended;
  };
  enum class AckResult : uint8_t {
    kNotThisProbe,  // no probe active, or another sequence number
    kFirst,         // the first answer: the target is alive
    kRepeat,        // answered already (a duplicate, or direct and relayed)
  };

  // Starts probing `target` (at `incarnation`) with sequence number `seq`,
  // its ping sent at `sent_at`. The name is copied into storage reused from
  // probe to probe, so steady probing does not allocate.
  void Start(uint32_t seq, absl::string_view target,
             const Incarnation& incarnation, Instant sent_at,
             Instant timeout_at, Instant end_at);
  AckResult OnAck(uint32_t seq);
  // Records a helper asked to ping the target, and to nack if it cannot
  // reach it (`expect_nack`); ignored beyond kMaxHelpers.
  void AddHelper(const Address& helper, bool expect_nack = true);
  // The ping also went over the stream plane; its ack still answers the
  // probe until `until`, possibly after the period's end.
  void MarkFallback(Instant until) { fallback_until_ = until; }
  // The ping went out while this member was isolated.
  void MarkSentIsolated() { sent_isolated_ = true; }
  // True when the nack counts: the probe is in its indirect stage, `seq`
  // is its own and `from` a helper that had not nacked yet.
  bool OnNack(const Address& from, uint32_t seq);
  // Ends the probe and disarms both deadlines; the outcome if one was
  // active. seq(), target() and target_incarnation() stay readable until
  // the next Start.
  std::optional<Outcome> Finish();

  // The earliest armed deadline. May change after Start, OnAck, Finish and
  // HandleExpiry.
  std::optional<Instant> NextExpiry() const {
    if (end_at_ && (!timeout_at_ || *end_at_ <= *timeout_at_)) return end_at_;
    return timeout_at_;
  }
  // Runs the earliest deadline due at `now` (the end first when both fall
  // at one instant); nothing if none is due. Call again while
  // NextExpiry() <= now.
  Expiry HandleExpiry(Instant now);

  bool active() const { return active_; }
  uint32_t seq() const { return seq_; }
  const std::string& target() const { return target_; }
  const Incarnation& target_incarnation() const { return target_incarnation_; }
  Instant sent_at() const { return sent_at_; }

 private:
  bool active_ = false;
  bool acked_ = false;
  bool indirect_sent_ = false;
  uint32_t seq_ = 0;
  std::string target_;
  Incarnation target_incarnation_;
  std::optional<Instant> timeout_at_;
  std::optional<Instant> end_at_;
  Instant sent_at_;
  std::optional<Instant> fallback_until_;
  bool sent_isolated_ = false;
  // The helpers asked, and whether each was asked to nack.
  std::array<Address, kMaxHelpers> helpers_;
  std::array<bool, kMaxHelpers> expect_nack_ = {};
  int helpers_asked_ = 0;
  std::array<bool, kMaxHelpers> nacked_ = {};
  int expected_nacks_ = 0;
  int nacks_ = 0;
};

// Probes that ended unanswered while their stream fallback may still be
// answered (Config::stream_fallback): a lost TCP handshake packet is resent
// after a second, later than most probe periods end. Each verdict waits
// here, beside the next probes, until an ack or its deadline.
//
//   Park          a probe ended unanswered with Outcome::fallback_until.
//   OnAck         an ack with a parked probe's sequence number: the target
//                 answered after all; its verdict is dropped.
//   HandleExpiry  a deadline passed: that verdict is due.
class FallbackWaits {
 public:
  // Probes end a period apart and wait about a second, so a few at most;
  // beyond this the oldest verdict is given at once.
  static constexpr size_t kMaxWaiting = 8;
  // How late a stream's first packet may be: TCP resends a lost handshake
  // packet (SYN or SYN-ACK) after its initial retransmission timeout, one
  // second (RFC 6298). A fallback is waited for this long beyond the probe
  // timeout after it was sent.
  static constexpr absl::Duration kStreamRetransmit = absl::Seconds(1);

  struct Waiting {
    uint32_t seq = 0;
    std::string target;
    Incarnation incarnation;
    Probe::Outcome outcome;
    Instant until;
  };

  // Parks a verdict (`outcome.fallback_until` must be set: its deadline);
  // returns one that must be given now to make room.
  std::optional<Waiting> Park(uint32_t seq, absl::string_view target,
                              const Incarnation& incarnation,
                              const Probe::Outcome& outcome);
  // The parked probe `seq` answered: it leaves (nullopt: none such).
  std::optional<Waiting> OnAck(uint32_t seq);
  // `target` answered another probe: its waiting verdicts are dropped.
  void DropTarget(absl::string_view target);
  // The earliest deadline. May change after Park, OnAck and HandleExpiry.
  std::optional<Instant> NextExpiry() const;
  // The earliest verdict due at `now`, if any; call again while
  // NextExpiry() <= now.
  std::optional<Waiting> HandleExpiry(Instant now);
  // Drops every waiting verdict (the member leaves).
  void Clear() { waiting_.clear(); }
  size_t size() const { return waiting_.size(); }

 private:
  std::optional<Waiting> Take(size_t index);
  std::vector<Waiting> waiting_;  // in the order parked
};

// The pings this member sends on others' behalf (ping-req relays), with the
// caps that keep replays and one host from taking the table, and one
// deadline: the next nack or expiry due.
//
//   Admit/Start   a ping-req arrived: may it take a slot, then take it.
//   OnAck         the target answered our relayed ping: whom to tell.
//   HandleExpiry  nacks that fall due are handed out; expired relays go.
class RelayTable {
 public:
  static constexpr size_t kMaxRelays = 64;
  // Relays held for one requesting host (IP address, any port), so one
  // host's replays cannot take the whole table; generous enough for many
  // members on one host (a test cluster on loopback).
  static constexpr int kMaxRelaysPerHost = 16;

  enum class Admission : uint8_t {
    kAdmitted,
    // The same request (sequence number and target) holds a slot already,
    // from whatever address: a replay. Nothing is sent back.
    kRepeat,
    // The table, or the requesting host's share of it, is full.
    kFull,
  };
  struct Relayed {
    Address requester;
    // TCP-only (Config::tcp_only): the connection the request came on.
    std::optional<StreamId> stream;
    uint32_t requester_seq = 0;
  };

  Admission Admit(const Address& requester, uint32_t requester_seq,
                  const Address& target) const;
  // Takes a slot (after kAdmitted): `seq` numbers this member's ping to
  // `target`; a nack is due at `nack_at` if wanted, and the slot ends at
  // `expires`.
  void Start(uint32_t seq, const Address& requester,
             std::optional<StreamId> requester_stream, uint32_t requester_seq,
             const Address& target, bool want_nack, Instant nack_at,
             Instant expires);
  // An ack for `seq`: the relay ends, and the requester is to be told.
  std::optional<Relayed> OnAck(uint32_t seq);

  // When HandleExpiry next has something to do. Not moved earlier or later
  // when a relay ends by an ack: HandleExpiry then finds nothing due and
  // recomputes it.
  std::optional<Instant> NextExpiry() const { return next_; }
  // Sends (through `send_nack`) every nack due at `now`, drops relays that
  // expired, and recomputes NextExpiry.
  void HandleExpiry(Instant now,
                    absl::FunctionRef<void(const Relayed&)> send_nack);

  size_t size() const { return relays_.size(); }

 private:
  struct Relay {
    uint32_t seq = 0;  // this member's ping to the target
    Relayed requester;
    Address target;
    bool want_nack = false;
    Instant nack_at;
    Instant expires;
  };
  std::vector<Relay> relays_;
  std::optional<Instant> next_;
};

}  // namespace swim

#endif  // SWIM_CORE_PROBE_H_

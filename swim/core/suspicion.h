#ifndef SWIM_CORE_SUSPICION_H_
#define SWIM_CORE_SUSPICION_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/instant.h"
#include "swim/core/verdict.h"

namespace swim {

// The timer of one suspicion: how long a suspected member has to refute
// before it is declared OFFLINE. Lifeguard's dynamic form starts at
// `max_timeout` and shrinks toward `min_timeout` as independent members
// confirm the suspicion (k expected confirmations):
//
//   timeout(C) = max(min, max - (max - min) * log(C + 1) / log(k + 1))
//
// With max == min it is the fixed timeout of plain SWIM; with k == 0 (no
// confirmations possible) it is `min_timeout`.
class Suspicion {
 public:
  Suspicion(absl::string_view origin, int expected_confirmations,
            absl::Duration min_timeout, absl::Duration max_timeout,
            Instant start);

  // Records that `origin` suspects the member too (heard at `at`). Returns
  // true if this is a new, independent confirmation (the caller re-gossips
  // only those); false for the original suspecter, a repeat, or once k are
  // counted.
  bool Confirm(absl::string_view origin, Instant at);

  // Starts the timeout again from `start`, with no confirmations: the
  // suspicion is kept, but the suspect gets its whole time to refute
  // (after this member was isolated, when nobody could have refuted).
  void Restart(Instant start) {
    start_ = start;
    confirmers_.clear();
  }
  // When the suspicion began, before any Restart (for verdicts and the
  // suspicion histograms).
  Instant first_start() const { return first_start_; }
  // The probe of this node's that began the suspicion (its origin is this
  // node), for the verdicts (Verdict::probe).
  void set_probe(Verdict::ProbeFailure probe) { probe_ = std::move(probe); }
  // The suspicion came in a state exchange from its origin, which may have
  // heard it from another member (Verdict::from_state_exchange).
  void MarkHearsay() { hearsay_ = true; }
  bool hearsay() const { return hearsay_; }

  int confirmations() const { return static_cast<int>(confirmers_.size()); }
  const std::vector<Verdict::Confirmation>& confirmers() const {
    return confirmers_;
  }
  const std::string& origin() const { return origin_; }
  const std::optional<Verdict::ProbeFailure>& probe() const { return probe_; }
  Instant start() const { return start_; }
  Instant deadline() const;
  // The timeout as it stands: deadline() - start().
  absl::Duration timeout() const { return deadline() - start_; }

 private:
  std::string origin_;
  int expected_confirmations_;
  absl::Duration min_timeout_;
  absl::Duration max_timeout_;
  Instant start_;
  Instant first_start_;
  std::vector<Verdict::Confirmation> confirmers_;
  std::optional<Verdict::ProbeFailure> probe_;
  bool hearsay_ = false;
};

// memberlist's suspicion timeout: mult * max(1, log10(N)) * probe_interval.
absl::Duration SuspicionTimeout(int suspicion_mult, size_t cluster_size,
                                absl::Duration probe_interval);

}  // namespace swim

#endif  // SWIM_CORE_SUSPICION_H_

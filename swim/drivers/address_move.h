#ifndef SWIM_DRIVERS_ADDRESS_MOVE_H_
#define SWIM_DRIVERS_ADDRESS_MOVE_H_

#include <optional>
#include <utility>

#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/instant.h"
#include "swim/core/metadata.h"

namespace swim {

// A member's move to a new advertised address (DriverOptions::
// advertised_host), as the driver runs it. A member's address is fixed for
// a life (docs/protocol.md, "Identity"), so a move is two lives: the old
// one leaves; members take a new life at another address a suspicion
// timeout (Node's ReclaimAfter) after they heard the LEFT, relayed to the
// last of them some gossip intervals after it went out; then the driver
// starts the new life at the new address (Driver::MoveWait says when). This
// type keeps the move's state and its one deadline; the driver owns the Nodes
// and composes the deadline with theirs. Loop thread only.
class AddressMove {
 public:
  // True from Start until Finish.
  bool active() const { return target_.has_value(); }
  // Where the new life will be reached. Requires active().
  const Address& target() const { return *target_; }

  // Starts a move to `target`, or points the one in progress there (the
  // name moved again before the new life started): the wait goes on.
  void Start(const Address& target) { target_ = target; }
  // The old life's LEFT went out at `now`, and members take a new life at
  // another address `wait` later. Only the first call counts.
  void Left(Instant now, absl::Duration wait) {
    if (active() && !due_) due_ = now + wait;
  }
  // When the new life is due; nullopt while the LEFT has not gone out (or
  // when not moving).
  std::optional<Instant> NextExpiry() const { return due_; }
  bool Due(Instant now) const { return due_.has_value() && now >= *due_; }

  // Metadata set while moving, for the new life (the old one has left).
  void SetMetadata(Metadata metadata) { metadata_ = std::move(metadata); }
  std::optional<Metadata> TakeMetadata() {
    std::optional<Metadata> taken = std::move(metadata_);
    metadata_.reset();
    return taken;
  }

  // Ends the move: the new life started, or the member leaves for good.
  void Finish() {
    target_.reset();
    due_.reset();
    metadata_.reset();
  }

 private:
  std::optional<Address> target_;
  std::optional<Instant> due_;
  std::optional<Metadata> metadata_;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_ADDRESS_MOVE_H_

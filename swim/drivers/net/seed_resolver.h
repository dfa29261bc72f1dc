#ifndef SWIM_DRIVERS_NET_SEED_RESOLVER_H_
#define SWIM_DRIVERS_NET_SEED_RESOLVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/net/host_port.h"

namespace swim::net {

// The most addresses one name yields (the first ones, in the resolver's
// order): each seed address costs a join request on every attempt, so a
// DNS answer of thousands of records is not taken whole.
inline constexpr size_t kMaxAddressesPerName = 64;

// Every address `seed.host` names (A and AAAA records, deduplicated, in
// the resolver's order, the first kMaxAddressesPerName), with `seed.port`.
// Blocks: call it off the loop.
absl::StatusOr<std::vector<Address>> ResolveWithGetaddrinfo(
    const HostPort& seed);

// One attempt to resolve a seed name.
struct SeedOutcome {
  HostPort seed;
  // At most kMaxAddressesPerName, whatever the resolve function returned.
  absl::StatusOr<std::vector<Address>> addresses;
  // On failure: when the next attempt is made.
  absl::Duration retry_in;
};

// Resolves seed names on a helper thread so a driver's loop never blocks
// on DNS. A name that fails (not registered yet, as in a container platform
// still starting the service) is retried with exponential backoff until it
// resolves; every attempt is reported, so the driver can join the
// addresses as they come and tell the user about names that do not
// resolve. A name that resolved is resolved again every `refresh` (zero:
// never), so seeds that moved while members were down are found.

class SeedResolver {
 public:
  using Outcome = SeedOutcome;
  // Called on the helper thread, once per attempt.
  using OutcomeCallback = std::function<void(Outcome)>;

  // `resolve` empty: ResolveWithGetaddrinfo.
  SeedResolver(ResolveFunction resolve, absl::Duration min_backoff,
               absl::Duration max_backoff, absl::Duration refresh,
               OutcomeCallback on_outcome);
  // Stops the helper thread; an attempt in progress is waited for.
  ~SeedResolver();

  SeedResolver(const SeedResolver&) = delete;
  SeedResolver& operator=(const SeedResolver&) = delete;

  // Queues `seed` (ignored if already queued). Thread-safe.
  void Resolve(const HostPort& seed);

 private:
  struct Pending {
    HostPort seed;
    absl::Time next_attempt;
    absl::Duration backoff;
  };

  void Work();

  const ResolveFunction resolve_;
  const absl::Duration min_backoff_;
  const absl::Duration max_backoff_;
  const absl::Duration refresh_;
  const OutcomeCallback on_outcome_;

  absl::Mutex mutex_;
  std::vector<Pending> pending_ ABSL_GUARDED_BY(mutex_);
  uint64_t added_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;  // started on the first Resolve
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_SEED_RESOLVER_H_

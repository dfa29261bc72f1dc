#include "swim/drivers/net/seed_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "swim/drivers/net/socket_address.h"

namespace swim::net {

absl::StatusOr<std::vector<Address>> ResolveWithGetaddrinfo(
    const HostPort& seed) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* results = nullptr;
  const int error = getaddrinfo(seed.host.c_str(), nullptr, &hints, &results);
  if (error != 0) {
    return absl::UnavailableError(absl::StrCat(
        "seed ", seed.ToString(), " does not resolve: ", gai_strerror(error)));
  }
  std::vector<Address> addresses;
  for (const addrinfo* info = results;
       info != nullptr && addresses.size() < kMaxAddressesPerName;
       info = info->ai_next) {
    std::optional<Address> address =
        FromSocketAddress(info->ai_addr, info->ai_addrlen);
    if (!address) continue;
    const Address with_port =
        address->family() == Address::Family::kIpv4
            ? Address::Ipv4({address->octets()[0], address->octets()[1],
                             address->octets()[2], address->octets()[3]},
                            seed.port)
            : Address::Ipv6(address->octets(), seed.port);
    if (std::find(addresses.begin(), addresses.end(), with_port) ==
        addresses.end()) {
      addresses.push_back(with_port);
    }
  }
  freeaddrinfo(results);
  if (addresses.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "seed ", seed.ToString(), " resolves to no IPv4 or IPv6 address"));
  }
  return addresses;
}

SeedResolver::SeedResolver(ResolveFunction resolve, absl::Duration min_backoff,
                           absl::Duration max_backoff, absl::Duration refresh,
                           OutcomeCallback on_outcome)
    : resolve_(resolve ? std::move(resolve)
                       : ResolveFunction(&ResolveWithGetaddrinfo)),
      min_backoff_(min_backoff),
      max_backoff_(max_backoff),
      refresh_(refresh),
      on_outcome_(std::move(on_outcome)) {}

SeedResolver::~SeedResolver() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void SeedResolver::Resolve(const HostPort& seed) {
  absl::MutexLock lock(&mutex_);
  if (stopping_) return;
  for (const Pending& pending : pending_) {
    if (pending.seed == seed) return;
  }
  pending_.push_back(Pending{seed, absl::InfinitePast(), min_backoff_});
  ++added_;
  if (!thread_.joinable()) thread_ = std::thread([this] { Work(); });
}

void SeedResolver::Work() {
  absl::MutexLock lock(&mutex_);
  while (!stopping_) {
    if (pending_.empty()) {
      mutex_.Await(absl::Condition(
          +[](SeedResolver* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mutex_) {
            return self->stopping_ || !self->pending_.empty();
          },
          this));
      continue;
    }
    auto next = std::min_element(pending_.begin(), pending_.end(),
                                 [](const Pending& a, const Pending& b) {
                                   return a.next_attempt < b.next_attempt;
                                 });
    const absl::Time now = absl::Now();
    if (next->next_attempt > now) {
      // Back off, but wake at once to stop or to try a newly added seed.
      const uint64_t added = added_;
      const auto changed = [this, added]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                               mutex_) { return stopping_ || added_ != added; };
      mutex_.AwaitWithDeadline(absl::Condition(&changed), next->next_attempt);
      continue;
    }
    const HostPort seed = next->seed;
    mutex_.Unlock();
    Outcome outcome{seed, resolve_(seed), absl::ZeroDuration()};
    if (outcome.addresses.ok() &&
        outcome.addresses->size() > kMaxAddressesPerName) {
      outcome.addresses->resize(kMaxAddressesPerName);
    }
    mutex_.Lock();
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [&](const Pending& p) { return p.seed == seed; });
    if (it != pending_.end()) {
      if (outcome.addresses.ok() && refresh_ <= absl::ZeroDuration()) {
        pending_.erase(it);
      } else if (outcome.addresses.ok()) {
        it->next_attempt = absl::Now() + refresh_;
        it->backoff = min_backoff_;
      } else {
        outcome.retry_in = it->backoff;
        it->next_attempt = absl::Now() + it->backoff;
        it->backoff = std::min(it->backoff * 2, max_backoff_);
      }
    }
    if (stopping_) break;
    mutex_.Unlock();
    on_outcome_(std::move(outcome));
    mutex_.Lock();
  }
}

}  // namespace swim::net

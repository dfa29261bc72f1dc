#include "swim/drivers/net/seed_resolver.h"

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace swim::net {
namespace {

// Collects outcomes from the helper thread.
class Outcomes {
 public:
  void Add(SeedResolver::Outcome outcome) {
    absl::MutexLock lock(&mutex_);
    outcomes_.push_back(std::move(outcome));
  }
  // Waits until `count` outcomes arrived; returns the first `count` (a
  // resolver that refreshes may have added more by the time this thread
  // runs again), or fewer if they did not arrive within 30 s.
  std::vector<SeedResolver::Outcome> Await(size_t count) {
    absl::MutexLock lock(&mutex_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return outcomes_.size() >= count;
    };
    mutex_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(30));
    std::vector<SeedResolver::Outcome> first;
    for (size_t i = 0; i < outcomes_.size() && i < count; ++i) {
      first.push_back(outcomes_[i]);
    }
    return first;
  }

 private:
  absl::Mutex mutex_;
  std::vector<SeedResolver::Outcome> outcomes_ ABSL_GUARDED_BY(mutex_);
};

TEST(SeedResolverTest, GetaddrinfoResolvesLocalhost) {
  absl::StatusOr<std::vector<Address>> addresses =
      ResolveWithGetaddrinfo(HostPort{"localhost", 7946});
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  ASSERT_FALSE(addresses->empty());
  for (const Address& address : *addresses) EXPECT_EQ(address.port(), 7946);
  EXPECT_NE(std::find(addresses->begin(), addresses->end(),
                      *Address::Parse("127.0.0.1:7946")),
            addresses->end());
}

// The addresses of the first outcome for a name whose records are
// `records`.
std::vector<Address> FirstOutcome(const std::vector<Address>& records) {
  Outcomes outcomes;
  SeedResolver resolver(
      [&](const HostPort&) -> absl::StatusOr<std::vector<Address>> {
        return records;
      },
      absl::Milliseconds(1), absl::Milliseconds(4), absl::ZeroDuration(),
      [&](SeedResolver::Outcome outcome) { outcomes.Add(std::move(outcome)); });
  resolver.Resolve(HostPort{"service", 7946});
  const auto got = outcomes.Await(1);
  EXPECT_EQ(got.size(), 1u);
  if (got.empty() || !got[0].addresses.ok()) return {};
  return *got[0].addresses;
}

TEST(SeedResolverTest, EveryRecordBecomesASeed) {
  const std::vector<Address> records = {*Address::Parse("10.1.0.1:7946"),
                                        *Address::Parse("10.1.0.2:7946"),
                                        *Address::Parse("[fd00::3]:7946")};
  EXPECT_EQ(FirstOutcome(records), records);
}

TEST(SeedResolverTest, ANameYieldsAtMostItsFirstRecords) {
  std::vector<Address> records;
  for (uint32_t i = 0; i < 5000; ++i) {
    records.push_back(Address::Ipv4(
        {10, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 1}, 7946));
  }
  EXPECT_EQ(FirstOutcome(records),
            std::vector<Address>(records.begin(),
                                 records.begin() + kMaxAddressesPerName));
}

TEST(SeedResolverTest, RetriesWithGrowingBackoffUntilTheNameResolves) {
  int attempts = 0;  // only touched on the helper thread
  Outcomes outcomes;
  SeedResolver resolver(
      [&](const HostPort&) -> absl::StatusOr<std::vector<Address>> {
        if (++attempts <= 3) return absl::UnavailableError("not yet");
        return std::vector<Address>{*Address::Parse("10.0.0.9:1")};
      },
      absl::Milliseconds(5), absl::Milliseconds(10), absl::ZeroDuration(),
      [&](SeedResolver::Outcome outcome) { outcomes.Add(std::move(outcome)); });
  resolver.Resolve(HostPort{"late", 1});
  resolver.Resolve(HostPort{"late", 1});  // already queued: ignored
  const auto got = outcomes.Await(4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_FALSE(got[0].addresses.ok());
  EXPECT_EQ(got[0].retry_in, absl::Milliseconds(5));
  EXPECT_EQ(got[1].retry_in, absl::Milliseconds(10));
  EXPECT_EQ(got[2].retry_in, absl::Milliseconds(10));  // capped
  ASSERT_TRUE(got[3].addresses.ok());
  EXPECT_EQ(got[3].seed, (HostPort{"late", 1}));
}

TEST(SeedResolverTest, ResolvedNamesAreResolvedAgainEveryRefresh) {
  // The name moves: each resolution gives another address.
  int attempts = 0;  // only touched on the helper thread
  Outcomes outcomes;
  SeedResolver resolver(
      [&](const HostPort&) -> absl::StatusOr<std::vector<Address>> {
        ++attempts;
        return std::vector<Address>{
            Address::Ipv4({10, 0, 0, static_cast<uint8_t>(attempts)}, 1)};
      },
      absl::Milliseconds(1), absl::Milliseconds(2), absl::Milliseconds(5),
      [&](SeedResolver::Outcome outcome) { outcomes.Add(std::move(outcome)); });
  resolver.Resolve(HostPort{"moving", 1});
  const auto got = outcomes.Await(3);
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(got[i].addresses.ok());
    EXPECT_EQ(*got[i].addresses,
              std::vector<Address>{
                  Address::Ipv4({10, 0, 0, static_cast<uint8_t>(i + 1)}, 1)});
  }
}

TEST(SeedResolverTest, DestructionStopsRetriesPromptly) {
  Outcomes outcomes;
  const absl::Time start = absl::Now();
  {
    SeedResolver resolver(
        [](const HostPort&) -> absl::StatusOr<std::vector<Address>> {
          return absl::UnavailableError("never");
        },
        absl::Hours(1), absl::Hours(1), absl::ZeroDuration(),
        [&](SeedResolver::Outcome outcome) {
          outcomes.Add(std::move(outcome));
        });
    resolver.Resolve(HostPort{"never", 1});
    outcomes.Await(1);
  }
  // The hour-long backoff did not hold up destruction.
  EXPECT_LT(absl::Now() - start, absl::Minutes(1));
}

}  // namespace
}  // namespace swim::net

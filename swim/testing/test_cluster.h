#ifndef SWIM_TESTING_TEST_CLUSTER_H_
#define SWIM_TESTING_TEST_CLUSTER_H_

// The core's tests' cluster: the Cluster fixture (cluster.h) with one
// latency and loss rate on every link, a log of every event each member
// reported, and no invariant checkers.

#include <cstdint>

#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/testing/cluster.h"

namespace swim::testing {

class TestCluster : public Cluster {
 public:
  struct Options {
    // Every member's config (keyed with a fixed secret if it has none).
    Config base = Config::Local();
    uint64_t seed = 1;
    absl::Duration latency = absl::Milliseconds(1);
    // Chance that a datagram is lost (streams are reliable).
    double loss = 0;
  };

  explicit TestCluster(Options options);
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_TEST_CLUSTER_H_

#ifndef SWIM_TESTING_CHECKED_CLUSTER_H_
#define SWIM_TESTING_CHECKED_CLUSTER_H_

// A simulator run under every invariant checker: the Cluster fixture
// (cluster.h) with the four checkers (incarnation monotonicity, accuracy,
// completeness, convergence) and bounds derived from the members' config
// and the cluster's size. Report() gathers every violation with the seed,
// then the end of the trace, for a test's failure message.

#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "swim/core/config.h"
#include "swim/core/member_status.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/cluster.h"

namespace swim::testing {

class CheckedCluster : public Cluster {
 public:
  struct Options {
    uint64_t seed = 1;
    // Every member's config (identity fields are the simulator's).
    Config config = DefaultConfig();
    // The most members the run will have (the bounds grow with it).
    int members = 3;
    // Every link's model until the test changes it.
    sim::LinkModel link;
    // Statuses the accuracy checker forbids for live members while armed.
    StatusMask forbidden = MemberStatus::kOffline;
    // How often the incarnation checker reads every table (zero: never;
    // events are checked regardless).
    absl::Duration snapshot_every = absl::Seconds(1);
    // Trace entries kept for the report.
    size_t trace_capacity = 4096;
  };

  // Config::Local() with a fixed AES-256-GCM key.
  static Config DefaultConfig();

  explicit CheckedCluster(Options options);
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_CHECKED_CLUSTER_H_

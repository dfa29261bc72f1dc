#include "swim/testing/test_cluster.h"

#include <string>
#include <utility>

namespace swim::testing {
namespace {

Cluster::Options ClusterOptions(TestCluster::Options options) {
  Cluster::Options cluster;
  cluster.seed = options.seed;
  cluster.config = std::move(options.base);
  cluster.default_key = std::string(32, 's');
  cluster.link.min_delay = options.latency;
  cluster.link.loss = options.loss;
  cluster.log_events = true;
  return cluster;
}

}  // namespace

TestCluster::TestCluster(Options options)
    : Cluster(ClusterOptions(std::move(options))) {}

}  // namespace swim::testing

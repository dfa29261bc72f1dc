#include "swim/testing/checked_cluster.h"

#include <string>
#include <utility>

namespace swim::testing {
namespace {

constexpr char kKeyByte = 'c';

Cluster::Options ClusterOptions(CheckedCluster::Options options) {
  Cluster::Options cluster;
  cluster.seed = options.seed;
  cluster.config = std::move(options.config);
  cluster.default_key = std::string(32, kKeyByte);
  cluster.link = options.link;
  cluster.checked = true;
  cluster.members = options.members;
  cluster.forbidden = options.forbidden;
  cluster.snapshot_every = options.snapshot_every;
  cluster.trace_capacity = options.trace_capacity;
  return cluster;
}

}  // namespace

Config CheckedCluster::DefaultConfig() {
  Config config = Config::Local();
  config.keys = {std::string(32, kKeyByte)};
  return config;
}

CheckedCluster::CheckedCluster(Options options)
    : Cluster(ClusterOptions(std::move(options))) {}

}  // namespace swim::testing

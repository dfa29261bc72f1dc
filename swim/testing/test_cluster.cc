#include "swim/testing/test_cluster.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace swim::testing {
namespace {

sim::Simulator::Options SimulatorOptions(const TestCluster::Options& options) {
  sim::Simulator::Options sim_options;
  sim_options.seed = options.seed;
  sim_options.link.min_delay = options.latency;
  sim_options.link.loss = options.loss;
  return sim_options;
}

// A fixture's set-up step failed: nothing sensible can follow.
void Check(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "TestCluster: %s\n", status.ToString().c_str());
    std::abort();
  }
}

}  // namespace

TestCluster::TestCluster(Options options)
    : options_(std::move(options)),
      sim_(SimulatorOptions(options_)),
      trace_(sim_) {
  trace_.Subscribe(
      [this](int node, const Event& event) { events_[node].push_back(event); });
}

TestCluster::~TestCluster() = default;

int TestCluster::Add(std::function<void(Config&)> customize) {
  Config config = options_.base;
  config.name = absl::StrCat("node-", size());
  if (config.keys.empty() && config.security_mode != SecurityMode::kPlaintext) {
    config.keys = {std::string(32, 's')};
  }
  if (customize) customize(config);
  absl::StatusOr<int> index = sim_.AddNode(std::move(config));
  Check(index.status());
  events_.emplace_back();
  return *index;
}

void TestCluster::AddAndJoin(int count) {
  const int first = size();
  for (int i = 0; i < count; ++i) Add();
  for (int i = first; i < size(); ++i) {
    if (i != 0) Check(sim_.Join(i, {0}));
  }
}

void TestCluster::Restart(int index, int seed) {
  Check(sim_.Restart(index, {seed}));
}

void TestCluster::SetFilter(Filter filter) {
  if (!filter) {
    sim_.SetFilter(nullptr);
    return;
  }
  sim_.SetFilter(
      [this, filter = std::move(filter)](int from, int to, Channel channel,
                                         absl::Span<const uint8_t> bytes) {
        filter_bytes_.assign(bytes.begin(), bytes.end());
        return filter(Packet{from, to, channel, &filter_bytes_});
      });
}

}  // namespace swim::testing

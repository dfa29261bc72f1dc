#include "swim/testing/checked_cluster.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "swim/testing/cluster_bounds.h"

namespace swim::testing {
namespace {

sim::Simulator::Options SimulatorOptions(const CheckedCluster::Options& o) {
  sim::Simulator::Options options;
  options.seed = o.seed;
  options.link = o.link;
  return options;
}

absl::Duration LinkLatency(const sim::LinkModel& link) {
  return link.min_delay * (link.reorder > 0 ? 11 : 1) + link.mean_tail * 10;
}

}  // namespace

Config CheckedCluster::DefaultConfig() {
  Config config = Config::Local();
  config.keys = {std::string(32, 'c')};
  return config;
}

CheckedCluster::CheckedCluster(Options options)
    : options_(std::move(options)),
      sim_(SimulatorOptions(options_)),
      trace_(sim_, options_.trace_capacity),
      incarnations_(trace_, options_.snapshot_every),
      accuracy_(trace_, options_.forbidden),
      completeness_(trace_, DetectionTime(options_.config, options_.members,
                                          LinkLatency(options_.link))),
      convergence_(trace_) {}

absl::Status CheckedCluster::Start(int count) {
  const int first = sim_.size();
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<int> index = sim_.AddNode(options_.config);
    if (!index.ok()) return index.status();
  }
  for (int i = std::max(first, 1); i < sim_.size(); ++i) {
    if (absl::Status status = sim_.Join(i, {0}); !status.ok()) return status;
  }
  trace_.Note(absl::StrCat("started ", count, " members"));
  return absl::OkStatus();
}

absl::Duration CheckedCluster::latency() const {
  return LinkLatency(options_.link);
}

absl::Duration CheckedCluster::detection_bound() const {
  return DetectionTime(options_.config, options_.members, latency());
}

absl::Duration CheckedCluster::heal_bound() const {
  return HealTime(options_.config, options_.members, latency());
}

std::optional<absl::Duration> CheckedCluster::Settle(absl::string_view after,
                                                     absl::Duration in_flight,
                                                     absl::Duration poll) {
  const std::optional<absl::Duration> first =
      convergence_.AwaitWithin(heal_bound(), after, poll);
  if (!first) return std::nullopt;
  sim_.RunFor(LongestProbePeriod(options_.config) + in_flight);
  if (!convergence_.AwaitWithin(
          heal_bound(), absl::StrCat("the settling after ", after), poll)) {
    return std::nullopt;
  }
  accuracy_.Arm(sim_.now());
  return first;
}

bool CheckedCluster::ok() const {
  return incarnations_.violations().empty() && accuracy_.violations().empty() &&
         completeness_.violations().empty() &&
         convergence_.violations().empty();
}

std::string CheckedCluster::Report(size_t trace_lines) const {
  if (ok()) return "";
  std::string out = absl::StrCat("invariant violations in the run with seed ",
                                 sim_.seed(), ":\n");
  for (const ViolationLog* log :
       {&incarnations_.violations(), &accuracy_.violations(),
        &completeness_.violations(), &convergence_.violations()}) {
    for (const std::string& line : log->lines()) {
      absl::StrAppend(&out, "  ", line, "\n");
    }
  }
  absl::StrAppend(&out, "last ", trace_lines, " trace entries:\n",
                  trace_.Tail(trace_lines));
  return out;
}

}  // namespace swim::testing

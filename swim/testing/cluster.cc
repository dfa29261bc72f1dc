#include "swim/testing/cluster.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "swim/testing/cluster_bounds.h"

namespace swim::testing {
namespace {

sim::Simulator::Options SimulatorOptions(const Cluster::Options& options) {
  sim::Simulator::Options sim_options;
  sim_options.seed = options.seed;
  sim_options.link = options.link;
  return sim_options;
}

absl::Duration LinkLatency(const sim::LinkModel& link) {
  return link.min_delay * (link.reorder > 0 ? 11 : 1) + link.mean_tail * 10;
}

// A fixture's set-up step failed, or a test asked for what it did not set
// up: nothing sensible can follow.
void Check(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "Cluster: %s\n", status.ToString().c_str());
    std::abort();
  }
}

}  // namespace

Cluster::Checkers::Checkers(const Options& options, TraceRecorder& trace,
                            absl::Duration detection)
    : incarnations(trace, options.snapshot_every),
      accuracy(trace, options.forbidden),
      completeness(trace, detection),
      convergence(trace) {}

Cluster::Cluster(Options options)
    : options_(std::move(options)),
      sim_(SimulatorOptions(options_)),
      trace_(sim_, options_.trace_capacity) {
  if (options_.checked) {
    checkers_.emplace(options_, trace_, detection_bound());
  }
  if (options_.log_events) {
    trace_.Subscribe([this](int node, const Event& event) {
      events_[node].push_back(event);
    });
  }
}

Cluster::~Cluster() = default;

absl::StatusOr<int> Cluster::TryAdd(std::function<void(Config&)> customize) {
  Config config = options_.config;
  config.name = absl::StrCat("node-", size());
  if (config.keys.empty() && config.security_mode != SecurityMode::kPlaintext) {
    config.keys = {options_.default_key};
  }
  if (customize) customize(config);
  absl::StatusOr<int> index = sim_.AddNode(std::move(config));
  if (index.ok()) events_.emplace_back();
  return index;
}

absl::Status Cluster::Start(int count) {
  const int first = size();
  for (int i = 0; i < count; ++i) {
    if (absl::StatusOr<int> index = TryAdd(); !index.ok()) {
      return index.status();
    }
  }
  for (int i = std::max(first, 1); i < size(); ++i) {
    if (absl::Status status = sim_.Join(i, {0}); !status.ok()) return status;
  }
  trace_.Note(absl::StrCat("started ", count, " members"));
  return absl::OkStatus();
}

int Cluster::Add(std::function<void(Config&)> customize) {
  absl::StatusOr<int> index = TryAdd(std::move(customize));
  Check(index.status());
  return *index;
}

void Cluster::AddAndJoin(int count) { Check(Start(count)); }

void Cluster::Restart(int index, int seed) {
  Check(sim_.Restart(index, {seed}));
}

void Cluster::SetFilter(Filter filter) {
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

const std::vector<Event>& Cluster::events(int index) const {
  if (!options_.log_events) {
    Check(absl::FailedPreconditionError(
        "events() needs Options::log_events set"));
  }
  return events_[index];
}

absl::Duration Cluster::latency() const { return LinkLatency(options_.link); }

absl::Duration Cluster::detection_bound() const {
  return DetectionTime(options_.config, options_.members, latency());
}

absl::Duration Cluster::heal_bound() const {
  return HealTime(options_.config, options_.members, latency());
}

Cluster::Checkers& Cluster::checkers() {
  if (!checkers_) {
    Check(absl::FailedPreconditionError(
        "the invariant checkers need Options::checked set"));
  }
  return *checkers_;
}

const Cluster::Checkers& Cluster::checkers() const {
  return const_cast<Cluster*>(this)->checkers();
}

IncarnationChecker& Cluster::incarnations() { return checkers().incarnations; }
AccuracyChecker& Cluster::accuracy() { return checkers().accuracy; }
CompletenessChecker& Cluster::completeness() { return checkers().completeness; }
const CompletenessChecker& Cluster::completeness() const {
  return checkers().completeness;
}
ConvergenceChecker& Cluster::convergence() { return checkers().convergence; }

std::optional<absl::Duration> Cluster::Settle(absl::string_view after,
                                              absl::Duration in_flight,
                                              absl::Duration poll) {
  ConvergenceChecker& convergence = checkers().convergence;
  const std::optional<absl::Duration> first =
      convergence.AwaitWithin(heal_bound(), after, poll);
  if (!first) return std::nullopt;
  sim_.RunFor(LongestProbePeriod(options_.config) + in_flight);
  if (!convergence.AwaitWithin(
          heal_bound(), absl::StrCat("the settling after ", after), poll)) {
    return std::nullopt;
  }
  checkers().accuracy.Arm(sim_.now());
  return first;
}

bool Cluster::ok() const {
  if (!checkers_) return true;
  return checkers_->incarnations.violations().empty() &&
         checkers_->accuracy.violations().empty() &&
         checkers_->completeness.violations().empty() &&
         checkers_->convergence.violations().empty();
}

std::string Cluster::Report(size_t trace_lines) const {
  if (ok()) return "";
  std::string out = absl::StrCat("invariant violations in the run with seed ",
                                 sim_.seed(), ":\n");
  for (const ViolationLog* log : {&checkers_->incarnations.violations(),
                                  &checkers_->accuracy.violations(),
                                  &checkers_->completeness.violations(),
                                  &checkers_->convergence.violations()}) {
    for (const std::string& line : log->lines()) {
      absl::StrAppend(&out, "  ", line, "\n");
    }
  }
  absl::StrAppend(&out, "last ", trace_lines, " trace entries:\n",
                  trace_.Tail(trace_lines));
  return out;
}

}  // namespace swim::testing

#include "tools/member/operator_endpoints.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/member_status.h"
#include "swim/core/stats.h"
#include "swim/drivers/net/view_file.h"
#include "tools/common/json_writer.h"
#include "tools/member/event_json.h"

ABSL_FLAG(std::optional<std::string>, metrics, std::nullopt,
          "Serve Prometheus metrics over HTTP at IP:PORT (GET /metrics; "
          "port 0 picks one, printed on stderr); names and units in "
          "docs/operations.md");
ABSL_FLAG(std::optional<std::string>, status_json, std::nullopt,
          "On SIGUSR1, write every member's status (view, gauges, "
          "counters) as JSON to this file, replaced atomically");
ABSL_FLAG(std::optional<std::string>, record, std::nullopt,
          "Record every input of the member to this file (FILE.1, FILE.2, "
          "... with --local), for `swim-sim replay`; it holds no key and "
          "nothing decrypted (docs/operations.md)");

namespace swim::tools {

void ApplyRecordFlag(absl::Span<MemberSettings> members) {
  const std::optional<std::string> path = absl::GetFlag(FLAGS_record);
  if (!path) return;
  for (size_t i = 0; i < members.size(); ++i) {
    members[i].driver_options.recording_file =
        members.size() == 1 ? *path : absl::StrCat(*path, ".", i + 1);
  }
}

namespace {

absl::string_view LifecycleName(Lifecycle lifecycle) {
  switch (lifecycle) {
    case Lifecycle::kActive:
      return "active";
    case Lifecycle::kLeaving:
      return "leaving";
    case Lifecycle::kLeft:
      return "left";
  }
  return "unknown";
}

}  // namespace

JsonObject MemberStatusObject(const Node& node, const DriverStats& driver) {
  const Member& local = node.local();
  JsonArray view;
  for (const Member& member : node.Members()) {
    JsonObject metadata;
    for (const auto& [key, value] : member.metadata) metadata.Add(key, value);
    view.Add(JsonObject()
                 .Add("member", member.name)
                 .Add("address", member.address.ToString())
                 .Add("status", MemberStatusName(member.status))
                 .Add("incarnation", member.incarnation.ToString())
                 .Add("metadata", metadata));
  }
  const Gauges gauges = node.gauges();
  JsonObject gauge_json;
  gauge_json.Add("online", static_cast<uint64_t>(gauges.online))
      .Add("suspect", static_cast<uint64_t>(gauges.suspect))
      .Add("offline", static_cast<uint64_t>(gauges.offline))
      .Add("left", static_cast<uint64_t>(gauges.left))
      .Add("health", gauges.health)
      .Add("isolated", gauges.isolated)
      .Add("incarnation_version", local.incarnation.version);
  for (const GaugeField& gauge : GaugeFields()) {
    gauge_json.Add(gauge.name, static_cast<uint64_t>(gauges.*gauge.value));
  }
  const Stats& stats = node.stats();
  JsonObject counters;
  for (const StatsCounter& counter : StatsCounters()) {
    counters.Add(counter.name, stats.*counter.value);
  }
  counters.Add("drops", stats.TotalDrops());
  JsonObject driver_counters;
  for (const DriverStatsField& field : DriverStatsFields()) {
    driver_counters.Add(field.name, driver.*field.value);
  }
  return JsonObject()
      .Add("member", local.name)
      .Add("address", local.address.ToString())
      .Add("status", MemberStatusName(local.status))
      .Add("incarnation", local.incarnation.ToString())
      .Add("lifecycle", LifecycleName(node.lifecycle()))
      .Add("view", view)
      .Add("gauges", gauge_json)
      .Add("stats", counters)
      .Add("driver", driver_counters);
}

absl::StatusOr<std::unique_ptr<OperatorEndpoints>> OperatorEndpoints::Start(
    absl::Span<LiveMember* const> members) {
  std::unique_ptr<OperatorEndpoints> endpoints(new OperatorEndpoints());
  endpoints->members_.assign(members.begin(), members.end());
  endpoints->status_path_ = absl::GetFlag(FLAGS_status_json);
  if (endpoints->status_path_) {
    // The temporary files that writes of a killed run left beside the
    // file. A missing directory is reported by the first write.
    absl::StatusOr<int> removed =
        net::RemoveLeftoverTemporaries(*endpoints->status_path_);
    if (!removed.ok() && !absl::IsNotFound(removed.status())) {
      endpoints->leftover_error_ = absl::Status(
          removed.status().code(),
          absl::StrCat("--status-json: ", removed.status().message()));
    }
  }
  if (const std::optional<std::string> listen = absl::GetFlag(FLAGS_metrics)) {
    absl::StatusOr<std::unique_ptr<MetricsExporter>> exporter =
        MetricsExporter::Start(*listen);
    if (!exporter.ok()) {
      return absl::Status(
          exporter.status().code(),
          absl::StrCat("--metrics: ", exporter.status().message()));
    }
    endpoints->exporter_ = *std::move(exporter);
    endpoints->metrics_address_ = *Address::Parse(*listen);
    for (LiveMember* member : members) {
      endpoints->exporter_->Add(&member->driver());
    }
  }
  return endpoints;
}

OperatorEndpoints::~OperatorEndpoints() {
  // The exporter stops serving before the members it reads go.
  exporter_.reset();
}

std::optional<std::string> OperatorEndpoints::metrics_url() const {
  if (exporter_ == nullptr) return std::nullopt;
  return absl::StrCat(
      "http://",
      metrics_address_.WithPort(static_cast<uint16_t>(exporter_->port()))
          .ToString(),
      "/metrics");
}

absl::Status OperatorEndpoints::WriteStatus() {
  if (!status_path_) return absl::OkStatus();
  JsonArray members;
  for (LiveMember* member : members_) {
    JsonObject json;
    const absl::Status read = member->driver().Inspect(
        [&](const Node& node, const DriverStats& stats) {
          json = MemberStatusObject(node, stats);
        });
    if (!read.ok()) {
      return absl::Status(read.code(),
                          absl::StrCat("--status-json: ", member->name(), ": ",
                                       read.message()));
    }
    if (const std::optional<absl::Time> expiry =
            member->driver().TlsCertificateExpiry()) {
      json.Add(
          "tls_certificate_expires",
          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *expiry, absl::UTCTimeZone()));
    }
    members.Add(json);
  }
  const std::string text = JsonObject().Add("members", members).Finish() + "\n";
  // As a view file: a temporary file of its own beside the target (mode
  // 0600), flushed to disk and renamed over it.
  if (absl::Status written = net::WriteFileAtomically(*status_path_, text);
      !written.ok()) {
    return absl::Status(written.code(),
                        absl::StrCat("--status-json: ", written.message()));
  }
  return absl::OkStatus();
}

}  // namespace swim::tools

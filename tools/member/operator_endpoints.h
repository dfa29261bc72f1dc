#ifndef TOOLS_MEMBER_OPERATOR_ENDPOINTS_H_
#define TOOLS_MEMBER_OPERATOR_ENDPOINTS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/node.h"
#include "swim/drivers/driver_stats.h"
#include "swim/drivers/metrics/metrics_exporter.h"
#include "tools/common/json_writer.h"
#include "tools/member/live_member.h"
#include "tools/member/member_config.h"

namespace swim::tools {

// One member's status as a JSON object (docs/operations.md, "Status
// dump"): its identity and lifecycle, its view of every member, its
// gauges, and every counter of the node and the driver.
JsonObject MemberStatusObject(const Node& node, const DriverStats& stats);

// --record=FILE (DriverOptions::recording_file) for the members about to
// start: FILE for one member; FILE.1, FILE.2, ... for several (--local).
void ApplyRecordFlag(absl::Span<MemberSettings> members);

// What the programs offer an operator besides their output, from the
// flags --metrics=IP:PORT (Prometheus metrics over HTTP) and
// --status-json=FILE (the members' status, written on SIGUSR1).
class OperatorEndpoints {
 public:
  // Reads the flags, removes the temporary files a killed run left beside
  // the --status-json file (net::RemoveLeftoverTemporaries) and starts the
  // exporter for `members` (which must outlive this object).
  // InvalidArgument for a malformed --metrics; Unavailable when it cannot
  // listen there.
  static absl::StatusOr<std::unique_ptr<OperatorEndpoints>> Start(
      absl::Span<LiveMember* const> members);
  ~OperatorEndpoints();

  // Where the metrics are served ("http://127.0.0.1:9100/metrics"), or
  // nullopt without --metrics.
  std::optional<std::string> metrics_url() const;
  // Why leftover temporary files of the --status-json file could not be
  // removed at Start, for the program to print; OK when they were (or
  // there were none, or no flag). The file is written all the same.
  const absl::Status& leftover_error() const { return leftover_error_; }
  // Writes every member's status to the --status-json file, atomically
  // (a temporary file renamed over it); OK without the flag. The error
  // names the file.
  absl::Status WriteStatus();

 private:
  OperatorEndpoints() = default;

  std::vector<LiveMember*> members_;
  std::unique_ptr<MetricsExporter> exporter_;
  Address metrics_address_;
  std::optional<std::string> status_path_;
  absl::Status leftover_error_;
};

}  // namespace swim::tools

#endif  // TOOLS_MEMBER_OPERATOR_ENDPOINTS_H_

#include "swim/drivers/metrics/metrics_exporter.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/client_metric.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/metric_family.h"
#include "prometheus/metric_type.h"
#include "swim/core/address.h"
#include "swim/core/security_mode.h"
#include "swim/core/stats.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Adds series to families by name, creating each family once.
class Families {
 public:
  Families(std::vector<MetricFamily>& families, absl::string_view member)
      : families_(families), member_(member) {}

  // One series of family `name` (created with `help` and `type` if new),
  // labelled with the member and `label`=`value` when `label` is given.
  ClientMetric& Series(absl::string_view name, absl::string_view help,
                       MetricType type, absl::string_view label = {},
                       absl::string_view value = {}) {
    MetricFamily* family = nullptr;
    for (MetricFamily& existing : families_) {
      if (existing.name == name) family = &existing;
    }
    if (family == nullptr) {
      families_.push_back(
          MetricFamily{std::string(name), std::string(help), type, {}});
      family = &families_.back();
    }
    ClientMetric& metric = family->metric.emplace_back();
    metric.label.push_back({"member", member_});
    if (!label.empty()) {
      metric.label.push_back({std::string(label), std::string(value)});
    }
    return metric;
  }

  void Counter(absl::string_view name, absl::string_view help, double value,
               absl::string_view label = {},
               absl::string_view label_value = {}) {
    Series(name, help, MetricType::Counter, label, label_value).counter.value =
        value;
  }
  void Gauge(absl::string_view name, absl::string_view help, double value,
             absl::string_view label = {}, absl::string_view label_value = {}) {
    Series(name, help, MetricType::Gauge, label, label_value).gauge.value =
        value;
  }
  void Seconds(absl::string_view name, absl::string_view help,
               const Histogram& histogram) {
    ClientMetric::Histogram& out =
        Series(name, help, MetricType::Histogram).histogram;
    out.sample_count = histogram.count();
    out.sample_sum = absl::ToDoubleSeconds(histogram.sum());
    uint64_t cumulative = 0;
    for (size_t i = 0; i < histogram.bounds().size(); ++i) {
      cumulative += histogram.bucket(i);
      out.bucket.push_back(
          {cumulative, absl::ToDoubleSeconds(histogram.bounds()[i])});
    }
    out.bucket.push_back(
        {histogram.count(), std::numeric_limits<double>::infinity()});
  }

 private:
  std::vector<MetricFamily>& families_;
  std::string member_;
};

}  // namespace

void AppendMemberMetrics(const Node& node, const DriverStats& driver,
                         std::vector<MetricFamily>& families) {
  Families out(families, node.local().name);
  const Stats& stats = node.stats();
  out.Gauge("swim_up", "1 when the member's loop answered this scrape.", 1);
  for (const StatsCounter& counter : StatsCounters()) {
    out.Counter(absl::StrCat("swim_", counter.name, "_total"),
                absl::StrCat("Node counter ", counter.name,
                             " (swim::Stats, docs/operations.md)."),
                static_cast<double>(stats.*counter.value));
  }
  for (int type = 1; type < static_cast<int>(stats.messages_sent.size());
       ++type) {
    const std::string name =
        std::string(MessageTypeName(static_cast<MessageType>(type)));
    out.Counter("swim_messages_sent_total", "Messages sent, by type.",
                static_cast<double>(stats.messages_sent[type]), "type", name);
    out.Counter("swim_messages_received_total",
                "Messages received and handled, by type.",
                static_cast<double>(stats.messages_received[type]), "type",
                name);
  }
  for (int reason = 0; reason < kDropReasonCount; ++reason) {
    out.Counter("swim_drops_total",
                "Input or output dropped, by reason (swim::DropReason).",
                static_cast<double>(stats.drops[reason]), "reason",
                std::string(DropReasonName(static_cast<DropReason>(reason))));
  }
  for (int reason = 0; reason < kEnvelopeDropCount; ++reason) {
    out.Counter(
        "swim_envelope_drops_total",
        "Packets that failed the envelope, by reason "
        "(swim::EnvelopeDrop).",
        static_cast<double>(stats.envelope_drops[reason]), "reason",
        std::string(EnvelopeDropName(static_cast<EnvelopeDrop>(reason))));
  }
  out.Seconds("swim_probe_rtt_seconds",
              "From a probe's ping to its first answer.", stats.probe_rtt);
  out.Seconds("swim_suspicion_to_offline_seconds",
              "How long members held SUSPECT stayed so before OFFLINE.",
              stats.suspicion_to_offline);
  out.Seconds("swim_suspicion_to_refuted_seconds",
              "How long members held SUSPECT stayed so before ONLINE again.",
              stats.suspicion_to_refuted);

  const Gauges gauges = node.gauges();
  for (const auto& [status, count] :
       {std::pair{"online", gauges.online},
        std::pair{"suspect", gauges.suspect},
        std::pair{"offline", gauges.offline}, std::pair{"left", gauges.left}}) {
    out.Gauge("swim_members", "Remote members known, by status.",
              static_cast<double>(count), "status", status);
  }
  out.Gauge("swim_health_score",
            "Lifeguard's local health score (0 is healthy).", gauges.health);
  out.Gauge("swim_isolated", "1 while this member is cut off.",
            gauges.isolated ? 1 : 0);
  for (const GaugeField& gauge : GaugeFields()) {
    out.Gauge(absl::StrCat("swim_", gauge.name), gauge.help,
              static_cast<double>(gauges.*gauge.value));
  }
  out.Gauge("swim_incarnation_version",
            "This member's incarnation version (bumped by each refutation "
            "and metadata change).",
            static_cast<double>(node.local().incarnation.version));

  for (const DriverStatsField& field : DriverStatsFields()) {
    out.Counter(absl::StrCat("swim_driver_", field.name, "_total"),
                absl::StrCat("Driver counter ", field.name,
                             " (swim::DriverStats, docs/operations.md)."),
                static_cast<double>(driver.*field.value));
  }
}

class MetricsExporter::Collector : public prometheus::Collectable {
 public:
  explicit Collector(absl::Duration inspect_timeout)
      : inspect_timeout_(inspect_timeout) {}

  void Add(Driver* driver) {
    absl::MutexLock lock(&mutex_);
    drivers_.push_back(driver);
  }
  void Remove(Driver* driver) {
    absl::MutexLock lock(&mutex_);
    drivers_.erase(std::remove(drivers_.begin(), drivers_.end(), driver),
                   drivers_.end());
  }

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> families;
    absl::MutexLock lock(&mutex_);
    // One deadline for the whole scrape: members whose loops do not answer
    // by then read swim_up 0, however many there are.
    const absl::Time deadline = absl::Now() + inspect_timeout_;
    for (Driver* driver : drivers_) {
      const absl::Status read = driver->Inspect(
          [&](const Node& node, const DriverStats& stats) {
            AppendMemberMetrics(node, stats, families);
          },
          std::max(deadline - absl::Now(), absl::ZeroDuration()));
      Families member(families, driver->name());
      if (!read.ok()) {
        member.Gauge("swim_up",
                     "1 when the member's loop answered this scrape.", 0);
      }
      if (const std::optional<absl::Time> expiry =
              driver->TlsCertificateExpiry()) {
        member.Gauge("swim_tls_certificate_expiry_timestamp_seconds",
                     "When the member's TLS certificate (or one above it in "
                     "its file's chain) expires, in seconds since the Unix "
                     "epoch.",
                     absl::ToDoubleSeconds(*expiry - absl::UnixEpoch()));
      }
    }
    return families;
  }

 private:
  const absl::Duration inspect_timeout_;
  mutable absl::Mutex mutex_;
  std::vector<Driver*> drivers_ ABSL_GUARDED_BY(mutex_);
};

absl::StatusOr<std::unique_ptr<MetricsExporter>> MetricsExporter::Start(
    absl::string_view listen, absl::Duration inspect_timeout) {
  const absl::StatusOr<Address> address = Address::Parse(listen);
  if (!address.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics: '", listen,
                     "' is not an IP address and port (e.g. 127.0.0.1:9100)"));
  }
  std::unique_ptr<MetricsExporter> exporter(new MetricsExporter());
  exporter->collector_ = std::make_shared<Collector>(inspect_timeout);
  try {
    // civetweb's form of the address: "1.2.3.4:9100" or "[::1]:9100". A
    // connection holds one of the threads until its request is read and
    // answered: the timeout bounds what a client that connects and sends
    // nothing (or reads nothing) holds up the scrapes behind it.
    exporter->exposer_ =
        std::make_unique<prometheus::Exposer>(std::vector<std::string>{
            "listening_ports", address->ToString(), "num_threads",
            absl::StrCat(kServerThreads), "request_timeout_ms",
            absl::StrCat(absl::ToInt64Milliseconds(kRequestTimeout))});
  } catch (const std::exception& error) {
    // Debian's civetweb is built without IPv6, and says only that it
    // could not bind.
    return absl::UnavailableError(absl::StrCat(
        "metrics: cannot listen on ", address->ToString(), ": ", error.what(),
        address->family() == Address::Family::kIpv6
            ? " (the HTTP server may have been built without IPv6, as "
              "Debian's civetweb is: give an IPv4 address such as "
              "127.0.0.1:9100)"
            : ""));
  }
  exporter->exposer_->RegisterCollectable(exporter->collector_);
  const std::vector<int> ports = exporter->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("metrics: not listening on ", address->ToString()));
  }
  exporter->port_ = ports.front();
  return exporter;
}

MetricsExporter::~MetricsExporter() {
  // Stop serving before the collector goes: no scrape runs after this.
  exposer_.reset();
}

void MetricsExporter::Add(Driver* driver) { collector_->Add(driver); }
void MetricsExporter::Remove(Driver* driver) { collector_->Remove(driver); }

}  // namespace swim

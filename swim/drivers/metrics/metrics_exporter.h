#ifndef SWIM_DRIVERS_METRICS_METRICS_EXPORTER_H_
#define SWIM_DRIVERS_METRICS_METRICS_EXPORTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/node.h"
#include "swim/drivers/driver.h"
#include "swim/drivers/driver_stats.h"

namespace prometheus {
class Exposer;
struct MetricFamily;
}  // namespace prometheus

namespace swim {

// The metric families of one member at one moment, in Prometheus' data
// model: every counter of the Node's Stats and of the driver's
// DriverStats, the gauges (Node::gauges) and the histograms, each series
// labelled member="<name>" (docs/operations.md, "Metrics", lists them
// with their units). Appended to `families`, merging with families already
// there, so that several members make one family per name.
void AppendMemberMetrics(const Node& node, const DriverStats& stats,
                         std::vector<prometheus::MetricFamily>& families);

// Serves the metrics of the drivers added to it over HTTP for Prometheus
// (GET /metrics, the text exposition format), with prometheus-cpp's
// server: AppendMemberMetrics' families, and for each member with TLS
// when its certificate expires (Driver::TlsCertificateExpiry). A scrape
// reads each member on its loop (Driver::Inspect), so its values are one
// consistent moment of that member; members whose loops have not answered
// when `inspect_timeout` has passed since the scrape began are reported
// with swim_up 0.
//
// Thread safety: every method may be called from any thread; scrapes run on
// the server's threads. Destroy the exporter before the drivers it serves
// (or Remove them first).
class MetricsExporter {
 public:
  // The server's threads, each serving one connection at a time, and how
  // long a connection may take to send its request or read the answer: a
  // client that connects and sends nothing holds a thread that long, so a
  // scrape waits at most this long behind such clients (unless they keep
  // every thread busy, which only the network's reach can prevent: listen
  // on a loopback or private address, docs/operations.md).
  static constexpr int kServerThreads = 4;
  static constexpr absl::Duration kRequestTimeout = absl::Seconds(2);

  // Listens on `listen`, an IP address and port ("127.0.0.1:9100"; port 0
  // picks a free one, see port()). An IPv6 address ("[::1]:9100") works
  // when the HTTP server (civetweb) was built with IPv6, which Debian's is
  // not. InvalidArgument for anything else; Unavailable, naming the
  // address, when it cannot listen there (in use, say, or IPv6 without
  // support).
  static absl::StatusOr<std::unique_ptr<MetricsExporter>> Start(
      absl::string_view listen,
      absl::Duration inspect_timeout = absl::Seconds(2));
  ~MetricsExporter();

  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  // Adds a member to every later scrape; Remove takes it out (it waits for
  // a scrape under way).
  void Add(Driver* driver);
  void Remove(Driver* driver);

  // The port it listens on.
  int port() const { return port_; }

 private:
  class Collector;

  MetricsExporter() = default;

  std::shared_ptr<Collector> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_METRICS_METRICS_EXPORTER_H_

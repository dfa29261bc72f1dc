// The exporter against live members: a scrape over HTTP lists every
// member's series and its counters move as the cluster works; bad listen
// addresses are clear errors.

#include "swim/drivers/metrics/metrics_exporter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "prometheus/metric_family.h"
#include "swim/drivers/testing/eventually.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/running_member.h"
#include "swim/drivers/testing/test_pki.h"

namespace swim {
namespace {

using drivertest::DriverKind;
using drivertest::Eventually;
using drivertest::FastConfig;
using drivertest::RunningMember;
using drivertest::StartMember;

// 127.0.0.1:`port`.
sockaddr_in Loopback(int port) {
  sockaddr_in to = {};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return to;
}

// GET /metrics from 127.0.0.1:`port`; the body, or nullopt (also when the
// answer has not come within `timeout`).
std::optional<std::string> Scrape(int port,
                                  absl::Duration timeout = absl::Seconds(20)) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  const timeval limit = absl::ToTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  sockaddr_in to = Loopback(port);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0) {
    const std::string request =
        "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) ==
        static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      ssize_t n;
      while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
        response.append(buffer, static_cast<size_t>(n));
      }
    }
  }
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (!absl::StartsWith(response, "HTTP/1.1 200") ||
      body == std::string::npos) {
    return std::nullopt;
  }
  return response.substr(body + 4);
}

// The value of the sample line that starts with `series` ("name{labels}").
std::optional<double> Sample(const std::string& text,
                             absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, series) || line.size() <= series.size() ||
        line[series.size()] != ' ') {
      continue;
    }
    double value = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
  }
  return std::nullopt;
}

TEST(MetricsExporterTest, AScrapeListsEveryMemberAndItsCountersMove) {
  std::vector<std::unique_ptr<RunningMember>> members;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<RunningMember>> member = StartMember(
        DriverKind::kEpoll, FastConfig(absl::StrCat("m", i)), DriverOptions());
    ASSERT_TRUE(member.ok()) << member.status();
    members.push_back(*std::move(member));
  }
  members[1]->driver().Join({members[0]->address()});
  absl::StatusOr<std::unique_ptr<MetricsExporter>> exporter =
      MetricsExporter::Start("127.0.0.1:0");
  ASSERT_TRUE(exporter.ok()) << exporter.status();
  ASSERT_GT((*exporter)->port(), 0);
  for (const auto& member : members) (*exporter)->Add(&member->driver());

  const std::string up0 = R"(swim_up{member="m0"})";
  const std::string online0 = R"(swim_members{member="m0",status="online"})";
  const std::string probes1 = R"(swim_probes_total{member="m1"})";
  const std::string rtt1 = R"(swim_probe_rtt_seconds_count{member="m1"})";
  std::string text;
  ASSERT_TRUE(Eventually(
      [&] {
        std::optional<std::string> scraped = Scrape((*exporter)->port());
        if (!scraped) return false;
        text = *scraped;
        // Every probe answered on loopback lands in the round-trip
        // histogram.
        return Sample(text, online0) == 1 && Sample(text, probes1) > 0 &&
               Sample(text, rtt1) > 0;
      },
      absl::Seconds(10)))
      << text;
  EXPECT_EQ(Sample(text, up0), 1);
  EXPECT_TRUE(absl::StrContains(text, "# TYPE swim_probes_total counter"));
  EXPECT_TRUE(
      absl::StrContains(text, "# TYPE swim_probe_rtt_seconds histogram"));
  EXPECT_TRUE(absl::StrContains(
      text, R"(swim_probe_rtt_seconds_bucket{member="m1",le="+Inf"})"));
  EXPECT_TRUE(absl::StrContains(
      text, R"(swim_drops_total{member="m0",reason="table-full"} 0)"));
  EXPECT_TRUE(absl::StrContains(
      text, R"(swim_driver_datagrams_received_total{member="m1"})"));

  const double probes = *Sample(text, probes1);
  ASSERT_TRUE(Eventually(
      [&] {
        std::optional<std::string> later = Scrape((*exporter)->port());
        return later && Sample(*later, probes1) > probes;
      },
      absl::Seconds(10)));
}

// A member with TLS reports when its certificate expires, and its reloads;
// one without reports no expiry.
TEST(MetricsExporterTest, CertificateExpiryAndReloadsAreReported) {
  absl::StatusOr<std::unique_ptr<drivertest::TestPki>> pki =
      drivertest::TestPki::Create(::testing::TempDir(), "metrics-ca");
  ASSERT_TRUE(pki.ok()) << pki.status();
  const absl::Time issued = absl::Now();
  drivertest::TestPki::Leaf day;
  day.not_after = absl::Hours(24);
  absl::StatusOr<TlsOptions> tls = (*pki)->Issue("tls", day);
  ASSERT_TRUE(tls.ok()) << tls.status();
  DriverOptions with_tls;
  with_tls.tls = *tls;
  absl::StatusOr<std::unique_ptr<RunningMember>> secure =
      StartMember(DriverKind::kEpoll, FastConfig("tls"), with_tls);
  ASSERT_TRUE(secure.ok()) << secure.status();
  absl::StatusOr<std::unique_ptr<RunningMember>> plain =
      StartMember(DriverKind::kEpoll, FastConfig("plain"), DriverOptions());
  ASSERT_TRUE(plain.ok()) << plain.status();
  absl::StatusOr<std::unique_ptr<MetricsExporter>> exporter =
      MetricsExporter::Start("127.0.0.1:0");
  ASSERT_TRUE(exporter.ok()) << exporter.status();
  (*exporter)->Add(&(*secure)->driver());
  (*exporter)->Add(&(*plain)->driver());

  const std::string expiry =
      R"(swim_tls_certificate_expiry_timestamp_seconds{member="tls"})";
  const std::string reloads = R"(swim_driver_tls_reloads_total{member="tls"})";
  const std::string failures =
      R"(swim_driver_tls_reload_failures_total{member="tls"})";
  const auto seconds = [](absl::Time t) {
    return absl::ToDoubleSeconds(t - absl::UnixEpoch());
  };
  std::optional<std::string> text = Scrape((*exporter)->port());
  ASSERT_TRUE(text.has_value());
  ASSERT_TRUE(Sample(*text, expiry).has_value()) << *text;
  EXPECT_NEAR(*Sample(*text, expiry), seconds(issued + absl::Hours(24)), 5);
  EXPECT_EQ(Sample(*text, reloads), 0);
  EXPECT_FALSE(absl::StrContains(
      *text,
      R"(swim_tls_certificate_expiry_timestamp_seconds{member="plain"})"));

  // Renewed for two days, in place: the reload moves the expiry.
  drivertest::TestPki::Leaf two_days;
  two_days.not_after = absl::Hours(48);
  absl::StatusOr<TlsOptions> renewed = (*pki)->Issue("tls-renewed", two_days);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  std::ofstream(tls->certificate_file, std::ios::trunc)
      << std::ifstream(renewed->certificate_file).rdbuf();
  std::ofstream(tls->key_file, std::ios::trunc)
      << std::ifstream(renewed->key_file).rdbuf();
  ASSERT_TRUE((*secure)->driver().ReloadTls().ok());
  // A reload that fails keeps the certificate, and is counted.
  std::ofstream(tls->key_file, std::ios::trunc) << "not a key\n";
  EXPECT_FALSE((*secure)->driver().ReloadTls().ok());
  ASSERT_TRUE(Eventually(
      [&] {
        text = Scrape((*exporter)->port());
        return text && Sample(*text, reloads) == 1 &&
               Sample(*text, failures) == 1;
      },
      absl::Seconds(10)))
      << text.value_or("");
  EXPECT_NEAR(*Sample(*text, expiry), seconds(issued + absl::Hours(48)), 5);
}

TEST(MetricsExporterTest, BadAddressesAreClearErrors) {
  for (absl::string_view bad : {"", "localhost:9100", "127.0.0.1", "9100"}) {
    absl::StatusOr<std::unique_ptr<MetricsExporter>> exporter =
        MetricsExporter::Start(bad);
    EXPECT_EQ(exporter.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  absl::StatusOr<std::unique_ptr<MetricsExporter>> first =
      MetricsExporter::Start("127.0.0.1:0");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<MetricsExporter>> second =
      MetricsExporter::Start(absl::StrCat("127.0.0.1:", (*first)->port()));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(second.status().message(), "127.0.0.1:"))
      << second.status();
}

// Clients that connect and send nothing hold the server's threads for the
// request timeout only: a scrape behind as many of them as there are
// threads is answered (it waited 30 s, civetweb's default, with 2
// threads before the timeout was set; Prometheus gives up after 10 s).
TEST(MetricsExporterTest, IdleConnectionsDoNotHoldUpAScrape) {
  absl::StatusOr<std::unique_ptr<MetricsExporter>> exporter =
      MetricsExporter::Start("127.0.0.1:0");
  ASSERT_TRUE(exporter.ok()) << exporter.status();
  std::vector<int> idle;
  for (int i = 0; i < MetricsExporter::kServerThreads; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
    const sockaddr_in to = Loopback((*exporter)->port());
    ASSERT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)),
              0);
  }
  const std::optional<std::string> scraped =
      Scrape((*exporter)->port(), MetricsExporter::kRequestTimeout * 5);
  for (int fd : idle) close(fd);
  ASSERT_TRUE(scraped.has_value());
  EXPECT_TRUE(absl::StrContains(*scraped, "exposer_"));
}

// IPv6 needs a civetweb built with it: where it is not, the error says to
// give an IPv4 address instead of only that it could not bind.
TEST(MetricsExporterTest, AnIpv6AddressWorksOrSaysWhatToDo) {
  absl::StatusOr<std::unique_ptr<MetricsExporter>> exporter =
      MetricsExporter::Start("[::1]:0");
  if (exporter.ok()) {
    EXPECT_GT((*exporter)->port(), 0);
    return;
  }
  EXPECT_EQ(exporter.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(exporter.status().message(), "IPv4 address"))
      << exporter.status();
}

}  // namespace
}  // namespace swim

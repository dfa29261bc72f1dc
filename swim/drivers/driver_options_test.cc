// DriverOptions::Validate: the defaults pass, and every field it checks is
// named in the error when it is wrong.

#include "swim/drivers/driver_options.h"

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/config.h"

namespace swim {
namespace {

TEST(DriverOptionsTest, DefaultsAreValid) {
  EXPECT_TRUE(DriverOptions().Validate(Config::Lan()).ok());
  EXPECT_TRUE(DriverOptions().Validate(Config::Wan()).ok());
}

// `options` with TLS files named (not read: Validate checks the fields).
TlsOptions& WithTls(DriverOptions& options) {
  options.tls.certificate_file = "member.crt";
  options.tls.key_file = "member.key";
  options.tls.ca_file = "ca.pem";
  return options.tls;
}

TEST(DriverOptionsTest, EachBadFieldIsNamed) {
  struct Case {
    std::function<void(DriverOptions&)> mutate;
    std::string field;
  };
  const Case cases[] = {
      {[](DriverOptions& o) { o.connect_timeout = absl::ZeroDuration(); },
       "connect_timeout"},
      {[](DriverOptions& o) { o.read_timeout = -absl::Seconds(1); },
       "read_timeout"},
      {[](DriverOptions& o) { o.write_timeout = absl::ZeroDuration(); },
       "write_timeout"},
      {[](DriverOptions& o) { o.idle_timeout = absl::ZeroDuration(); },
       "idle_timeout"},
      {[](DriverOptions& o) { o.max_connections = 0; }, "max_connections"},
      {[](DriverOptions& o) { o.max_connections_per_host = 65; },
       "max_connections_per_host"},
      {[](DriverOptions& o) { o.max_unauthenticated_per_host = 0; },
       "max_unauthenticated_per_host"},
      {[](DriverOptions& o) { o.max_handshakes_per_host_per_second = -1; },
       "max_handshakes_per_host_per_second"},
      {[](DriverOptions& o) { o.max_handshakes_per_second = 1'000'001; },
       "max_handshakes_per_second"},
      {[](DriverOptions& o) { o.ipv6_host_prefix = 0; }, "ipv6_host_prefix"},
      {[](DriverOptions& o) { o.ipv6_host_prefix = 129; }, "ipv6_host_prefix"},
      {[](DriverOptions& o) { o.max_queued_stream_bytes = 1024; },
       "max_queued_stream_bytes"},
      {[](DriverOptions& o) { o.tls.certificate_file = "member.crt"; }, "tls"},
      {[](DriverOptions& o) { o.tls.peer_names = {"members.swim.example"}; },
       "tls.peer_names"},
      {[](DriverOptions& o) {
         WithTls(o).peer_names = {"members.swim.example", "*.swim.example"};
       },
       "tls.peer_names"},
      {[](DriverOptions& o) {
         WithTls(o).peer_names.assign(TlsOptions::kMaxPeerNames + 1, "swim");
       },
       "tls.peer_names"},
      {[](DriverOptions& o) { o.max_datagram_size = 512; },
       "max_datagram_size"},
      {[](DriverOptions& o) { o.socket_buffer_size = -1; },
       "socket_buffer_size"},
      {[](DriverOptions& o) {
         o.max_resolve_backoff = o.min_resolve_backoff / 2;
       },
       "max_resolve_backoff"},
      {[](DriverOptions& o) { o.seed_refresh_interval = -absl::Seconds(1); },
       "seed_refresh_interval"},
      {[](DriverOptions& o) { o.advertised_host = "10.0.0.1"; },
       "advertised_host"},
      {[](DriverOptions& o) { o.advertised_host = "fd00::1"; },
       "advertised_host"},
      {[](DriverOptions& o) { o.advertised_host = "db-1.internal:7946"; },
       "advertised_host"},
      {[](DriverOptions& o) {
         o.advertised_host = "db-1.internal";
         o.advertised_refresh_interval = absl::ZeroDuration();
       },
       "advertised_refresh_interval"},
      {[](DriverOptions& o) { o.view_file_max_age = -absl::Seconds(1); },
       "view_file_max_age"},
      {[](DriverOptions& o) { o.view_save_interval = absl::ZeroDuration(); },
       "view_save_interval"},
      {[](DriverOptions& o) { o.view_file_contacts = 1025; },
       "view_file_contacts"},
      {[](DriverOptions& o) { o.recording_max_bytes = 100; },
       "recording_max_bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    DriverOptions options;
    c.mutate(options);
    const absl::Status status = options.Validate(Config::Lan());
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
    EXPECT_TRUE(absl::StrContains(status.message(), c.field)) << status;
  }
}

TEST(DriverOptionsTest, PeerNamesAreValid) {
  DriverOptions options;
  WithTls(options).peer_names = {
      "members.swim.example", "Swim-2.example", "swim",
      std::string(63, 'a'),   "10.0.0.example", "7.example"};
  EXPECT_TRUE(options.Validate(Config::Lan()).ok())
      << options.Validate(Config::Lan());
  options.tls.peer_names.assign(TlsOptions::kMaxPeerNames, "swim");
  EXPECT_TRUE(options.Validate(Config::Lan()).ok());
}

TEST(DriverOptionsTest, AnAdvertisedHostNameIsValid) {
  DriverOptions options;
  options.advertised_host = "db-1.internal";
  EXPECT_TRUE(options.Validate(Config::Lan()).ok());
}

}  // namespace
}  // namespace swim

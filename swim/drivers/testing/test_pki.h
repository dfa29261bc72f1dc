#ifndef SWIM_DRIVERS_TESTING_TEST_PKI_H_
#define SWIM_DRIVERS_TESTING_TEST_PKI_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/drivers/driver_options.h"

struct evp_pkey_st;
struct x509_st;

namespace swim::drivertest {

// Certificates for tests, made at run time with the TLS library (no key is
// committed): a CA with an EC P-256 key, and member certificates it signs,
// written as PEM files into a directory of its own, removed with it.
class TestPki {
 public:
  // What a member certificate says.
  struct Leaf {
    // IP subject alternative names ("127.0.0.1", "::1").
    std::vector<std::string> ips = {"127.0.0.1"};
    // DNS subject alternative names ("members.swim.example",
    // "*.swim.example").
    std::vector<std::string> dns;
    // Valid from now + not_before until now + not_after.
    absl::Duration not_before = -absl::Hours(1);
    absl::Duration not_after = absl::Hours(24);
    // The keyUsage extension, as openssl's configuration writes it.
    std::string key_usage = "critical,digitalSignature";
  };

  // A new CA whose files go into a new directory in `parent` (which must
  // exist), named after `name`; several processes may share `parent`.
  static absl::StatusOr<std::unique_ptr<TestPki>> Create(
      const std::string& parent, absl::string_view name = "ca");
  ~TestPki();

  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // Issues a certificate and key for `member`, writes them, and returns
  // the TLS options of a member using them and trusting this CA.
  absl::StatusOr<TlsOptions> Issue(absl::string_view member, const Leaf& leaf);
  // The same with the default Leaf (127.0.0.1, valid now).
  absl::StatusOr<TlsOptions> Issue(absl::string_view member);
  // A member certificate this CA signs, as Issue does, but for options
  // that trust `trusted` instead (another cluster's CA).
  absl::StatusOr<TlsOptions> IssueTrusting(absl::string_view member,
                                           const Leaf& leaf,
                                           const TestPki& trusted);
  const std::string& ca_file() const { return ca_file_; }

 private:
  TestPki(std::string directory, std::string name, evp_pkey_st* key,
          x509_st* certificate, std::string ca_file);

  std::string directory_;
  std::string name_;
  evp_pkey_st* key_;
  x509_st* certificate_;
  std::string ca_file_;
  uint64_t next_serial_ = 2;
};

}  // namespace swim::drivertest

#endif  // SWIM_DRIVERS_TESTING_TEST_PKI_H_

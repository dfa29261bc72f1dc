#ifndef SWIM_DRIVERS_TESTING_RAW_PEER_H_
#define SWIM_DRIVERS_TESTING_RAW_PEER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/drivers/net/file_descriptor.h"

namespace swim::drivertest {

// A ping for `target`, sealed with `key` (AES-256-GCM) under `label`: what
// a member of that cluster would send.
std::vector<uint8_t> SealedPing(const std::string& target,
                                const std::string& key,
                                const std::string& label);

// A plain UDP socket on loopback speaking raw bytes to a member.
class RawUdpPeer {
 public:
  RawUdpPeer();
  void SendTo(const Address& to, absl::Span<const uint8_t> bytes);
  // The next datagram, or nullopt after `timeout`.
  std::optional<std::vector<uint8_t>> Receive(absl::Duration timeout);

 private:
  net::FileDescriptor fd_;
};

// A plain TCP client: connects, writes raw bytes, watches for the close.
class RawTcpPeer {
 public:
  // From `from` (an IP with port 0, say 127.0.0.2:0) if given.
  absl::Status Connect(const Address& to,
                       std::optional<Address> from = std::nullopt);
  absl::Status Send(absl::Span<const uint8_t> bytes);
  // True once the other side closed (EOF or reset) within `timeout`.
  bool AwaitClosedByPeer(absl::Duration timeout);

 private:
  net::FileDescriptor fd_;
};

}  // namespace swim::drivertest

#endif  // SWIM_DRIVERS_TESTING_RAW_PEER_H_

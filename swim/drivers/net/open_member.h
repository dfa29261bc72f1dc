#ifndef SWIM_DRIVERS_NET_OPEN_MEMBER_H_
#define SWIM_DRIVERS_NET_OPEN_MEMBER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "swim/core/config.h"
#include "swim/core/node.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/net/listening_sockets.h"
#include "swim/drivers/net/recording_file.h"
#include "swim/drivers/net/tls.h"

namespace swim::net {

// What a real-network driver starts from: its Node and its bound sockets.
struct OpenedMember {
  std::unique_ptr<Node> node;
  ListeningSockets sockets;
  // DriverOptions::tls loaded; null when TLS is off.
  std::shared_ptr<const TlsContext> tls;
  // DriverOptions::recording_file, recording the node from its start;
  // null when not recording. It must outlive the recording (the Driver
  // stops it first).
  std::unique_ptr<RecordingFile> recording;
};

// Validates `options` against `config`, binds the sockets
// (DriverOptions::bind, or Config::address), advertises the bound port when
// Config::address's port is 0, fills the identity fields left unset (see
// CompleteIdentity), loads the TLS files (DriverOptions::tls) and creates
// the Node at MonotonicNow(). Errors say
// which setting is wrong; nothing stays bound after an error.
absl::StatusOr<OpenedMember> OpenMember(Config config,
                                        const DriverOptions& options);

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_OPEN_MEMBER_H_

#include "swim/drivers/net/open_member.h"

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "swim/core/address.h"
#include "swim/core/crypto.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/net/node_identity.h"
#include "swim/drivers/net/socket_address.h"

namespace swim::net {

absl::StatusOr<OpenedMember> OpenMember(Config config,
                                        const DriverOptions& options) {
  // A config refused here leaves no copy of its keys (Node::Create wipes
  // them once it has them).
  absl::Cleanup wipe_keys = [&config] { crypto::CleanseStrings(config.keys); };
  if (absl::Status status = options.Validate(config); !status.ok()) {
    return status;
  }
  Address bind = config.address;
  if (!options.bind.empty()) {
    absl::StatusOr<Address> parsed = Address::Parse(options.bind);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("driver options: bind: ", parsed.status().message()));
    }
    bind = *parsed;
  }
  if (IsUnspecified(config.address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: address ", config.address.ToString(),
        " is a wildcard; advertise an address other members can reach, and "
        "put the wildcard in DriverOptions::bind"));
  }
  std::shared_ptr<const TlsContext> tls;
  if (options.tls.enabled()) {
    absl::StatusOr<std::shared_ptr<const TlsContext>> loaded =
        TlsContext::Load(options.tls);
    if (!loaded.ok()) return loaded.status();
    tls = *std::move(loaded);
  }
  absl::StatusOr<ListeningSockets> sockets =
      OpenListeningSockets(bind, options);
  if (!sockets.ok()) return sockets.status();
  if (config.address.port() == 0) {
    config.address = config.address.WithPort(sockets->bound.port());
  }
  if (absl::Status status = CompleteIdentity(config); !status.ok()) {
    return status;
  }
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(std::move(config), MonotonicNow());
  if (!node.ok()) return node.status();
  std::unique_ptr<RecordingFile> recording;
  if (!options.recording_file.empty()) {
    absl::StatusOr<std::unique_ptr<RecordingFile>> file = RecordingFile::Create(
        options.recording_file, options.recording_max_bytes);
    if (!file.ok()) return file.status();
    recording = *std::move(file);
    if (absl::Status started = (*node)->StartRecording(recording.get());
        !started.ok()) {
      return started;
    }
  }
  return OpenedMember{*std::move(node), *std::move(sockets), std::move(tls),
                      std::move(recording)};
}

}  // namespace swim::net

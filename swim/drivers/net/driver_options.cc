#include "swim/drivers/net/driver_options.h"

#include "absl/strings/str_cat.h"

namespace swim {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view requirement) {
  return absl::InvalidArgumentError(
      absl::StrCat("driver options: ", field, " must be ", requirement));
}

}  // namespace

absl::Status DriverOptions::Validate(size_t datagram_budget) const {
  if (max_frame_size < 64 || max_frame_size > (1u << 30)) {
    return Invalid("max_frame_size", "64 bytes to 1 GiB");
  }
  if (connect_timeout <= absl::ZeroDuration()) {
    return Invalid("connect_timeout", "positive");
  }
  if (read_timeout <= absl::ZeroDuration()) {
    return Invalid("read_timeout", "positive");
  }
  if (write_timeout <= absl::ZeroDuration()) {
    return Invalid("write_timeout", "positive");
  }
  if (idle_timeout <= absl::ZeroDuration()) {
    return Invalid("idle_timeout", "positive");
  }
  if (max_connections < 1 || max_connections > 65536) {
    return Invalid("max_connections", "1-65536");
  }
  // Room for one largest message and its 4-byte frame header.
  if (max_queued_stream_bytes < max_frame_size + 4) {
    return Invalid("max_queued_stream_bytes", "at least max_frame_size + 4");
  }
  if (max_datagram_size < datagram_budget || max_datagram_size > 65536) {
    return Invalid("max_datagram_size",
                   absl::StrCat("between Config::datagram_budget (",
                                datagram_budget, ") and 65536"));
  }
  if (socket_buffer_size < 0) {
    return Invalid("socket_buffer_size", "0 (system default) or positive");
  }
  if (min_resolve_backoff <= absl::ZeroDuration() ||
      max_resolve_backoff < min_resolve_backoff) {
    return Invalid("min_resolve_backoff and max_resolve_backoff",
                   "positive, min <= max");
  }
  return absl::OkStatus();
}

}  // namespace swim

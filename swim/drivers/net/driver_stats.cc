#include "swim/drivers/net/driver_stats.h"

#include "absl/strings/str_cat.h"

namespace swim {

std::string DriverStats::ToString() const {
  return absl::StrCat(
      "datagrams_received=", datagrams_received,
      " datagrams_sent=", datagrams_sent,
      " datagrams_truncated=", datagrams_truncated,
      " datagrams_bad_source=", datagrams_bad_source,
      " datagram_send_errors=", datagram_send_errors,
      " datagram_send_dropped=", datagram_send_dropped,
      " datagram_receive_errors=", datagram_receive_errors,
      " unreachable_destinations=", unreachable_destinations,
      " streams_accepted=", streams_accepted,
      " streams_rejected=", streams_rejected, " accept_errors=", accept_errors,
      " frames_received=", frames_received, " frames_sent=", frames_sent,
      " frames_oversized=", frames_oversized,
      " stream_read_timeouts=", stream_read_timeouts,
      " stream_write_timeouts=", stream_write_timeouts,
      " stream_connect_timeouts=", stream_connect_timeouts,
      " stream_connect_failures=", stream_connect_failures,
      " stream_errors=", stream_errors, " frames_dropped=", frames_dropped,
      " connections_opened=", connections_opened,
      " seeds_resolved=", seeds_resolved,
      " seed_resolve_failures=", seed_resolve_failures,
      " timer_wakeups=", timer_wakeups);
}

}  // namespace swim

#include "swim/drivers/driver_stats.h"

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
      " streams_rejected=", streams_rejected,
      " streams_evicted=", streams_evicted,
      " streams_refused=", streams_refused, " accept_errors=", accept_errors,
      " stream_bytes_received=", stream_bytes_received,
      " stream_messages_sent=", stream_messages_sent,
      " stream_read_timeouts=", stream_read_timeouts,
      " stream_write_timeouts=", stream_write_timeouts,
      " stream_connect_timeouts=", stream_connect_timeouts,
      " stream_connect_failures=", stream_connect_failures,
      " stream_errors=", stream_errors,
      " stream_messages_dropped=", stream_messages_dropped,
      " connections_opened=", connections_opened,
      " tls_handshakes=", tls_handshakes,
      " tls_protocol_errors=", tls_protocol_errors,
      " tls_no_certificate=", tls_no_certificate,
      " tls_untrusted_certificate=", tls_untrusted_certificate,
      " tls_expired_certificate=", tls_expired_certificate,
      " tls_identity_mismatches=", tls_identity_mismatches,
      " tls_refused_by_peer=", tls_refused_by_peer,
      " tls_handshake_timeouts=", tls_handshake_timeouts,
      " seeds_resolved=", seeds_resolved,
      " seed_resolve_failures=", seed_resolve_failures,
      " address_moves=", address_moves,
      " advertised_resolve_failures=", advertised_resolve_failures,
      " view_members_restored=", view_members_restored,
      " view_saves=", view_saves, " view_save_failures=", view_save_failures,
      " timer_wakeups=", timer_wakeups);
}

}  // namespace swim

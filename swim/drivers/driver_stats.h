#ifndef SWIM_DRIVERS_DRIVER_STATS_H_
#define SWIM_DRIVERS_DRIVER_STATS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace swim {

// What a real-network driver counts about the sockets it moves bytes
// through; the protocol's counters are the Node's stats(). All only grow.
struct DriverStats {
  // Datagrams (UDP).
  uint64_t datagrams_received = 0;
  uint64_t datagrams_sent = 0;
  uint64_t datagrams_truncated = 0;       // larger than max_datagram_size
  uint64_t datagrams_bad_source = 0;      // from an unusable sockaddr
  uint64_t datagram_send_errors = 0;      // the kernel refused one
  uint64_t datagram_send_dropped = 0;     // socket buffer full (EAGAIN)
  uint64_t datagram_receive_errors = 0;   // recv failures other than EAGAIN
  uint64_t unreachable_destinations = 0;  // no route from this socket family

  // Streams (TCP).
  uint64_t streams_accepted = 0;
  // Incoming connections closed at once: over max_connections with none to
  // evict, or over max_unauthenticated_per_host.
  uint64_t streams_rejected = 0;
  // Incoming connections closed to make room for a newcomer: one that had
  // authenticated nothing, or one a member had left idle
  // (ConnectionTable::kEvictableIdle).
  uint64_t streams_evicted = 0;
  // Connections closed because the Node said so (it broke the format,
  // failed authentication or exceeded a limit; the Node's stats say which).
  uint64_t streams_refused = 0;
  uint64_t accept_errors = 0;  // e.g. out of file descriptors
  uint64_t stream_bytes_received = 0;
  // Written whole (with TLS: sealed whole into records, which the socket
  // may still have to take; those count against no queue cap, at most
  // 128 KiB a connection).
  uint64_t stream_messages_sent = 0;
  uint64_t stream_read_timeouts = 0;   // incoming: nothing authentic in time
  uint64_t stream_write_timeouts = 0;  // queued bytes made no progress
  uint64_t stream_connect_timeouts = 0;
  uint64_t stream_connect_failures = 0;  // refused, unreachable, ...
  uint64_t stream_errors = 0;            // resets and other socket errors
  // Messages not sent: lost with a failed connection, over a cap, or a
  // reply whose connection had closed.
  uint64_t stream_messages_dropped = 0;
  uint64_t connections_opened = 0;  // outgoing

  // TLS (DriverOptions::tls): handshakes completed, and connections closed
  // by why their TLS failed (net::TlsFailure says what each means).
  uint64_t tls_handshakes = 0;
  uint64_t tls_protocol_errors = 0;
  uint64_t tls_no_certificate = 0;
  uint64_t tls_untrusted_certificate = 0;
  uint64_t tls_expired_certificate = 0;
  uint64_t tls_identity_mismatches = 0;
  uint64_t tls_refused_by_peer = 0;
  // Incoming connections closed at the accept, before any handshake, over
  // DriverOptions::max_handshakes_per_host_per_second or
  // max_handshakes_per_second.
  uint64_t tls_handshakes_throttled = 0;
  // Closed before the handshake finished (read_timeout after the accept
  // for an incoming connection, connect_timeout after the connect for an
  // outgoing one).
  uint64_t tls_handshake_timeouts = 0;
  // Closed (or reset) by the peer before the handshake finished: most
  // often a member without TLS, which drops the ClientHello as garbage,
  // or one that refused this member without an alert.
  uint64_t tls_handshakes_closed = 0;
  // Driver::ReloadTls calls whose files loaded (connections made from then
  // on use them), and those whose files did not (the driver kept what it
  // had; the call's error names the file). A call with TLS off is refused
  // and not counted.
  uint64_t tls_reloads = 0;
  uint64_t tls_reload_failures = 0;

  // Seeds.
  uint64_t seeds_resolved = 0;         // names that resolved
  uint64_t seed_resolve_failures = 0;  // attempts that failed (retried)
  // Advertised host name (DriverOptions::advertised_host): new lives
  // started at a new address, and attempts to resolve the name that failed
  // (the address stays; retried).
  uint64_t address_moves = 0;
  uint64_t advertised_resolve_failures = 0;
  // Warm restart (DriverOptions::view_file).
  uint64_t view_members_restored = 0;  // by the first Join
  uint64_t view_saves = 0;             // views written
  uint64_t view_save_failures = 0;     // writes that failed (retried)

  uint64_t timer_wakeups = 0;

  // One "name=value" per counter, space-separated, for logs and tests.
  std::string ToString() const;
};

// Every DriverStats counter by its name (the field's), in declaration
// order: what ToString and the metrics exporter list.
struct DriverStatsField {
  absl::string_view name;
  uint64_t DriverStats::*value;
};
absl::Span<const DriverStatsField> DriverStatsFields();

}  // namespace swim

#endif  // SWIM_DRIVERS_DRIVER_STATS_H_

#include "swim/drivers/driver_stats.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace swim {

absl::Span<const DriverStatsField> DriverStatsFields() {
  static constexpr std::array kFields = std::to_array<DriverStatsField>(
      {{"datagrams_received", &DriverStats::datagrams_received},
       {"datagrams_sent", &DriverStats::datagrams_sent},
       {"datagrams_truncated", &DriverStats::datagrams_truncated},
       {"datagrams_bad_source", &DriverStats::datagrams_bad_source},
       {"datagram_send_errors", &DriverStats::datagram_send_errors},
       {"datagram_send_dropped", &DriverStats::datagram_send_dropped},
       {"datagram_receive_errors", &DriverStats::datagram_receive_errors},
       {"unreachable_destinations", &DriverStats::unreachable_destinations},
       {"streams_accepted", &DriverStats::streams_accepted},
       {"streams_rejected", &DriverStats::streams_rejected},
       {"streams_evicted", &DriverStats::streams_evicted},
       {"streams_refused", &DriverStats::streams_refused},
       {"accept_errors", &DriverStats::accept_errors},
       {"stream_bytes_received", &DriverStats::stream_bytes_received},
       {"stream_messages_sent", &DriverStats::stream_messages_sent},
       {"stream_read_timeouts", &DriverStats::stream_read_timeouts},
       {"stream_write_timeouts", &DriverStats::stream_write_timeouts},
       {"stream_connect_timeouts", &DriverStats::stream_connect_timeouts},
       {"stream_connect_failures", &DriverStats::stream_connect_failures},
       {"stream_errors", &DriverStats::stream_errors},
       {"stream_messages_dropped", &DriverStats::stream_messages_dropped},
       {"connections_opened", &DriverStats::connections_opened},
       {"tls_handshakes", &DriverStats::tls_handshakes},
       {"tls_protocol_errors", &DriverStats::tls_protocol_errors},
       {"tls_no_certificate", &DriverStats::tls_no_certificate},
       {"tls_untrusted_certificate", &DriverStats::tls_untrusted_certificate},
       {"tls_expired_certificate", &DriverStats::tls_expired_certificate},
       {"tls_identity_mismatches", &DriverStats::tls_identity_mismatches},
       {"tls_refused_by_peer", &DriverStats::tls_refused_by_peer},
       {"tls_handshakes_throttled", &DriverStats::tls_handshakes_throttled},
       {"tls_handshake_timeouts", &DriverStats::tls_handshake_timeouts},
       {"tls_handshakes_closed", &DriverStats::tls_handshakes_closed},
       {"tls_reloads", &DriverStats::tls_reloads},
       {"tls_reload_failures", &DriverStats::tls_reload_failures},
       {"seeds_resolved", &DriverStats::seeds_resolved},
       {"seed_resolve_failures", &DriverStats::seed_resolve_failures},
       {"address_moves", &DriverStats::address_moves},
       {"advertised_resolve_failures",
        &DriverStats::advertised_resolve_failures},
       {"view_members_restored", &DriverStats::view_members_restored},
       {"view_saves", &DriverStats::view_saves},
       {"view_save_failures", &DriverStats::view_save_failures},
       {"timer_wakeups", &DriverStats::timer_wakeups}});
  return kFields;
}

std::string DriverStats::ToString() const {
  std::string out;
  for (const DriverStatsField& field : DriverStatsFields()) {
    absl::StrAppend(&out, out.empty() ? "" : " ", field.name, "=",
                    this->*field.value);
  }
  return out;
}

}  // namespace swim

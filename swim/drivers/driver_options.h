#ifndef SWIM_DRIVERS_DRIVER_OPTIONS_H_
#define SWIM_DRIVERS_DRIVER_OPTIONS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/drivers/net/host_port.h"

namespace swim {

// Resolves one seed host to every address it names (all A and AAAA
// records), blocking. Runs on the resolver's helper thread, never on a
// driver's loop.
using ResolveFunction =
    std::function<absl::StatusOr<std::vector<Address>>(const net::HostPort&)>;

// How a TLS peer's certificate is matched to the member it speaks for
// (docs/drivers.md, "TLS").
enum class TlsIdentity {
  // Its IP subject alternative names must include the IP address the
  // connection was made to (outgoing: the member's advertised address) or
  // came from (incoming). Members are known by their addresses (a ping
  // carries no name), so a certificate vouches for one host's members and
  // no others.
  kAddress,
  // Any certificate the CA bundle vouches for: for networks that rewrite
  // addresses (NAT), where a peer's source address is not its own.
  kCaOnly,
};

// TLS 1.3 with mutual authentication on the stream plane: every stream
// connection, both ways, under TLS, each side presenting a certificate
// the other's CA bundle trusts. Datagrams keep the AEAD envelope
// (Config::keys); with Config::tcp_only every byte is under TLS. Every
// member of a cluster must use it or none.
struct TlsOptions {
  // PEM files: this member's certificate (then any intermediates), its
  // private key, and the CA certificates it trusts. All three, or none
  // (TLS off).
  std::string certificate_file;
  std::string key_file;
  std::string ca_file;
  TlsIdentity identity = TlsIdentity::kAddress;
  // When not empty, a peer's certificate must also carry one of these DNS
  // names among its subject alternative names (besides what `identity`
  // asks): for a CA that signs more than this cluster's members (an
  // organization's CA), give the cluster's certificates a name of their own
  // (subjectAltName=DNS:members.swim.example) and list it here, so that a
  // certificate the CA made for anything else cannot join. Names match
  // exactly, case aside: a wildcard in a certificate (*.swim.example)
  // matches none, and the subject's common name is not read. At most 16
  // names, each a DNS name (letters, digits, '-' and '.', no wildcard).
  // A certificate lacking them is refused like one for another address
  // (DriverStats::tls_identity_mismatches), and so is this member's own
  // when it loads (check_own_certificate).
  std::vector<std::string> peer_names;
  static constexpr size_t kMaxPeerNames = 16;
  // Loading (at Create, and at every ReloadTls) refuses a certificate that
  // members trusting `ca_file` would refuse: one that does not chain to it
  // (a renewal from another CA, a missing intermediate), has expired or is
  // not yet valid, may not serve both ends of a connection, or lacks
  // every one of `peer_names` (which peers are taken to share). Such a
  // member would be cut off from every peer sharing its bundle. false
  // loads it anyway: for members that trust other bundles than the one
  // they are known by, or to test how peers refuse one.
  bool check_own_certificate = true;

  bool enabled() const {
    return !certificate_file.empty() || !key_file.empty() || !ca_file.empty();
  }
  // All three files or none, and peer_names as described: an
  // InvalidArgument naming the field otherwise. (DriverOptions::Validate
  // and TlsContext::Load call it.)
  absl::Status Validate() const;
};

// How a real-network driver (epoll or Asio) uses the operating system. The
// protocol's own settings live in swim::Config.
struct DriverOptions {
  // Where the UDP socket and the TCP listener bind: an IP literal and port,
  // e.g. "0.0.0.0:7946" or "[::]:7946" (both families on Linux). Empty:
  // bind Config::address, the advertised address. Port 0 takes a free port
  // (the same for UDP and TCP), which is then also advertised when
  // Config::address's port is 0.
  std::string bind;

  // --- Streams (TCP) ------------------------------------------------------
  // The largest stream message is the Node's (Config::max_stream_message);
  // the Node also reads and authenticates every byte that arrives, chunk by
  // chunk (docs/wire.md, "Streams"), and tells the driver which connections
  // to keep. These settings are the sockets' side of that policy.
  //
  // An outgoing connection not established within this is abandoned.
  absl::Duration connect_timeout = absl::Seconds(5);
  // An incoming connection closes when nothing authenticates on it for this
  // long after it was accepted or last did (a peer that connects and never
  // sends, trickles, or sends junk that never completes a frame). A frame
  // that fails authentication closes it at once.
  absl::Duration read_timeout = absl::Seconds(10);
  // A connection closes when its queued bytes make no progress for this
  // long (a peer that stopped reading).
  absl::Duration write_timeout = absl::Seconds(10);
  // An outgoing connection with nothing to send is kept this long after its
  // last progress (a reply it waits for, or the next message to the same
  // member), then closed. Keep it below the peers' read_timeout so they do
  // not close it under a message in flight.
  absl::Duration idle_timeout = absl::Seconds(5);
  // Concurrent incoming connections; at the cap, the oldest one that has
  // not authenticated anything, of the host holding the most such, is
  // closed for a newcomer, or if all have,
  // the one a member left idle longest (a second at least), else the one
  // whose reply has waited longest (a second at least: its reader is too
  // slow), or else the newcomer. Outgoing connections have the same cap;
  // messages beyond it are dropped (push-pull retries later).
  int max_connections = 64;
  // Incoming connections from one host (IP address) that have not
  // authenticated anything yet; more from it are closed at once. Members
  // authenticate within one round trip, so only a burst of members on one
  // host (a test cluster on loopback) comes near it.
  int max_unauthenticated_per_host = 16;
  // Incoming connections from one host, authenticated or not: one host
  // (whatever it replays) cannot hold all of max_connections. At the cap,
  // the host's connection left idle longest (a second at least) is closed
  // for the newcomer, or else the newcomer is.
  int max_connections_per_host = 32;
  // With TLS: handshakes taken on for incoming connections, a second, from
  // one host and from all together, each with a burst of as many at once
  // (net::HandshakeBudget). A server's handshake costs a key exchange and
  // a signature, for a ClientHello that costs its sender nothing to
  // repeat; a connection beyond either is closed at the accept, before
  // any of that, and counted (tls_handshakes_throttled). A member opens a
  // connection to a peer once and reuses it while it is busy (idle_timeout
  // after that), so members come nowhere near either but in a join burst
  // of hundreds through one seed, whose joiners then retry. 0: no limit.
  int max_handshakes_per_host_per_second = 64;
  int max_handshakes_per_second = 1024;
  // What one host is, for the per-host caps and budget above: an IPv4
  // address, or the first this many bits of an IPv6 address. 128 (the
  // default): each IPv6 address is a host, so a peer holding a whole
  // prefix (a /64 is common) meets only the overall caps. 64: a /64 is one
  // host, so a prefix counts once, and members on one IPv6 LAN share one
  // host's caps (raise those to match). 1-128.
  int ipv6_host_prefix = 128;
  // Bytes queued on all connections together (peers that read slowly or
  // not at all); messages beyond are dropped.
  size_t max_queued_stream_bytes = 64 << 20;

  // TLS on every stream connection (see TlsOptions); off by default. The
  // files are read when the driver is created (an error names the file)
  // and again by Driver::ReloadTls. A handshake counts as no
  // authenticated progress, whatever it sends: one that stalls holds an
  // incoming slot until read_timeout after the accept, an outgoing
  // connection until connect_timeout after the connect.
  TlsOptions tls;

  // --- Datagrams (UDP) ----------------------------------------------------
  // Largest datagram received; larger ones are truncated by the kernel,
  // then dropped and counted. Must be at least Config::datagram_budget.
  size_t max_datagram_size = 9216;
  // SO_RCVBUF and SO_SNDBUF for the UDP socket; 0 keeps the system default.
  int socket_buffer_size = 0;

  // --- Seeds --------------------------------------------------------------
  // A seed name that does not resolve is retried after this, doubling up to
  // max_resolve_backoff, and reported to the error listeners each time.
  absl::Duration min_resolve_backoff = absl::Seconds(1);
  absl::Duration max_resolve_backoff = absl::Seconds(30);
  // A seed name that resolved is resolved again this often, and the Node
  // is given the new addresses (Node::Join asks only the seeds it does not
  // know as members), so seeds that moved while members were down are
  // found. Zero: resolve once.
  absl::Duration seed_refresh_interval = absl::Minutes(5);
  // Resolution; empty: getaddrinfo. Tests inject their own.
  ResolveFunction resolve;

  // --- Advertised host name ------------------------------------------------
  // The DNS name Config::address was resolved from, when it was (the
  // programs set it when --name is a host name); the port stays
  // Config::address's. After the first Join it is resolved again every
  // advertised_refresh_interval, off the loop. While its records include
  // the member's address nothing happens; when they no longer do, the
  // member moves to the first of them. An address is fixed for a life
  // (docs/protocol.md, "Identity"), so a move is two lives: this one
  // leaves (LEFT, as Driver::Leave), and once every member will take a new
  // life at another address (after the LEFT went out: the time to relay it
  // to every member, a suspicion timeout, and a probe interval) the driver
  // starts the next one at the new address, with a later generation and
  // the same name, metadata, keys and view (Node::Rejoin; the listeners
  // are not told of the members again). Meanwhile the member is absent
  // from the cluster: Leave ends the move, SetMetadata and Join's seeds
  // are kept for the new life, Execute and Inspect see the old one, and
  // the other commands fail with Unavailable. The sockets must be able to
  // follow: bound to a wildcard (bind "0.0.0.0:7946", or "[::]:7946" for both
  // families) or to another address than the advertised one (behind NAT); a
  // name that moves while they are bound to the old address is reported to the
  // error listeners and the member stays. A name that stops resolving is
  // reported and retried (min_resolve_backoff to max_resolve_backoff); the
  // address stays. Empty: the address is fixed.
  std::string advertised_host;
  absl::Duration advertised_refresh_interval = absl::Seconds(30);

  // --- Warm restart (docs/protocol.md, "Warm restart") ---------------------
  // A file where the driver keeps this member's view of the cluster, so a
  // restarted member rejoins without seeds. Empty: none. Give each member
  // its own. The first Join restores the view saved there (Node::Rejoin:
  // its members are reported as MemberJoined, and a few of them, with the
  // seeds, are asked for the cluster's state); call Join with no seeds to
  // rejoin from the view alone. A view that cannot be used is reported to
  // the error listeners: one saved by another name or too old still gives
  // the addresses of up to view_file_contacts of its members as extra
  // seeds; one that does not decode gives none. Afterwards the ONLINE and
  // SUSPECT members are saved there whenever they changed, at most every
  // view_save_interval, off the loop thread and atomically (a temporary
  // file renamed over the old one), but only a view this life confirmed:
  // never an empty one, none while isolated or before any member spoke to
  // this one, and after a restore none before every restored member was
  // probed (docs/protocol.md, "Warm restart").
  std::string view_file;
  // A saved view older than this is not restored. Zero:
  // Config::tombstone_timeout, the longest the cluster surely remembers a
  // member that was ONLINE at the save (so a restored entry is either
  // alive or still known OFFLINE or LEFT, and corrected at once).
  absl::Duration view_file_max_age = absl::ZeroDuration();
  absl::Duration view_save_interval = absl::Seconds(10);
  // How many members of a view too old to restore are asked, as seeds.
  int view_file_contacts = 8;

  // Record and replay (docs/operations.md, "Record and replay"): when set,
  // the member's config, creation instant and every input (the bytes as
  // received, every timeout and command) are recorded to this file from its
  // start, so that `swim-sim replay` reproduces its transmits and events
  // exactly. Nothing decrypted is written and no key: replaying needs the
  // cluster key. The file is replaced (mode 0600); it is written on the
  // loop thread in batches of about 64 KiB, at least every second while
  // inputs come. At
  // recording_max_bytes the recording ends there (what it holds still
  // replays); a move to a new address (advertised_host) ends it too.
  std::string recording_file;
  size_t recording_max_bytes = size_t{1} << 30;

  // Checks every field against each other and the Node's `config`; the
  // error names the field.
  absl::Status Validate(const Config& config) const;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_DRIVER_OPTIONS_H_

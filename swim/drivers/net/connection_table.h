#ifndef SWIM_DRIVERS_NET_CONNECTION_TABLE_H_
#define SWIM_DRIVERS_NET_CONNECTION_TABLE_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/instant.h"
#include "swim/core/stream.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/driver_stats.h"
#include "swim/drivers/net/handshake_budget.h"
#include "swim/drivers/net/send_queue.h"
#include "swim/drivers/net/tls.h"

namespace swim::net {

// The host a peer counts against for the per-host caps and the handshake
// budget: its IP address without the port, an IPv6 address cut to its
// first `ipv6_prefix` bits (DriverOptions::ipv6_host_prefix).
inline Address HostOf(const Address& address, int ipv6_prefix) {
  const Address host = address.WithPort(0);
  if (host.family() != Address::Family::kIpv6 || ipv6_prefix >= 128) {
    return host;
  }
  std::array<uint8_t, 16> octets = host.octets();
  for (int bit = std::max(ipv6_prefix, 0); bit < 128; ++bit) {
    octets[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return Address::Ipv6(octets, 0);
}

// What both drivers know about a stream connection besides its socket.
struct StreamConnection {
  uint64_t id = 0;  // also the Node's StreamId for it
  bool incoming = false;
  Address peer;
  // Incoming: what it counts against for the per-host caps (HostOf peer).
  Address host;
  // Closed at this instant unless it makes progress first (see
  // ConnectionTable for which progress counts).
  Instant deadline;
  Instant opened;
  // When it last authenticated input (a chunk) or wrote output.
  Instant active;
  // When the output it has to write began waiting (while HasOutput()).
  Instant output_since;
  // Made under TLS settings since replaced (a reload): closed by then,
  // whatever progress it makes.
  std::optional<Instant> retire_by;
  // Whether the Node has authenticated anything from it yet. Until then an
  // incoming connection counts against its host's cap and may be evicted.
  bool authenticated = false;
  bool connecting = false;  // outgoing: not established yet
  SendQueue queue;          // messages to write (requests or replies)
  // With DriverOptions::tls, the connection's TLS: the socket carries its
  // records, and the queue's messages are sealed into them once the
  // handshake is done. Null: the stream format goes on the socket as is.
  std::unique_ptr<TlsStream> tls;
  // With TLS: closed at this instant if its handshake has not ended.
  Instant handshake_by;

  // Whether anything waits for the socket (queued messages or records).
  bool HasOutput() const {
    return !queue.empty() || (tls != nullptr && tls->pending_bytes() > 0);
  }
  // Whether the socket can be given bytes now: records, or messages that
  // need no handshake (or whose handshake is done).
  bool CanWrite() const {
    if (tls == nullptr) return !queue.empty();
    return tls->pending_bytes() > 0 || (tls->established() && !queue.empty());
  }
  // A peer that finished sending before its handshake did never will.
  bool Stuck() const {
    return tls != nullptr && !tls->established() && tls->pending_bytes() == 0;
  }
};

// A driver's stream connections, with the policy the epoll and Asio
// drivers share. Every connection carries the stream format both ways: the
// side that opened it sends requests, the other may reply on it. The Node
// reads both directions (HandleStreamData) and says what each piece of
// input was worth; only authenticated input keeps a connection alive:
//
//   - an incoming connection is closed read_timeout after it was accepted,
//     last authenticated a chunk or last took bytes we wrote (so junk,
//     however steady, is cut off within read_timeout, and at once when a
//     frame fails authentication);
//   - an outgoing one idle_timeout after its last progress when it has
//     nothing to write, and is reused for the next message to that peer;
//   - any connection with bytes to write, write_timeout after the socket
//     last took some; one still connecting, connect_timeout after it
//     began.
//
// Incoming connections are capped per host (max_connections_per_host),
// those that have not authenticated more tightly
// (max_unauthenticated_per_host). At max_connections the oldest of these
// from the host holding the most of them is evicted for a newcomer, so
// idle junk cannot keep members out, nor a host opening connections
// faster than members authenticate theirs evict a member's (see
// UnauthenticatedToEvict for what many addresses can do); when
// all have authenticated, and at a host's cap, the one idle longest
// (kEvictableIdle at least) is, so connections members finished with
// (a burst of joiners' through one seed) do not keep the next ones out
// until they time out; failing that, the one whose reply has waited
// longest (kEvictableIdle at least), so a replayed request whose reply is
// read a byte now and then cannot hold a slot either. A
// large reply (a state exchange) is queued only on an idle connection,
// small ones (at most 16 KiB) while fewer than 8 messages wait on it, and
// queued bytes are capped across all connections
// (max_queued_stream_bytes).
//
// With TLS (SetTls), incoming connections within their host's caps, with
// room in the table or something to evict, are then held to the handshake
// budget
// (DriverOptions::max_handshakes_per_host_per_second and
// max_handshakes_per_second), beyond which they are closed at once, before
// anything is evicted for them; and every connection made or accepted gets a
// TlsStream: the driver passes what the socket read through Open and writes
// what Outgoing gives. A handshake is no authenticated progress, so one that
// stalls is cut by the same deadlines; a failed one closes the connection,
// counted by reason.
//
// `Connection` derives from StreamConnection and adds the socket. Ids
// never repeat, so an event or completion for a connection removed
// meanwhile finds nothing.
template <typename Connection>
class ConnectionTable {
  static_assert(std::is_base_of_v<StreamConnection, Connection>);

 public:
  // At a cap, an authenticated incoming connection idle this long (nothing
  // authenticated on it, nothing to write) may be closed for a newcomer:
  // a member's message arrives in chunks far closer together, so its
  // sender is done with the connection (and reconnects for its next
  // message) or gone.
  static constexpr absl::Duration kEvictableIdle = absl::Seconds(1);

  // What AddIncoming did.
  struct Accepted {
    Connection* added = nullptr;  // nullptr: refused (closed by the table)
    // An unauthenticated connection closed to make room: the driver
    // unregisters its socket and tells the Node it closed.
    std::unique_ptr<Connection> evicted;
  };

  // Ids start at `first_id` (the epoll driver keeps smaller ones for its
  // own descriptors).
  ConnectionTable(const DriverOptions& options, DriverStats& stats,
                  uint64_t first_id = 1)
      : options_(options),
        stats_(stats),
        handshakes_(options.max_handshakes_per_host_per_second,
                    options.max_handshakes_per_second),
        next_id_(first_id) {}

  // The TLS context of connections made from now on (null: plaintext).
  void SetTls(std::shared_ptr<const TlsContext> tls) { tls_ = std::move(tls); }
  // The TLS settings were replaced (a reload: a new CA, certificate or
  // key): every open connection, made under the old ones, closes within
  // read_timeout of `now` whatever progress it makes, so a host the new
  // CA shuts out cannot keep what it holds by staying busy, and an
  // exchange under way has time to end. It closes as a timeout of its
  // kind.
  void Retire(Instant now) {
    for (const auto& [id, connection] : connections_) {
      if (!connection->retire_by) {
        connection->retire_by = now + options_.read_timeout;
      }
      Refresh(*connection);
    }
  }
  bool tls() const { return tls_ != nullptr; }

  Connection* Find(uint64_t id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
  }
  Connection* FindOutgoing(const Address& peer) {
    auto it = outgoing_by_peer_.find(peer);
    return it == outgoing_by_peer_.end() ? nullptr : Find(it->second);
  }

  // Takes an accepted connection from `peer`, or refuses it (destroyed,
  // its socket closed, counted).
  Accepted AddIncoming(std::unique_ptr<Connection> connection,
                       const Address& peer, Instant now) {
    Accepted result;
    const Address host = HostOf(peer, options_.ipv6_host_prefix);
    // The caps first, and what would be evicted for the newcomer: a
    // connection they refuse spends none of the handshake budget, which
    // all hosts share.
    if (auto it = unauthenticated_by_host_.find(host);
        it != unauthenticated_by_host_.end() &&
        it->second >=
            static_cast<size_t>(options_.max_unauthenticated_per_host)) {
      ++stats_.streams_rejected;
      return result;
    }
    const auto held = incoming_by_host_.find(host);
    const bool host_full =
        held != incoming_by_host_.end() &&
        held->second >= static_cast<size_t>(options_.max_connections_per_host);
    const bool table_full =
        incoming_ >= static_cast<size_t>(options_.max_connections);
    Connection* victim = nullptr;
    // An unauthenticated connection to evict is picked only once the
    // budget lets the newcomer in: throttled ones cost no scan.
    bool evict_unauthenticated = false;
    if (host_full) {
      // One of the host's own, which also makes room under max_connections.
      victim = LeastRecentlyActiveIdle(now, &host);
    } else if (table_full) {
      evict_unauthenticated = !unauthenticated_by_host_.empty();
      if (!evict_unauthenticated)
        victim = LeastRecentlyActiveIdle(now, nullptr);
    }
    if ((host_full || table_full) && victim == nullptr &&
        !evict_unauthenticated) {
      ++stats_.streams_rejected;
      return result;
    }
    if (tls_ != nullptr && !handshakes_.TryTake(host, now)) {
      ++stats_.tls_handshakes_throttled;
      return result;
    }
    if (evict_unauthenticated) victim = UnauthenticatedToEvict();
    if (victim != nullptr) {
      ++stats_.streams_evicted;
      result.evicted = Remove(victim->id);
    }
    if (!StartTls(*connection, TlsStream::Role::kServer, peer)) return result;
    connection->incoming = true;
    connection->peer = peer;
    connection->host = host;
    connection->opened = now;
    connection->active = now;
    connection->handshake_by = now + options_.read_timeout;
    ++unauthenticated_by_host_[host];
    ++incoming_by_host_[host];
    ++stats_.streams_accepted;
    ++incoming_;
    result.added = Insert(std::move(connection));
    Refresh(*result.added);
    return result;
  }

  bool CanConnect() const {
    return outgoing_by_peer_.size() <
           static_cast<size_t>(options_.max_connections);
  }
  // What the error listeners hear when a message to `to` found every
  // outgoing connection taken (!CanConnect).
  absl::Status CapReached(const Address& to) const {
    return absl::ResourceExhaustedError(absl::StrCat(
        "all ", options_.max_connections,
        " outgoing stream connections are in use: a message to ", to.ToString(),
        " was dropped; raise DriverOptions::max_connections or lower "
        "idle_timeout (docs/drivers.md, \"Streams\")"));
  }
  // Takes a connection being established to `peer` (check CanConnect).
  // Nullptr (the connection destroyed, counted) if its TLS cannot start.
  Connection* AddOutgoing(std::unique_ptr<Connection> connection,
                          const Address& peer, Instant now) {
    if (!StartTls(*connection, TlsStream::Role::kClient, peer)) return nullptr;
    connection->peer = peer;
    connection->connecting = true;
    connection->opened = now;
    connection->active = now;
    ++stats_.connections_opened;
    Connection* added = Insert(std::move(connection));
    outgoing_by_peer_[peer] = added->id;
    Refresh(*added);
    return added;
  }

  // The connection a message of `size` bytes goes on: with `stream`, that
  // connection (a reply), without, the outgoing one to `to`, made by
  // `connect()` (which may fail: nullptr) if there is none. Nullptr, the
  // message counted dropped, when the reply's connection is gone, the
  // queues are full or no connection can be made. The caller enqueues.
  template <typename Connect>
  Connection* Route(const Address& to, std::optional<StreamId> stream,
                    size_t size, Connect connect) {
    Connection* connection = nullptr;
    if (stream) {
      connection = Find(*stream);
      // A reply: only while the requester is there. A large one (a state
      // exchange) only when nothing waits on the connection, small ones
      // (a probe's answers, in TCP-only mode) while few do, so requests
      // replayed on a connection (and never read) cannot pile replies up
      // in the queues.
      if (connection == nullptr || !ReplyMayWait(*connection, size)) {
        ++stats_.stream_messages_dropped;
        return nullptr;
      }
    }
    if (!Admit(size)) return nullptr;
    if (connection == nullptr) connection = FindOutgoing(to);
    if (connection == nullptr) connection = connect();
    if (connection == nullptr) ++stats_.stream_messages_dropped;
    return connection;
  }

  // Whether a message of `size` bytes may be queued; counts it dropped if
  // not (peers not reading: the protocol retries later).
  bool Admit(size_t size) {
    if (queued_bytes_ + size > options_.max_queued_stream_bytes) {
      ++stats_.stream_messages_dropped;
      return false;
    }
    return true;
  }

  // Queues an admitted message on a connection.
  void Enqueue(Connection& connection, absl::Span<const uint8_t> message,
               Instant now) {
    const bool was_idle = !connection.HasOutput();
    connection.queue.Push(message);
    queued_bytes_ += message.size();
    if (was_idle) connection.active = connection.output_since = now;
    Refresh(connection);
  }

  // The outgoing connection is established.
  void Connected(Connection& connection, Instant now) {
    connection.connecting = false;
    connection.active = now;
    connection.handshake_by = now + options_.connect_timeout;
    Refresh(connection);
  }

  // The bytes to write next (empty: nothing may be written now). Without
  // TLS, the first message's rest; with it, the next records, sealing
  // queued messages once the handshake is done (check
  // connection.tls->failed() when this is empty). They stay valid until
  // Wrote took them all.
  absl::Span<const uint8_t> Outgoing(Connection& connection) {
    if (connection.tls == nullptr) return connection.queue.Unwritten();
    TlsStream& tls = *connection.tls;
    while (tls.established() && !connection.queue.empty() &&
           tls.pending_bytes() < TlsStream::kMaxPending) {
      const size_t sealed = tls.Seal(connection.queue.Unwritten());
      if (sealed == 0) break;
      Took(connection, sealed);
    }
    return tls.Pending();
  }

  // The socket took `count` bytes of Outgoing().
  void Wrote(Connection& connection, size_t count, Instant now) {
    if (connection.tls != nullptr) {
      connection.tls->Consumed(count);
    } else {
      Took(connection, count);
    }
    connection.active = now;
    Refresh(connection);
  }

  // What the Node must see of `bytes`, read from the connection's socket:
  // without TLS, themselves; with it, the application data they completed
  // (perhaps none), decrypted into `scratch`. Nullopt when TLS failed:
  // the driver calls TlsFailed and closes the connection. After it, TLS
  // may have output (check HasOutput).
  std::optional<absl::Span<const uint8_t>> Open(Connection& connection,
                                                absl::Span<const uint8_t> bytes,
                                                std::vector<uint8_t>& scratch) {
    if (connection.tls == nullptr) return bytes;
    scratch.clear();
    const bool was_established = connection.tls->established();
    if (!connection.tls->Receive(bytes, scratch).ok()) return std::nullopt;
    if (!was_established && connection.tls->established()) {
      ++stats_.tls_handshakes;
      Refresh(connection);  // the handshake's deadline no longer applies
    }
    return absl::MakeConstSpan(scratch);
  }

  // The connection's TLS failed (Open, or Outgoing sealing): counts it by
  // reason and says what to tell the error listeners, whose kind names
  // the reason so that each is reported.
  std::pair<std::string, absl::Status> TlsFailed(const Connection& connection) {
    const TlsStream& tls = *connection.tls;
    CountTlsFailure(tls.failure(), stats_);
    return {absl::StrCat("tls ", TlsFailureName(tls.failure())),
            absl::Status(tls.error().code(),
                         absl::StrCat(tls.error().message(),
                                      connection.incoming ? " (from " : " (to ",
                                      connection.peer.ToString(), ")"))};
  }

  // The peer closed or reset the connection. If its TLS handshake had
  // begun and not finished (an incoming connection that sent nothing is a
  // port check, not a handshake), counts it (tls_handshakes_closed) and
  // says what to tell the error listeners: nothing else would, and the
  // usual cause (a member without TLS on the other end) is a mistake the
  // operator must fix.
  std::optional<std::pair<std::string, absl::Status>> ClosedInHandshake(
      const Connection& connection) {
    if (connection.tls == nullptr || connection.tls->established() ||
        (connection.incoming && !connection.tls->received_input())) {
      return std::nullopt;
    }
    ++stats_.tls_handshakes_closed;
    return std::pair{
        std::string("tls closed-in-handshake"),
        absl::UnavailableError(absl::StrCat(
            "the peer closed the connection during the TLS handshake: does "
            "it run TLS, and trust this member's CA? (a member over its "
            "handshake budget closes too; the protocol retries) (",
            connection.incoming ? "from " : "to ", connection.peer.ToString(),
            ")"))};
  }

  // The Node's verdict on `count` bytes read from the connection. False:
  // the driver must close it now (the Node has forgotten it).
  bool Read(Connection& connection, size_t count, StreamVerdict verdict,
            Instant now) {
    stats_.stream_bytes_received += count;
    switch (verdict) {
      case StreamVerdict::kClose:
        ++stats_.streams_refused;
        return false;
      case StreamVerdict::kProgress:
        if (!connection.authenticated) {
          connection.authenticated = true;
          if (connection.incoming) Authenticated(connection.host);
        }
        connection.active = now;
        Refresh(connection);
        return true;
      case StreamVerdict::kContinue:
        return true;
    }
    return true;
  }

  // Takes `id` out of the table, counting the messages it still held as
  // dropped. The caller closes the socket (or lets the connection's
  // destruction do it) and tells the Node. Nullptr if it is not there.
  std::unique_ptr<Connection> Remove(uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return nullptr;
    std::unique_ptr<Connection> connection = std::move(it->second);
    connections_.erase(it);
    queued_bytes_ -= connection->queue.bytes();
    stats_.stream_messages_dropped += connection->queue.Clear();
    if (connection->incoming) {
      --incoming_;
      if (!connection->authenticated) Authenticated(connection->host);
      auto host = incoming_by_host_.find(connection->host);
      if (host != incoming_by_host_.end() && --host->second == 0) {
        incoming_by_host_.erase(host);
      }
    } else if (auto peer = outgoing_by_peer_.find(connection->peer);
               peer != outgoing_by_peer_.end() && peer->second == id) {
      outgoing_by_peer_.erase(peer);
    }
    return connection;
  }

  // Takes out the connections whose deadline passed, counting each
  // timeout by kind (an idle outgoing connection just closes).
  std::vector<std::unique_ptr<Connection>> TakeExpired(Instant now) {
    std::vector<uint64_t> expired;
    for (const auto& [id, connection] : connections_) {
      if (connection->deadline <= now) expired.push_back(id);
    }
    std::vector<std::unique_ptr<Connection>> taken;
    for (uint64_t id : expired) {
      const Connection& connection = *connections_[id];
      if (connection.tls != nullptr && !connection.tls->established() &&
          !connection.connecting) {
        ++stats_.tls_handshake_timeouts;
      } else if (connection.connecting) {
        ++stats_.stream_connect_timeouts;
      } else if (connection.HasOutput()) {
        ++stats_.stream_write_timeouts;
      } else if (connection.incoming) {
        ++stats_.stream_read_timeouts;
      }
      taken.push_back(Remove(id));
    }
    return taken;
  }

  // Takes out every connection (the driver is closing).
  std::vector<std::unique_ptr<Connection>> TakeAll() {
    std::vector<uint64_t> ids;
    for (const auto& [id, connection] : connections_) ids.push_back(id);
    std::vector<std::unique_ptr<Connection>> taken;
    for (uint64_t id : ids) taken.push_back(Remove(id));
    return taken;
  }

  // The earliest connection deadline.
  std::optional<Instant> NextDeadline() const {
    std::optional<Instant> next;
    for (const auto& [id, connection] : connections_) {
      if (!next || connection->deadline < *next) next = connection->deadline;
    }
    return next;
  }

  size_t incoming_count() const { return incoming_; }
  size_t outgoing_count() const { return outgoing_by_peer_.size(); }
  size_t queued_bytes() const { return queued_bytes_; }
  // Queued bytes and TLS records not yet taken by the sockets.
  size_t UnsentBytes() const {
    size_t unsent = queued_bytes_;
    for (const auto& [id, connection] : connections_) {
      if (connection->tls != nullptr) {
        unsent += connection->tls->pending_bytes();
      }
    }
    return unsent;
  }

 private:
  Connection* Insert(std::unique_ptr<Connection> connection) {
    connection->id = next_id_++;
    Connection* inserted = connection.get();
    connections_[inserted->id] = std::move(connection);
    return inserted;
  }

  // Gives a new connection its TLS, if on; false (counted) if it cannot.
  bool StartTls(Connection& connection, TlsStream::Role role,
                const Address& peer) {
    if (tls_ == nullptr) return true;
    auto stream = TlsStream::Create(tls_, role, peer);
    if (!stream.ok()) {
      ++stats_.stream_errors;
      return false;
    }
    connection.tls = std::move(*stream);
    return true;
  }

  // The first queued message's first `count` bytes are gone (written, or
  // sealed into TLS records).
  void Took(Connection& connection, size_t count) {
    const size_t before = connection.queue.bytes();
    if (connection.queue.Advance(count)) ++stats_.stream_messages_sent;
    queued_bytes_ -= before - connection.queue.bytes();
  }

  // A small reply: at most a datagram's worth of packet, framed.
  static constexpr size_t kSmallReply = 16 << 10;
  // Messages waiting on a connection beyond which no small reply joins.
  static constexpr size_t kRepliesWaiting = 8;

  static bool ReplyMayWait(const Connection& connection, size_t size) {
    if (!connection.HasOutput()) return true;
    return size <= kSmallReply && connection.queue.messages() < kRepliesWaiting;
  }

  // The deadline after the last progress, by the rules above.
  void Refresh(Connection& connection) {
    if (connection.connecting) {
      connection.deadline = connection.opened + options_.connect_timeout;
    } else if (connection.tls != nullptr && !connection.tls->established()) {
      // A handshake is no progress, whatever it writes: it must end within
      // read_timeout of the accept, or connect_timeout of the connect.
      connection.deadline = connection.handshake_by;
    } else if (connection.HasOutput()) {
      connection.deadline = connection.active + options_.write_timeout;
    } else {
      connection.deadline =
          connection.active +
          (connection.incoming ? options_.read_timeout : options_.idle_timeout);
    }
    if (connection.retire_by && *connection.retire_by < connection.deadline) {
      connection.deadline = *connection.retire_by;
    }
  }

  // One unauthenticated connection from `host` is no longer one (it
  // authenticated, or it is gone).
  void Authenticated(const Address& host) {
    auto it = unauthenticated_by_host_.find(host);
    if (it == unauthenticated_by_host_.end()) return;
    if (--it->second == 0) unauthenticated_by_host_.erase(it);
  }

  // The incoming connection from `host` (any host: nullptr) that
  // authenticated and has nothing to write, idle for at least
  // kEvictableIdle, the one idle longest; else the one whose output has
  // waited longest, kEvictableIdle at least (its reader takes a byte now
  // and then, which keeps write_timeout away); nullptr if none.
  Connection* LeastRecentlyActiveIdle(Instant now, const Address* host) {
    Connection* idlest = nullptr;
    Connection* slowest = nullptr;
    for (const auto& [id, connection] : connections_) {
      if (!connection->incoming || !connection->authenticated ||
          (host != nullptr && connection->host != *host)) {
        continue;
      }
      const bool writing = connection->HasOutput();
      // Idle since, or writing since.
      auto since = [writing](const Connection& c) {
        return writing ? c.output_since : c.active;
      };
      if (now - since(*connection) < kEvictableIdle) continue;
      Connection*& first = writing ? slowest : idlest;
      if (first == nullptr || since(*connection) < since(*first) ||
          (since(*connection) == since(*first) && id < first->id)) {
        first = connection.get();
      }
    }
    return idlest != nullptr ? idlest : slowest;
  }

  // The unauthenticated incoming connection to close for a newcomer
  // (nullptr: none): the oldest of the host holding the most (the oldest
  // of all among hosts tied at the most). A host opening connections
  // faster than members authenticate theirs evicts its own, not a member's
  // handshake or first message under way. To have one of c connections
  // under way from one host evicted (members behind one NAT address, a
  // test cluster on loopback, a /64 with ipv6_host_prefix 64), a flood
  // must keep c on each of the table's other addresses: about
  // max_connections / c addresses (31 at the defaults for c = 2), where
  // evicting the oldest of all took 4 hosts at their unauthenticated cap.
  // One pass over the connections, a comparison or a lookup each.
  Connection* UnauthenticatedToEvict() {
    size_t most = 0;
    size_t tied = 0;
    const Address* busiest = nullptr;
    for (const auto& [host, count] : unauthenticated_by_host_) {
      if (count > most) {
        most = count;
        tied = 1;
        busiest = &host;
      } else if (count == most) {
        ++tied;
      }
    }
    Connection* oldest = nullptr;
    for (const auto& [id, connection] : connections_) {
      if (!connection->incoming || connection->authenticated) continue;
      if (oldest != nullptr &&
          (connection->opened > oldest->opened ||
           (connection->opened == oldest->opened && id > oldest->id))) {
        continue;
      }
      const bool of_the_busiest =
          tied == 1
              ? connection->host == *busiest
              : unauthenticated_by_host_.find(connection->host)->second == most;
      if (of_the_busiest) oldest = connection.get();
    }
    return oldest;
  }

  const DriverOptions& options_;
  DriverStats& stats_;
  std::shared_ptr<const TlsContext> tls_;
  HandshakeBudget handshakes_;  // with TLS: incoming handshakes taken on
  uint64_t next_id_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Connection>> connections_;
  absl::flat_hash_map<Address, uint64_t> outgoing_by_peer_;
  absl::flat_hash_map<Address, size_t> unauthenticated_by_host_;
  absl::flat_hash_map<Address, size_t> incoming_by_host_;
  size_t incoming_ = 0;
  size_t queued_bytes_ = 0;
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_CONNECTION_TABLE_H_

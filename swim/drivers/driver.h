#ifndef SWIM_DRIVERS_DRIVER_H_
#define SWIM_DRIVERS_DRIVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/recording.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/driver_stats.h"

namespace swim {
class AddressMove;
namespace net {
class SeedResolver;
class TlsContext;
class ViewFileWriter;
struct SeedOutcome;
}  // namespace net

// Called on the driver's loop thread for every event, in order. `node` is
// the driver's Node: the callback may use its read-only views (local(),
// Members(), stats(), config()) freely. No lock is held while listeners
// run (the Node belongs to the loop thread alone), so unlike memberlist's
// delegates these calls cannot deadlock; the callback may also issue
// driver commands (they are queued and run after it returns). It must not
// block for long: the loop waits for it.
using EventListener = std::function<void(const Event& event, const Node& node)>;
// Called on the loop thread for conditions the user may want to act on: a
// seed name that does not resolve yet, the kernel refusing datagrams, file
// descriptors running out. Each kind is reported at most every few seconds.
using ErrorListener = std::function<void(const absl::Status& error)>;
// Completion of a command, on the loop thread.
using StatusCallback = absl::AnyInvocable<void(absl::Status)>;

// What the epoll and Asio drivers share: one swim::Node owned by one loop
// thread, the loop's bookkeeping (run the node's timers, send what it
// produced, tell the listeners, arm one timer at the next deadline), and
// the thread-safe command API. The subclasses only move bytes.
//
// Thread safety: every public method may be called from any thread,
// including from listeners on the loop thread. Commands run on the loop in
// the order they were issued.
class Driver {
 public:
  virtual ~Driver();

  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // --- Identity -----------------------------------------------------------
  // Fixed at creation.
  const std::string& name() const { return name_; }
  // The address other members reach this one at: Config::address, until
  // the member moves (DriverOptions::advertised_host) and its new life
  // starts at the new address.
  Address address() const;
  // Where the sockets are bound (port resolved when 0 was asked for).
  const Address& bound_address() const { return bound_; }

  // --- Commands -----------------------------------------------------------
  // Joins through `seeds`: "host:port", "1.2.3.4:port" or "[v6]:port"; a
  // seed without a port uses this member's. Literal addresses are contacted
  // at once; names are resolved off the loop, every A and AAAA record
  // becoming a seed, and names that do not resolve yet are retried with
  // backoff (reported to the error listeners); names that resolved are
  // resolved again every DriverOptions::seed_refresh_interval. The seeds
  // are kept: the Node asks them again whenever they are not members it
  // knows (docs/protocol.md, "Healing"). `done` gets the outcome of
  // parsing and of the first join attempt.
  void Join(std::vector<std::string> seeds, StatusCallback done = {});
  void SetMetadata(Metadata metadata, StatusCallback done = {});
  void Broadcast(std::string payload, StatusCallback done = {});
  // Node::Remove and Node::RememberFor (node.h), on the loop.
  void Remove(std::string name, StatusCallback done = {});
  void RememberFor(std::string name, absl::Duration duration,
                   StatusCallback done = {});
  // Graceful leave: announces LEFT, then calls `done` once the news went
  // out to enough members (OK) or after `timeout` (DeadlineExceeded). The
  // member keeps answering until the driver is stopped, so the news spreads.
  // During a move (DriverOptions::advertised_host) this life has left
  // already: the move ends, and no new life starts.
  void Leave(absl::Duration timeout, StatusCallback done = {});
  // Runs `task` with the Node on the loop thread (key rotation, say).
  void Execute(absl::AnyInvocable<void(Node&)> task);
  // Runs `read` on the loop thread and waits for it (inline when called on
  // the loop thread). DeadlineExceeded, with `read` never run, if the loop
  // does not get to it within `timeout` (it is not running, say). If
  // `read` throws, the exception reaches the caller of Inspect, from
  // whichever thread, and the loop goes on undisturbed.
  absl::Status Inspect(
      absl::FunctionRef<void(const Node& node, const DriverStats& stats)> read,
      absl::Duration timeout = absl::Seconds(10));

  // --- TLS (DriverOptions::tls) -------------------------------------------
  // Reads the certificate, key and CA files again (a renewed certificate,
  // a new CA bundle) and uses them for every connection made from now on;
  // open connections, made under the old ones, close within read_timeout
  // of the reload however busy they stay. On an error, which names the
  // file, the driver keeps what it has. FailedPrecondition when TLS is
  // off. The programs call it on SIGHUP. Thread-safe: concurrent calls are
  // taken one at a time, and the files loaded last are the ones in use.
  absl::Status ReloadTls();
  // When the certificate in use, or one above it in its file's chain,
  // expires (net::TlsContext::expires): the one loaded at creation, then
  // that of each ReloadTls that succeeded. Peers refuse this member's new
  // connections from then on. nullopt when TLS is off. Thread-safe.
  std::optional<absl::Time> TlsCertificateExpiry() const;

  // --- Listeners ----------------------------------------------------------
  // Take effect before any later command's events. A listener added
  // before the loop first runs hears every event, including those of the
  // datagrams and streams that were waiting when it started.
  void AddEventListener(EventListener listener);
  void AddErrorListener(ErrorListener listener);

 protected:
  // A subclass binds its sockets and creates the Node with
  // net::OpenMember (net/open_member.h), then hands the Node here.
  // `recording`: DriverOptions::recording_file, already recording `node`
  // (net::OpenMember); the driver ends the recording when it is destroyed.
  // `tls`: DriverOptions::tls loaded (net::OpenMember), null when off.
  Driver(std::unique_ptr<Node> node, const Address& bound,
         DriverOptions options, std::unique_ptr<Recorder> recording = nullptr,
         const net::TlsContext* tls = nullptr);

  // --- For subclasses, on the loop thread ---------------------------------
  Node& node() { return *node_; }
  DriverStats& stats() { return stats_; }
  const DriverOptions& options() const { return options_; }
  // After input or a wake-up: runs the node's due timers, sends what it
  // produced, tells the listeners, completes leaves and re-arms the timer.
  void Drain(Instant now);
  // Tells the error listeners, at most once per `kind` every few seconds.
  void ReportError(absl::string_view kind, absl::Status error);
  // Counts and reports a destination the socket's family cannot reach (an
  // IPv6 member seen from an IPv4 socket).
  void CountUnreachable(const Address& to);
  // Subclasses call this first in their destructor: it stops the resolver's
  // helper thread, which posts to the loop through the subclass, and
  // finishes writing the view file.
  void StopBackgroundWork();
  // Bytes read from stream connection `id`: hands them to the Node and
  // sends what it produced at once (a reply goes out on that connection
  // before anything else can close it). Returns the Node's verdict.
  StreamVerdict OnStreamData(uint64_t id, const Address& peer,
                             absl::Span<const uint8_t> bytes, Instant now);
  // Stream connection `id` closed (for any reason).
  void OnStreamClosed(uint64_t id);

  // --- Implemented by subclasses ------------------------------------------
  // Queues `task` to run on the loop thread. Thread-safe; never runs it
  // inline.
  virtual void Post(absl::AnyInvocable<void()> task) = 0;
  virtual bool InLoopThread() const = 0;
  virtual void SendDatagram(const Address& to,
                            absl::Span<const uint8_t> bytes) = 0;
  // One stream message, already framed. With `stream`, a reply on that
  // connection (dropped if it has closed); without, on the connection to
  // `to`, opened if needed.
  virtual void SendStream(const Address& to, std::optional<StreamId> stream,
                          absl::Span<const uint8_t> bytes) = 0;
  // End of a burst of SendDatagram calls (a batching driver sends now).
  virtual void FlushDatagrams() {}
  // The one wake-up the loop needs next for the node (nullopt: none).
  virtual void ArmTimer(std::optional<Instant> deadline) = 0;
  // Bytes of stream messages not yet taken by the sockets (including
  // those on connections still being established, and TLS records).
  virtual size_t QueuedStreamBytes() const = 0;
  // TLS for the connections made from now on (on the loop thread); the
  // open ones, made under the settings it replaces, close within
  // read_timeout (DriverOptions), busy or not.
  virtual void UseTls(std::shared_ptr<const net::TlsContext> tls) = 0;
  // Closes every stream connection, telling OnStreamClosed (on the loop
  // thread): the Node that knew them is about to be replaced (a move).
  virtual void CloseStreams() = 0;

 private:
  struct LeaveWaiter {
    Instant deadline;
    StatusCallback done;
  };

  void JoinOnLoop(const std::vector<std::string>& seeds, StatusCallback done);
  void OnSeedOutcome(net::SeedOutcome outcome);
  // A resolver (DriverOptions::resolve, the backoff options) refreshing
  // every `refresh`, whose outcomes `handler` takes on the loop.
  std::unique_ptr<net::SeedResolver> MakeResolver(
      absl::Duration refresh, void (Driver::*handler)(net::SeedOutcome));
  // --- Moves (DriverOptions::advertised_host) ---
  // Starts resolving the advertised name again and again (first Join).
  void WatchAdvertisedHost();
  void OnAdvertisedOutcome(net::SeedOutcome outcome);
  // Whether the sockets can serve a life at `to`; else why not.
  absl::Status CanFollow(const Address& to) const;
  // This life leaves for a new one at `to` (or a move under way retargets).
  void StartMove(const Address& to, Instant now);
  // Notes when the old life's LEFT went out and, once the new life is due,
  // posts its start (StartNewLife).
  void AdvanceMove(Instant now);
  // How long after its LEFT went out the next life starts.
  absl::Duration MoveWait() const;
  void StartNewLife(Instant now);
  // Unavailable, naming the move, while one is under way; else OK.
  absl::Status RefuseWhileMoving() const;
  // The literal seeds, then every name's addresses (in name order), without
  // repeats: the first Node::kMaxSeeds.
  std::vector<Address> SeedAddresses() const;
  // Completes the leaves whose news went out (or whose time ran out);
  // true while some wait only for the sockets to take it (TCP-only).
  bool CompleteLeaves(Instant now);
  // Tells the error listeners when the node starts refusing members or
  // truncating state exchanges (a limit reached).
  void ReportLimits();
  // Warm restart (DriverOptions::view_file): the first Join removes the
  // temporary files a killed earlier life left beside the file
  // (net::RemoveLeftoverTemporaries), then restores the saved view, or
  // joins `seeds` and a few of its members' addresses.
  absl::Status RejoinFromView(std::vector<Address> seeds, Instant now);
  // Saves the view if it changed and is due; takes the writer's outcomes.
  void MaybeSaveView(Instant now);
  bool ViewSaveDue(Instant now) const;

  std::unique_ptr<Node> node_;
  const std::string name_;
  // Held through a whole ReloadTls.
  mutable absl::Mutex tls_mutex_;
  std::optional<absl::Time> tls_expiry_ ABSL_GUARDED_BY(tls_mutex_);
  mutable absl::Mutex address_mutex_;
  Address address_ ABSL_GUARDED_BY(address_mutex_);  // node_'s, for address()
  const Address bound_;
  const DriverOptions options_;
  DriverStats stats_;
  std::vector<EventListener> event_listeners_;
  std::vector<ErrorListener> error_listeners_;
  absl::flat_hash_map<std::string, Instant> last_reported_;
  // The seeds: literal addresses as given, and each name's addresses as it
  // last resolved (replaced when it resolves again).
  std::vector<Address> literal_seeds_;
  absl::flat_hash_map<std::string, std::vector<Address>> resolved_seeds_;
  // The list the Node was last given (Node::Join).
  std::vector<Address> join_addresses_;
  std::vector<LeaveWaiter> leave_waiters_;
  uint64_t reported_table_full_ = 0;
  uint64_t reported_future_ = 0;
  uint64_t reported_truncated_ = 0;
  std::unique_ptr<net::SeedResolver> resolver_;  // created on first use
  // Resolves DriverOptions::advertised_host; created by the first Join.
  std::unique_ptr<net::SeedResolver> advertised_resolver_;
  const std::unique_ptr<AddressMove> move_;
  bool new_life_posted_ = false;
  // Warm restart: the writer exists with DriverOptions::view_file; views
  // are saved once the first Join restored the old one.
  std::unique_ptr<net::ViewFileWriter> view_writer_;
  bool view_joined_ = false;
  bool view_dirty_ = false;
  Instant next_view_save_ = Instant::InfinitePast();
  // After a restore, no save before this (RejoinFromView).
  Instant view_hold_until_ = Instant::InfinitePast();
  // DriverOptions::recording_file (null: not recording).
  std::unique_ptr<Recorder> recording_;
};

}  // namespace swim

#endif  // SWIM_DRIVERS_DRIVER_H_

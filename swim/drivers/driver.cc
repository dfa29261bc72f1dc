#include "swim/drivers/driver.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <variant>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "swim/core/config.h"
#include "swim/core/crypto.h"
#include "swim/core/instant.h"
#include "swim/core/metadata.h"
#include "swim/core/saved_view.h"
#include "swim/core/suspicion.h"
#include "swim/drivers/address_move.h"
#include "swim/drivers/net/host_port.h"
#include "swim/drivers/net/monotonic_clock.h"
#include "swim/drivers/net/node_identity.h"
#include "swim/drivers/net/seed_resolver.h"
#include "swim/drivers/net/socket_address.h"
#include "swim/drivers/net/tls.h"
#include "swim/drivers/net/view_file.h"

namespace swim {
namespace {

// The same error kind is reported at most this often.
constexpr absl::Duration kReportInterval = absl::Seconds(5);
// How often a leave waiting for the sockets (TCP-only) looks again.
constexpr absl::Duration kLeaveFlushCheck = absl::Milliseconds(10);

}  // namespace

Driver::Driver(std::unique_ptr<Node> node, const Address& bound,
               DriverOptions options, std::unique_ptr<Recorder> recording,
               const net::TlsContext* tls)
    : node_(std::move(node)),
      name_(node_->local().name),
      address_(node_->local().address),
      bound_(bound),
      options_(std::move(options)),
      move_(std::make_unique<AddressMove>()),
      recording_(std::move(recording)) {
  if (!options_.view_file.empty()) {
    view_writer_ = std::make_unique<net::ViewFileWriter>(options_.view_file);
  }
  if (tls != nullptr) tls_expiry_ = tls->expires();
}

Driver::~Driver() {
  // The last checkpoint, with every output drained, before the file goes.
  node_->StopRecording();
}

void Driver::StopBackgroundWork() {
  resolver_.reset();
  advertised_resolver_.reset();
  view_writer_.reset();
}

Address Driver::address() const {
  absl::MutexLock lock(&address_mutex_);
  return address_;
}

StreamVerdict Driver::OnStreamData(uint64_t id, const Address& peer,
                                   absl::Span<const uint8_t> bytes,
                                   Instant now) {
  const StreamVerdict verdict = node_->HandleStreamData(id, peer, bytes, now);
  Drain(now);
  return verdict;
}

void Driver::OnStreamClosed(uint64_t id) { node_->HandleStreamClosed(id); }

// --- Commands ---------------------------------------------------------------

void Driver::Join(std::vector<std::string> seeds, StatusCallback done) {
  Post([this, seeds = std::move(seeds), done = std::move(done)]() mutable {
    JoinOnLoop(seeds, std::move(done));
  });
}

void Driver::JoinOnLoop(const std::vector<std::string>& seeds,
                        StatusCallback done) {
  std::vector<Address> literals;
  std::vector<net::HostPort> names;
  for (const std::string& seed : seeds) {
    absl::StatusOr<net::HostPort> parsed =
        net::ParseHostPort(seed, node_->local().address.port());
    if (!parsed.ok()) {
      if (done) done(parsed.status());
      return;
    }
    if (std::optional<Address> literal = net::LiteralAddress(*parsed)) {
      literals.push_back(*literal);
    } else {
      names.push_back(*std::move(parsed));
    }
  }
  for (const Address& address : literals) {
    if (std::find(literal_seeds_.begin(), literal_seeds_.end(), address) ==
        literal_seeds_.end()) {
      literal_seeds_.push_back(address);
    }
  }
  absl::Status status = absl::OkStatus();
  const Instant now = net::MonotonicNow();
  if (move_->active()) {
    // This life has left; the next one rejoins every seed known then.
    join_addresses_ = SeedAddresses();
  } else if (view_writer_ && !view_joined_) {
    view_joined_ = true;
    join_addresses_ = SeedAddresses();
    status = RejoinFromView(join_addresses_, now);
    Drain(now);
  } else if (!literals.empty() || (names.empty() && join_addresses_.empty())) {
    join_addresses_ = SeedAddresses();
    status = node_->Join(join_addresses_, now);
    Drain(now);
  }
  if (!names.empty() && status.ok()) {
    if (!resolver_) {
      resolver_ =
          MakeResolver(options_.seed_refresh_interval, &Driver::OnSeedOutcome);
    }
    for (const net::HostPort& name : names) resolver_->Resolve(name);
  }
  if (status.ok()) WatchAdvertisedHost();
  if (done) done(status);
}

void Driver::OnSeedOutcome(net::SeedOutcome outcome) {
  if (!outcome.addresses.ok()) {
    ++stats_.seed_resolve_failures;
    ReportError(
        absl::StrCat("resolve ", outcome.seed.ToString()),
        absl::Status(
            outcome.addresses.status().code(),
            absl::StrCat(outcome.addresses.status().message(), "; retrying in ",
                         absl::FormatDuration(outcome.retry_in))));
    return;
  }
  ++stats_.seeds_resolved;
  resolved_seeds_[outcome.seed.ToString()] = *std::move(outcome.addresses);
  std::vector<Address> seeds = SeedAddresses();
  // Resolved again to the same addresses: nothing to tell the Node.
  if (seeds == join_addresses_) return;
  join_addresses_ = std::move(seeds);
  if (node_->lifecycle() != Lifecycle::kActive) return;
  const Instant now = net::MonotonicNow();
  if (absl::Status status = node_->Join(join_addresses_, now); !status.ok()) {
    ReportError("join", status);
  }
  Drain(now);
}

absl::Status Driver::RejoinFromView(std::vector<Address> seeds, Instant now) {
  // The file is only ever replaced by a view this life confirmed (see
  // MaybeSaveView), so an unusable one stays for the next start.
  const std::string& path = options_.view_file;
  // Saves start with this Join (view_joined_), so first go the temporary
  // files beside it that a process killed while saving left (each as large
  // as a view). A missing directory is reported by the first save.
  if (absl::StatusOr<int> removed = net::RemoveLeftoverTemporaries(path);
      !removed.ok() && !absl::IsNotFound(removed.status())) {
    ReportError("view file leftovers", removed.status());
  }
  const absl::string_view alone =
      seeds.empty() ? "; no seeds either: this member starts alone" : "";
  absl::StatusOr<SavedView> view =
      net::LoadViewFile(path, node_->config().max_members);
  if (!view.ok()) {
    if (!absl::IsNotFound(view.status())) {
      ReportError("view file",
                  absl::Status(view.status().code(),
                               absl::StrCat(view.status().message(),
                                            "; joining the seeds", alone)));
    }
    return node_->Join(seeds, now);
  }
  const absl::Duration max_age =
      options_.view_file_max_age > absl::ZeroDuration()
          ? options_.view_file_max_age
          : node_->config().tombstone_timeout;
  absl::Status usable =
      net::CheckViewFile(*view, path, name_, absl::Now(), max_age);
  if (usable.ok()) {
    usable = node_->Rejoin(view->members, seeds, now);
    if (usable.ok()) {
      stats_.view_members_restored += node_->size();
      // Until every restored member has been probed (a round over all of
      // them) and a silent one declared, a save would carry entries only
      // the old view vouches for under a new date; the old file stays.
      const Config& config = node_->config();
      const int stretch = config.lifeguard.dynamic_suspicion
                              ? config.lifeguard.suspicion_max_timeout_mult
                              : 1;
      view_hold_until_ =
          now + static_cast<int64_t>(node_->size()) * config.probe_interval +
          stretch * SuspicionTimeout(config.suspicion_mult, node_->size() + 1,
                                     config.probe_interval);
      return usable;
    }
  }
  // Not restored, but its members' addresses are still the best guess of
  // where the cluster is: a few of them, spread over the view, are seeds
  // (within the Node's kMaxSeeds, the seeds given first).
  const size_t saved = view->members.size();
  const size_t contacts =
      std::min({saved, static_cast<size_t>(options_.view_file_contacts),
                Node::kMaxSeeds});
  if (seeds.size() + contacts > Node::kMaxSeeds) {
    seeds.resize(Node::kMaxSeeds - contacts);
  }
  for (size_t i = 0; i < contacts; ++i) {
    const Address& address = view->members[i * saved / contacts].address;
    if (std::find(seeds.begin(), seeds.end(), address) == seeds.end()) {
      seeds.push_back(address);
    }
  }
  std::string fallback = "; joining the seeds";
  if (contacts > 0) {
    absl::StrAppend(&fallback, " and ", contacts, " members of the view");
  }
  if (seeds.empty()) absl::StrAppend(&fallback, alone);
  ReportError(
      "view file",
      absl::Status(usable.code(), absl::StrCat(usable.message(), fallback)));
  return node_->Join(seeds, now);
}

bool Driver::ViewSaveDue(Instant now) const {
  return view_joined_ && view_dirty_ && now >= next_view_save_ &&
         now >= view_hold_until_;
}

void Driver::MaybeSaveView(Instant now) {
  const net::ViewFileWriter::Outcome outcome = view_writer_->TakeOutcome();
  stats_.view_saves += outcome.written;
  stats_.view_save_failures += outcome.failed;
  if (outcome.failed > 0) {
    ReportError("view file", outcome.last_error);
    view_dirty_ = true;  // tried again at the next save
  }
  if (!ViewSaveDue(now)) return;
  // Only a view this life has confirmed replaces the file: never an empty
  // one (a member alone, or one whose peers all went), never one taken
  // while it is isolated (its peers' silence is its own network's), and
  // only once some member has spoken to it.
  const Stats& node_stats = node_->stats();
  uint64_t received = 0;
  for (uint64_t count : node_stats.messages_received) received += count;
  if (node_stats.isolated || received == 0 || node_->available() == 0) return;
  SavedView view;
  view.name = name_;
  view.saved_at = absl::Now();
  // SUSPECT members too: they were ONLINE moments ago, and a suspicion
  // does not outlive a restart.
  view.members = node_->Members(kAvailable);
  for (Member& member : view.members) member.status = MemberStatus::kOnline;
  absl::StatusOr<std::string> bytes = EncodeSavedView(view);
  if (!bytes.ok()) {
    ReportError("view file", bytes.status());
  } else {
    view_writer_->Save(*std::move(bytes));
  }
  view_dirty_ = false;
  next_view_save_ = now + options_.view_save_interval;
}

std::vector<Address> Driver::SeedAddresses() const {
  std::vector<Address> seeds = literal_seeds_;
  std::vector<const std::string*> names;
  for (const auto& [name, addresses] : resolved_seeds_) names.push_back(&name);
  std::sort(names.begin(), names.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  for (const std::string* name : names) {
    for (const Address& address : resolved_seeds_.at(*name)) {
      if (std::find(seeds.begin(), seeds.end(), address) == seeds.end()) {
        seeds.push_back(address);
      }
    }
  }
  // The first ones the Node takes (a seed costs a state exchange on every
  // join attempt).
  if (seeds.size() > Node::kMaxSeeds) seeds.resize(Node::kMaxSeeds);
  return seeds;
}

void Driver::SetMetadata(Metadata metadata, StatusCallback done) {
  Post(
      [this, metadata = std::move(metadata), done = std::move(done)]() mutable {
        const Instant now = net::MonotonicNow();
        absl::Status status;
        if (move_->active()) {
          // Kept for the next life, if it fits there.
          absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
          if (!encoded.ok()) {
            status = encoded.status();
          } else if (encoded->size() > node_->config().max_metadata_size) {
            status = absl::InvalidArgumentError(
                absl::StrCat("metadata encodes to ", encoded->size(),
                             " bytes, over Config::max_metadata_size (",
                             node_->config().max_metadata_size, ")"));
          } else {
            move_->SetMetadata(std::move(metadata));
          }
        } else {
          status = node_->SetMetadata(std::move(metadata), now);
        }
        Drain(now);
        if (done) done(status);
      });
}

void Driver::Broadcast(std::string payload, StatusCallback done) {
  Post([this, payload = std::move(payload), done = std::move(done)]() mutable {
    const Instant now = net::MonotonicNow();
    absl::Status status = RefuseWhileMoving();
    if (status.ok()) status = node_->Broadcast(payload, now);
    Drain(now);
    if (done) done(status);
  });
}

void Driver::Remove(std::string name, StatusCallback done) {
  Post([this, name = std::move(name), done = std::move(done)]() mutable {
    const Instant now = net::MonotonicNow();
    absl::Status status = RefuseWhileMoving();
    if (status.ok()) status = node_->Remove(name, now);
    Drain(now);
    if (done) done(status);
  });
}

void Driver::RememberFor(std::string name, absl::Duration duration,
                         StatusCallback done) {
  Post([this, name = std::move(name), duration,
        done = std::move(done)]() mutable {
    const Instant now = net::MonotonicNow();
    absl::Status status = RefuseWhileMoving();
    if (status.ok()) status = node_->RememberFor(name, duration, now);
    Drain(now);
    if (done) done(status);
  });
}

void Driver::Leave(absl::Duration timeout, StatusCallback done) {
  Post([this, timeout, done = std::move(done)]() mutable {
    const Instant now = net::MonotonicNow();
    if (move_->active()) {
      // This life has left already; the next one will not start.
      move_->Finish();
      leave_waiters_.push_back(LeaveWaiter{now + timeout, std::move(done)});
      Drain(now);
      return;
    }
    absl::Status status = node_->Leave(now);
    if (!status.ok()) {
      if (done) done(status);
      return;
    }
    leave_waiters_.push_back(LeaveWaiter{now + timeout, std::move(done)});
    Drain(now);
  });
}

void Driver::Execute(absl::AnyInvocable<void(Node&)> task) {
  Post([this, task = std::move(task)]() mutable {
    {
      // A task that throws: what it did is sent when the loop comes back,
      // at once.
      const int unwinding = std::uncaught_exceptions();
      absl::Cleanup resume = [this, unwinding] {
        if (std::uncaught_exceptions() > unwinding) {
          ArmTimer(net::MonotonicNow());
        }
      };
      task(*node_);
    }
    Drain(net::MonotonicNow());
  });
}

absl::Status Driver::Inspect(
    absl::FunctionRef<void(const Node&, const DriverStats&)> read,
    absl::Duration timeout) {
  if (InLoopThread()) {
    read(*node_, stats_);
    return absl::OkStatus();
  }
  // The task may outlive this call (if it times out): it shares this state
  // and runs `read` only while the caller still waits, under the mutex the
  // caller takes to give up, so `read` never dangles. What `read` throws
  // is the caller's, not the loop's: it is carried back and rethrown here.
  struct Rendezvous {
    absl::Mutex mutex;
    bool done = false;
    bool abandoned = false;
    std::exception_ptr thrown;
  };
  auto rendezvous = std::make_shared<Rendezvous>();
  Post([this, rendezvous, read] {
    absl::MutexLock lock(&rendezvous->mutex);
    if (rendezvous->abandoned) return;
    try {
      read(*node_, stats_);
    } catch (...) {
      rendezvous->thrown = std::current_exception();
    }
    rendezvous->done = true;
  });
  std::exception_ptr thrown;
  {
    absl::MutexLock lock(&rendezvous->mutex);
    if (!rendezvous->mutex.AwaitWithTimeout(absl::Condition(&rendezvous->done),
                                            timeout)) {
      rendezvous->abandoned = true;
      return absl::DeadlineExceededError(
          absl::StrCat("the driver's loop did not run the inspection within ",
                       absl::FormatDuration(timeout), " (is it running?)"));
    }
    thrown = rendezvous->thrown;
  }
  if (thrown) std::rethrow_exception(thrown);
  return absl::OkStatus();
}

absl::Status Driver::ReloadTls() {
  if (!options_.tls.enabled()) {
    return absl::FailedPreconditionError(
        "TLS is off (DriverOptions::tls names no files): nothing to reload");
  }
  // One reload at a time, from the load to the post: the loop runs posted
  // tasks in order, so the files loaded last are both the ones in use and
  // the expiry reported.
  absl::MutexLock lock(&tls_mutex_);
  absl::StatusOr<std::shared_ptr<const net::TlsContext>> loaded =
      net::TlsContext::Load(options_.tls);
  if (!loaded.ok()) {
    Post([this] { ++stats_.tls_reload_failures; });
    return loaded.status();
  }
  tls_expiry_ = (*loaded)->expires();
  Post([this, tls = *std::move(loaded)]() mutable {
    ++stats_.tls_reloads;
    UseTls(std::move(tls));
  });
  return absl::OkStatus();
}

std::optional<absl::Time> Driver::TlsCertificateExpiry() const {
  absl::MutexLock lock(&tls_mutex_);
  return tls_expiry_;
}

void Driver::AddEventListener(EventListener listener) {
  Post([this, listener = std::move(listener)]() mutable {
    event_listeners_.push_back(std::move(listener));
  });
}

void Driver::AddErrorListener(ErrorListener listener) {
  Post([this, listener = std::move(listener)]() mutable {
    error_listeners_.push_back(std::move(listener));
  });
}

// --- The loop's bookkeeping
// ---------------------------------------------------

void Driver::Drain(Instant now) {
  // A listener that throws leaves the rest of this drain undone (the
  // node keeps what was not polled): the loop comes back at once for it.
  const int unwinding = std::uncaught_exceptions();
  absl::Cleanup resume = [this, now, unwinding] {
    if (std::uncaught_exceptions() > unwinding) ArmTimer(now);
  };
  node_->ObserveWallClock(absl::Now());
  if (const std::optional<Instant> deadline = node_->NextDeadline();
      deadline && *deadline <= now) {
    node_->HandleTimeout(now);
  }
  while (std::optional<Transmit> transmit = node_->PollTransmit()) {
    if (transmit->channel == Channel::kDatagram) {
      SendDatagram(transmit->to, transmit->bytes);
    } else {
      SendStream(transmit->to, transmit->stream, transmit->bytes);
    }
  }
  FlushDatagrams();
  while (std::optional<Event> event = node_->PollEvent()) {
    if (EventMember(*event) != nullptr &&
        !std::holds_alternative<Refuted>(*event)) {
      view_dirty_ = true;  // a member changed: the saved view is stale
    }
    for (const EventListener& listener : event_listeners_) {
      listener(*event, *node_);
    }
  }
  const bool flushing = CompleteLeaves(now);
  AdvanceMove(now);
  ReportLimits();
  if (view_writer_) MaybeSaveView(now);
  std::optional<Instant> wake = node_->NextDeadline();
  if (const std::optional<Instant> move = move_->NextExpiry();
      move && !new_life_posted_ && (!wake || *move < *wake)) {
    wake = *move;
  }
  for (const LeaveWaiter& waiter : leave_waiters_) {
    if (!wake || waiter.deadline < *wake) wake = waiter.deadline;
  }
  // A leave waiting for the sockets to take its news: look again soon
  // (the loop runs no node code when a socket drains).
  if (flushing && (!wake || now + kLeaveFlushCheck < *wake)) {
    wake = now + kLeaveFlushCheck;
  }
  // A save that waits only for its time wakes the loop then; one that
  // waits for the cluster (see MaybeSaveView) waits for its events.
  if (view_writer_ && view_joined_ && view_dirty_) {
    const Instant due = std::max(next_view_save_, view_hold_until_);
    if (due > now && (!wake || due < *wake)) wake = due;
  }
  ArmTimer(wake);
}

std::unique_ptr<net::SeedResolver> Driver::MakeResolver(
    absl::Duration refresh, void (Driver::*handler)(net::SeedOutcome)) {
  return std::make_unique<net::SeedResolver>(
      options_.resolve, options_.min_resolve_backoff,
      options_.max_resolve_backoff, refresh,
      [this, handler](net::SeedOutcome outcome) {
        Post([this, handler, outcome = std::move(outcome)]() mutable {
          (this->*handler)(std::move(outcome));
        });
      });
}

// --- Moves ------------------------------------------------------------------

void Driver::WatchAdvertisedHost() {
  if (options_.advertised_host.empty() || advertised_resolver_) return;
  advertised_resolver_ = MakeResolver(options_.advertised_refresh_interval,
                                      &Driver::OnAdvertisedOutcome);
  advertised_resolver_->Resolve(
      net::HostPort{options_.advertised_host, node_->local().address.port()});
}

void Driver::OnAdvertisedOutcome(net::SeedOutcome outcome) {
  const Address current =
      move_->active() ? move_->target() : node_->local().address;
  if (!outcome.addresses.ok()) {
    ++stats_.advertised_resolve_failures;
    ReportError(
        "advertised host resolve",
        absl::Status(
            outcome.addresses.status().code(),
            absl::StrCat(
                "the advertised name ", outcome.seed.ToString(),
                " does not resolve: ", outcome.addresses.status().message(),
                "; this member stays at ", current.ToString(), ", retrying in ",
                absl::FormatDuration(outcome.retry_in))));
    return;
  }
  const std::vector<Address>& records = *outcome.addresses;
  if (records.empty() ||
      std::find(records.begin(), records.end(), current) != records.end()) {
    return;  // still names this member (or where it is moving)
  }
  // A life that is leaving for good does not move.
  if (!move_->active() && node_->lifecycle() != Lifecycle::kActive) return;
  // The first record another member could reach this one at (a sinkhole
  // resolver answers 0.0.0.0 or 127.0.0.1).
  const auto reachable =
      std::find_if(records.begin(), records.end(), [&](const Address& to) {
        return !net::UnreachableAsMember(to, current).has_value();
      });
  if (reachable == records.end()) {
    ++stats_.advertised_resolve_failures;
    ReportError("advertised host unreachable",
                absl::FailedPreconditionError(absl::StrCat(
                    "the advertised name ", outcome.seed.ToString(),
                    " now resolves to ", records.front().ToString(), ", not ",
                    current.ToString(), ", but ",
                    *net::UnreachableAsMember(records.front(), current),
                    "; this member stays at ", current.ToString())));
    return;
  }
  const Address& to = *reachable;
  if (absl::Status follow = CanFollow(to); !follow.ok()) {
    ReportError(
        "advertised host cannot follow",
        absl::FailedPreconditionError(absl::StrCat(
            "the advertised name ", outcome.seed.ToString(),
            " now resolves to ", to.ToString(), ", not ", current.ToString(),
            ", but ", follow.message(), "; this member stays at ",
            current.ToString(), " (restart it, or bind a wildcard such as ",
            to.family() == Address::Family::kIpv4 ? "0.0.0.0" : "[::]",
            " so it can follow the name)")));
    return;
  }
  StartMove(to, net::MonotonicNow());
}

absl::Status Driver::CanFollow(const Address& to) const {
  const bool bound_v4 = bound_.family() == Address::Family::kIpv4;
  const bool to_v4 = to.family() == Address::Family::kIpv4;
  if (net::IsUnspecified(bound_)) {
    // [::] serves both families; 0.0.0.0 only IPv4.
    if (bound_v4 && !to_v4) {
      return absl::FailedPreconditionError(absl::StrCat(
          "its sockets are bound to ", bound_.ToString(), " (IPv4 only)"));
    }
    return absl::OkStatus();
  }
  if (bound_v4 != to_v4) {
    return absl::FailedPreconditionError(absl::StrCat(
        "its sockets are bound to ", bound_.ToString(), ", another family"));
  }
  if (bound_.WithPort(0) == node_->local().address.WithPort(0)) {
    return absl::FailedPreconditionError(
        absl::StrCat("its sockets are bound to ", bound_.ToString(),
                     ", the address it would leave"));
  }
  return absl::OkStatus();  // bound elsewhere (behind NAT): they stay right
}

void Driver::StartMove(const Address& to, Instant now) {
  const bool retarget = move_->active();
  const Address from = node_->local().address;
  move_->Start(to);
  if (retarget) {
    ReportError("advertised host moved again",
                absl::UnavailableError(absl::StrCat(
                    "the advertised name ", options_.advertised_host,
                    " moved again, to ", to.ToString(),
                    ": this member's next life starts there")));
    return;
  }
  if (absl::Status left = node_->Leave(now); !left.ok()) {
    move_->Finish();  // cannot happen: the life was active
    ReportError("advertised host leave", left);
    return;
  }
  ReportError(
      "advertised host moving",
      absl::UnavailableError(absl::StrCat(
          "the advertised name ", options_.advertised_host, " now resolves to ",
          to.ToString(), ": this member leaves at ", from.ToString(),
          " and rejoins at ", to.ToString(), " about ",
          absl::FormatDuration(MoveWait()),
          " after its leave went out (members take a life at a new "
          "address only once the old one has been gone that long)")));
  Drain(now);
}

absl::Duration Driver::MoveWait() const {
  // Every member refuses a life at another address until the old one has
  // been gone a suspicion timeout (ReclaimAfter), counted from when it heard
  // the LEFT. kLeft means the LEFT went out to the first members; the rest
  // hear it relayed, each relay sending it on up to the retransmit limit,
  // one gossip interval apart. A probe interval more covers members that
  // count one member more or are a little late.
  const Config& config = node_->config();
  const uint64_t members = node_->available() + 2;
  return SuspicionTimeout(config.suspicion_mult, members,
                          config.probe_interval) +
         RetransmitLimit(config, members) * config.gossip_interval +
         config.probe_interval;
}

void Driver::AdvanceMove(Instant now) {
  if (!move_->active()) return;
  if (!move_->NextExpiry() && node_->lifecycle() == Lifecycle::kLeft) {
    move_->Left(now, MoveWait());
  }
  if (!move_->Due(now) || new_life_posted_) return;
  // Not here: Drain may run inside a stream callback, on a connection that
  // replacing the Node closes. A posted task runs outside all of them.
  new_life_posted_ = true;
  Post([this, now] {
    new_life_posted_ = false;
    if (!move_->active()) return;  // a Leave ended it
    const Instant at = std::max(now, net::MonotonicNow());
    StartNewLife(at);
    Drain(at);
  });
}

void Driver::StartNewLife(Instant now) {
  Config config = node_->config();
  // Node::Create wipes the keys it is given; this covers the path without.
  absl::Cleanup wipe_keys = [&config] { crypto::CleanseStrings(config.keys); };
  const uint64_t old_generation = node_->local().incarnation.generation;
  config.address = move_->target();
  config.generation = 0;
  config.seed = 0;
  config.nonce_seed.fill(0);
  const absl::Status identity = net::CompleteIdentity(config);
  // Later than the old life even if the wall clock went back.
  config.generation = std::max(config.generation, old_generation + 1);
  config.keys = node_->InstalledKeys();
  std::optional<Metadata> metadata = move_->TakeMetadata();
  config.metadata = metadata ? *std::move(metadata) : node_->local().metadata;
  std::vector<Member> members = node_->Members(kAvailable);
  for (Member& member : members) member.status = MemberStatus::kOnline;
  move_->Finish();

  absl::StatusOr<std::unique_ptr<Node>> next =
      identity.ok() ? Node::Create(std::move(config), now)
                    : absl::StatusOr<std::unique_ptr<Node>>(identity);
  if (!next.ok()) {
    ReportError(
        "advertised host new life",
        absl::Status(next.status().code(),
                     absl::StrCat("cannot start this member's life at "
                                  "its new address: ",
                                  next.status().message(), "; it stays left")));
    return;
  }
  CloseStreams();          // the old Node hears them close
  node_->StopRecording();  // a recording is of one life
  node_ = *std::move(next);
  {
    absl::MutexLock lock(&address_mutex_);
    address_ = node_->local().address;
  }
  ++stats_.address_moves;
  // The new Node counts from zero.
  reported_table_full_ = 0;
  reported_future_ = 0;
  reported_truncated_ = 0;
  absl::Status joined = node_->Rejoin(members, join_addresses_, now);
  // Rejoin reports the restored members as joined; the application has
  // known them all along.
  while (node_->PollEvent()) {
  }
  if (!joined.ok()) {
    // Nothing restored (say, a member invalid here): the seeds, at least.
    ReportError("join", joined);
    if (absl::Status seeds = node_->Join(join_addresses_, now); !seeds.ok()) {
      ReportError("join", seeds);
    }
  }
  view_dirty_ = true;
}

absl::Status Driver::RefuseWhileMoving() const {
  if (!move_->active()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "this member is moving to ", move_->target().ToString(),
      " (its advertised name ", options_.advertised_host,
      " resolves there now): the old life has left and the new one has not "
      "started; try again once it has (Driver::address() changes then)"));
}

void Driver::ReportLimits() {
  const Stats& stats = node_->stats();
  const uint64_t refused = stats.Drops(DropReason::kTableFull);
  if (refused > reported_table_full_) {
    reported_table_full_ = refused;
    ReportError(
        "table full",
        absl::ResourceExhaustedError(absl::StrCat(
            "news of new members refused (", refused,
            " so far): this member knows ", node_->size(),
            " members, and Config::max_members is ",
            node_->config().max_members,
            " and one state exchange holds at most max_stream_message (",
            node_->config().max_stream_message,
            " bytes); raise them if the cluster is really this big, else "
            "someone is inventing members")));
  }
  const uint64_t future = stats.Drops(DropReason::kFutureGeneration);
  if (future > reported_future_) {
    reported_future_ = future;
    ReportError("future generation",
                absl::FailedPreconditionError(absl::StrCat(
                    "claims about members that started later than this "
                    "member's clock allows were refused (",
                    future,
                    " so far): check that every member's clock is "
                    "synchronized (NTP), within Config::max_clock_skew (",
                    absl::FormatDuration(node_->config().max_clock_skew),
                    "), or someone holding the key forges them")));
  }
  if (stats.push_pulls_truncated > reported_truncated_) {
    reported_truncated_ = stats.push_pulls_truncated;
    ReportError("state truncated",
                absl::ResourceExhaustedError(absl::StrCat(
                    "a state exchange outgrew max_stream_message (",
                    node_->config().max_stream_message, " bytes) and was sent ",
                    "in part (", stats.push_pulls_truncated,
                    " so far); raise it on every member")));
  }
}

bool Driver::CompleteLeaves(Instant now) {
  if (leave_waiters_.empty()) return false;
  // In TCP-only mode "sent" means queued on connections (some still being
  // established), which stopping the driver would drop: the leave is sent
  // once the sockets took it.
  const bool queued = node_->lifecycle() == Lifecycle::kLeft;
  const bool sent =
      queued && (!node_->config().tcp_only || QueuedStreamBytes() == 0);
  std::vector<LeaveWaiter> waiting;
  std::vector<LeaveWaiter> finished;
  for (LeaveWaiter& waiter : leave_waiters_) {
    (sent || now >= waiter.deadline ? finished : waiting)
        .push_back(std::move(waiter));
  }
  leave_waiters_ = std::move(waiting);
  for (LeaveWaiter& waiter : finished) {
    if (!waiter.done) continue;
    waiter.done(sent ? absl::OkStatus()
                     : absl::DeadlineExceededError(
                           "left, but the leave was not confirmed sent to "
                           "enough members in time"));
  }
  return queued && !sent && !leave_waiters_.empty();
}

void Driver::ReportError(absl::string_view kind, absl::Status error) {
  const Instant now = net::MonotonicNow();
  auto [it, inserted] = last_reported_.try_emplace(kind, now);
  if (!inserted) {
    if (now - it->second < kReportInterval) return;
    it->second = now;
  }
  if (last_reported_.size() > 1024) last_reported_.clear();  // bounded
  for (const ErrorListener& listener : error_listeners_) listener(error);
}

void Driver::CountUnreachable(const Address& to) {
  ++stats_.unreachable_destinations;
  ReportError("family",
              absl::InvalidArgumentError(absl::StrCat(
                  "cannot reach ", to.ToString(), " from ", bound_.ToString(),
                  ": bind an IPv6 address (such as [::]) to reach both "
                  "families")));
}

}  // namespace swim

#include "swim/core/state_exchange.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "swim/core/metadata.h"

namespace swim {

Claim ClaimAbout(absl::string_view name, const Address& address,
                 MemberStatus status, const Incarnation& incarnation,
                 absl::string_view metadata_encoded, absl::string_view origin) {
  Claim claim;
  claim.status = status;
  claim.name = name;
  claim.incarnation = incarnation;
  claim.address = address;
  if (status == MemberStatus::kOnline) {
    absl::StatusOr<MetadataView> view = MetadataView::Parse(metadata_encoded);
    claim.has_metadata = view.ok();
    if (view.ok()) claim.metadata = *view;
  }
  if (status == MemberStatus::kSuspect || status == MemberStatus::kOffline) {
    claim.origin = origin;
  }
  return claim;
}

Claim ClaimOf(const MemberRecord& record, absl::string_view origin) {
  return ClaimAbout(record.name(), record.address(), record.status(),
                    record.incarnation(), record.metadata_encoded(), origin);
}

size_t StateEntryBound(size_t name_size, size_t metadata_size) {
  return 1 + 1 + 2 + name_size + 10 + 10 + 19 + metadata_size;
}

size_t StateOverhead() { return 3 + 1 + 1 + 2 + kMaxNameLength + 10 + 10; }

PushPull BuildState(StateKind kind, Claim local, const MemberTable& table,
                    const BroadcastHistory& history,
                    absl::Span<const Claim> buried) {
  PushPull state;
  state.reply_wanted = kind == StateKind::kRequest || kind == StateKind::kJoin;
  state.joining = kind == StateKind::kJoin;
  state.sender = local.name;
  if (kind == StateKind::kReplyToJoiner) {
    history.ForEach(
        [&](absl::string_view origin, uint64_t generation, uint64_t sequence) {
          if (table.Find(origin) != nullptr) {
            state.floors.push_back({origin, generation, sequence});
          }
        });
    // In a fixed order, so runs replay exactly.
    std::sort(state.floors.begin(), state.floors.end(),
              [](const BroadcastFloor& a, const BroadcastFloor& b) {
                return a.origin < b.origin;
              });
  }
  state.members.reserve(table.size() + 1 + buried.size());
  local.origin = {};
  state.members.push_back(std::move(local));
  for (size_t i = 0; i < table.size(); ++i) {
    state.members.push_back(ClaimOf(table.at(i), /*origin=*/{}));
  }
  for (const Claim& claim : buried) {
    state.members.push_back(claim);
    state.members.back().origin = {};
  }
  return state;
}

std::optional<EncodedState> EncodeState(PushPull state,
                                        size_t max_stream_message,
                                        Random& random) {
  EncodedState encoded{std::move(state), {}, false};
  Message& message = encoded.message;
  absl::StatusOr<size_t> size = EncodedSize(message);
  if (!size.ok()) return std::nullopt;
  if (kWireHeaderSize + *size > max_stream_message) {
    encoded.truncated = true;
    PushPull& whole = std::get<PushPull>(message);
    whole.floors.clear();
    std::vector<Claim> kept = {whole.members.front()};
    size_t bytes = *EncodedSize(Message(
        PushPull{whole.reply_wanted, whole.joining, whole.sender, kept, {}}));
    const size_t others = whole.members.size() - 1;
    const size_t first = others == 0 ? 0 : random.Uniform(others);
    for (size_t i = 0; i < others; ++i) {
      const Claim& entry = whole.members[1 + (first + i) % others];
      const size_t entry_size = *EncodedSize(Message(entry)) - 1;
      if (kWireHeaderSize + bytes + entry_size + 9 > max_stream_message) {
        continue;  // a smaller one may fit
      }
      bytes += entry_size;
      kept.push_back(entry);
    }
    whole.members = std::move(kept);
    size = EncodedSize(message);
    if (!size.ok()) return std::nullopt;
  }
  encoded.packet.resize(kWireHeaderSize + *size);
  if (!EncodePacket(absl::MakeConstSpan(&message, 1),
                    absl::MakeSpan(encoded.packet))
           .ok()) {
    return std::nullopt;
  }
  return encoded;
}

bool StateReplyGate::Allows(absl::string_view sender,
                            const Incarnation& incarnation, Instant now,
                            absl::Duration interval) {
  const Reply* last = replies_.Find(sender);
  return last == nullptr || now >= last->at + interval ||
         incarnation > last->incarnation;
}

void StateReplyGate::Record(absl::string_view sender,
                            const Incarnation& incarnation, Instant now) {
  replies_.Put(sender, Reply{now, incarnation});
}

bool JoinAttempt::Start(absl::Span<const Address> seeds, const Address& self,
                        bool joined) {
  seeds_.clear();
  answered_by_.clear();
  awaiting_seed_ = false;
  // In the order given, each once (a set only for the test: linear in
  // the count, which the Node bounds with kMaxSeeds).
  absl::flat_hash_set<Address> seen;
  seen.reserve(seeds.size());
  for (const Address& seed : seeds) {
    if (seed == self || !seen.insert(seed).second) continue;
    seeds_.push_back(seed);
    answered_by_.emplace_back();
  }
  if (seeds_.empty()) return false;
  awaiting_floors_ = !joined;
  backoff_ = first_backoff_;
  recheck_backoff_ = recheck_;
  delay_ =
      joined && recheck_ > absl::ZeroDuration() ? recheck_ : first_backoff_;
  return true;
}

std::optional<std::vector<Address>> JoinAttempt::Check(
    bool joined,
    absl::FunctionRef<bool(const Address&, absl::string_view)> settled) {
  if (seeds_.empty()) return std::nullopt;
  if (!joined) {
    awaiting_seed_ = false;
    backoff_ = std::min(backoff_ * 2, absl::Seconds(60));
    delay_ = backoff_;
    return seeds_;
  }
  // Joined (through gossip, if not by a seed's reply): no floors to wait
  // for any more.
  awaiting_floors_ = false;
  if (recheck_ <= absl::ZeroDuration()) return std::nullopt;
  std::vector<Address> unsettled;
  for (size_t i = 0; i < seeds_.size(); ++i) {
    if (!settled(seeds_[i], answered_by_[i])) unsettled.push_back(seeds_[i]);
  }
  awaiting_seed_ = unsettled.size() == seeds_.size();
  if (awaiting_seed_) {
    // Members known, but none at a seed: most likely only members that
    // joined through this one while its own join went unanswered, who
    // know no more than it does. Asked again at the joining pace.
    backoff_ = std::min(backoff_ * 2, absl::Seconds(60));
    delay_ = backoff_;
    return unsettled;
  }
  // A later loss of every member starts over quickly.
  backoff_ = first_backoff_;
  if (unsettled.empty()) {
    recheck_backoff_ = recheck_;
    delay_ = recheck_;
  } else {
    delay_ = recheck_backoff_;
    recheck_backoff_ =
        std::min(recheck_backoff_ * 2, recheck_ * kMaxRecheckBackoff);
  }
  return unsettled;
}

bool JoinAttempt::OnReply(const Address& from, absl::string_view sender) {
  auto it = std::find(seeds_.begin(), seeds_.end(), from);
  if (it == seeds_.end()) return false;
  answered_by_[it - seeds_.begin()].assign(sender.data(), sender.size());
  if (!awaiting_floors_) return false;
  awaiting_floors_ = false;
  return true;
}

}  // namespace swim

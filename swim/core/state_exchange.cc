#include "swim/core/state_exchange.h"

#include <algorithm>
#include <utility>
#include <variant>

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
                    const BroadcastHistory& history) {
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
  state.members.reserve(table.size() + 1);
  local.origin = {};
  state.members.push_back(std::move(local));
  for (size_t i = 0; i < table.size(); ++i) {
    state.members.push_back(ClaimOf(table.at(i), /*origin=*/{}));
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

bool JoinAttempt::Start(absl::Span<const Address> seeds, const Address& self) {
  seeds_.clear();
  for (const Address& seed : seeds) {
    if (seed == self) continue;
    if (std::find(seeds_.begin(), seeds_.end(), seed) == seeds_.end()) {
      seeds_.push_back(seed);
    }
  }
  if (seeds_.empty()) return false;
  awaiting_floors_ = true;
  backoff_ = first_backoff_;
  return true;
}

bool JoinAttempt::Retry(bool joined) {
  if (joined || seeds_.empty()) {
    awaiting_floors_ = false;
    seeds_.clear();
    return false;
  }
  backoff_ = std::min(backoff_ * 2, absl::Seconds(60));
  return true;
}

bool JoinAttempt::TakeFloors(const Address& from) {
  if (!awaiting_floors_ ||
      std::find(seeds_.begin(), seeds_.end(), from) == seeds_.end()) {
    return false;
  }
  awaiting_floors_ = false;
  return true;
}

}  // namespace swim

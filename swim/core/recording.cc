#include "swim/core/recording.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <memory>
#include <utility>
#include <variant>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "swim/core/crypto.h"
#include "swim/core/node.h"
#include "swim/core/verdict.h"

namespace swim {
namespace {

uint64_t ZigZag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^
         static_cast<uint64_t>(value >> 63);
}
int64_t UnZigZag(uint64_t value) {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

// Appends the encodings.
class Out {
 public:
  explicit Out(std::vector<uint8_t>& bytes) : bytes_(bytes) {}
  void U8(uint8_t value) { bytes_.push_back(value); }
  void Varint(uint64_t value) {
    while (value >= 0x80) {
      bytes_.push_back(static_cast<uint8_t>(value) | 0x80);
      value >>= 7;
    }
    bytes_.push_back(static_cast<uint8_t>(value));
  }
  void Signed(int64_t value) { Varint(ZigZag(value)); }
  void Text(absl::string_view text) {
    Varint(text.size());
    bytes_.insert(bytes_.end(), text.begin(), text.end());
  }
  void Bytes(absl::Span<const uint8_t> bytes) {
    Varint(bytes.size());
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  }
  // Nanoseconds; the infinite durations as the extreme values.
  void Duration(absl::Duration duration) {
    Signed(duration == absl::InfiniteDuration() ? INT64_MAX
           : duration == -absl::InfiniteDuration()
               ? INT64_MIN
               : absl::ToInt64Nanoseconds(duration));
  }
  void At(Instant at) { Duration(at.since_origin()); }
  // Family (4 or 6), its octets, the port.
  void Addr(const Address& address) {
    U8(static_cast<uint8_t>(address.family()));
    bytes_.insert(bytes_.end(), address.octets().begin(),
                  address.octets().begin() + address.octet_count());
    Varint(address.port());
  }
  // The map as given (valid or not: a command refused for it must be
  // refused again on replay).
  void Meta(const Metadata& metadata) {
    Varint(metadata.size());
    for (const auto& [key, value] : metadata) {
      Text(key);
      Text(value);
    }
  }
  void MemberOf(const Member& member) {
    Text(member.name);
    Addr(member.address);
    U8(static_cast<uint8_t>(member.status));
    Varint(member.incarnation.generation);
    Varint(member.incarnation.version);
    Meta(member.metadata);
    At(member.last_change);
  }

 private:
  std::vector<uint8_t>& bytes_;
};

// Reads them back, bounded; the first failure sticks.
class In {
 public:
  explicit In(absl::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == bytes_.size(); }
  uint8_t U8() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(bytes_[pos_++]);
  }
  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!Need(1)) return 0;
      const uint8_t byte = static_cast<uint8_t>(bytes_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    ok_ = false;
    return 0;
  }
  int64_t Signed() { return UnZigZag(Varint()); }
  absl::string_view Text(size_t max = kMaxRecordedEntry) {
    const uint64_t size = Varint();
    if (size > max || !Need(size)) {
      ok_ = false;
      return {};
    }
    absl::string_view text = bytes_.substr(pos_, size);
    pos_ += size;
    return text;
  }
  absl::Duration Duration() {
    const int64_t nanoseconds = Signed();
    if (nanoseconds == INT64_MAX) return absl::InfiniteDuration();
    if (nanoseconds == INT64_MIN) return -absl::InfiniteDuration();
    return absl::Nanoseconds(nanoseconds);
  }
  Instant At() { return Instant(Duration()); }
  Address Addr() {
    const uint8_t family = U8();
    if (family != 4 && family != 6) {
      ok_ = false;
      return Address();
    }
    std::array<uint8_t, 16> octets = {};
    const size_t count = family == 4 ? 4 : 16;
    if (!Need(count)) return Address();
    std::memcpy(octets.data(), bytes_.data() + pos_, count);
    pos_ += count;
    const uint64_t port = Varint();
    if (port > 65535) ok_ = false;
    const auto port16 = static_cast<uint16_t>(port);
    return family == 4
               ? Address::Ipv4({octets[0], octets[1], octets[2], octets[3]},
                               port16)
               : Address::Ipv6(octets, port16);
  }
  Metadata Meta() {
    Metadata metadata;
    for (size_t i = Count(); i > 0 && ok_; --i) {
      std::string key(Text());
      metadata[std::move(key)] = std::string(Text());
    }
    return metadata;
  }
  // A count of items that take a byte each at least: never more than the
  // bytes left, so a hostile count cannot make the reader loop or allocate.
  size_t Count() {
    const uint64_t count = Varint();
    if (count > bytes_.size() - pos_) ok_ = false;
    return ok_ ? count : 0;
  }
  Member MemberOf() {
    Member member;
    member.name = std::string(Text());
    member.address = Addr();
    member.status = static_cast<MemberStatus>(U8());
    member.incarnation.generation = Varint();
    member.incarnation.version = Varint();
    member.metadata = Meta();
    member.last_change = At();
    return member;
  }

 private:
  bool Need(uint64_t n) {
    if (ok_ && n <= bytes_.size() - pos_) return true;
    ok_ = false;
    return false;
  }
  absl::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void EncodeConfig(Out& out, const Config& config,
                  absl::Span<const uint64_t> key_ids) {
  out.Text(config.name);
  out.Addr(config.address);
  out.Varint(config.generation);
  out.Varint(config.seed);
  out.Meta(config.metadata);
  out.Duration(config.max_clock_skew);
  out.U8(static_cast<uint8_t>(config.security_mode));
  out.Varint(key_ids.size());
  for (uint64_t id : key_ids) out.Varint(id);
  out.Text(config.label);
  out.Bytes(config.nonce_seed);
  out.Duration(config.probe_interval);
  out.Duration(config.probe_timeout);
  out.Signed(config.indirect_checks);
  out.U8(config.stream_fallback);
  out.U8(config.tcp_only);
  out.Signed(config.suspicion_mult);
  out.U8(config.lifeguard.awareness);
  out.Signed(config.lifeguard.awareness_max);
  out.U8(config.lifeguard.nacks);
  out.U8(config.lifeguard.dynamic_suspicion);
  out.Signed(config.lifeguard.suspicion_max_timeout_mult);
  out.U8(config.lifeguard.buddy_system);
  out.Signed(config.retransmit_mult);
  out.Duration(config.gossip_interval);
  out.Signed(config.gossip_nodes);
  out.Varint(config.datagram_budget);
  uint64_t share = 0;
  static_assert(sizeof(share) == sizeof(config.user_broadcast_share));
  std::memcpy(&share, &config.user_broadcast_share, sizeof(share));
  out.Varint(share);
  out.Duration(config.push_pull_interval);
  out.Varint(config.max_metadata_size);
  out.Varint(config.max_members);
  out.Varint(config.max_stream_message);
  out.Duration(config.reconnect_interval);
  out.Duration(config.reconnect_timeout);
  out.Duration(config.tombstone_timeout);
  out.Signed(config.isolation_probes);
}

int ToInt(int64_t value) {
  return static_cast<int>(std::clamp<int64_t>(value, -(1 << 30), 1 << 30));
}

void DecodeConfig(In& in, RecordedEntry& entry) {
  Config& config = entry.config;
  config.name = std::string(in.Text());
  config.address = in.Addr();
  config.generation = in.Varint();
  config.seed = in.Varint();
  config.metadata = in.Meta();
  config.max_clock_skew = in.Duration();
  config.security_mode = static_cast<SecurityMode>(in.U8());
  for (size_t i = in.Count(); i > 0 && in.ok(); --i) {
    entry.key_ids.push_back(in.Varint());
  }
  config.label = std::string(in.Text());
  absl::string_view nonce_seed = in.Text(config.nonce_seed.size());
  if (nonce_seed.size() == config.nonce_seed.size()) {
    std::memcpy(config.nonce_seed.data(), nonce_seed.data(), nonce_seed.size());
  }
  config.probe_interval = in.Duration();
  config.probe_timeout = in.Duration();
  config.indirect_checks = ToInt(in.Signed());
  config.stream_fallback = in.U8() != 0;
  config.tcp_only = in.U8() != 0;
  config.suspicion_mult = ToInt(in.Signed());
  config.lifeguard.awareness = in.U8() != 0;
  config.lifeguard.awareness_max = ToInt(in.Signed());
  config.lifeguard.nacks = in.U8() != 0;
  config.lifeguard.dynamic_suspicion = in.U8() != 0;
  config.lifeguard.suspicion_max_timeout_mult = ToInt(in.Signed());
  config.lifeguard.buddy_system = in.U8() != 0;
  config.retransmit_mult = ToInt(in.Signed());
  config.gossip_interval = in.Duration();
  config.gossip_nodes = ToInt(in.Signed());
  config.datagram_budget = in.Varint();
  const uint64_t share = in.Varint();
  std::memcpy(&config.user_broadcast_share, &share, sizeof(share));
  config.push_pull_interval = in.Duration();
  config.max_metadata_size = in.Varint();
  config.max_members = in.Varint();
  config.max_stream_message = in.Varint();
  config.reconnect_interval = in.Duration();
  config.reconnect_timeout = in.Duration();
  config.tombstone_timeout = in.Duration();
  config.isolation_probes = ToInt(in.Signed());
}

}  // namespace

uint64_t RecordingKeyId(absl::string_view secret) {
  uint8_t id[8] = {};
  (void)crypto::HkdfSha256(
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(secret.data()),
                          secret.size()),
      /*salt=*/{}, "swim recording key id", absl::MakeSpan(id));
  uint64_t value = 0;
  for (uint8_t byte : id) value = (value << 8) | byte;
  return value;
}

// --- OutputHash --------------------------------------------------------------

void OutputHash::Mix(uint64_t value) {
  // A 64-bit word at a time: multiply, then fold the high bits down.
  hash_ = (hash_ ^ value) * 0x100000001b3;
  hash_ ^= hash_ >> 29;
}

void OutputHash::MixBytes(absl::string_view bytes) {
  Mix(bytes.size());
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word = 0;
    for (int j = 0; j < 8; ++j) {
      word |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i + j]))
              << (8 * j);
    }
    Mix(word);
  }
  uint64_t tail = 0;
  for (int j = 0; i < bytes.size(); ++i, ++j) {
    tail |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * j);
  }
  Mix(tail);
}

void OutputHash::Add(const Transmit& transmit) {
  ++count_;
  Mix(1);
  Mix(static_cast<uint64_t>(transmit.to.family()) << 16 | transmit.to.port());
  MixBytes(absl::string_view(
      reinterpret_cast<const char*>(transmit.to.octets().data()),
      transmit.to.octets().size()));
  Mix(static_cast<uint64_t>(transmit.channel));
  Mix(transmit.stream ? *transmit.stream + 1 : 0);
  MixBytes(
      absl::string_view(reinterpret_cast<const char*>(transmit.bytes.data()),
                        transmit.bytes.size()));
}

uint64_t StatsHash(const Stats& stats) {
  uint64_t hash = OutputHash::kBasis;
  auto mix = [&hash](uint64_t value) {
    for (int i = 0; i < 8; ++i) {
      hash ^= (value >> (8 * i)) & 0xff;
      hash *= 0x100000001b3;
    }
  };
  for (const StatsCounter& counter : StatsCounters()) {
    mix(stats.*counter.value);
  }
  for (uint64_t count : stats.messages_sent) mix(count);
  for (uint64_t count : stats.messages_received) mix(count);
  for (uint64_t count : stats.drops) mix(count);
  for (uint64_t count : stats.envelope_drops) mix(count);
  mix(static_cast<uint64_t>(stats.awareness));
  mix(stats.isolated);
  for (const Histogram* histogram :
       {&stats.probe_rtt, &stats.suspicion_to_offline,
        &stats.suspicion_to_refuted}) {
    mix(histogram->count());
    mix(static_cast<uint64_t>(absl::ToInt64Nanoseconds(histogram->sum())));
  }
  return hash;
}

uint64_t MixStreamVerdict(uint64_t hash, StreamVerdict verdict) {
  hash ^= static_cast<uint64_t>(verdict) + 1;
  return hash * 0x100000001b3;
}

void OutputHash::Add(const Event& event) {
  ++count_;
  Mix(2);
  Mix(event.index());
  if (const Member* member = EventMember(event)) {
    std::vector<uint8_t> bytes;
    Out out(bytes);
    out.MemberOf(*member);
    MixBytes(absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                               bytes.size()));
  }
  if (const auto* changed = std::get_if<MemberStatusChanged>(&event)) {
    Mix(static_cast<uint64_t>(changed->previous_status));
    if (const std::optional<Verdict>& cause = changed->cause) {
      Mix(static_cast<uint64_t>(cause->reason));
      MixBytes(cause->accuser);
      MixBytes(cause->declared_by);
      Mix(cause->from_state_exchange);
      Mix(cause->suspected_at ? static_cast<uint64_t>(absl::ToInt64Nanoseconds(
                                    cause->suspected_at->since_origin()))
                              : 0);
      Mix(static_cast<uint64_t>(absl::ToInt64Nanoseconds(cause->timeout)));
      Mix(static_cast<uint64_t>(cause->health));
      if (cause->probe) {
        Mix(static_cast<uint64_t>(
            absl::ToInt64Nanoseconds(cause->probe->sent_at.since_origin())));
        Mix(cause->probe->stream_fallback);
        for (const std::string& helper : cause->probe->helpers) {
          MixBytes(helper);
        }
        Mix(static_cast<uint64_t>(cause->probe->nacks_expected));
        Mix(static_cast<uint64_t>(cause->probe->nacks));
      }
      for (const Verdict::Confirmation& confirmation : cause->confirmations) {
        MixBytes(confirmation.member);
        Mix(static_cast<uint64_t>(
            absl::ToInt64Nanoseconds(confirmation.at.since_origin())));
      }
    }
  } else if (const auto* conflict = std::get_if<NameConflict>(&event)) {
    MixBytes(conflict->address.ToString());
  } else if (const auto* message = std::get_if<UserMessage>(&event)) {
    MixBytes(message->origin);
    MixBytes(message->payload);
  }
}

// --- RecordingEncoder --------------------------------------------------------

RecordingEncoder::RecordingEncoder(Recorder& recorder) : recorder_(recorder) {
  entry_.reserve(kBatchBytes + 4096);
}

void RecordingEncoder::Begin(RecordKind kind, std::optional<Instant> now) {
  if (now) last_now_ = std::max(last_now_, *now);
  start_ = entry_.size();
  // Kind, then a 4-byte length filled in by Finish.
  entry_.push_back(static_cast<uint8_t>(kind));
  entry_.insert(entry_.end(), 4, 0);
}

void RecordingEncoder::Finish() {
  const size_t length = entry_.size() - start_ - 5;
  if (ended_ || length > kMaxRecordedEntry) {
    ended_ = true;  // what came before still replays
    entry_.resize(start_);
    return;
  }
  for (int i = 0; i < 4; ++i) {
    entry_[start_ + 1 + i] = static_cast<uint8_t>(length >> (8 * i));
  }
  // Handed over when the batch is full, and once a second of input time
  // has passed since the last hand-over: a crash loses about that much.
  if (entry_.size() >= kBatchBytes ||
      last_now_ - flushed_at_ >= absl::Seconds(1)) {
    Flush();
  }
}

void RecordingEncoder::Flush() {
  if (!entry_.empty()) recorder_.Write(entry_);
  entry_.clear();
  flushed_at_ = last_now_;
}

void RecordingEncoder::Start(const Config& config,
                             absl::Span<const uint64_t> key_ids,
                             Instant created) {
  Begin(RecordKind::kStart, created);
  flushed_at_ = created;
  Out out(entry_);
  EncodeConfig(out, config, key_ids);
  out.At(created);
  Finish();
}

void RecordingEncoder::Datagram(const Address& from,
                                absl::Span<const uint8_t> bytes, Instant now) {
  Begin(RecordKind::kDatagram, now);
  Out out(entry_);
  out.At(now);
  out.Addr(from);
  out.Bytes(bytes);
  Finish();
}

void RecordingEncoder::StreamData(StreamId stream, const Address& from,
                                  absl::Span<const uint8_t> bytes,
                                  Instant now) {
  Begin(RecordKind::kStreamData, now);
  Out out(entry_);
  out.At(now);
  out.Varint(stream);
  out.Addr(from);
  out.Bytes(bytes);
  Finish();
}

void RecordingEncoder::StreamClosed(StreamId stream) {
  Begin(RecordKind::kStreamClosed);
  Out(entry_).Varint(stream);
  Finish();
}

void RecordingEncoder::Timeout(Instant now) {
  Begin(RecordKind::kTimeout, now);
  Out(entry_).At(now);
  Finish();
}

void RecordingEncoder::WallClock(absl::Time wall) {
  Begin(RecordKind::kWallClock);
  Out(entry_).Signed(absl::ToUnixNanos(wall));
  Finish();
}

void RecordingEncoder::Join(absl::Span<const Address> seeds, Instant now) {
  Begin(RecordKind::kJoin, now);
  Out out(entry_);
  out.At(now);
  out.Varint(seeds.size());
  for (const Address& seed : seeds) out.Addr(seed);
  Finish();
}

void RecordingEncoder::Leave(Instant now) {
  Begin(RecordKind::kLeave, now);
  Out(entry_).At(now);
  Finish();
}

void RecordingEncoder::SetMetadata(const Metadata& metadata, Instant now) {
  Begin(RecordKind::kSetMetadata, now);
  Out out(entry_);
  out.At(now);
  out.Meta(metadata);
  Finish();
}

void RecordingEncoder::Restore(absl::Span<const Member> members, Instant now) {
  Begin(RecordKind::kRestore, now);
  Out out(entry_);
  out.At(now);
  out.Varint(members.size());
  for (const Member& member : members) out.MemberOf(member);
  Finish();
}

void RecordingEncoder::Rejoin(absl::Span<const Member> saved,
                              absl::Span<const Address> seeds, Instant now) {
  Begin(RecordKind::kRejoin, now);
  Out out(entry_);
  out.At(now);
  out.Varint(saved.size());
  for (const Member& member : saved) out.MemberOf(member);
  out.Varint(seeds.size());
  for (const Address& seed : seeds) out.Addr(seed);
  Finish();
}

void RecordingEncoder::Remove(absl::string_view name, Instant now) {
  Begin(RecordKind::kRemove, now);
  Out out(entry_);
  out.At(now);
  out.Text(name);
  Finish();
}

void RecordingEncoder::RememberFor(absl::string_view name,
                                   absl::Duration duration, Instant now) {
  Begin(RecordKind::kRememberFor, now);
  Out out(entry_);
  out.At(now);
  out.Text(name);
  out.Duration(duration);
  Finish();
}

void RecordingEncoder::Broadcast(absl::string_view payload, Instant now) {
  Begin(RecordKind::kBroadcast, now);
  Out out(entry_);
  out.At(now);
  out.Text(payload);
  Finish();
}

void RecordingEncoder::Key(RecordKind kind, absl::string_view secret) {
  Begin(kind);
  Out(entry_).Varint(RecordingKeyId(secret));
  Finish();
}

void RecordingEncoder::Sample(size_t count, StatusMask mask) {
  Begin(RecordKind::kSample);
  Out out(entry_);
  out.Varint(count);
  uint8_t bits = 0;
  for (MemberStatus status : {MemberStatus::kOnline, MemberStatus::kSuspect,
                              MemberStatus::kOffline, MemberStatus::kLeft}) {
    if (mask.Contains(status)) bits |= static_cast<uint8_t>(status);
  }
  out.U8(bits);
  Finish();
}

void RecordingEncoder::Checkpoint(uint64_t inputs, const OutputHash& transmits,
                                  const OutputHash& events, uint64_t verdicts,
                                  uint64_t stats) {
  Begin(RecordKind::kCheckpoint);
  Out out(entry_);
  out.Varint(inputs);
  out.Varint(transmits.count());
  out.Varint(transmits.value());
  out.Varint(events.count());
  out.Varint(events.value());
  out.Varint(verdicts);
  out.Varint(stats);
  Finish();
}

// --- RecordingReader ---------------------------------------------------------

RecordingReader::RecordingReader(absl::string_view bytes) : bytes_(bytes) {}

absl::StatusOr<std::optional<RecordedEntry>> RecordingReader::Next() {
  if (pos_ == 0) {
    if (bytes_.substr(0, kRecordingMagic.size()) != kRecordingMagic) {
      return absl::InvalidArgumentError(
          "not a swim recording (it does not start with SWIMREC1)");
    }
    pos_ = kRecordingMagic.size();
  }
  if (pos_ == bytes_.size()) return std::nullopt;
  const size_t entry = entries_ + 1;
  if (bytes_.size() - pos_ < 5) {
    return absl::DataLossError(
        absl::StrCat("entry ", entry, " is cut short (the file ends)"));
  }
  const uint8_t kind = static_cast<uint8_t>(bytes_[pos_]);
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) {
    length |= static_cast<uint32_t>(static_cast<uint8_t>(bytes_[pos_ + 1 + i]))
              << (8 * i);
  }
  if (length > kMaxRecordedEntry) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry ", entry, " claims ", length, " bytes"));
  }
  if (bytes_.size() - pos_ - 5 < length) {
    return absl::DataLossError(
        absl::StrCat("entry ", entry, " is cut short (the file ends)"));
  }
  In in(bytes_.substr(pos_ + 5, length));
  pos_ += 5 + length;
  ++entries_;
  RecordedEntry out;
  out.kind = static_cast<RecordKind>(kind);
  switch (out.kind) {
    case RecordKind::kStart:
      DecodeConfig(in, out);
      out.now = in.At();
      break;
    case RecordKind::kDatagram:
      out.now = in.At();
      out.from = in.Addr();
      out.bytes = std::string(in.Text());
      break;
    case RecordKind::kStreamData:
      out.now = in.At();
      out.stream = in.Varint();
      out.from = in.Addr();
      out.bytes = std::string(in.Text());
      break;
    case RecordKind::kStreamClosed:
      out.stream = in.Varint();
      break;
    case RecordKind::kTimeout:
    case RecordKind::kLeave:
      out.now = in.At();
      break;
    case RecordKind::kWallClock:
      out.wall = absl::FromUnixNanos(in.Signed());
      break;
    case RecordKind::kJoin:
      out.now = in.At();
      for (size_t i = in.Count(); i > 0 && in.ok(); --i) {
        out.seeds.push_back(in.Addr());
      }
      break;
    case RecordKind::kSetMetadata:
      out.now = in.At();
      out.metadata = in.Meta();
      break;
    case RecordKind::kRestore:
    case RecordKind::kRejoin:
      out.now = in.At();
      for (size_t i = in.Count(); i > 0 && in.ok(); --i) {
        out.members.push_back(in.MemberOf());
      }
      if (out.kind == RecordKind::kRejoin) {
        for (size_t i = in.Count(); i > 0 && in.ok(); --i) {
          out.seeds.push_back(in.Addr());
        }
      }
      break;
    case RecordKind::kRemove:
    case RecordKind::kRememberFor:
      out.now = in.At();
      out.name = std::string(in.Text());
      if (out.kind == RecordKind::kRememberFor) out.duration = in.Duration();
      break;
    case RecordKind::kBroadcast:
      out.now = in.At();
      out.bytes = std::string(in.Text());
      break;
    case RecordKind::kAddKey:
    case RecordKind::kUseKey:
    case RecordKind::kRemoveKey:
      out.key_id = in.Varint();
      break;
    case RecordKind::kSample: {
      // Sample draws up to 4 * count + 8 times: a count beyond any table
      // (a forged recording) would stall the replay.
      out.count = in.Varint();
      if (out.count > (uint64_t{1} << 24)) {
        return absl::InvalidArgumentError(
            absl::StrCat("entry ", entry, " samples ", out.count, " members"));
      }
      const uint8_t bits = in.U8();
      for (MemberStatus status :
           {MemberStatus::kOnline, MemberStatus::kSuspect,
            MemberStatus::kOffline, MemberStatus::kLeft}) {
        if (bits & static_cast<uint8_t>(status)) out.mask = out.mask | status;
      }
      break;
    }
    case RecordKind::kCheckpoint:
      out.inputs = in.Varint();
      out.transmits = in.Varint();
      out.transmit_hash = in.Varint();
      out.events = in.Varint();
      out.event_hash = in.Varint();
      out.verdicts = in.Varint();
      out.stats = in.Varint();
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("entry ", entry, " has unknown kind ", kind));
  }
  if (!in.ok() || !in.AtEnd()) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry ", entry, " (kind ", kind, ") is malformed"));
  }
  return out;
}

// --- Replay ------------------------------------------------------------------

absl::StatusOr<ReplayResult> Replay(absl::string_view recording,
                                    const ReplayOptions& options) {
  RecordingReader reader(recording);
  absl::StatusOr<std::optional<RecordedEntry>> first = reader.Next();
  if (!first.ok()) return first.status();
  if (!first->has_value() || (*first)->kind != RecordKind::kStart) {
    return absl::InvalidArgumentError(
        "the recording does not begin with its member's start");
  }
  // Every key by its id.
  auto secret_of = [&](uint64_t id) -> const std::string* {
    for (const std::string& secret : options.secrets) {
      if (RecordingKeyId(secret) == id) return &secret;
    }
    return nullptr;
  };
  Config config = (*first)->config;
  // The copies of the keys given to the node are wiped, as the node wipes
  // its own.
  absl::Cleanup wipe_keys = [&config] { crypto::CleanseStrings(config.keys); };
  for (uint64_t id : (*first)->key_ids) {
    const std::string* secret = secret_of(id);
    if (secret == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "the recording's member used a key that was not given (key id ",
          absl::Hex(id), "): pass the cluster's secret"));
    }
    config.keys.push_back(*secret);
  }
  ReplayResult result;
  result.first = (*first)->now;
  result.last = result.first;
  absl::StatusOr<std::unique_ptr<Node>> created =
      Node::Create(std::move(config), (*first)->now);
  if (!created.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the recorded config does not create a member: ",
                     created.status().message()));
  }
  Node& node = **created;
  // Each output queue's hash after each output since the last checkpoint:
  // the recorded driver polled later than the replay does, so a checkpoint
  // may cover fewer outputs than the replay has made.
  class Trail {
   public:
    void Add(const Transmit& transmit) {
      hash_.Add(transmit);
      after_.push_back(hash_.value());
    }
    void Add(const Event& event) {
      hash_.Add(event);
      after_.push_back(hash_.value());
    }
    // The hash of the first `count` outputs, if still held.
    std::optional<uint64_t> After(uint64_t count) const {
      if (count < first_ || count - first_ >= after_.size()) {
        return std::nullopt;
      }
      return after_[count - first_];
    }
    // Forgets what precedes `count`.
    void Keep(uint64_t count) {
      while (first_ < count && !after_.empty()) {
        after_.pop_front();
        ++first_;
      }
    }
    const OutputHash& hash() const { return hash_; }

   private:
    OutputHash hash_;
    uint64_t first_ = 0;
    std::deque<uint64_t> after_ = {OutputHash::kBasis};
  };
  Trail transmits;
  Trail events;
  uint64_t verdicts = OutputHash::kBasis;
  std::vector<Event> new_events;
  auto drain = [&] {
    while (std::optional<Transmit> transmit = node.PollTransmit()) {
      transmits.Add(*transmit);
    }
    new_events.clear();
    while (std::optional<Event> event = node.PollEvent()) {
      events.Add(*event);
      new_events.push_back(*std::move(event));
    }
  };
  drain();
  for (;;) {
    absl::StatusOr<std::optional<RecordedEntry>> next = reader.Next();
    if (absl::IsDataLoss(next.status())) {
      // The file ends inside an entry (its writer died, or its disk was
      // full): what came before was checked up to the last checkpoint.
      result.truncated = true;
      break;
    }
    if (!next.ok()) return next.status();
    if (!next->has_value()) break;
    const RecordedEntry& input = **next;
    if (input.kind == RecordKind::kCheckpoint) {
      const std::optional<uint64_t> sent = transmits.After(input.transmits);
      const std::optional<uint64_t> told = events.After(input.events);
      const bool same_stats = StatsHash(node.stats()) == input.stats;
      if (input.inputs != result.inputs) {
        return absl::InvalidArgumentError(
            absl::StrCat("a checkpoint counts ", input.inputs, " inputs where ",
                         result.inputs, " were recorded"));
      }
      if (sent != input.transmit_hash || told != input.event_hash ||
          verdicts != input.verdicts || !same_stats) {
        std::string what = "the member's counters differ";
        if (sent != input.transmit_hash) {
          what =
              absl::StrCat("the first ", input.transmits, " transmits differ");
        } else if (told != input.event_hash) {
          what = absl::StrCat("the first ", input.events, " events differ");
        } else if (verdicts != input.verdicts) {
          what = "the stream verdicts differ";
        }
        return absl::DataLossError(
            absl::StrCat("the replay differs from the recording within its "
                         "first ",
                         input.inputs, " inputs: ", what));
      }
      transmits.Keep(input.transmits);
      events.Keep(input.events);
      ++result.checkpoints;
      continue;
    }
    ++result.inputs;
    const bool timed = input.kind != RecordKind::kStreamClosed &&
                       input.kind != RecordKind::kWallClock &&
                       input.kind != RecordKind::kAddKey &&
                       input.kind != RecordKind::kUseKey &&
                       input.kind != RecordKind::kRemoveKey &&
                       input.kind != RecordKind::kSample;
    const uint8_t* data = reinterpret_cast<const uint8_t*>(input.bytes.data());
    const absl::Span<const uint8_t> bytes(data, input.bytes.size());
    switch (input.kind) {
      case RecordKind::kDatagram:
        node.HandleDatagram(input.from, bytes, input.now);
        break;
      case RecordKind::kStreamData:
        verdicts = MixStreamVerdict(
            verdicts,
            node.HandleStreamData(input.stream, input.from, bytes, input.now));
        break;
      case RecordKind::kStreamClosed:
        node.HandleStreamClosed(input.stream);
        break;
      case RecordKind::kTimeout:
        node.HandleTimeout(input.now);
        break;
      case RecordKind::kWallClock:
        node.ObserveWallClock(input.wall);
        break;
      case RecordKind::kJoin:
        (void)node.Join(input.seeds, input.now);
        break;
      case RecordKind::kLeave:
        (void)node.Leave(input.now);
        break;
      case RecordKind::kSetMetadata:
        (void)node.SetMetadata(input.metadata, input.now);
        break;
      case RecordKind::kRestore:
        (void)node.Restore(input.members, input.now);
        break;
      case RecordKind::kRejoin:
        (void)node.Rejoin(input.members, input.seeds, input.now);
        break;
      case RecordKind::kRemove:
        (void)node.Remove(input.name, input.now);
        break;
      case RecordKind::kRememberFor:
        (void)node.RememberFor(input.name, input.duration, input.now);
        break;
      case RecordKind::kBroadcast:
        (void)node.Broadcast(input.bytes, input.now);
        break;
      case RecordKind::kAddKey:
      case RecordKind::kUseKey:
      case RecordKind::kRemoveKey: {
        const std::string* secret = secret_of(input.key_id);
        if (secret == nullptr) {
          return absl::NotFoundError(
              absl::StrCat("input ", result.inputs,
                           " rotates to a key that was not "
                           "given (key id ",
                           absl::Hex(input.key_id), ")"));
        }
        if (input.kind == RecordKind::kAddKey) {
          (void)node.AddKey(*secret);
        } else if (input.kind == RecordKind::kUseKey) {
          (void)node.UseKey(*secret);
        } else {
          (void)node.RemoveKey(*secret);
        }
        break;
      }
      case RecordKind::kSample:
        (void)node.Sample(input.count, input.mask);
        break;
      case RecordKind::kStart:
      case RecordKind::kCheckpoint:
        return absl::InvalidArgumentError(
            absl::StrCat("input ", result.inputs, " starts a second member"));
    }
    if (timed) result.last = std::max(result.last, input.now);
    drain();
    if (options.observer) options.observer(input, node, new_events);
  }
  result.transmits = transmits.hash().count();
  result.transmit_hash = transmits.hash().value();
  result.events = events.hash().count();
  result.event_hash = events.hash().value();
  return result;
}

}  // namespace swim

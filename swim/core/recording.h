#ifndef SWIM_CORE_RECORDING_H_
#define SWIM_CORE_RECORDING_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/stats.h"
#include "swim/core/transmit.h"

namespace swim {

class Node;

// Record and replay (docs/operations.md, "Record and replay"). A Node's
// behaviour is a function of its config, the instant it was created and
// its inputs (datagrams, stream bytes, timeouts, the wall clock, commands,
// and the views that draw randomness), so a recording of those replays it
// bit for bit: the same transmits, stream verdicts and events, checked
// against hashes of its outputs stored along the way.
//
// A recording holds received bytes exactly as they came off the wire, so
// nothing in it is decrypted: opening those packets, or replaying it,
// needs the cluster key, which it does not hold (only a fingerprint of
// each key, to match the keys given to the replay). It holds the config
// otherwise, with the nonce seed (nonces are public in every packet; the
// seed only makes a replay seal the same bytes).

// Where a Node's recording goes (Node::StartRecording): whole encoded
// entries, in order, a batch at a time. Called on the node's thread, during
// the node's calls.
class Recorder {
 public:
  virtual ~Recorder() = default;
  virtual void Write(absl::Span<const uint8_t> entries) = 0;
};

// The first bytes of a recording file.
inline constexpr absl::string_view kRecordingMagic = "SWIMREC1";
// The most bytes one entry may hold: far above what a driver hands a Node
// at once (64 KiB). An input larger than this ends the recording there.
inline constexpr size_t kMaxRecordedEntry = 16 << 20;

// Each entry is its kind (1 byte), its length (4 bytes, little-endian) and
// that many bytes of fields (varints, zigzag varints for durations and
// instants in nanoseconds, length-prefixed text, addresses as family,
// octets and port).
enum class RecordKind : uint8_t {
  kStart = 1,         // config (no keys), key ids, the creation instant
  kDatagram = 2,      // HandleDatagram
  kStreamData = 3,    // HandleStreamData
  kStreamClosed = 4,  // HandleStreamClosed
  kTimeout = 5,       // HandleTimeout
  kWallClock = 6,     // ObserveWallClock
  kJoin = 7,
  kLeave = 8,
  kSetMetadata = 9,
  kRestore = 10,
  kRejoin = 11,
  kRemove = 12,
  kRememberFor = 13,
  kBroadcast = 14,
  kAddKey = 15,  // the key's id, never the key
  kUseKey = 16,
  kRemoveKey = 17,
  kSample = 18,      // Node::Sample draws from the node's PRNG
  kCheckpoint = 19,  // the outputs so far: counts and hashes
};

// One decoded entry; which fields are meaningful depends on `kind`.
struct RecordedEntry {
  RecordKind kind = RecordKind::kTimeout;
  Instant now;
  Address from;
  StreamId stream = 0;
  std::string bytes;  // datagram, stream bytes, broadcast payload
  std::string name;   // Remove, RememberFor
  absl::Duration duration;
  Metadata metadata;
  std::vector<Address> seeds;
  std::vector<Member> members;
  uint64_t key_id = 0;
  uint64_t count = 0;  // Sample's count
  StatusMask mask;     // Sample's mask
  absl::Time wall;     // ObserveWallClock
  // kStart: the config without keys, and the ids of its keys.
  Config config;
  std::vector<uint64_t> key_ids;
  // kCheckpoint: inputs recorded before it, the transmits and events
  // polled by then with their hashes, and the hash of the stream verdicts.
  uint64_t inputs = 0;
  uint64_t transmits = 0;
  uint64_t transmit_hash = 0;
  uint64_t events = 0;
  uint64_t event_hash = 0;
  uint64_t verdicts = 0;
  uint64_t stats = 0;  // StatsHash of the node's counters then
};

// A key's id in a recording: the first 8 bytes of HKDF-SHA256 of the
// secret (as in Config::keys) with a fixed label; it does not reveal the
// key.
uint64_t RecordingKeyId(absl::string_view secret);

// A running hash (64-bit multiply-fold) of one of a node's output queues in the
// order polled: the transmits (destination, channel, stream, bytes), or the
// events with every field (verdicts included). Each queue is first in,
// first out, so the sequence does not depend on when the driver polls; a
// driver polls after a batch of inputs rather than after each, so a
// checkpoint names how many outputs its hash covers.
class OutputHash {
 public:
  static constexpr uint64_t kBasis = 0xcbf29ce484222325;
  void Add(const Transmit& transmit);
  void Add(const Event& event);
  uint64_t value() const { return hash_; }
  uint64_t count() const { return count_; }

 private:
  void Mix(uint64_t value);
  void MixBytes(absl::string_view bytes);
  uint64_t hash_ = kBasis;
  uint64_t count_ = 0;
};

// The stream verdicts, one per HandleStreamData, hashed in input order
// (they are returned at once, so no polling moves them).
uint64_t MixStreamVerdict(uint64_t hash, StreamVerdict verdict);

// A hash of every counter of `stats` (drops by reason included): inputs
// that change no output, such as a packet dropped as forged, still change
// these, so a replay that handles one differently is caught.
uint64_t StatsHash(const Stats& stats);

// Encodes entries (what Node writes through its Recorder), gathered into
// batches handed to the recorder whole: when about 64 KiB are gathered, and
// once a second of input time has passed since the last hand-over.
class RecordingEncoder {
 public:
  static constexpr size_t kBatchBytes = 60 << 10;
  explicit RecordingEncoder(Recorder& recorder);
  // `config` without its keys (a node's config() holds none), and the
  // RecordingKeyId of each installed key.
  void Start(const Config& config, absl::Span<const uint64_t> key_ids,
             Instant created);
  void Datagram(const Address& from, absl::Span<const uint8_t> bytes,
                Instant now);
  void StreamData(StreamId stream, const Address& from,
                  absl::Span<const uint8_t> bytes, Instant now);
  void StreamClosed(StreamId stream);
  void Timeout(Instant now);
  void WallClock(absl::Time wall);
  void Join(absl::Span<const Address> seeds, Instant now);
  void Leave(Instant now);
  void SetMetadata(const Metadata& metadata, Instant now);
  void Restore(absl::Span<const Member> members, Instant now);
  void Rejoin(absl::Span<const Member> saved, absl::Span<const Address> seeds,
              Instant now);
  void Remove(absl::string_view name, Instant now);
  void RememberFor(absl::string_view name, absl::Duration duration,
                   Instant now);
  void Broadcast(absl::string_view payload, Instant now);
  void Key(RecordKind kind, absl::string_view secret);
  void Sample(size_t count, StatusMask mask);
  void Checkpoint(uint64_t inputs, const OutputHash& transmits,
                  const OutputHash& events, uint64_t verdicts, uint64_t stats);
  // Hands what is gathered to the recorder.
  void Flush();

 private:
  void Begin(RecordKind kind, std::optional<Instant> now = std::nullopt);
  void Finish();
  Recorder& recorder_;
  std::vector<uint8_t> entry_;  // the batch: whole entries, then one open
  size_t start_ = 0;            // where the open entry begins
  Instant last_now_;            // the latest input instant
  Instant flushed_at_;          // last_now_ at the last Flush
  bool ended_ = false;          // an entry over kMaxRecordedEntry ended it
};

// Reads a recording entry by entry. Every length is bounded and checked;
// malformed bytes give an error naming the entry, never a crash.
class RecordingReader {
 public:
  // `bytes` must outlive the reader.
  explicit RecordingReader(absl::string_view bytes);
  // The next entry, nullopt at the end; InvalidArgument (or DataLoss for a
  // file cut short in the middle of an entry) otherwise.
  absl::StatusOr<std::optional<RecordedEntry>> Next();
  size_t entries() const { return entries_; }

 private:
  absl::string_view bytes_;
  size_t pos_ = 0;
  size_t entries_ = 0;
};

struct ReplayOptions {
  // The cluster keys, as in Config::keys: every key the recording names
  // must be among them.
  std::vector<std::string> secrets;
  // Called after each input is replayed and its outputs drained, with the
  // events it produced (for timelines).
  std::function<void(const RecordedEntry& input, const Node& node,
                     absl::Span<const Event> events)>
      observer;
};

struct ReplayResult {
  uint64_t inputs = 0;
  // The outputs replayed and their hashes (OutputHash).
  uint64_t transmits = 0;
  uint64_t transmit_hash = 0;
  uint64_t events = 0;
  uint64_t event_hash = 0;
  uint64_t checkpoints = 0;  // matched
  // The file ended inside an entry (cut short): the replay stopped there.
  bool truncated = false;
  Instant first;  // the creation instant
  Instant last;   // the last input's
};

// Re-runs the recorded member on its inputs, draining its outputs after
// each, and compares every checkpoint. DataLoss saying where the outputs
// first differ; InvalidArgument for a malformed recording; NotFound for a
// key that was not given. A file cut short inside an entry replays up to
// there (ReplayResult::truncated).
absl::StatusOr<ReplayResult> Replay(absl::string_view recording,
                                    const ReplayOptions& options);

}  // namespace swim

#endif  // SWIM_CORE_RECORDING_H_

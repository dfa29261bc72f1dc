// Node: the public surface, forwarded to NodeImpl (node_impl.h).

#include "swim/core/node.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "swim/core/node_impl.h"
#include "swim/core/recording.h"

namespace swim {

// An active recording: the encoder and the hash of the outputs so far.
struct Node::Recording {
  static constexpr uint64_t kCheckpointEvery = 64;
  explicit Recording(Recorder& recorder) : encoder(recorder) {}
  RecordingEncoder encoder;
  OutputHash transmits;
  OutputHash events;
  uint64_t verdicts = OutputHash::kBasis;
  void Checkpoint(uint64_t inputs, const Stats& stats) {
    encoder.Checkpoint(inputs, transmits, events, verdicts, StatsHash(stats));
  }
};

Node::Recording* Node::BeforeInput() {
  if (recording_ != nullptr && inputs_ > 0 &&
      inputs_ % Recording::kCheckpointEvery == 0) {
    recording_->Checkpoint(inputs_, impl_->stats());
  }
  ++inputs_;
  return recording_.get();
}

absl::Status Node::StartRecording(Recorder* recorder) {
  if (recorder == nullptr) {
    return absl::InvalidArgumentError("StartRecording: no recorder");
  }
  if (recording_ != nullptr || inputs_ > 0) {
    return absl::FailedPreconditionError(
        "StartRecording: a recording starts with the node, before any input");
  }
  recording_ = std::make_unique<Recording>(*recorder);
  std::vector<uint64_t> key_ids;
  for (const auto& key : impl_->keyring().keys()) {
    key_ids.push_back(RecordingKeyId(key->secret));
  }
  recording_->encoder.Start(impl_->config(), key_ids, impl_->created());
  return absl::OkStatus();
}

void Node::StopRecording() {
  if (recording_ == nullptr) return;
  recording_->Checkpoint(inputs_, impl_->stats());
  recording_->encoder.Flush();
  recording_.reset();
}

absl::StatusOr<std::unique_ptr<Node>> Node::Create(Config config, Instant now) {
  absl::StatusOr<std::unique_ptr<NodeImpl>> impl =
      NodeImpl::Create(std::move(config), now);
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<Node>(new Node(*std::move(impl)));
}

Node::Node(std::unique_ptr<NodeImpl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;

absl::Status Node::Join(absl::Span<const Address> seeds, Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.Join(seeds, now);
  return impl_->Join(seeds, now);
}
absl::Status Node::Leave(Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.Leave(now);
  return impl_->Leave(now);
}
absl::Status Node::SetMetadata(Metadata metadata, Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.SetMetadata(metadata, now);
  return impl_->SetMetadata(std::move(metadata), now);
}
absl::Status Node::Restore(absl::Span<const Member> members, Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.Restore(members, now);
  return impl_->Restore(members, now);
}

absl::Status Node::Rejoin(absl::Span<const Member> saved,
                          absl::Span<const Address> seeds, Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.Rejoin(saved, seeds, now);
  return impl_->Rejoin(saved, seeds, now);
}
absl::Status Node::Remove(absl::string_view name, Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.Remove(name, now);
  return impl_->Remove(name, now);
}

absl::Status Node::RememberFor(absl::string_view name, absl::Duration duration,
                               Instant now) {
  if (Recording* r = BeforeInput()) {
    r->encoder.RememberFor(name, duration, now);
  }
  return impl_->RememberFor(name, duration, now);
}

absl::Status Node::Broadcast(absl::string_view payload, Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.Broadcast(payload, now);
  return impl_->Broadcast(payload, now);
}

// Key rotations are inputs only when they change the keyring: one refused
// changes nothing, and its key's id could not be matched by a replay.
absl::Status Node::AddKey(absl::string_view secret) {
  absl::Status status = impl_->keyring().Add(secret);
  RecordKeyChange(RecordKind::kAddKey, secret, status);
  return status;
}
absl::Status Node::UseKey(absl::string_view secret) {
  absl::Status status = impl_->keyring().Use(secret);
  RecordKeyChange(RecordKind::kUseKey, secret, status);
  return status;
}
absl::Status Node::RemoveKey(absl::string_view secret) {
  absl::Status status = impl_->keyring().Remove(secret);
  RecordKeyChange(RecordKind::kRemoveKey, secret, status);
  return status;
}
void Node::WipeKeys() { impl_->keyring().Clear(); }

void Node::RecordKeyChange(RecordKind kind, absl::string_view secret,
                           const absl::Status& status) {
  if (!status.ok()) return;
  if (Recording* r = BeforeInput()) r->encoder.Key(kind, secret);
}
std::vector<std::string> Node::InstalledKeys() const {
  const NodeImpl& impl = *impl_;
  std::vector<std::string> secrets;
  for (const auto& key : impl.keyring().keys()) secrets.push_back(key->secret);
  return secrets;
}

void Node::HandleDatagram(const Address& from, absl::Span<const uint8_t> bytes,
                          Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.Datagram(from, bytes, now);
  impl_->HandleDatagram(from, bytes, now);
}
StreamVerdict Node::HandleStreamData(StreamId stream, const Address& from,
                                     absl::Span<const uint8_t> bytes,
                                     Instant now) {
  Recording* r = BeforeInput();
  if (r == nullptr) return impl_->HandleStreamData(stream, from, bytes, now);
  r->encoder.StreamData(stream, from, bytes, now);
  const StreamVerdict verdict =
      impl_->HandleStreamData(stream, from, bytes, now);
  r->verdicts = MixStreamVerdict(r->verdicts, verdict);
  return verdict;
}
void Node::HandleStreamClosed(StreamId stream) {
  if (Recording* r = BeforeInput()) r->encoder.StreamClosed(stream);
  impl_->HandleStreamClosed(stream);
}
void Node::HandleTimeout(Instant now) {
  if (Recording* r = BeforeInput()) r->encoder.Timeout(now);
  impl_->HandleTimeout(now);
}
void Node::ObserveWallClock(absl::Time wall) {
  if (Recording* r = BeforeInput()) r->encoder.WallClock(wall);
  impl_->ObserveWallClock(wall);
}

std::optional<Instant> Node::NextDeadline() const {
  return impl_->NextDeadline();
}
std::optional<Transmit> Node::PollTransmit() {
  std::optional<Transmit> transmit = impl_->PollTransmit();
  if (recording_ != nullptr && transmit) recording_->transmits.Add(*transmit);
  return transmit;
}
std::optional<Event> Node::PollEvent() {
  std::optional<Event> event = impl_->PollEvent();
  if (recording_ != nullptr && event) recording_->events.Add(*event);
  return event;
}

const Member& Node::local() const { return impl_->local(); }
std::optional<Member> Node::Find(absl::string_view name) const {
  return impl_->Find(name);
}
std::optional<MemberStatus> Node::StatusOf(absl::string_view name) const {
  return impl_->StatusOf(name);
}
std::vector<Member> Node::Members(StatusMask mask) const {
  return impl_->Members(mask);
}
std::vector<Member> Node::Sample(size_t count, StatusMask mask) {
  if (Recording* r = BeforeInput()) r->encoder.Sample(count, mask);
  return impl_->Sample(count, mask);
}
size_t Node::available() const { return impl_->available(); }
size_t Node::size() const { return impl_->size(); }
const Stats& Node::stats() const { return impl_->stats(); }
const Config& Node::config() const { return impl_->config(); }
Lifecycle Node::lifecycle() const { return impl_->lifecycle(); }
size_t Node::queued_broadcasts() const { return impl_->queued_broadcasts(); }
Gauges Node::gauges() const { return impl_->gauges(); }
size_t Node::queued_member_timers() const {
  return impl_->queued_member_timers();
}

}  // namespace swim

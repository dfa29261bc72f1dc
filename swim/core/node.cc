// Node: the public surface, forwarded to NodeImpl (node_impl.h).

#include "swim/core/node.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "swim/core/node_impl.h"

namespace swim {

absl::StatusOr<std::unique_ptr<Node>> Node::Create(Config config, Instant now) {
  absl::StatusOr<std::unique_ptr<NodeImpl>> impl =
      NodeImpl::Create(std::move(config), now);
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<Node>(new Node(*std::move(impl)));
}

Node::Node(std::unique_ptr<NodeImpl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;

absl::Status Node::Join(absl::Span<const Address> seeds, Instant now) {
  return impl_->Join(seeds, now);
}
absl::Status Node::Leave(Instant now) { return impl_->Leave(now); }
absl::Status Node::SetMetadata(Metadata metadata, Instant now) {
  return impl_->SetMetadata(std::move(metadata), now);
}
absl::Status Node::Restore(absl::Span<const Member> members, Instant now) {
  return impl_->Restore(members, now);
}

absl::Status Node::Rejoin(absl::Span<const Member> saved,
                          absl::Span<const Address> seeds, Instant now) {
  return impl_->Rejoin(saved, seeds, now);
}
absl::Status Node::Remove(absl::string_view name, Instant now) {
  return impl_->Remove(name, now);
}

absl::Status Node::RememberFor(absl::string_view name, absl::Duration duration,
                               Instant now) {
  return impl_->RememberFor(name, duration, now);
}

absl::Status Node::Broadcast(absl::string_view payload, Instant now) {
  return impl_->Broadcast(payload, now);
}

absl::Status Node::AddKey(absl::string_view secret) {
  return impl_->keyring().Add(secret);
}
absl::Status Node::UseKey(absl::string_view secret) {
  return impl_->keyring().Use(secret);
}
absl::Status Node::RemoveKey(absl::string_view secret) {
  return impl_->keyring().Remove(secret);
}
std::vector<std::string> Node::InstalledKeys() const {
  const NodeImpl& impl = *impl_;
  std::vector<std::string> secrets;
  for (const auto& key : impl.keyring().keys()) secrets.push_back(key->secret);
  return secrets;
}

void Node::HandleDatagram(const Address& from, absl::Span<const uint8_t> bytes,
                          Instant now) {
  impl_->HandleDatagram(from, bytes, now);
}
StreamVerdict Node::HandleStreamData(StreamId stream, const Address& from,
                                     absl::Span<const uint8_t> bytes,
                                     Instant now) {
  return impl_->HandleStreamData(stream, from, bytes, now);
}
void Node::HandleStreamClosed(StreamId stream) {
  impl_->HandleStreamClosed(stream);
}
void Node::HandleTimeout(Instant now) { impl_->HandleTimeout(now); }
void Node::ObserveWallClock(absl::Time wall) { impl_->ObserveWallClock(wall); }

std::optional<Instant> Node::NextDeadline() const {
  return impl_->NextDeadline();
}
std::optional<Transmit> Node::PollTransmit() { return impl_->PollTransmit(); }
std::optional<Event> Node::PollEvent() { return impl_->PollEvent(); }

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

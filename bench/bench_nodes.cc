#include "bench/bench_nodes.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "swim/core/instant.h"
#include "swim/testing/in_memory.h"

namespace swim::bench {

std::string MemberName(int index) {
  return absl::StrCat("member-", index, ".bench.internal");
}

Address MemberAddress(int index) {
  return Address::Ipv4(
      {10, static_cast<uint8_t>(index >> 16), static_cast<uint8_t>(index >> 8),
       static_cast<uint8_t>(index)},
      7946);
}

Config MemberConfig(int index, SecurityMode mode) {
  Config config = Config::Lan();
  config.name = MemberName(index);
  config.address = MemberAddress(index);
  config.generation = 1;
  config.seed = index + 1;
  config.security_mode = mode;
  if (mode != SecurityMode::kPlaintext) config.keys = {std::string(32, 'k')};
  config.nonce_seed[0] = static_cast<uint8_t>(index);
  config.nonce_seed[1] = static_cast<uint8_t>(index >> 8);
  config.nonce_seed[2] = static_cast<uint8_t>(index >> 16);
  return config;
}

std::unique_ptr<Node> MakeNode(int index, SecurityMode mode, bool push_pull) {
  Config config = MemberConfig(index, mode);
  if (!push_pull) config.push_pull_interval = absl::ZeroDuration();
  return *Node::Create(std::move(config), kStart);
}

void SealPlaintext(absl::Span<const Message> messages,
                   std::vector<uint8_t>& out) {
  size_t size = kWireHeaderSize;
  for (const Message& message : messages) size += *EncodedSize(message);
  out.resize(2 + size);
  out[0] = static_cast<uint8_t>(SecurityMode::kPlaintext);
  out[1] = 0;  // label length
  (void)EncodePacket(messages, absl::MakeSpan(out).subspan(2));
}

Claim OnlineClaim(absl::string_view name, const Address& address,
                  uint64_t version) {
  Claim update;
  update.name = name;
  update.incarnation = {1, version};
  update.address = address;
  update.has_metadata = true;
  return update;
}

std::vector<uint8_t> PushPullState(int n, bool reply_wanted) {
  std::vector<std::string> names;
  names.reserve(n);
  for (int i = 1; i <= n; ++i) names.push_back(MemberName(i));
  PushPull state;
  state.reply_wanted = reply_wanted;
  state.sender = names.front();
  state.members.reserve(n);
  for (int i = 1; i <= n; ++i) {
    state.members.push_back(OnlineClaim(names[i - 1], MemberAddress(i)));
  }
  const Message message = std::move(state);
  std::vector<uint8_t> packet(kWireHeaderSize + *EncodedSize(message));
  (void)EncodePacket(absl::MakeConstSpan(&message, 1), absl::MakeSpan(packet));
  return testing::PlaintextStream(packet);
}

std::unique_ptr<Node> NodeWithMembers(int n, Instant now, bool push_pull) {
  std::unique_ptr<Node> node = MakeNode(0, SecurityMode::kPlaintext, push_pull);
  testing::DeliverStream(*node, MemberAddress(1), PushPullState(n), now);
  Drain(*node);
  return node;
}

std::unique_ptr<Node> SteadyNode(int n, Instant& now, bool push_pull) {
  std::unique_ptr<Node> node = NodeWithMembers(n, now, push_pull);
  std::vector<Message> decoded;
  std::vector<uint8_t> reply;
  // A few probe periods at least, then until the news has been sent as
  // often as it should be.
  for (int tick = 0; tick < 50 || node->queued_broadcasts() > 0; ++tick) {
    now += node->config().gossip_interval;
    node->HandleTimeout(now);
    AnswerPings(*node, now, decoded, reply);
  }
  return node;
}

int AnswerPings(Node& node, Instant now, std::vector<Message>& decoded,
                std::vector<uint8_t>& reply) {
  int seen = 0;
  while (std::optional<Transmit> transmit = node.PollTransmit()) {
    ++seen;
    // Pings are datagrams; streams (push-pull state) are not decoded.
    if (transmit->channel != Channel::kDatagram || transmit->bytes.size() < 2 ||
        !DecodePacket(transmit->bytes.subspan(2), decoded).ok() ||
        decoded.empty() || !std::holds_alternative<Ping>(decoded.front())) {
      continue;
    }
    const Message ack = Ack{std::get<Ping>(decoded.front()).seq};
    SealPlaintext(absl::MakeConstSpan(&ack, 1), reply);
    const Address to = transmit->to;
    node.HandleDatagram(to, reply, now);
  }
  while (node.PollEvent()) {
  }
  return seen;
}

int Drain(Node& node) {
  int transmits = 0;
  while (node.PollTransmit()) ++transmits;
  while (node.PollEvent()) {
  }
  return transmits;
}

}  // namespace swim::bench

#include "swim/testing/test_cluster.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"

namespace swim::testing {

struct TestCluster::InFlight {
  absl::Time at;
  uint64_t order;
  int from;
  int to;
  Address from_address;
  Channel channel;
  std::vector<uint8_t> bytes;
};

namespace {

struct Later {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    if (a.at != b.at) return a.at > b.at;
    return a.order > b.order;
  }
};

}  // namespace

TestCluster::TestCluster(Options options)
    : options_(std::move(options)),
      now_(absl::FromUnixSeconds(1700000000)),
      random_(options_.seed) {}

TestCluster::~TestCluster() = default;

Config TestCluster::MakeConfig(int index, uint64_t generation) const {
  Config config = options_.base;
  config.name = absl::StrCat("node-", index);
  config.address = Address::Ipv4({10, 0, static_cast<uint8_t>(index / 250),
                                  static_cast<uint8_t>(index % 250 + 1)},
                                 7946);
  config.generation = generation;
  config.seed = options_.seed * 1000003 + index * 7919 + generation;
  if (config.keys.empty() && config.security_mode != SecurityMode::kPlaintext) {
    config.keys = {std::string(32, 's')};
  }
  config.nonce_seed.fill(0);
  config.nonce_seed[0] = static_cast<uint8_t>(index);
  config.nonce_seed[1] = static_cast<uint8_t>(index >> 8);
  config.nonce_seed[2] = static_cast<uint8_t>(generation);
  return config;
}

int TestCluster::Add(std::function<void(Config&)> customize) {
  const int index = size();
  Config config = MakeConfig(index, 1);
  if (customize) customize(config);
  auto member = std::make_unique<Slot>();
  member->generation = config.generation;
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(std::move(config), now_);
  if (!node.ok()) std::abort();
  member->node = *std::move(node);
  members_.push_back(std::move(member));
  return index;
}

void TestCluster::AddAndJoin(int count) {
  const int first = size();
  for (int i = 0; i < count; ++i) Add();
  for (int i = first; i < size(); ++i) {
    if (i == 0) continue;
    const Address seed = node(0).local().address;
    if (!node(i).Join({seed}, now_).ok()) std::abort();
    Drain(i);
  }
}

void TestCluster::Crash(int index) { members_[index]->alive = false; }

void TestCluster::Restart(int index, int seed) {
  Slot& member = *members_[index];
  member.generation += 1;
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(MakeConfig(index, member.generation), now_);
  if (!node.ok()) std::abort();
  member.node = *std::move(node);
  member.alive = true;
  const Address seed_address = this->node(seed).local().address;
  if (!member.node->Join({seed_address}, now_).ok()) std::abort();
  Drain(index);
}

int TestCluster::IndexOf(const Address& address) const {
  for (int i = 0; i < size(); ++i) {
    if (members_[i]->node->local().address == address) return i;
  }
  return -1;
}

void TestCluster::Mix(uint64_t value) {
  fingerprint_ ^= value;
  fingerprint_ *= 1099511628211ULL;
}

void TestCluster::Drain(int index) {
  Slot& member = *members_[index];
  while (std::optional<Transmit> transmit = member.node->PollTransmit()) {
    const int to = IndexOf(transmit->to);
    Mix(static_cast<uint64_t>(to) * 2 +
        (transmit->channel == Channel::kStream ? 1 : 0));
    for (uint8_t byte : transmit->bytes) Mix(byte);
    if (to < 0) continue;
    if (transmit->channel == Channel::kDatagram && options_.loss > 0 &&
        random_.UniformDouble() < options_.loss) {
      continue;
    }
    InFlight packet{
        now_ + options_.latency,
        next_order_++,
        index,
        to,
        member.node->local().address,
        transmit->channel,
        std::vector<uint8_t>(transmit->bytes.begin(), transmit->bytes.end())};
    if (filter_ && !filter_(Packet{index, to, packet.channel, &packet.bytes})) {
      continue;
    }
    in_flight_.push_back(std::move(packet));
    std::push_heap(in_flight_.begin(), in_flight_.end(), Later());
  }
  while (std::optional<Event> event = member.node->PollEvent()) {
    Mix(static_cast<uint64_t>(event->type) * 31 + index);
    Mix(std::hash<std::string>()(event->member.name));
    Mix(static_cast<uint64_t>(event->member.status));
    member.events.push_back(std::move(*event));
  }
}

void TestCluster::Step(absl::Time until) {
  // The next instant anything happens.
  absl::Time next = until;
  if (!in_flight_.empty()) next = std::min(next, in_flight_.front().at);
  for (const auto& member : members_) {
    if (!member->alive) continue;
    if (std::optional<absl::Time> deadline = member->node->NextDeadline()) {
      next = std::min(next, *deadline);
    }
  }
  now_ = std::max(now_, next);
  while (!in_flight_.empty() && in_flight_.front().at <= now_) {
    std::pop_heap(in_flight_.begin(), in_flight_.end(), Later());
    InFlight packet = std::move(in_flight_.back());
    in_flight_.pop_back();
    Slot& member = *members_[packet.to];
    if (!member.alive) continue;
    ++delivered_;
    if (packet.channel == Channel::kDatagram) {
      member.node->HandleDatagram(packet.from_address, packet.bytes, now_);
    } else {
      member.node->HandleStream(packet.from_address, packet.bytes, now_);
    }
    Drain(packet.to);
  }
  for (int i = 0; i < size(); ++i) {
    Slot& member = *members_[i];
    if (!member.alive) continue;
    std::optional<absl::Time> deadline = member.node->NextDeadline();
    if (deadline && *deadline <= now_) {
      member.node->HandleTimeout(now_);
      Drain(i);
    }
  }
}

void TestCluster::RunFor(absl::Duration duration) {
  const absl::Time until = now_ + duration;
  while (now_ < until) Step(until);
}

bool TestCluster::RunUntil(const std::function<bool()>& done,
                           absl::Duration timeout) {
  const absl::Time until = now_ + timeout;
  while (!done()) {
    if (now_ >= until) return false;
    Step(until);
  }
  return true;
}

std::optional<MemberStatus> TestCluster::StatusOf(int viewer,
                                                  int subject) const {
  const swim::Member* member = node(viewer).Find(node(subject).local().name);
  if (member == nullptr) return std::nullopt;
  return member->status;
}

bool TestCluster::AllSee(int subject, MemberStatus status) const {
  for (int i = 0; i < size(); ++i) {
    if (i == subject || !alive(i)) continue;
    if (StatusOf(i, subject) != status) return false;
  }
  return true;
}

bool TestCluster::Converged() const {
  for (int subject = 0; subject < size(); ++subject) {
    if (!alive(subject)) continue;
    if (!AllSee(subject, MemberStatus::kOnline)) return false;
  }
  return true;
}

}  // namespace swim::testing

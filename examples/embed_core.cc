// Embedding the swim core in an event loop of your own.
//
// swim::Node is a pure state machine: it never opens a socket, reads a
// clock or starts a thread. This program is its whole contract in one
// place, with nothing from swim/drivers: three members in one process,
// each with a UDP socket (datagrams: probes, acks, gossip) and a TCP
// listener (stream messages: push-pull state exchange) on loopback, all
// served by one poll() loop written here. Every pass of the loop:
//
//   1. wait (poll) until a socket is readable or the earliest
//      Node::NextDeadline() passes;
//   2. hand what arrived to its node (HandleDatagram, HandleStreamData)
//      and run due timers (HandleTimeout), always with the current time;
//   3. send what the node produced (PollTransmit) and read what it has to
//      say (PollEvent).
//
// The members join through the first; once each sees the others ONLINE,
// the last one leaves, and the program exits 0 when the others see it
// LEFT (1 if that takes more than --timeout-s seconds). Run it:
//
//   bazel run //examples:embed_core
//
// Streams are non-blocking connections in the same poll() set. The node
// reads and authenticates every byte that arrives on one (it says when to
// close it), and answers a request on the connection it came on, so the
// loop only moves bytes. For brevity each request opens a connection of
// its own and every connection closes after a few idle seconds;
// swim/drivers/epoll also reuses connections and caps them per host.

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/event.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"

namespace {

constexpr int kMembers = 3;
// Every member needs the same 16-, 24- or 32-byte secret. A real cluster
// takes a random one from its configuration (`swim-keygen` makes one, and
// the programs read it base64-encoded from SWIM_SECRET or a file); never
// compile one in.
constexpr char kSecret[] = "example secret of 32 bytes......";
static_assert(sizeof(kSecret) - 1 == 32);

// The node's clock: monotonic (never jumps), its epoch as the origin.
swim::Instant Now() {
  return swim::Instant(
      absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch()));
}

swim::Address FromSockaddr(const sockaddr_in& in) {
  const uint32_t ip = ntohl(in.sin_addr.s_addr);
  return swim::Address::Ipv4(
      {static_cast<uint8_t>(ip >> 24), static_cast<uint8_t>(ip >> 16),
       static_cast<uint8_t>(ip >> 8), static_cast<uint8_t>(ip)},
      ntohs(in.sin_port));
}

sockaddr_in ToSockaddr(const swim::Address& address) {
  sockaddr_in in = {};
  in.sin_family = AF_INET;
  in.sin_port = htons(address.port());
  const std::array<uint8_t, 16>& octets = address.octets();
  in.sin_addr.s_addr =
      htonl(uint32_t{octets[0]} << 24 | uint32_t{octets[1]} << 16 |
            uint32_t{octets[2]} << 8 | uint32_t{octets[3]});
  return in;
}

// One stream connection of a member: its socket, the node's number for
// it, and the bytes waiting to be written.
struct Connection {
  int fd = -1;
  swim::StreamId id = 0;
  swim::Address peer;
  std::vector<uint8_t> out;
  swim::Instant idle_since;
};

// One member: its node, its two sockets on one port, and its connections.
struct Member {
  std::unique_ptr<swim::Node> node;
  swim::Address address;
  int udp = -1;
  int tcp = -1;
  std::vector<Connection> connections;
};

swim::StreamId next_stream_id = 1;

// Binds a UDP socket and a TCP listener to the same free loopback port.
bool OpenSockets(Member& member) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    member.udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in in = {};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(in);
    if (bind(member.udp, reinterpret_cast<sockaddr*>(&in), sizeof(in)) != 0 ||
        getsockname(member.udp, reinterpret_cast<sockaddr*>(&in), &length) !=
            0) {
      return false;
    }
    member.tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(member.tcp, reinterpret_cast<sockaddr*>(&in), sizeof(in)) == 0 &&
        listen(member.tcp, 16) == 0) {
      member.address = FromSockaddr(in);
      return true;
    }
    // That port is taken for TCP: try another.
    close(member.udp);
    close(member.tcp);
  }
  return false;
}

// Step 2, datagrams: everything the UDP socket holds.
void ReceiveDatagrams(Member& member, swim::Instant now) {
  std::array<uint8_t, 65536> buffer;
  for (;;) {
    sockaddr_in from = {};
    socklen_t length = sizeof(from);
    const ssize_t size = recvfrom(member.udp, buffer.data(), buffer.size(), 0,
                                  reinterpret_cast<sockaddr*>(&from), &length);
    if (size < 0) return;  // EAGAIN: drained
    member.node->HandleDatagram(
        FromSockaddr(from),
        absl::MakeConstSpan(buffer.data(), static_cast<size_t>(size)), now);
  }
}

// Step 2, streams: a new connection.
void Accept(Member& member, swim::Instant now) {
  sockaddr_in from = {};
  socklen_t length = sizeof(from);
  const int fd = accept4(member.tcp, reinterpret_cast<sockaddr*>(&from),
                         &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  member.connections.push_back(
      {fd, next_stream_id++, FromSockaddr(from), {}, now});
}

// Step 2, streams: bytes on a connection. False when it is to close.
bool ReadConnection(Member& member, Connection& connection, swim::Instant now) {
  std::array<uint8_t, 65536> buffer;
  const ssize_t size = read(connection.fd, buffer.data(), buffer.size());
  if (size < 0) return errno == EAGAIN || errno == EINTR;
  if (size == 0) return false;  // the peer closed
  connection.idle_since = now;
  // The node reassembles, authenticates and handles what it can; junk or a
  // message over its limits makes it say close.
  return member.node->HandleStreamData(
             connection.id, connection.peer,
             absl::MakeConstSpan(buffer.data(), static_cast<size_t>(size)),
             now) != swim::StreamVerdict::kClose;
}

void WriteConnection(Connection& connection) {
  const ssize_t size =
      write(connection.fd, connection.out.data(), connection.out.size());
  if (size > 0)
    connection.out.erase(connection.out.begin(), connection.out.begin() + size);
}

// Closes connections that failed or went idle, and tells the node.
void CloseConnections(Member& member, swim::Instant now,
                      const std::vector<swim::StreamId>& failed) {
  std::vector<Connection> open;
  for (Connection& connection : member.connections) {
    const bool done = std::find(failed.begin(), failed.end(), connection.id) !=
                          failed.end() ||
                      (connection.out.empty() &&
                       now - connection.idle_since > absl::Seconds(3));
    if (done) {
      close(connection.fd);
      member.node->HandleStreamClosed(connection.id);
    } else {
      open.push_back(std::move(connection));
    }
  }
  member.connections = std::move(open);
}

// Step 3: send everything the node produced.
void SendTransmits(Member& member, swim::Instant now) {
  while (std::optional<swim::Transmit> transmit = member.node->PollTransmit()) {
    const sockaddr_in to = ToSockaddr(transmit->to);
    if (transmit->channel == swim::Channel::kDatagram) {
      // UDP may lose datagrams anyway; the protocol copes.
      sendto(member.udp, transmit->bytes.data(), transmit->bytes.size(), 0,
             reinterpret_cast<const sockaddr*>(&to), sizeof(to));
      continue;
    }
    Connection* connection = nullptr;
    if (transmit->stream) {
      // A reply: on the connection the request came on, if still open.
      for (Connection& open : member.connections) {
        if (open.id == *transmit->stream) connection = &open;
      }
      if (connection == nullptr) continue;
    } else {
      // A request: on a new connection (connect completes in the
      // background; the bytes wait until it is writable).
      const int fd =
          socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) !=
              0 &&
          errno != EINPROGRESS) {
        close(fd);  // refused: push-pull retries on its own
        continue;
      }
      member.connections.push_back(
          {fd, next_stream_id++, transmit->to, {}, now});
      connection = &member.connections.back();
    }
    connection->out.insert(connection->out.end(), transmit->bytes.begin(),
                           transmit->bytes.end());
    connection->idle_since = now;
  }
}

// Step 3: what the node has to say.
void PrintEvents(Member& member) {
  while (std::optional<swim::Event> event = member.node->PollEvent()) {
    const std::string self = member.node->local().name;
    const std::string what(swim::EventName(*event));
    // Every case but a user message and a name conflict is about a member.
    if (const swim::Member* subject = swim::EventMember(*event)) {
      std::printf("%s: %s %s %s\n", self.c_str(), what.c_str(),
                  subject->name.c_str(),
                  std::string(swim::MemberStatusName(subject->status)).c_str());
    } else if (const auto* message = std::get_if<swim::UserMessage>(&*event)) {
      std::printf("%s: %s from %s: %s\n", self.c_str(), what.c_str(),
                  message->origin.c_str(), message->payload.c_str());
    } else if (const auto* conflict =
                   std::get_if<swim::NameConflict>(&*event)) {
      std::printf("%s: %s from %s\n", self.c_str(), what.c_str(),
                  conflict->address.ToString().c_str());
    }
  }
}

bool EveryoneSees(const std::vector<Member>& members, size_t count,
                  swim::MemberStatus status, size_t skip_last) {
  for (size_t i = 0; i + skip_last < members.size(); ++i) {
    const auto seen = members[i].node->Members(status);
    if (seen.size() != count) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  double timeout_s = 30;
  if (argc == 2 && std::string(argv[1]).rfind("--timeout-s=", 0) == 0) {
    timeout_s = std::atof(argv[1] + 12);
  }
  std::random_device random;
  std::vector<Member> members(kMembers);
  for (int i = 0; i < kMembers; ++i) {
    Member& member = members[i];
    if (!OpenSockets(member)) {
      std::perror("cannot open sockets");
      return 1;
    }
    swim::Config config = swim::Config::Local();
    config.name = absl::StrCat("member-", i + 1);
    config.address = member.address;
    // A restarted process must pick a larger generation: its start time.
    config.generation = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
    // The only randomness the node uses, and the AES-GCM nonce seed, which
    // must differ between processes sharing a key.
    config.seed = uint64_t{random()} << 32 | random();
    for (uint8_t& byte : config.nonce_seed) byte = random() & 0xff;
    config.keys = {kSecret};
    config.metadata = {{"role", i == 0 ? "seed" : "worker"}};
    absl::StatusOr<std::unique_ptr<swim::Node>> node =
        swim::Node::Create(config, Now());
    if (!node.ok()) {
      std::fprintf(stderr, "%s\n", node.status().ToString().c_str());
      return 1;
    }
    member.node = *std::move(node);
    std::printf("%s listens on %s\n", config.name.c_str(),
                member.address.ToString().c_str());
  }
  for (int i = 1; i < kMembers; ++i) {
    (void)members[i].node->Join({members[0].address}, Now());
  }

  const swim::Instant give_up = Now() + absl::Seconds(timeout_s);
  bool leaving = false;
  while (Now() < give_up) {
    // 1. Wait for input or the earliest deadline.
    std::optional<swim::Instant> wake;
    for (const Member& member : members) {
      const std::optional<swim::Instant> deadline = member.node->NextDeadline();
      if (deadline && (!wake || *deadline < *wake)) wake = deadline;
    }
    const absl::Duration wait =
        std::clamp((wake ? *wake : give_up) - Now(), absl::ZeroDuration(),
                   give_up - Now());
    std::vector<pollfd> fds;
    for (const Member& member : members) {
      fds.push_back({member.udp, POLLIN, 0});
      fds.push_back({member.tcp, POLLIN, 0});
      for (const Connection& connection : member.connections) {
        fds.push_back({connection.fd,
                       static_cast<short>(
                           POLLIN | (connection.out.empty() ? 0 : POLLOUT)),
                       0});
      }
    }
    poll(fds.data(), fds.size(),
         static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(
             std::max(wait, absl::ZeroDuration()), absl::Milliseconds(1)))));

    // 2. Input and due timers, with the time after the wait.
    const swim::Instant now = Now();
    size_t slot = 0;
    for (Member& member : members) {
      if (fds[slot++].revents & POLLIN) ReceiveDatagrams(member, now);
      const bool accept = fds[slot++].revents & POLLIN;
      std::vector<swim::StreamId> failed;
      for (Connection& connection : member.connections) {
        const short events = fds[slot++].revents;
        if (events & POLLOUT) WriteConnection(connection);
        if ((events & (POLLIN | POLLHUP | POLLERR)) &&
            !ReadConnection(member, connection, now)) {
          failed.push_back(connection.id);
        }
      }
      CloseConnections(member, now, failed);
      if (accept) Accept(member, now);
      member.node->HandleTimeout(now);
    }
    // 3. Output.
    for (Member& member : members) {
      SendTransmits(member, now);
      PrintEvents(member);
    }

    if (!leaving &&
        EveryoneSees(members, kMembers - 1, swim::MemberStatus::kOnline, 0)) {
      std::printf("converged: every member sees the others ONLINE\n");
      (void)members.back().node->Leave(now);  // announces LEFT
      leaving = true;
    }
    if (leaving && EveryoneSees(members, 1, swim::MemberStatus::kLeft, 1)) {
      std::printf("%s left; the others saw it\n",
                  members.back().node->local().name.c_str());
      return 0;
    }
  }
  std::fprintf(stderr, "gave up after %g s\n", timeout_s);
  return 1;
}

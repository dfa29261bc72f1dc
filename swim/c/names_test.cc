// A member name arrives from the wire as any bytes (docs/wire.md): one
// holding a NUL or not UTF-8 is found and removed through the C ABI by its
// size (swim_node_find_n, swim_node_remove_n), which swim_node_find and
// swim_node_remove, taking C strings, cannot do.

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "swim/c/swim.h"
#include "swim/core/address.h"
#include "swim/core/config.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/core/transmit.h"

namespace swim {
namespace {

constexpr int64_t kNow = 5'000'000'000;

// The C node "c" at 127.0.0.1:7946, plaintext.
class NamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    swim_config config;
    ASSERT_EQ(swim_config_init(&config, sizeof(config), SWIM_PRESET_LOCAL),
              SWIM_OK);
    config.name = "c";
    ASSERT_EQ(swim_address_parse("127.0.0.1:7946", &config.address), SWIM_OK);
    config.security_mode = SWIM_SECURITY_PLAINTEXT;
    config.seed = 1;
    // As the core nodes' (not the wall clock's): a node that reads no wall
    // clock bounds the generations it accepts by its own.
    config.generation = 1;
    char error[256] = "";
    ASSERT_EQ(swim_node_new(&c_, &config, kNow, error, sizeof(error)), SWIM_OK)
        << error;
    buffer_.resize(swim_node_max_transmit_size(c_));
  }
  void TearDown() override { swim_node_free(c_); }

  // A core node named `name` at `address`, plaintext, that has asked "c"
  // to join.
  static absl::StatusOr<std::unique_ptr<Node>> JoiningNode(
      const std::string& name, const std::string& address, uint64_t seed) {
    Config config = Config::Local();
    config.name = name;
    config.address = *Address::Parse(address);
    config.security_mode = SecurityMode::kPlaintext;
    config.seed = seed;
    config.generation = 1;
    const Instant now(absl::Nanoseconds(kNow));
    absl::StatusOr<std::unique_ptr<Node>> node =
        Node::Create(std::move(config), now);
    if (!node.ok()) return node.status();
    if (absl::Status joined =
            (*node)->Join({*Address::Parse("127.0.0.1:7946")}, now);
        !joined.ok()) {
      return joined;
    }
    return node;
  }

  // A core node named `name` at 127.0.0.2:7946 joins "c"; "c" takes in
  // what it sends (its state exchange), and what "c" sends is dropped.
  void JoinAs(const std::string& name) {
    absl::StatusOr<std::unique_ptr<Node>> node =
        JoiningNode(name, "127.0.0.2:7946", 2);
    ASSERT_TRUE(node.ok()) << node.status();
    swim_address from;
    ASSERT_EQ(swim_address_parse("127.0.0.2:7946", &from), SWIM_OK);
    int delivered = 0;
    while (std::optional<Transmit> transmit = (*node)->PollTransmit()) {
      if (transmit->channel == Channel::kStream) {
        int verdict = -1;
        EXPECT_EQ(swim_node_handle_stream_data(
                      c_, 1, &from, transmit->bytes.data(),
                      transmit->bytes.size(), kNow, &verdict),
                  SWIM_OK);
      } else {
        EXPECT_EQ(swim_node_handle_datagram(c_, &from, transmit->bytes.data(),
                                            transmit->bytes.size(), kNow),
                  SWIM_OK);
      }
      ++delivered;
    }
    EXPECT_GT(delivered, 0);
    swim_transmit out{};
    out.struct_size = sizeof(out);
    while (swim_node_poll_transmit(c_, &out, buffer_.data(), buffer_.size()) ==
           1) {
    }
  }

  swim_node* c_ = nullptr;
  std::vector<uint8_t> buffer_;
};

TEST_F(NamesTest, ANameThatIsNotUtf8IsFoundAndRemovedBySize) {
  const std::string odd("odd\0\xff", 5);
  JoinAs(odd);
  ASSERT_EQ(swim_node_size(c_), 1u);

  swim_member member{};
  member.struct_size = sizeof(member);
  // As a C string it is "odd", which no member is called.
  EXPECT_EQ(swim_node_find(c_, "odd", &member), SWIM_ERR_NOT_FOUND);
  ASSERT_EQ(swim_node_find_n(c_, odd.data(), odd.size(), &member), SWIM_OK);
  ASSERT_EQ(member.name_size, odd.size());
  EXPECT_EQ(std::string(member.name, member.name_size), odd);
  EXPECT_EQ(member.status, SWIM_STATUS_ONLINE);

  EXPECT_EQ(swim_node_remove(c_, "odd", kNow), SWIM_ERR_NOT_FOUND);
  ASSERT_EQ(swim_node_remove_n(c_, odd.data(), odd.size(), kNow), SWIM_OK);
  // Claimed LEFT, and forgotten here at once.
  EXPECT_EQ(swim_node_find_n(c_, odd.data(), odd.size(), &member),
            SWIM_ERR_NOT_FOUND);
  EXPECT_EQ(swim_node_size(c_), 0u);
}

TEST_F(NamesTest, SizedNamesAreCheckedLikeTheWireDoes) {
  JoinAs("plain");
  swim_member member{};
  member.struct_size = sizeof(member);
  // A UTF-8 name is found either way, and this node's own by size too.
  ASSERT_EQ(swim_node_find_n(c_, "plain", 5, &member), SWIM_OK);
  EXPECT_EQ(std::string(member.name, member.name_size), "plain");
  ASSERT_EQ(swim_node_find_n(c_, "c", 1, &member), SWIM_OK);
  EXPECT_EQ(member.name_size, 1u);
  // A prefix is another name.
  EXPECT_EQ(swim_node_find_n(c_, "plain", 4, &member), SWIM_ERR_NOT_FOUND);

  const std::string long_name(256, 'x');
  EXPECT_EQ(swim_node_find_n(c_, nullptr, 5, &member),
            SWIM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(swim_node_find_n(c_, "plain", 0, &member),
            SWIM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(swim_node_find_n(c_, long_name.data(), long_name.size(), &member),
            SWIM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(swim_node_find_n(c_, "plain", 5, nullptr),
            SWIM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(swim_node_find_n(nullptr, "plain", 5, &member),
            SWIM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(swim_node_remove_n(c_, nullptr, 5, kNow),
            SWIM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(swim_node_remove_n(c_, "plain", 0, kNow),
            SWIM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(swim_node_remove_n(c_, long_name.data(), long_name.size(), kNow),
            SWIM_ERR_INVALID_ARGUMENT);
  // This node's own name: leave instead.
  EXPECT_EQ(swim_node_remove_n(c_, "c", 1, kNow), SWIM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(swim_node_remove_n(c_, "gone", 4, kNow), SWIM_ERR_NOT_FOUND);
  // None of that changed what "c" knows.
  ASSERT_EQ(swim_node_find_n(c_, "plain", 5, &member), SWIM_OK);
  EXPECT_EQ(member.status, SWIM_STATUS_ONLINE);
  // The message names the name, its bytes that are not UTF-8 escaped (a
  // NUL too), so it stays one UTF-8 string.
  EXPECT_EQ(swim_node_find_n(c_, "a\"\xff", 3, &member), SWIM_ERR_NOT_FOUND);
  EXPECT_STREQ(swim_node_last_error(c_), "no member named \"a\\\"\\xff\"");
  EXPECT_EQ(swim_node_remove_n(c_, "a\0\xff", 3, kNow), SWIM_ERR_NOT_FOUND);
  EXPECT_STREQ(swim_node_last_error(c_), "no member named \"a\\x00\\xff\"");
  EXPECT_EQ(swim_node_find(c_, "caf\xc3\xa9", &member), SWIM_ERR_NOT_FOUND);
  EXPECT_STREQ(swim_node_last_error(c_), "no member named \"caf\xc3\xa9\"");
}

// The names in a verdict come with their sizes too: "c" is told that a
// member named odd\0\xff suspects another, then declares it OFFLINE, and
// gets its bytes whole both times.
TEST_F(NamesTest, AVerdictGivesItsNamesBySize) {
  // "c" knows "plain", which never answers from here on.
  JoinAs("plain");
  const std::string odd("odd\0\xff", 5);
  absl::StatusOr<std::unique_ptr<Node>> created =
      JoiningNode(odd, "127.0.0.3:7946", 3);
  ASSERT_TRUE(created.ok()) << created.status();
  Node& node = **created;
  const Address c_address = *Address::Parse("127.0.0.1:7946");
  swim_address from;
  ASSERT_EQ(swim_address_parse("127.0.0.3:7946", &from), SWIM_OK);

  // "c" never runs its timers, so only the odd member probes, and it is
  // the one to suspect "plain". Everything to "plain" is lost.
  constexpr StreamId kOddConnection = 7;
  constexpr uint64_t kCConnection = 2;
  std::optional<std::string> accuser;
  std::optional<std::string> declared_by;
  for (int64_t t = kNow; t < kNow + 30'000'000'000 && !(accuser && declared_by);
       t += 10'000'000) {
    const Instant now(absl::Nanoseconds(t));
    if (node.NextDeadline().has_value() && *node.NextDeadline() <= now) {
      node.HandleTimeout(now);
    }
    while (std::optional<Transmit> transmit = node.PollTransmit()) {
      if (transmit->to != c_address) continue;
      if (transmit->channel == Channel::kStream) {
        int verdict = -1;
        ASSERT_EQ(swim_node_handle_stream_data(
                      c_, kCConnection, &from, transmit->bytes.data(),
                      transmit->bytes.size(), t, &verdict),
                  SWIM_OK);
      } else {
        ASSERT_EQ(swim_node_handle_datagram(c_, &from, transmit->bytes.data(),
                                            transmit->bytes.size(), t),
                  SWIM_OK);
      }
    }
    swim_transmit out{};
    out.struct_size = sizeof(out);
    while (swim_node_poll_transmit(c_, &out, buffer_.data(), buffer_.size()) ==
           1) {
      if (std::memcmp(&out.to, &from, sizeof(from)) != 0) continue;
      const absl::Span<const uint8_t> bytes(buffer_.data(), out.size);
      if (out.channel == SWIM_CHANNEL_STREAM) {
        node.HandleStreamData(kOddConnection, c_address, bytes, now);
      } else {
        node.HandleDatagram(c_address, bytes, now);
      }
    }
    swim_event event{};
    event.struct_size = sizeof(event);
    while (swim_node_poll_event(c_, &event) == 1) {
      if (event.type != SWIM_EVENT_STATUS_CHANGED || event.cause == nullptr ||
          std::string(event.member->name, event.member->name_size) != "plain") {
        continue;
      }
      const swim_verdict& cause = *event.cause;
      ASSERT_EQ(cause.struct_size, sizeof(swim_verdict));
      if (event.member->status == SWIM_STATUS_SUSPECT) {
        accuser.emplace(cause.accuser, cause.accuser_size);
      } else if (event.member->status == SWIM_STATUS_OFFLINE) {
        declared_by.emplace(cause.declared_by, cause.declared_by_size);
      }
    }
  }
  EXPECT_EQ(accuser, odd);
  EXPECT_EQ(declared_by, odd);
}

}  // namespace
}  // namespace swim

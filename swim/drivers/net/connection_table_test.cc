#include "swim/drivers/net/connection_table.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace swim::net {
namespace {

struct FakeConnection : StreamConnection {};
using Table = ConnectionTable<FakeConnection>;

const absl::Time kNow = absl::FromUnixSeconds(1000);
const Address kPeer = *Address::Parse("127.0.0.1:7000");

DriverOptions SmallOptions() {
  DriverOptions options;
  options.max_connections = 2;
  options.max_frame_size = 100;
  options.max_queued_stream_bytes = 250;
  options.read_timeout = absl::Seconds(10);
  options.connect_timeout = absl::Seconds(5);
  options.write_timeout = absl::Seconds(7);
  options.idle_timeout = absl::Seconds(3);
  return options;
}

TEST(ConnectionTableTest, IncomingConnectionsAreCapped) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  FakeConnection* first =
      table.AddIncoming(std::make_unique<FakeConnection>(), kPeer, kNow);
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->incoming);
  EXPECT_NE(first->reader, nullptr);
  EXPECT_EQ(first->deadline, kNow + absl::Seconds(10));
  ASSERT_NE(table.AddIncoming(std::make_unique<FakeConnection>(), kPeer, kNow),
            nullptr);
  EXPECT_EQ(table.AddIncoming(std::make_unique<FakeConnection>(), kPeer, kNow),
            nullptr);
  EXPECT_EQ(stats.streams_accepted, 2u);
  EXPECT_EQ(stats.streams_rejected, 1u);
  EXPECT_EQ(table.incoming_count(), 2u);
  table.Remove(first->id);
  EXPECT_EQ(table.incoming_count(), 1u);
}

TEST(ConnectionTableTest, OneOutgoingConnectionPerPeerWithItsClocks) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats, /*first_id=*/16);
  FakeConnection* out =
      table.AddOutgoing(std::make_unique<FakeConnection>(), kPeer, kNow);
  EXPECT_EQ(out->id, 16u);
  EXPECT_EQ(table.FindOutgoing(kPeer), out);
  EXPECT_TRUE(out->connecting);
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(5));
  absl::Status error;
  ASSERT_TRUE(table.Admit(10, &error));
  table.Enqueue(*out, std::vector<uint8_t>(10), kNow);
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(5));  // still connecting
  table.Connected(*out, kNow + absl::Seconds(1));
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(8));  // writing
  table.Wrote(*out, 14, kNow + absl::Seconds(2));
  EXPECT_EQ(stats.frames_sent, 1u);
  EXPECT_EQ(out->deadline, kNow + absl::Seconds(5));  // idle
  EXPECT_EQ(stats.connections_opened, 1u);
}

TEST(ConnectionTableTest, AdmissionEnforcesFrameSizeAndQueuedBytes) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  absl::Status error;
  EXPECT_FALSE(table.Admit(101, &error));
  EXPECT_TRUE(absl::IsFailedPrecondition(error));
  EXPECT_NE(error.message().find("max_frame_size"), absl::string_view::npos);
  FakeConnection* out =
      table.AddOutgoing(std::make_unique<FakeConnection>(), kPeer, kNow);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(table.Admit(100, &error));
    table.Enqueue(*out, std::vector<uint8_t>(100), kNow);
  }
  error = absl::OkStatus();
  EXPECT_FALSE(table.Admit(100, &error));  // 3 x 104 > 250
  EXPECT_TRUE(error.ok());                 // dropped, nothing to report
  EXPECT_EQ(stats.frames_dropped, 2u);
  // Removing the connection frees its bytes and counts its frames.
  table.Remove(out->id);
  EXPECT_EQ(stats.frames_dropped, 4u);
  EXPECT_TRUE(table.Admit(100, &error));
}

TEST(ConnectionTableTest, ExpiryCountsEachKindOfTimeout) {
  const DriverOptions options = SmallOptions();
  DriverStats stats;
  Table table(options, stats);
  table.AddIncoming(std::make_unique<FakeConnection>(), kPeer, kNow);
  table.AddOutgoing(std::make_unique<FakeConnection>(), kPeer, kNow);
  FakeConnection* writing =
      table.AddOutgoing(std::make_unique<FakeConnection>(),
                        *Address::Parse("127.0.0.1:7001"), kNow);
  table.Connected(*writing, kNow);
  absl::Status error;
  ASSERT_TRUE(table.Admit(1, &error));
  table.Enqueue(*writing, std::vector<uint8_t>(1), kNow);
  EXPECT_EQ(table.NextDeadline(), kNow + absl::Seconds(5));
  EXPECT_TRUE(table.TakeExpired(kNow + absl::Seconds(4)).empty());
  EXPECT_EQ(table.TakeExpired(kNow + absl::Seconds(10)).size(), 3u);
  EXPECT_EQ(stats.stream_read_timeouts, 1u);
  EXPECT_EQ(stats.stream_connect_timeouts, 1u);
  EXPECT_EQ(stats.stream_write_timeouts, 1u);
  EXPECT_EQ(stats.frames_dropped, 1u);
  EXPECT_EQ(table.NextDeadline(), std::nullopt);
  EXPECT_EQ(table.outgoing_count(), 0u);
}

}  // namespace
}  // namespace swim::net

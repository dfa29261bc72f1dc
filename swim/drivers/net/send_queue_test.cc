#include "swim/drivers/net/send_queue.h"

#include <vector>

#include "gtest/gtest.h"

namespace swim::net {
namespace {

TEST(SendQueueTest, TracksPartialWrites) {
  SendQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(queue.Unwritten().empty());
  const std::vector<uint8_t> message = {'a', 'b', 'c'};
  queue.Push(message);
  queue.Push({});  // nothing to send: not queued
  queue.Push(std::vector<uint8_t>{'d'});
  EXPECT_EQ(queue.messages(), 2u);
  EXPECT_EQ(queue.bytes(), 4u);
  EXPECT_EQ(
      std::vector<uint8_t>(queue.Unwritten().begin(), queue.Unwritten().end()),
      message);
  EXPECT_FALSE(queue.Advance(2));
  EXPECT_EQ(queue.Unwritten().size(), 1u);
  EXPECT_EQ(queue.bytes(), 4u);  // counted until the message completes
  EXPECT_TRUE(queue.Advance(1));
  EXPECT_EQ(queue.bytes(), 1u);
  EXPECT_TRUE(queue.Advance(1));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(SendQueueTest, ClearDropsEverything) {
  SendQueue queue;
  queue.Push(std::vector<uint8_t>(10));
  queue.Push(std::vector<uint8_t>(10));
  queue.Advance(3);
  EXPECT_EQ(queue.Clear(), 2u);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
  queue.Push(std::vector<uint8_t>(1));
  EXPECT_EQ(queue.Unwritten().size(), 1u);  // starts from the beginning
}

}  // namespace
}  // namespace swim::net

#include "swim/drivers/net/frame_queue.h"

#include <vector>

#include "gtest/gtest.h"

namespace swim::net {
namespace {

TEST(FrameQueueTest, FramesAndTracksPartialWrites) {
  FrameQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(queue.Unwritten().empty());
  const std::vector<uint8_t> message = {'a', 'b', 'c'};
  queue.Push(message);
  queue.Push({});
  EXPECT_EQ(queue.frames(), 2u);
  EXPECT_EQ(queue.bytes(), 7u + 4u);
  EXPECT_EQ(
      std::vector<uint8_t>(queue.Unwritten().begin(), queue.Unwritten().end()),
      (std::vector<uint8_t>{0, 0, 0, 3, 'a', 'b', 'c'}));
  EXPECT_FALSE(queue.Advance(5));
  EXPECT_EQ(queue.Unwritten().size(), 2u);
  EXPECT_EQ(queue.bytes(), 11u);  // counted until the frame completes
  EXPECT_TRUE(queue.Advance(2));
  EXPECT_EQ(queue.bytes(), 4u);
  EXPECT_EQ(queue.Unwritten().size(), 4u);  // the empty message's header
  EXPECT_TRUE(queue.Advance(4));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(FrameQueueTest, ClearDropsEverything) {
  FrameQueue queue;
  queue.Push(std::vector<uint8_t>(10));
  queue.Push(std::vector<uint8_t>(10));
  queue.Advance(3);
  EXPECT_EQ(queue.Clear(), 2u);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
  queue.Push(std::vector<uint8_t>(1));
  EXPECT_EQ(queue.Unwritten().size(), 5u);  // starts from the beginning
}

}  // namespace
}  // namespace swim::net

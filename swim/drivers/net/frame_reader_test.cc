#include "swim/drivers/net/frame_reader.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace swim::net {
namespace {

std::vector<uint8_t> Framed(const std::vector<uint8_t>& body) {
  const auto header = EncodeFrameHeader(static_cast<uint32_t>(body.size()));
  std::vector<uint8_t> framed(header.begin(), header.end());
  framed.insert(framed.end(), body.begin(), body.end());
  return framed;
}

// Feeds `bytes` in pieces of at most `step`, collecting complete frames.
std::vector<std::vector<uint8_t>> Feed(FrameReader& reader,
                                       const std::vector<uint8_t>& bytes,
                                       size_t step, bool* oversized) {
  std::vector<std::vector<uint8_t>> frames;
  size_t offset = 0;
  while (offset < bytes.size()) {
    absl::Span<uint8_t> buffer = reader.Buffer();
    EXPECT_FALSE(buffer.empty());
    const size_t count = std::min({buffer.size(), step, bytes.size() - offset});
    std::memcpy(buffer.data(), bytes.data() + offset, count);
    offset += count;
    switch (reader.Commit(count)) {
      case FrameReader::Result::kNeedMore:
        break;
      case FrameReader::Result::kFrame:
        frames.emplace_back(reader.frame().begin(), reader.frame().end());
        break;
      case FrameReader::Result::kOversized:
        *oversized = true;
        return frames;
    }
  }
  return frames;
}

TEST(FrameReaderTest, HeaderIsBigEndianLength) {
  EXPECT_EQ(EncodeFrameHeader(0x01020304),
            (std::array<uint8_t, 4>{1, 2, 3, 4}));
}

TEST(FrameReaderTest, ReassemblesFramesWhateverTheReadSizes) {
  std::vector<uint8_t> a(300, 0xaa);
  std::vector<uint8_t> b;  // empty frame
  std::vector<uint8_t> c(200000);
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<uint8_t>(i);
  std::vector<uint8_t> stream = Framed(a);
  for (const auto& part : {Framed(b), Framed(c)}) {
    stream.insert(stream.end(), part.begin(), part.end());
  }
  for (size_t step : {1, 3, 4, 7, 1000, 1 << 20}) {
    FrameReader reader(1 << 20);
    bool oversized = false;
    const auto frames = Feed(reader, stream, step, &oversized);
    EXPECT_FALSE(oversized);
    ASSERT_EQ(frames.size(), 3u) << "step " << step;
    EXPECT_EQ(frames[0], a);
    EXPECT_EQ(frames[1], b);
    EXPECT_EQ(frames[2], c);
    EXPECT_TRUE(reader.idle());
  }
}

TEST(FrameReaderTest, RejectsAnOversizedHeaderBeforeReadingTheBody) {
  FrameReader reader(1000);
  bool oversized = false;
  const auto frames =
      Feed(reader, Framed(std::vector<uint8_t>(1001)), 4, &oversized);
  EXPECT_TRUE(oversized);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(reader.announced(), 1001u);
}

TEST(FrameReaderTest, BufferGrowsOnlyWithArrivingBytes) {
  // A peer announcing a huge frame and sending nothing more gets a buffer
  // of one chunk, not of the announced size.
  FrameReader reader(1 << 30);
  const auto header = EncodeFrameHeader(1 << 30);
  absl::Span<uint8_t> buffer = reader.Buffer();
  std::memcpy(buffer.data(), header.data(), 4);
  ASSERT_EQ(reader.Commit(4), FrameReader::Result::kNeedMore);
  EXPECT_EQ(reader.Buffer().size(), FrameReader::kChunk);
  EXPECT_FALSE(reader.idle());
}

}  // namespace
}  // namespace swim::net

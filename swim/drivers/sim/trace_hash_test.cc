#include "swim/drivers/sim/trace_hash.h"

#include <cstdint>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace swim::sim {
namespace {

uint64_t HashOf(const std::vector<uint8_t>& bytes) {
  TraceHash hash;
  hash.MixBytes(bytes);
  return hash.value();
}

std::vector<uint8_t> Sample(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 37);
  return bytes;
}

TEST(TraceHashTest, EveryBitOfTheInputMatters) {
  // 67 bytes: eight whole words and a three-byte tail.
  const std::vector<uint8_t> original = Sample(67);
  std::set<uint64_t> digests = {HashOf(original)};
  for (size_t bit = 0; bit < original.size() * 8; ++bit) {
    std::vector<uint8_t> flipped = original;
    flipped[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    digests.insert(HashOf(flipped));
  }
  EXPECT_EQ(digests.size(), original.size() * 8 + 1);
}

TEST(TraceHashTest, TopBitsOfTwoWordsDoNotCancel) {
  // A plain FNV step per word never carries bit 63 down, so flipping it in
  // two words gave the same digest; the xor-shift must prevent that.
  std::vector<uint8_t> flipped = Sample(64);
  flipped[7] ^= 0x80;
  flipped[15] ^= 0x80;
  EXPECT_NE(HashOf(flipped), HashOf(Sample(64)));
  TraceHash a;
  TraceHash b;
  a.Mix(1);
  a.Mix(2);
  b.Mix(1 | (1ULL << 63));
  b.Mix(2 | (1ULL << 63));
  EXPECT_NE(a.value(), b.value());
}

TEST(TraceHashTest, LengthAndOrderMatter) {
  EXPECT_NE(HashOf({}), HashOf({0}));
  EXPECT_NE(HashOf({0}), HashOf({0, 0}));
  EXPECT_NE(HashOf({1, 2}), HashOf({2, 1}));
  // Fixed: the same input gives the same digest in every process.
  EXPECT_EQ(HashOf(Sample(100)), HashOf(Sample(100)));
}

}  // namespace
}  // namespace swim::sim

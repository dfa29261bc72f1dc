// Keeps docs/wire.md honest: every example the code defines must appear in
// the document with exactly the bytes the encoder produces today, and the
// document may show no example the code does not define.

#include <fstream>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "swim/core/wire.h"
#include "swim/testing/in_memory.h"
#include "swim/testing/wire_examples.h"

namespace swim {
namespace {

constexpr absl::string_view kMarker = "<!-- wire-example: ";

// Example name -> the hex block that follows its marker.
absl::flat_hash_map<std::string, std::string> ReadDocumentedExamples() {
  std::ifstream in("docs/wire.md");
  EXPECT_TRUE(in.good()) << "docs/wire.md not found in runfiles";
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  absl::flat_hash_map<std::string, std::string> examples;
  std::string current;
  std::string block;
  bool in_block = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, kMarker)) {
      line.remove_prefix(kMarker.size());
      current = std::string(absl::StripSuffix(line, " -->"));
      continue;
    }
    if (!current.empty() && line == "```") {
      if (in_block) {
        examples[current] = block;
        current.clear();
        block.clear();
      }
      in_block = !in_block;
      continue;
    }
    if (in_block) {
      if (!block.empty()) block += "\n";
      block += std::string(line);
    }
  }
  return examples;
}

TEST(WireDocTest, EveryExampleMatchesTheEncoder) {
  absl::flat_hash_map<std::string, std::string> documented =
      ReadDocumentedExamples();
  for (const testing::WireExample& example : testing::WireExamples()) {
    auto it = documented.find(example.name);
    ASSERT_NE(it, documented.end())
        << "docs/wire.md lacks example \"" << example.name
        << "\"; run: bazel run //tools:wire-examples";
    const std::vector<uint8_t> bytes = testing::EncodeExample(example);
    EXPECT_EQ(it->second, testing::HexDump(bytes))
        << "docs/wire.md example \"" << example.name
        << "\" is stale; run: bazel run //tools:wire-examples";
    // The documented bytes decode to the example's messages.
    absl::StatusOr<std::vector<Message>> decoded =
        DecodePacket(absl::MakeConstSpan(bytes));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, example.messages) << example.name;
    documented.erase(it);
  }
  for (const testing::SealedExample& example : testing::SealedExamples()) {
    auto it = documented.find(example.name);
    ASSERT_NE(it, documented.end())
        << "docs/wire.md lacks sealed example \"" << example.name
        << "\"; run: bazel run //tools:wire-examples";
    const std::vector<uint8_t> bytes = testing::SealExample(example);
    EXPECT_EQ(it->second, testing::HexDump(bytes))
        << "docs/wire.md sealed example \"" << example.name
        << "\" is stale; run: bazel run //tools:wire-examples";
    // The documented bytes open (and reassemble) to the packet they name.
    absl::StatusOr<std::vector<uint8_t>> packet = testing::OpenTransmit(
        testing::SealedExampleEnvelope(example),
        example.stream ? Channel::kStream : Channel::kDatagram, bytes);
    ASSERT_TRUE(packet.ok()) << example.name << ": " << packet.status();
    for (const testing::WireExample& carried : testing::WireExamples()) {
      if (carried.name == example.packet) {
        EXPECT_EQ(*packet, testing::EncodeExample(carried)) << example.name;
      }
    }
    documented.erase(it);
  }
  for (const auto& [name, hex] : documented) {
    ADD_FAILURE() << "docs/wire.md shows example \"" << name
                  << "\" that the code does not define";
  }
}

TEST(WireDocTest, PingWithSixteenByteNamesFitsTheSizeTarget) {
  for (const testing::WireExample& example : testing::WireExamples()) {
    if (example.name != "ping") continue;
    EXPECT_LE(testing::EncodeExample(example).size(), 40u);
    return;
  }
  FAIL() << "no ping example";
}

}  // namespace
}  // namespace swim

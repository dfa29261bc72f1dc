// Prints the wire examples of docs/wire.md ("Examples" and "Sealed
// examples") from the code, in the exact form the document uses: run it
// after a wire change and paste.
//
//   bazel run //tools:wire-examples

#include "swim/testing/wire_examples.h"

#include <cstdio>

int main() {
  for (const swim::testing::WireExample& example :
       swim::testing::WireExamples()) {
    const std::vector<uint8_t> bytes = swim::testing::EncodeExample(example);
    std::printf("### %s\n\n%s (%zu bytes).\n\n<!-- wire-example: %s -->\n",
                example.name.c_str(), example.description.c_str(), bytes.size(),
                example.name.c_str());
    std::printf("```\n%s\n```\n\n", swim::testing::HexDump(bytes).c_str());
  }
  std::printf("## Sealed examples\n\n");
  for (const swim::testing::SealedExample& example :
       swim::testing::SealedExamples()) {
    const std::vector<uint8_t> bytes = swim::testing::SealExample(example);
    std::printf("### %s\n\n%s (%zu bytes).\n\n<!-- wire-example: %s -->\n",
                example.name.c_str(), example.description.c_str(), bytes.size(),
                example.name.c_str());
    std::printf("```\n%s\n```\n\n", swim::testing::HexDump(bytes).c_str());
  }
  return 0;
}

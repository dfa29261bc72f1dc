#ifndef SWIM_TESTING_WIRE_EXAMPLES_H_
#define SWIM_TESTING_WIRE_EXAMPLES_H_

// Named example packets covering every message type. docs/wire.md shows
// their bytes (wire_doc_test keeps the two equal), the fuzzers' seed corpora
// are made from them, and benchmarks use them as realistic inputs.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "swim/core/wire.h"

namespace swim::testing {

struct WireExample {
  std::string name;               // e.g. "ping"
  std::string description;        // one line for the docs
  std::vector<Message> messages;  // views into static storage
};

std::vector<WireExample> WireExamples();

// The encoded packet of an example (header included).
std::vector<uint8_t> EncodeExample(const WireExample& example);

// Lowercase hex, 16 space-separated bytes per line, no trailing newline.
std::string HexDump(absl::Span<const uint8_t> bytes);

}  // namespace swim::testing

#endif  // SWIM_TESTING_WIRE_EXAMPLES_H_

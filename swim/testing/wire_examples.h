#ifndef SWIM_TESTING_WIRE_EXAMPLES_H_
#define SWIM_TESTING_WIRE_EXAMPLES_H_

// Named example packets covering every message type. docs/wire.md shows
// their bytes (wire_doc_test keeps the two equal), the fuzzers' seed corpora
// are made from them, and benchmarks use them as realistic inputs.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "swim/core/envelope.h"
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

// Test vectors of whole transmits: an example packet sealed as a datagram
// or as a stream message, with a fixed key, label and nonce seed, so that
// another implementation can check its envelope, chunks and framing byte
// for byte. Key: bytes 00..1f; nonce seed: bytes 20..3f.
struct SealedExample {
  std::string name;
  std::string description;
  std::string packet;  // the WireExample it carries
  SecurityMode mode = SecurityMode::kEncrypted;
  std::string label;
  bool stream = false;      // a stream message (else a datagram)
  uint64_t message_id = 0;  // streams only
};

std::vector<SealedExample> SealedExamples();

// The envelope a sealed example is sealed with, fresh (nonce counter 0).
Envelope SealedExampleEnvelope(const SealedExample& example);

// The bytes of a sealed example.
std::vector<uint8_t> SealExample(const SealedExample& example);

// Lowercase hex, 16 space-separated bytes per line, no trailing newline.
std::string HexDump(absl::Span<const uint8_t> bytes);

}  // namespace swim::testing

#endif  // SWIM_TESTING_WIRE_EXAMPLES_H_

// Fuzzes the stream format's reader (StreamReader) against its writer
// (SealStreamMessage). The input builds one direction of a stream out of
// segments — intact sealed messages, sealed messages with a byte flipped,
// and raw bytes — under a message limit it chooses, and feeds it to a
// reader in reads of sizes it chooses. A violation aborts:
//   - the reader never holds more than one frame of unauthenticated bytes,
//     nor more authenticated bytes than one message under its limit;
//   - the messages it delivers are exactly the intact messages before the
//     first segment that is not one (or that is over the limit), in order
//     and byte for byte: nothing forged, altered or spliced gets through,
//     and nothing intact is lost;
//   - it ends in an error only at or after such a segment, and after an
//     error it has consumed nothing more;
//   - every read consumes at least one byte or reports that it needs more.
// Authenticated mode: only the sealer's key opens a chunk.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "fuzz/fuzz_input.h"
#include "swim/core/envelope.h"
#include "swim/core/keyring.h"
#include "swim/core/stream.h"

namespace swim::fuzzing {
namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

Envelope MakeEnvelope() {
  EnvelopeConfig config;
  config.mode = SecurityMode::kAuthenticated;
  config.label = "stream-fuzz";
  absl::StatusOr<Keyring> keyring = Keyring::Create({std::string(32, 's')});
  Check(keyring.ok());
  absl::StatusOr<Envelope> envelope =
      Envelope::Create(config, *std::move(keyring));
  Check(envelope.ok());
  return *std::move(envelope);
}

void Run(FuzzInput& in) {
  static Envelope* const envelope = new Envelope(MakeEnvelope());
  // A limit from a few bytes to several chunks' worth.
  const size_t max_message = 1 + in.U16() % (3 * kMaxStreamChunkData + 100);
  std::vector<uint8_t> stream;
  std::vector<std::vector<uint8_t>> expected;  // intact, before any other
  bool broken = false;                         // a non-intact segment seen
  size_t broken_at = SIZE_MAX;                 // its offset in the stream
  const int segments = 1 + static_cast<int>(in.Pick(6));
  for (int i = 0; i < segments && !in.empty(); ++i) {
    const size_t start = stream.size();
    const uint8_t kind = in.Byte() % 4;
    if (kind == 3) {  // raw bytes
      const absl::string_view raw = in.Bytes(2 * kMaxStreamFrame);
      stream.insert(stream.end(), raw.begin(), raw.end());
      if (!raw.empty() && !broken) {
        broken = true;
        broken_at = start;
      }
      continue;
    }
    // A packet of up to a few chunks: its bytes repeat the input's.
    const size_t size = 1 + in.U16() % (2 * kMaxStreamChunkData + 500);
    const uint8_t fill = in.Byte();
    std::vector<uint8_t> packet(size);
    for (size_t j = 0; j < size; ++j) {
      packet[j] = static_cast<uint8_t>(fill + j * 31);
    }
    std::vector<uint8_t> sealed;
    Check(SealStreamMessage(*envelope, in.U64(), packet, sealed).ok());
    Check(sealed.size() == SealedStreamSize(*envelope, size));
    if (kind == 2) {  // one byte flipped
      const size_t at = in.U32() % sealed.size();
      sealed[at] ^= static_cast<uint8_t>(1 + in.Pick(255));
    }
    stream.insert(stream.end(), sealed.begin(), sealed.end());
    if (broken) continue;
    if (kind == 2 || size > max_message) {
      broken = true;
      broken_at = start;
    } else {
      expected.push_back(std::move(packet));
    }
  }

  StreamReader reader(max_message);
  absl::Span<const uint8_t> rest(stream);
  size_t delivered = 0;
  bool failed = false;
  const size_t frame_bound = kStreamFrameHeaderSize + MaxStreamFrame(*envelope);
  while (!rest.empty()) {
    // Reads of a size the input picks (whole stream when it runs out).
    size_t piece = in.empty() ? rest.size() : 1 + in.U16() % 20000;
    piece = std::min(piece, rest.size());
    absl::Span<const uint8_t> read = rest.subspan(0, piece);
    while (!read.empty()) {
      const size_t before = read.size();
      const StreamReader::Result result = reader.Read(read, *envelope);
      Check(reader.pending_bytes() <= frame_bound);
      Check(reader.partial_message_bytes() <= max_message);
      if (result == StreamReader::Result::kError) {
        failed = true;
        break;
      }
      Check(read.size() < before || result == StreamReader::Result::kNeedMore);
      if (result == StreamReader::Result::kMessage) {
        Check(delivered < expected.size());
        const std::vector<uint8_t>& want = expected[delivered++];
        Check(reader.message().size() == want.size());
        Check(std::equal(want.begin(), want.end(), reader.message().begin()));
        reader.DoneWithMessage();
      }
      if (result == StreamReader::Result::kNeedMore) {
        Check(read.empty());
        break;
      }
    }
    if (failed) {
      // Only at or after a segment that is not an intact message.
      const size_t consumed =
          stream.size() - rest.size() + (piece - read.size());
      Check(broken && consumed > broken_at);
      Check(reader.error() != StreamError::kNone);
      break;
    }
    rest.remove_prefix(piece);
  }
  // Every intact message before the first other segment came out.
  Check(delivered == expected.size());
  if (!broken) Check(!failed && reader.idle());
}

}  // namespace
}  // namespace swim::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swim::fuzzing::FuzzInput in(absl::MakeConstSpan(data, size));
  swim::fuzzing::Run(in);
  return 0;
}

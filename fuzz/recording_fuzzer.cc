// Fuzzes record and replay: the input, after the recording magic, is read
// entry by entry (every entry decodes or fails cleanly) and replayed with
// the fuzz key, which must never crash, hang or allocate without bound; a
// replay that succeeds must succeed again with the same hashes (a replay
// is deterministic).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "swim/core/recording.h"

// The key of the seed recordings (fuzz/write_seed_corpus.cc).
constexpr char kFuzzRecordingKey[] = "swim-recording-fuzz-key-32-bytes";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string recording(swim::kRecordingMagic);
  recording.append(reinterpret_cast<const char*>(data), size);
  swim::RecordingReader reader(recording);
  for (;;) {
    absl::StatusOr<std::optional<swim::RecordedEntry>> next = reader.Next();
    if (!next.ok() || !next->has_value()) break;
  }
  swim::ReplayOptions options;
  options.secrets = {kFuzzRecordingKey};
  absl::StatusOr<swim::ReplayResult> first = swim::Replay(recording, options);
  if (first.ok()) {
    absl::StatusOr<swim::ReplayResult> second =
        swim::Replay(recording, options);
    if (!second.ok() || second->transmit_hash != first->transmit_hash ||
        second->event_hash != first->event_hash ||
        second->inputs != first->inputs) {
      std::abort();
    }
  }
  return 0;
}

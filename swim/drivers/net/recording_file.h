#ifndef SWIM_DRIVERS_NET_RECORDING_FILE_H_
#define SWIM_DRIVERS_NET_RECORDING_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "swim/core/recording.h"
#include "swim/drivers/net/file_descriptor.h"

namespace swim::net {

// A member's recording in a file (DriverOptions::recording_file): each
// batch of entries Node::StartRecording hands over (about 64 KiB, or a
// second of inputs) is written at once, so a crash loses about a second of
// inputs at most. At `max_bytes` the recording ends: what it holds still
// replays, later batches are counted (dropped()) and not written; a failed
// write ends it too. Used on the loop thread only.
class RecordingFile final : public Recorder {
 public:
  // Creates (or truncates) `path` and writes the magic; the error names
  // the file.
  static absl::StatusOr<std::unique_ptr<RecordingFile>> Create(
      const std::string& path, size_t max_bytes);
  void Write(absl::Span<const uint8_t> entries) override;

  uint64_t written() const { return written_; }
  uint64_t dropped() const { return dropped_; }

 private:
  RecordingFile(FileDescriptor fd, size_t max_bytes);

  FileDescriptor fd_;
  const size_t max_bytes_;
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  bool ended_ = false;
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_RECORDING_FILE_H_

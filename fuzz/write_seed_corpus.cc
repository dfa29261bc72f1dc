// Writes the seed corpora of the wire and envelope fuzzers from the wire
// examples. The output is committed under fuzz/corpus/; rerun after adding
// examples:
//
//   bazel run //fuzz:write_seed_corpus -- "$PWD/fuzz/corpus"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "fuzz/fuzz_envelope.h"
#include "swim/core/compression.h"
#include "swim/core/envelope.h"
#include "swim/core/node.h"
#include "swim/core/recording.h"
#include "swim/core/saved_view.h"
#include "swim/testing/in_memory.h"
#include "swim/testing/wire_examples.h"

namespace {

void Write(const std::filesystem::path& path,
           const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// The recording fuzzer's key (fuzz/recording_fuzzer.cc).
constexpr char kFuzzRecordingKey[] = "swim-recording-fuzz-key-32-bytes";

class StringRecorder : public swim::Recorder {
 public:
  void Write(absl::Span<const uint8_t> entries) override {
    bytes.append(reinterpret_cast<const char*>(entries.data()), entries.size());
  }
  std::string bytes = std::string(swim::kRecordingMagic);
};

std::string RecordTwoMembers() {
  const swim::Instant start(absl::Seconds(1700000000));
  std::unique_ptr<swim::Node> nodes[2];
  StringRecorder recorder;
  for (int i = 0; i < 2; ++i) {
    swim::Config config = swim::Config::Local();
    config.name = "m" + std::to_string(i);
    config.address =
        swim::Address::Ipv4({10, 0, 0, static_cast<uint8_t>(i + 1)}, 7946);
    config.generation = 1000 + i;
    config.seed = 5 + i;
    config.keys = {kFuzzRecordingKey};
    config.nonce_seed.fill(static_cast<uint8_t>(i + 1));
    nodes[i] = *swim::Node::Create(config, start);
  }
  (void)nodes[0]->StartRecording(&recorder);
  (void)nodes[1]->Join({nodes[0]->local().address}, start);
  for (swim::Instant now = start; now < start + absl::Seconds(3);
       now += absl::Milliseconds(20)) {
    for (auto& node : nodes) {
      if (std::optional<swim::Instant> due = node->NextDeadline();
          due && *due <= now) {
        node->HandleTimeout(now);
      }
    }
    for (int i = 0; i < 2; ++i) {
      while (std::optional<swim::Transmit> transmit =
                 nodes[i]->PollTransmit()) {
        swim::testing::Deliver(*nodes[1 - i], nodes[i]->local().address,
                               *transmit, now);
      }
      while (nodes[i]->PollEvent()) {
      }
    }
  }
  nodes[0]->StopRecording();
  return recorder.bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_seed_corpus OUTPUT_DIR\n");
    return 2;
  }
  const std::filesystem::path root(argv[1]);
  std::filesystem::create_directories(root / "wire_fuzzer");
  std::filesystem::create_directories(root / "envelope_fuzzer");
  const swim::SecurityMode modes[] = {swim::SecurityMode::kPlaintext,
                                      swim::SecurityMode::kAuthenticated,
                                      swim::SecurityMode::kEncrypted};
  int written = 0;
  for (const auto& example : swim::testing::WireExamples()) {
    const std::vector<uint8_t> packet = swim::testing::EncodeExample(example);
    Write(root / "wire_fuzzer" / ("seed-" + example.name), packet);
    ++written;
    if (std::optional<std::vector<uint8_t>> compressed =
            swim::CompressPacket(packet)) {
      Write(root / "wire_fuzzer" / ("seed-" + example.name + "-compressed"),
            *compressed);
      ++written;
    }
    for (swim::SecurityMode mode : modes) {
      swim::Envelope envelope = swim::fuzzing::MakeFuzzEnvelope(mode);
      std::vector<uint8_t> sealed(packet.size() + envelope.Overhead());
      if (!envelope.Seal(packet, absl::MakeSpan(sealed)).ok()) return 1;
      // First byte selects the fuzzer's envelope (mode index 0..2).
      sealed.insert(sealed.begin(), static_cast<uint8_t>(mode) - 1);
      Write(root / "envelope_fuzzer" /
                ("seed-" + example.name + "-" +
                 std::string(swim::SecurityModeName(mode))),
            sealed);
      ++written;
    }
  }
  // A saved view's body (its file without the 21-byte header and the
  // 16-byte checksum), which the wire fuzzer also frames as a view file.
  swim::SavedView view;
  view.name = "node-0";
  for (int i = 1; i <= 3; ++i) {
    swim::Member member;
    member.name = "node-" + std::to_string(i);
    member.address =
        swim::Address::Ipv4({10, 0, 0, static_cast<uint8_t>(i)}, 7946);
    member.incarnation = {1'700'000'000'000'000ULL + i, 2};
    member.metadata = {{"role", i == 1 ? "db" : "web"}};
    view.members.push_back(member);
  }
  absl::StatusOr<std::string> file = swim::EncodeSavedView(view);
  if (!file.ok() || file->size() < 37) return 1;
  const std::string body = file->substr(21, file->size() - 37);
  Write(root / "wire_fuzzer" / "seed-saved-view-body",
        std::vector<uint8_t>(body.begin(), body.end()));
  ++written;
  // A recording of a member exchanging with another for three seconds
  // (in memory), its magic cut off as the recording fuzzer adds it.
  std::filesystem::create_directories(root / "recording_fuzzer");
  const std::string recording = RecordTwoMembers();
  Write(root / "recording_fuzzer" / "seed-two-members",
        std::vector<uint8_t>(recording.begin() + swim::kRecordingMagic.size(),
                             recording.end()));
  ++written;
  std::printf("wrote %d seeds under %s\n", written, root.c_str());
  return 0;
}

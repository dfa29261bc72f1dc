// Writes the seed corpora of the wire and envelope fuzzers from the wire
// examples. The output is committed under fuzz/corpus/; rerun after adding
// examples:
//
//   bazel run //fuzz:write_seed_corpus -- "$PWD/fuzz/corpus"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_envelope.h"
#include "swim/core/envelope.h"
#include "swim/core/saved_view.h"
#include "swim/testing/wire_examples.h"

namespace {

void Write(const std::filesystem::path& path,
           const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
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
  std::printf("wrote %d seeds under %s\n", written, root.c_str());
  return 0;
}

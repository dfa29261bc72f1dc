// Fuzzes whole clusters: the input chooses the simulator's seed, the
// cluster size (2-16), the preset (Local, LAN, WAN), Lifeguard on or off,
// and a schedule of faults (swim/testing/fault_campaign.h: crashes,
// restarts, pauses, partitions, loss, slow members, a flapping link,
// metadata changes, a leave); after the faults heal every invariant of
// swim/testing must hold — incarnations never go backwards, nobody is
// declared LEFT who did not leave, the members agree again in time, a fresh
// crash is detected in time and no live member is even suspected. A
// violation prints the report and aborts.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/types/span.h"
#include "fuzz/fuzz_input.h"
#include "swim/testing/choices.h"
#include "swim/testing/fault_campaign.h"

namespace swim::fuzzing {
namespace {

// Choices read from the input: as few bytes as the bound needs, zeros past
// the end (so a short input is a quiet schedule).
class InputChoices : public testing::Choices {
 public:
  explicit InputChoices(FuzzInput& in) : in_(in) {}

  uint64_t Uniform(uint64_t bound) override {
    uint64_t value = 0;
    if (bound <= (1u << 8)) {
      value = in_.Byte();
    } else if (bound <= (1u << 16)) {
      value = in_.U16();
    } else if (bound <= (uint64_t{1} << 32)) {
      value = in_.U32();
    } else {
      value = in_.U64();
    }
    return value % bound;
  }
  double UniformDouble() override { return in_.U16() / 65536.0; }

 private:
  FuzzInput& in_;
};

}  // namespace
}  // namespace swim::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swim::fuzzing::FuzzInput in(absl::MakeConstSpan(data, size));
  swim::testing::FaultCampaign::Options options;
  options.seed = in.U64();
  options.min_members = 2;
  options.max_members = 16;
  options.choose_config = true;
  options.trace_lines = 200;
  options.replay = "run the sim_fuzzer on the saved crash input";
  swim::fuzzing::InputChoices choices(in);
  swim::testing::FaultCampaign campaign(options, choices);
  const std::string failure = campaign.Run();
  if (!failure.empty()) {
    std::fprintf(stderr, "%s\n", failure.c_str());
    std::abort();
  }
  return 0;
}

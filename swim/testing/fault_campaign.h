#ifndef SWIM_TESTING_FAULT_CAMPAIGN_H_
#define SWIM_TESTING_FAULT_CAMPAIGN_H_

// One run of a randomized fault campaign: a small cluster joins (at once
// or in a burst 1 ms apart, through one member or through random earlier
// joiners, within JoinTime or BurstJoinTime) and lives through a schedule
// of faults — crashes and restarts, pauses, partitions (some one-way, some
// outlasting the reconnect timeout, so both sides forget each other) and
// heals, a member cut off from everyone, loss bursts, slow members, a
// flapping link, metadata changes, a graceful leave; crashes and leaves
// keep two members that stay, since a lone survivor that was cut off
// cannot tell the others' end from its own isolation (docs/protocol.md,
// "Isolation") — then every fault is lifted and every invariant is
// checked: incarnations never went backwards, nobody was declared LEFT who
// did not leave, the members agree again within HealTime, and in the
// fault-free quiet that follows a fresh crash is detected within
// DetectionTime while no live member is even suspected.
// Every decision comes from a Choices: a seeded PRNG (the campaign test)
// or a fuzzer's bytes (fuzz/sim_fuzzer).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "swim/core/instant.h"
#include "swim/drivers/sim/simulator.h"
#include "swim/testing/checked_cluster.h"
#include "swim/testing/choices.h"

namespace swim::testing {

class FaultCampaign {
 public:
  struct Options {
    // The simulator's seed (every node's PRNG and the network's).
    uint64_t seed = 1;
    // Cluster size, chosen in [min_members, max_members].
    int min_members = 3;
    int max_members = 12;
    // Whether the preset (Local, LAN or WAN) and Lifeguard on/off are
    // chosen too; otherwise Local with Lifeguard.
    bool choose_config = false;
    // A failure report shows the last `trace_lines` trace entries.
    size_t trace_lines = 80;
    // Appended to a failure report: how to replay the run.
    std::string replay;
  };

  // The most a slow member's input is delayed.
  static constexpr absl::Duration kMaxSlow = absl::Milliseconds(1500);

  // `choices` must outlive the campaign.
  FaultCampaign(Options options, Choices& choices)
      : options_(std::move(options)), choices_(choices) {}

  // Returns an empty string if every invariant held, else the report.
  std::string Run();

  int members() const { return members_; }
  // How long the members took to agree after the heal, and the slowest
  // detection of the quiet crash (zero if none ran).
  absl::Duration heal_time() const { return heal_time_; }
  absl::Duration detection_time() const;
  const std::vector<std::string>& schedule() const { return schedule_; }

 private:
  sim::Simulator& sim() { return cluster_->sim(); }
  void Log(const std::string& line);
  void At(absl::Duration offset, std::function<void()> action);
  absl::Duration RandomDuration(absl::Duration min, absl::Duration max);
  int RandomMember();
  // Members alive and not leaving: crashes and leaves keep two of them.
  int StayingCount();
  void Restart(int index);
  void ScheduleFault(absl::Duration chaos);
  std::string Finish();

  const Options options_;
  Choices& choices_;
  int members_ = 0;
  // This run forgets OFFLINE members within the chaos (a short
  // reconnect_timeout), and every member has every other as a seed.
  bool forgetful_ = false;
  sim::LinkModel base_link_;
  std::optional<CheckedCluster> cluster_;
  absl::Duration heal_time_ = absl::ZeroDuration();
  Instant start_;
  std::vector<std::string> schedule_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_FAULT_CAMPAIGN_H_

#include "swim/testing/fault_campaign.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "swim/core/config.h"
#include "swim/core/instant.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/testing/cluster_bounds.h"
#include "swim/testing/scenario.h"

namespace swim::testing {

using sim::LinkModel;

absl::Duration FaultCampaign::detection_time() const {
  return cluster_ ? cluster_->completeness().slowest() : absl::ZeroDuration();
}

std::string FaultCampaign::Run() {
  members_ = options_.min_members +
             static_cast<int>(choices_.Uniform(options_.max_members -
                                               options_.min_members + 1));
  CheckedCluster::Options options;
  options.seed = options_.seed;
  if (options_.choose_config) {
    const Config presets[] = {Config::Local(), Config::Lan(), Config::Wan()};
    Config config = presets[choices_.Uniform(3)];
    config.keys = options.config.keys;
    if (choices_.Uniform(2) == 0) config.lifeguard = Config::Lifeguard::Off();
    options.config = config;
  }
  // A quarter of the runs forget OFFLINE members within the chaos, so
  // partitions outlast the reconnect timeout and heal through the seeds
  // (docs/protocol.md, "Healing"); every member then has every other as a
  // seed, as with a static seed list.
  forgetful_ = choices_.Uniform(4) == 0;
  const bool forgetful = forgetful_;
  if (forgetful) {
    options.config.reconnect_timeout =
        RandomDuration(absl::Seconds(10), absl::Seconds(40));
  }
  options.members = members_;
  options.link.min_delay = absl::Milliseconds(1 + choices_.Uniform(5));
  options.link.mean_tail = absl::Microseconds(choices_.Uniform(3000));
  if (choices_.Uniform(2) == 0) {
    // Duplicated and reordered datagrams are no fault: they stay on,
    // through the quiet phase too.
    options.link.duplicate = 0.05 * choices_.UniformDouble();
    options.link.reorder = 0.1 * choices_.UniformDouble();
  }
  // Once every fault is lifted, even a suspicion of a live member is
  // wrong (the join and the quiet phase).
  options.forbidden = MemberStatus::kSuspect | MemberStatus::kOffline;
  base_link_ = options.link;
  cluster_.emplace(options);
  Log(absl::StrFormat(
      "%d members, links %s + exp(%s), %.1f%% duplicated, %.1f%% reordered",
      members_, absl::FormatDuration(base_link_.min_delay),
      absl::FormatDuration(base_link_.mean_tail), 100 * base_link_.duplicate,
      100 * base_link_.reorder));

  if (options_.choose_config) {
    Log(absl::StrCat("config: probe_interval ",
                     absl::FormatDuration(options.config.probe_interval),
                     ", lifeguard ",
                     options.config.lifeguard.awareness ? "on" : "off"));
  }
  if (forgetful) {
    Log(absl::StrCat("config: reconnect_timeout ",
                     absl::FormatDuration(options.config.reconnect_timeout)));
  }
  const Config& config = options.config;
  // How the members join (docs/protocol.md, "Join bursts"): all at once
  // or 1 ms apart, each through member 0 or through a random member that
  // started joining before it; a forgetful run seeds every member with
  // every other, all at once.
  const bool apart = !forgetful && choices_.Uniform(2) == 0;
  const bool random_seeds = !forgetful && choices_.Uniform(2) == 0;
  absl::Duration join_bound = JoinTime(config, members_, cluster_->latency());
  if (!apart && !random_seeds) {
    if (!cluster_->Start(members_).ok()) return "start failed";
  } else {
    for (int i = 0; i < members_; ++i) {
      if (!cluster_->TryAdd().ok()) return "start failed";
    }
    const absl::Duration step =
        apart ? absl::Milliseconds(1) : absl::ZeroDuration();
    std::vector<std::string> joins;
    for (int i = 1; i < members_; ++i) {
      const int through =
          random_seeds ? static_cast<int>(choices_.Uniform(i)) : 0;
      joins.push_back(absl::StrCat(i, "->", through));
      sim().At(sim().now() + step * (i - 1), [this, i, through] {
        if (!sim().Join(i, {through}).ok()) {
          Log(absl::StrCat("join ", i, " through ", through, " FAILED"));
        }
      });
    }
    Log(absl::StrCat("burst join, ", apart ? "1ms apart" : "at once", ": ",
                     absl::StrJoin(joins, " ")));
    join_bound = BurstJoinTime(config, members_, cluster_->latency(),
                               step * (members_ - 2));
  }
  if (forgetful) {
    for (int i = 0; i < members_; ++i) {
      std::vector<Address> seeds;
      for (int j = 0; j < members_; ++j) {
        if (j != i) seeds.push_back(sim().node(j).local().address);
      }
      if (!sim()
               .Command(i,
                        [&seeds](Node& node, Instant now) {
                          return node.Join(seeds, now);
                        })
               .ok()) {
        return "seeding failed";
      }
    }
  }
  if (!cluster_->convergence().AwaitWithin(join_bound, "the join")) {
    return Finish();
  }

  // Chaos.
  cluster_->accuracy().Disarm();
  const absl::Duration chaos = absl::Seconds(30 + choices_.Uniform(61));
  start_ = sim().now();
  const int faults = 2 + static_cast<int>(choices_.Uniform(7));
  for (int i = 0; i < faults; ++i) ScheduleFault(chaos);
  sim().RunFor(chaos);

  // Lift everything: partitions, loss, slowness (pauses have ended);
  // restart about half of the crashed members.
  sim().Heal();
  sim().SetAllLinks(base_link_);
  for (int i = 0; i < members_; ++i) sim().Slow(i, absl::ZeroDuration());
  for (int i = 0; i < members_; ++i) {
    if (!sim().alive(i) && choices_.Uniform(2) == 0) Restart(i);
  }
  Log("heal everything");
  // Packets a slow member was sent may still arrive up to its delay
  // late.
  const std::optional<absl::Duration> healed =
      cluster_->Settle("the heal", kMaxSlow + cluster_->latency());
  if (!healed) return Finish();
  heal_time_ = *healed;

  // Fault-free quiet: nobody live is even suspected, and a fresh crash
  // is detected in time.
  std::vector<int> candidates;
  for (int i = 0; i < members_; ++i) {
    if (sim().alive(i) && sim().node(i).lifecycle() == Lifecycle::kActive)
      candidates.push_back(i);
  }
  if (candidates.size() >= 3) {
    const int victim = candidates[choices_.Uniform(candidates.size())];
    Log(absl::StrCat("quiet crash ", victim));
    cluster_->completeness().Crash(victim);
  }
  sim().RunFor(cluster_->detection_bound() + config.probe_interval);
  cluster_->convergence().AwaitWithin(cluster_->heal_bound(),
                                      "the quiet crash");
  return Finish();
}
void FaultCampaign::Log(const std::string& line) {
  const std::string when =
      cluster_ ? cluster_->trace().Now() : std::string("t=0.000s");
  schedule_.push_back(absl::StrCat(when, " ", line));
  if (cluster_) cluster_->trace().Note(line);
}
void FaultCampaign::At(absl::Duration offset, std::function<void()> action) {
  sim().At(start_ + offset, std::move(action));
}
absl::Duration FaultCampaign::RandomDuration(absl::Duration min,
                                             absl::Duration max) {
  const int64_t span = absl::ToInt64Milliseconds(max - min);
  return min + absl::Milliseconds(choices_.Uniform(span + 1));
}
int FaultCampaign::RandomMember() {
  return static_cast<int>(choices_.Uniform(members_));
}

int FaultCampaign::StayingCount() {
  int staying = 0;
  for (int i = 0; i < members_; ++i) {
    if (sim().alive(i) && sim().node(i).lifecycle() == Lifecycle::kActive) {
      ++staying;
    }
  }
  return staying;
}

void FaultCampaign::Restart(int index) {
  std::vector<int> seeds;
  for (int i = 0; i < members_; ++i) {
    if (i != index) seeds.push_back(i);
  }
  if (!sim().Restart(index, seeds).ok()) {
    Log(absl::StrCat("restart ", index, " FAILED"));
    return;
  }
  Log(absl::StrCat("restart ", index));
}
void FaultCampaign::ScheduleFault(absl::Duration chaos) {
  const absl::Duration at = RandomDuration(absl::ZeroDuration(), chaos);
  // How long it lasts, ending within the chaos window.
  const absl::Duration left = chaos - at;
  const absl::Duration length =
      std::min(left, RandomDuration(absl::Seconds(1), absl::Seconds(30)));
  const int x = RandomMember();
  switch (choices_.Uniform(10)) {
    case 0:
    case 1: {  // crash, perhaps restarted later
      const bool restart = choices_.Uniform(3) != 0;
      At(at, [this, x] {
        if (!sim().alive(x) || StayingCount() <= 2) return;
        sim().Crash(x);
        Log(absl::StrCat("crash ", x));
      });
      if (restart) {
        At(at + length, [this, x] {
          if (!sim().alive(x)) Restart(x);
        });
      }
      break;
    }
    case 2: {  // pause (a GC or VM stall)
      At(at, [this, x, length] {
        sim().Pause(x, length);
        Log(absl::StrCat("pause ", x, " for ", absl::FormatDuration(length)));
      });
      break;
    }
    case 3: {  // partition, sometimes one-way, healed later
      std::vector<int> a, b;
      for (int i = 0; i < members_; ++i) {
        (choices_.Uniform(2) == 0 ? a : b).push_back(i);
      }
      if (a.empty() || b.empty()) break;
      const bool symmetric = choices_.Uniform(4) != 0;
      // Where members are forgotten within the chaos, half the partitions
      // last until its end: longer than the reconnect timeout.
      const absl::Duration cut =
          forgetful_ && choices_.Uniform(2) == 0 ? left : length;
      At(at, [this, a, b, symmetric] {
        sim().Partition(a, b, symmetric);
        Log(absl::StrCat("partition ", absl::StrJoin(a, ","),
                         symmetric ? " | " : " -> ", absl::StrJoin(b, ",")));
      });
      At(at + cut, [this] {
        sim().Heal();
        Log("heal partitions");
      });
      break;
    }
    case 9: {  // one member cut off from everyone (its network failed)
      At(at, [this, x] {
        sim().Partition({x}, AllBut(members_, x));
        Log(absl::StrCat("isolate ", x));
      });
      At(at + length, [this] {
        sim().Heal();
        Log("heal partitions");
      });
      break;
    }
    case 4: {  // loss burst, perhaps with duplicates and reordering
      LinkModel lossy = base_link_;
      lossy.loss = 0.05 + 0.45 * choices_.UniformDouble();
      lossy.duplicate = 0.05 * choices_.UniformDouble();
      lossy.reorder = 0.1 * choices_.UniformDouble();
      At(at, [this, lossy] {
        sim().SetAllLinks(lossy);
        Log(absl::StrFormat("loss %.0f%%", lossy.loss * 100));
      });
      At(at + length, [this] {
        sim().SetAllLinks(base_link_);
        Log("loss over");
      });
      break;
    }
    case 5: {  // a slow (overloaded) member
      const absl::Duration extra =
          RandomDuration(absl::Milliseconds(10), kMaxSlow);
      At(at, [this, x, extra] {
        sim().Slow(x, extra);
        Log(absl::StrCat("slow ", x, " by ", absl::FormatDuration(extra)));
      });
      At(at + length, [this, x] {
        sim().Slow(x, absl::ZeroDuration());
        Log(absl::StrCat("slow ", x, " over"));
      });
      break;
    }
    case 6: {  // one link flapping every second or few
      const int y =
          (x + 1 + static_cast<int>(choices_.Uniform(members_ - 1))) % members_;
      const absl::Duration period =
          RandomDuration(absl::Seconds(1), absl::Seconds(5));
      bool down = true;
      for (absl::Duration t = at; t < at + length; t += period) {
        At(t, [this, x, y, down] {
          LinkModel link = base_link_;
          link.blocked = down;
          sim().SetLink(x, y, link);
          sim().SetLink(y, x, link);
          Log(absl::StrCat("link ", x, "-", y, down ? " down" : " up"));
        });
        down = !down;
      }
      At(at + length, [this, x, y] {
        sim().SetLink(x, y, base_link_);
        sim().SetLink(y, x, base_link_);
        Log(absl::StrCat("link ", x, "-", y, " steady"));
      });
      break;
    }
    case 7: {  // metadata change
      const uint64_t value = choices_.Uniform(1000);
      At(at, [this, x, value] {
        if (!sim().alive(x)) return;
        const Metadata metadata = {{"value", absl::StrCat(value)}};
        const absl::Status status =
            sim().Command(x, [&metadata](Node& node, Instant now) {
              return node.SetMetadata(metadata, now);
            });
        if (status.ok()) Log(absl::StrCat("metadata ", x, " value=", value));
      });
      break;
    }
    case 8: {  // graceful leave (rarely), the process exiting later
      if (choices_.Uniform(3) != 0) break;
      At(at, [this, x] {
        // As with a crash, two members stay: a member cut off while the
        // only other one leaves (its LEFT never arrives) cannot tell that
        // from its own isolation, and holds it SUSPECT until it hears from
        // someone (docs/protocol.md, "Isolation").
        if (!sim().alive(x) ||
            sim().node(x).lifecycle() != Lifecycle::kActive ||
            StayingCount() <= 2) {
          return;
        }
        const absl::Status status = sim().Command(
            x, [](Node& node, Instant now) { return node.Leave(now); });
        if (status.ok()) Log(absl::StrCat("leave ", x));
      });
      At(at + length, [this, x] {
        if (!sim().alive(x) || sim().node(x).lifecycle() == Lifecycle::kActive)
          return;
        sim().Crash(x);
        Log(absl::StrCat("exit ", x, " after leaving"));
      });
      break;
    }
  }
}
std::string FaultCampaign::Finish() {
  cluster_->completeness().Finish();
  if (cluster_->ok()) return "";
  return absl::StrCat(cluster_->Report(options_.trace_lines), "schedule:\n  ",
                      absl::StrJoin(schedule_, "\n  "),
                      "\nreplay: ", options_.replay, "\n");
}
}  // namespace swim::testing

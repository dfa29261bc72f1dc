#include "bench/convergence/report.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench/convergence/analytic.h"
#include "bench/convergence/svg_plot.h"
#include "swim/core/suspicion.h"

namespace swim::convergence {
namespace {

// memberlist's published LAN estimate of a member's bandwidth when every
// gossip packet is full: about 328 kbit/s.
constexpr double kMemberlistFullPacketBitsPerSecond = 328e3;
// Points per curve in curves.csv and the figures.
constexpr int kCurvePoints = 120;

std::string Csv(const std::optional<double>& value) {
  return value ? absl::StrFormat("%.6g", *value) : "";
}

std::string Csv(double value) { return absl::StrFormat("%.6g", value); }

// A Markdown cell: seconds with a sensible precision, or "—".
std::string Seconds(const std::optional<double>& value) {
  if (!value) return "—";
  if (*value < 10) return absl::StrFormat("%.2f", *value);
  return absl::StrFormat("%.1f", *value);
}

std::string Percent(double loss) {
  return absl::StrFormat("%g %%", loss * 100);
}

std::string Rate(double value) {
  if (value >= 100) return absl::StrFormat("%.0f", value);
  if (value >= 10) return absl::StrFormat("%.1f", value);
  return absl::StrFormat("%.2f", value);
}

std::string Megabytes(uint64_t bytes) {
  return absl::StrFormat("%.0f MB", static_cast<double>(bytes) / 1e6);
}

const Config& ConfigOf(const RunResult& run) { return run.spec.preset.config; }

double GossipSeconds(const RunResult& run) {
  return absl::ToDoubleSeconds(ConfigOf(run).gossip_interval);
}

// The model's seconds until `fraction` of the members knew, counted as the
// measurement counts: ceil(fraction * N) members, and "everyone" (fewer
// than half a member left, in the model's continuous terms) once that is
// all of them.
double ModelSeconds(const RunResult& run, double fraction) {
  const Config& config = ConfigOf(run);
  const int members = run.spec.members;
  const double needed = std::ceil(fraction * members - 1e-9);
  const double rounds =
      needed >= members
          ? SerfRoundsToAll(members, config.gossip_nodes, run.spec.loss)
          : SerfRoundsToFraction(members, config.gossip_nodes, run.spec.loss,
                                 needed / members);
  return rounds * GossipSeconds(run);
}

std::vector<double> Present(const std::vector<std::optional<double>>& values,
                            int* missing = nullptr) {
  std::vector<double> present;
  for (const std::optional<double>& value : values) {
    if (value) {
      present.push_back(*value);
    } else if (missing != nullptr) {
      ++*missing;
    }
  }
  return present;
}

}  // namespace

std::optional<double> Quantile(std::vector<double> values, double fraction) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const double position =
      std::clamp(fraction, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double weight = position - static_cast<double>(below);
  return values[below] * (1 - weight) + values[above] * weight;
}

std::vector<Report::Cell> Report::Cells() const {
  std::vector<Cell> cells;
  for (const RunResult& run : runs_) {
    auto it = std::find_if(cells.begin(), cells.end(), [&run](const Cell& c) {
      return c.preset == run.spec.preset.name &&
             c.members == run.spec.members && c.loss == run.spec.loss;
    });
    if (it == cells.end()) {
      cells.push_back(
          {run.spec.preset.name, run.spec.members, run.spec.loss, {}});
      it = cells.end() - 1;
    }
    it->runs.push_back(&run);
  }
  return cells;
}

std::string Report::RunsCsv() const {
  std::string csv =
      "preset,members,loss,seed,join_s,join_datagrams_per_member_s,"
      "join_bytes_per_member_s,settle_s,settled,steady_s,"
      "steady_datagrams_per_member_s,steady_bytes_per_member_s,"
      "steady_stream_bytes_per_member_s,steady_streams,steady_false_suspicions,"
      "false_offline,virtual_s,wall_s,"
      "peak_rss_bytes,"
      "trace_hash\n";
  for (const RunResult& run : runs_) {
    absl::StrAppend(
        &csv, run.spec.preset.name, ",", run.spec.members, ",",
        Csv(run.spec.loss), ",", run.spec.seed, ",", Csv(run.join_s), ",",
        Csv(run.join.DatagramsPerMemberSecond()), ",",
        Csv(run.join.BytesPerMemberSecond()), ",", Csv(run.settle_s), ",",
        run.settled ? 1 : 0, ",",
        Csv(absl::ToDoubleSeconds(run.steady.duration)), ",",
        Csv(run.steady.DatagramsPerMemberSecond()), ",",
        Csv(run.steady.BytesPerMemberSecond()), ",",
        Csv(run.steady.StreamBytesPerMemberSecond()), ",", run.steady.streams,
        ",", run.steady_false_suspicions, ",", run.false_offline, ",",
        Csv(run.virtual_s), ",", Csv(run.wall_s), ",", run.peak_rss_bytes, ",",
        absl::StrFormat("%016x", run.trace_hash), "\n");
  }
  return csv;
}

std::string Report::DisseminationCsv() const {
  std::string csv =
      "preset,members,loss,seed,change,t50_s,t99_s,t100_s,model_t50_s,"
      "model_t99_s,model_t100_s\n";
  for (const RunResult& run : runs_) {
    for (size_t i = 0; i < run.spreads.size(); ++i) {
      const Spread& spread = run.spreads[i];
      absl::StrAppend(
          &csv, run.spec.preset.name, ",", run.spec.members, ",",
          Csv(run.spec.loss), ",", run.spec.seed, ",", i + 1, ",",
          Csv(spread.TimeToFraction(0.5)), ",",
          Csv(spread.TimeToFraction(0.99)), ",", Csv(spread.TimeToFraction(1)),
          ",", Csv(ModelSeconds(run, 0.5)), ",", Csv(ModelSeconds(run, 0.99)),
          ",", Csv(ModelSeconds(run, 1)), "\n");
    }
  }
  return csv;
}

std::string Report::DetectionCsv() const {
  std::string csv =
      "preset,members,loss,seed,crash,first_suspect_s,all_offline_s\n";
  for (const RunResult& run : runs_) {
    for (size_t i = 0; i < run.detections.size(); ++i) {
      const Detection& detection = run.detections[i];
      absl::StrAppend(&csv, run.spec.preset.name, ",", run.spec.members, ",",
                      Csv(run.spec.loss), ",", run.spec.seed, ",", i + 1, ",",
                      Csv(detection.first_suspect_s), ",",
                      Csv(detection.all_offline_s), "\n");
    }
  }
  return csv;
}

namespace {

// The longest any change in `runs` took to reach whoever it reached.
double LongestSpread(const std::vector<const RunResult*>& runs) {
  double longest = 0;
  for (const RunResult* run : runs) {
    for (const Spread& spread : run->spreads) {
      if (!spread.informed_s.empty()) {
        longest = std::max(longest, spread.informed_s.back());
      }
    }
  }
  return longest;
}

// How far a cell's curves run: until its slowest change reached its last
// member or the model reached everyone, whichever is later, and a little.
double CurveEnd(const std::vector<const RunResult*>& runs) {
  if (runs.empty()) return 0;
  return std::max(LongestSpread(runs), ModelSeconds(*runs.front(), 1)) * 1.05;
}

// Mean measured fraction and the model's at `kCurvePoints` + 1 instants
// from 0 to `until` seconds.
std::vector<std::array<double, 3>> Curve(
    const std::vector<const RunResult*>& runs, double until) {
  std::vector<std::array<double, 3>> points;
  if (runs.empty() || until <= 0) return points;
  const RunResult& first = *runs.front();
  const Config& config = ConfigOf(first);
  for (int i = 0; i <= kCurvePoints; ++i) {
    const double t = until * i / kCurvePoints;
    double sum = 0;
    int spreads = 0;
    for (const RunResult* run : runs) {
      for (const Spread& spread : run->spreads) {
        sum += spread.FractionAt(t);
        ++spreads;
      }
    }
    if (spreads == 0) return {};
    points.push_back(
        {t, sum / spreads,
         SerfFractionInformed(first.spec.members, config.gossip_nodes,
                              first.spec.loss, t / GossipSeconds(first))});
  }
  return points;
}

}  // namespace

std::string Report::CurvesCsv() const {
  std::string csv = "preset,members,loss,t_s,fraction,model_fraction\n";
  for (const Cell& cell : Cells()) {
    for (const auto& [t, measured, model] :
         Curve(cell.runs, CurveEnd(cell.runs))) {
      absl::StrAppend(&csv, cell.preset, ",", cell.members, ",", Csv(cell.loss),
                      ",", Csv(t), ",", Csv(measured), ",", Csv(model), "\n");
    }
  }
  return csv;
}

std::string Report::SummaryMarkdown() const {
  const std::vector<Cell> cells = Cells();
  std::string md;

  absl::StrAppend(
      &md,
      "### Dissemination\n\n"
      "Seconds from a metadata change until 50 %, 99 % and 100 % of the "
      "members knew it (medians over every change), against Serf's "
      "convergence model for the preset's gossip fanout and interval, and "
      "the retransmission limit λ·⌈log₁₀(N+1)⌉ that bounds how long a "
      "member gossips a piece of news (SWIM's O(log N)).\n\n"
      "| preset | N | loss | changes | 50 % | 99 % | 100 % | model 50 % | "
      "model 99 % | model 100 % | 100 % in gossip intervals | "
      "retransmit limit | missed |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Cell& cell : cells) {
    std::vector<std::optional<double>> t50, t99, t100;
    for (const RunResult* run : cell.runs) {
      for (const Spread& spread : run->spreads) {
        t50.push_back(spread.TimeToFraction(0.5));
        t99.push_back(spread.TimeToFraction(0.99));
        t100.push_back(spread.TimeToFraction(1));
      }
    }
    int missed = 0;
    const std::optional<double> all = Quantile(Present(t100, &missed), 0.5);
    const RunResult& run = *cell.runs.front();
    const Config& config = ConfigOf(run);
    absl::StrAppend(
        &md, "| ", cell.preset, " | ", cell.members, " | ", Percent(cell.loss),
        " | ", t100.size(), " | ", Seconds(Quantile(Present(t50), 0.5)), " | ",
        Seconds(Quantile(Present(t99), 0.5)), " | ", Seconds(all), " | ",
        Seconds(ModelSeconds(run, 0.5)), " | ",
        Seconds(ModelSeconds(run, 0.99)), " | ", Seconds(ModelSeconds(run, 1)),
        " | ", all ? absl::StrFormat("%.1f", *all / GossipSeconds(run)) : "—",
        " | ", RetransmitLimit(config, static_cast<uint64_t>(cell.members)),
        " | ", missed, " |\n");
  }

  absl::StrAppend(
      &md,
      "\n### Failure detection\n\n"
      "Seconds from a crash until the first member marked it SUSPECT and "
      "until every live member held it OFFLINE (median and 90th "
      "percentile), against SWIM's expected first detection, e/(e−1) "
      "protocol periods, and the plain suspicion timeout "
      "suspicion_mult·max(1, log₁₀N)·P that Lifeguard stretches up to "
      "6 times until confirmations arrive.\n\n"
      "| preset | N | loss | crashes | first suspect | p90 | SWIM e/(e−1)·P "
      "| all OFFLINE | p90 | suspicion timeout | missed | false OFFLINE "
      "marks |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Cell& cell : cells) {
    std::vector<std::optional<double>> first, all;
    uint64_t false_offline = 0;
    for (const RunResult* run : cell.runs) {
      for (const Detection& detection : run->detections) {
        first.push_back(detection.first_suspect_s);
        all.push_back(detection.all_offline_s);
      }
      false_offline += run->false_offline;
    }
    int missed = 0;
    const std::vector<double> all_present = Present(all, &missed);
    const Config& config = ConfigOf(*cell.runs.front());
    const double period = absl::ToDoubleSeconds(config.probe_interval);
    const double timeout = absl::ToDoubleSeconds(SuspicionTimeout(
        config.suspicion_mult, static_cast<size_t>(cell.members),
        config.probe_interval));
    absl::StrAppend(
        &md, "| ", cell.preset, " | ", cell.members, " | ", Percent(cell.loss),
        " | ", all.size(), " | ", Seconds(Quantile(Present(first), 0.5)), " | ",
        Seconds(Quantile(Present(first), 0.9)), " | ",
        Seconds(SwimExpectedFirstDetectionPeriods(1) * period), " | ",
        Seconds(Quantile(all_present, 0.5)), " | ",
        Seconds(Quantile(all_present, 0.9)), " | ", Seconds(timeout), " | ",
        missed, " | ", false_offline, " |\n");
  }

  absl::StrAppend(
      &md,
      "\n### Cost per member\n\n"
      "Traffic each member sends (datagrams and TCP push-pull, AES-256-GCM "
      "envelopes included), in a steady window with nothing to gossip and "
      "during the join storm (first join until everyone knew everyone). "
      "memberlist's published LAN estimate at full packets is about "
      "328 kbit/s per member. False suspicions: live members suspected in "
      "the steady window (each distinct suspicion once, however many "
      "members held it), per member-hour of the cell's windows.\n\n"
      "| preset | N | loss | steady datagrams/s | steady bytes/s | steady "
      "kbit/s | false suspicions per member-hour | join-storm datagrams/s | "
      "join-storm kbit/s | share of 328 kbit/s in the storm |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Cell& cell : cells) {
    std::vector<double> steady_datagrams, steady_bytes, join_datagrams,
        join_bytes;
    uint64_t suspicions = 0;
    double member_hours = 0;
    for (const RunResult* run : cell.runs) {
      suspicions += run->steady_false_suspicions;
      member_hours +=
          run->steady.members * absl::ToDoubleHours(run->steady.duration);
      steady_datagrams.push_back(run->steady.DatagramsPerMemberSecond());
      steady_bytes.push_back(run->steady.BytesPerMemberSecond());
      join_datagrams.push_back(run->join.DatagramsPerMemberSecond());
      join_bytes.push_back(run->join.BytesPerMemberSecond());
    }
    const double steady = *Quantile(steady_bytes, 0.5);
    const double join = *Quantile(join_bytes, 0.5);
    absl::StrAppend(
        &md, "| ", cell.preset, " | ", cell.members, " | ", Percent(cell.loss),
        " | ", Rate(*Quantile(steady_datagrams, 0.5)), " | ", Rate(steady),
        " | ", Rate(steady * 8 / 1e3), " | ",
        Rate(member_hours > 0 ? suspicions / member_hours : 0), " | ",
        Rate(*Quantile(join_datagrams, 0.5)), " | ", Rate(join * 8 / 1e3),
        " | ",
        absl::StrFormat("%.1f %%",
                        100 * join * 8 / kMemberlistFullPacketBitsPerSecond),
        " |\n");
  }

  absl::StrAppend(
      &md,
      "\n### Simulator\n\n"
      "Wall time and peak memory of one run (join, settle, steady window, "
      "changes and crashes), medians and maxima over the cell's runs.\n\n"
      "| preset | N | loss | runs | join (virtual s) | virtual s per run | "
      "wall s per run | wall s max | peak RSS max |\n"
      "|---|---|---|---|---|---|---|---|---|\n");
  for (const Cell& cell : cells) {
    std::vector<std::optional<double>> join;
    std::vector<double> virtual_s, wall;
    uint64_t peak = 0;
    for (const RunResult* run : cell.runs) {
      join.push_back(run->join_s);
      virtual_s.push_back(run->virtual_s);
      wall.push_back(run->wall_s);
      peak = std::max(peak, run->peak_rss_bytes);
    }
    absl::StrAppend(&md, "| ", cell.preset, " | ", cell.members, " | ",
                    Percent(cell.loss), " | ", cell.runs.size(), " | ",
                    Seconds(Quantile(Present(join), 0.5)), " | ",
                    Seconds(Quantile(virtual_s, 0.5)), " | ",
                    Seconds(Quantile(wall, 0.5)), " | ",
                    Seconds(Quantile(wall, 1)), " | ", Megabytes(peak), " |\n");
  }
  return md;
}

std::vector<std::pair<std::string, std::string>> Report::Figures() const {
  std::vector<std::pair<std::string, std::string>> figures;
  const std::vector<Cell> cells = Cells();
  std::vector<std::string> presets;
  for (const Cell& cell : cells) {
    if (std::find(presets.begin(), presets.end(), cell.preset) ==
        presets.end()) {
      presets.push_back(cell.preset);
    }
  }
  auto in = [&cells](const std::string& preset) {
    std::vector<const Cell*> chosen;
    for (const Cell& cell : cells) {
      if (cell.preset == preset) chosen.push_back(&cell);
    }
    return chosen;
  };
  auto add_curve = [](SvgPlot& plot, const Cell& cell, const std::string& label,
                      int color) {
    Series measured{label, {}, false, false, color};
    Series model{absl::StrCat(label, ", model"), {}, true, false, color};
    for (const auto& [t, fraction, model_fraction] :
         Curve(cell.runs, CurveEnd(cell.runs))) {
      measured.points.emplace_back(t, fraction);
      model.points.emplace_back(t, model_fraction);
    }
    plot.Add(std::move(measured));
    plot.Add(std::move(model));
  };

  for (const std::string& preset : presets) {
    const std::vector<const Cell*> chosen = in(preset);
    double lowest_loss = 1;
    int largest = 0;
    for (const Cell* cell : chosen) {
      lowest_loss = std::min(lowest_loss, cell->loss);
      largest = std::max(largest, cell->members);
    }
    {
      SvgPlot plot(absl::StrCat("Metadata change: fraction informed (", preset,
                                ", ", Percent(lowest_loss), " loss)"),
                   "seconds after the change", "fraction of members");
      plot.SetYRange(0, 1);
      int color = 0;
      for (const Cell* cell : chosen) {
        if (cell->loss != lowest_loss) continue;
        add_curve(plot, *cell, absl::StrCat("N = ", cell->members), color++);
      }
      figures.emplace_back(absl::StrCat("dissemination-", preset, ".svg"),
                           plot.Render());
    }
    {
      SvgPlot plot(absl::StrCat("Metadata change under loss (", preset,
                                ", N = ", largest, ")"),
                   "seconds after the change", "fraction of members");
      plot.SetYRange(0, 1);
      int color = 0;
      for (const Cell* cell : chosen) {
        if (cell->members != largest) continue;
        add_curve(plot, *cell, absl::StrCat(Percent(cell->loss), " loss"),
                  color++);
      }
      figures.emplace_back(absl::StrCat("dissemination-loss-", preset, ".svg"),
                           plot.Render());
    }
    {
      SvgPlot plot(absl::StrCat("Crash detection, cumulative (", preset, ", ",
                                Percent(lowest_loss), " loss)"),
                   "seconds after the crash", "fraction of crashes");
      plot.SetYRange(0, 1);
      int color = 0;
      for (const Cell* cell : chosen) {
        if (cell->loss != lowest_loss) continue;
        std::vector<std::optional<double>> first, all;
        for (const RunResult* run : cell->runs) {
          for (const Detection& detection : run->detections) {
            first.push_back(detection.first_suspect_s);
            all.push_back(detection.all_offline_s);
          }
        }
        for (const bool everyone : {false, true}) {
          std::vector<double> times = Present(everyone ? all : first);
          std::sort(times.begin(), times.end());
          const double total = static_cast<double>(first.size());
          Series series{
              absl::StrCat("N = ", cell->members,
                           everyone ? ", all OFFLINE" : ", first SUSPECT"),
              {},
              !everyone,
              false,
              color};
          // A step function: the fraction detected by each time.
          double previous = 0;
          series.points.emplace_back(0, 0);
          for (size_t i = 0; i < times.size(); ++i) {
            series.points.emplace_back(times[i], previous);
            previous = (i + 1) / total;
            series.points.emplace_back(times[i], previous);
          }
          plot.Add(std::move(series));
        }
        ++color;
      }
      figures.emplace_back(absl::StrCat("detection-", preset, ".svg"),
                           plot.Render());
    }
  }

  // Cost against N, every preset at its lowest loss.
  SvgPlot plot("Bytes each member sends per second", "members (N)",
               "bytes per member per second");
  plot.SetLogX(true);
  plot.SetLogY(true);
  int color = 0;
  double low_n = 0, high_n = 0;
  for (const std::string& preset : presets) {
    double lowest_loss = 1;
    for (const Cell* cell : in(preset)) {
      lowest_loss = std::min(lowest_loss, cell->loss);
    }
    Series steady{
        absl::StrCat(preset, " steady state"), {}, false, true, color};
    Series join{absl::StrCat(preset, " join storm"), {}, true, true, color};
    for (const Cell* cell : in(preset)) {
      if (cell->loss != lowest_loss) continue;
      std::vector<double> steady_bytes, join_bytes;
      for (const RunResult* run : cell->runs) {
        steady_bytes.push_back(run->steady.BytesPerMemberSecond());
        join_bytes.push_back(run->join.BytesPerMemberSecond());
      }
      steady.points.emplace_back(cell->members, *Quantile(steady_bytes, 0.5));
      join.points.emplace_back(cell->members, *Quantile(join_bytes, 0.5));
      low_n =
          low_n == 0 ? cell->members : std::min<double>(low_n, cell->members);
      high_n = std::max<double>(high_n, cell->members);
    }
    plot.Add(std::move(steady));
    plot.Add(std::move(join));
    ++color;
  }
  if (high_n > 0) {
    plot.Add({"memberlist LAN estimate, full packets (328 kbit/s)",
              {{low_n, kMemberlistFullPacketBitsPerSecond / 8},
               {high_n, kMemberlistFullPacketBitsPerSecond / 8}},
              true,
              false,
              6});
  }
  figures.emplace_back("cost.svg", plot.Render());
  return figures;
}

}  // namespace swim::convergence

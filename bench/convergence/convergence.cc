// The convergence benchmark: how fast news spreads, how fast failures are
// found and what membership costs per member, swept over cluster sizes,
// loss rates and presets on the simulator, many seeds each. Writes CSVs, a
// Markdown summary and SVG figures (docs/performance.md shows them).
//
//   bazel run -c opt //bench/convergence -- --out=docs/convergence

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/convergence/experiment.h"
#include "bench/convergence/report.h"
#include "swim/core/version.h"
#include "tools/common/progress_bar.h"

ABSL_FLAG(std::string, nodes, "10,100,1000", "Cluster sizes, comma-separated.");
ABSL_FLAG(std::string, losses, "0,0.01,0.05,0.1",
          "Datagram loss rates (0-0.5), comma-separated.");
ABSL_FLAG(std::string, presets, "lan,wan", "Presets: lan, wan.");
ABSL_FLAG(int, seeds, 10, "Runs per cell below 1000 members (seeds 1..S).");
ABSL_FLAG(int, seeds_at_1000, 3,
          "Runs per cell from 1000 members up (each costs ~100x more).");
ABSL_FLAG(int, changes, 5, "Metadata changes measured per run.");
ABSL_FLAG(int, crashes, 3, "Crashes measured per run.");
ABSL_FLAG(double, steady_s, 60,
          "Steady-state window per run, virtual s, rounded up to whole "
          "push-pull intervals.");
ABSL_FLAG(bool, stream_fallback, true,
          "Config::stream_fallback in every preset (false: compare with "
          "probes that have no TCP fallback).");
ABSL_FLAG(bool, tcp_only, false,
          "Config::tcp_only in every preset: every message over streams "
          "(the datagram columns are then 0; bytes count all traffic).");
ABSL_FLAG(int, wire_version, SWIM_WIRE_VERSION,
          "Config::wire_version in every preset (1: state exchanges "
          "uncompressed, as before wire version 2).");
ABSL_FLAG(std::string, out, "bench-convergence",
          "Directory for the CSVs, summary.md and the SVG figures (relative "
          "paths are taken from the workspace under bazel run).");

namespace swim::convergence {
namespace {

// What a run of N members needs at its peak, roughly: each of N members
// holds N member entries of ~280 bytes (docs/performance.md, "Memory per
// member"), and the join storm's dissemination queues add about as much.
double EstimatedPeakBytes(double members) { return members * members * 560; }

double PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<double>(pages) * static_cast<double>(page_size);
}

absl::StatusOr<std::vector<double>> Numbers(const std::string& flag,
                                            const std::string& text) {
  std::vector<double> values;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    double value = 0;
    if (!absl::SimpleAtod(part, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": \"", part, "\" is not a number"));
    }
    values.push_back(value);
  }
  return values;
}

absl::Status CheckFlags(const std::vector<double>& nodes,
                        const std::vector<double>& losses) {
  const double memory = PhysicalMemoryBytes();
  for (double n : nodes) {
    if (n != static_cast<int>(n) || n < 3) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--nodes: %g is not a whole number of at least 3", n));
    }
    // Refuse up front what would end in the out-of-memory killer hours in.
    if (memory > 0 && EstimatedPeakBytes(n) > 0.8 * memory) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "--nodes: %g members need about %.0f GB (N^2 * 560 bytes: every "
          "member holds every other) and this machine has %.0f GB; see "
          "docs/performance.md, \"The simulator\"",
          n, EstimatedPeakBytes(n) / 1e9, memory / 1e9));
    }
  }
  for (double loss : losses) {
    if (!(loss >= 0 && loss <= 0.5)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--losses: %g is not from 0 to 0.5", loss));
    }
  }
  if (absl::GetFlag(FLAGS_seeds) < 1 ||
      absl::GetFlag(FLAGS_seeds_at_1000) < 1) {
    return absl::InvalidArgumentError(
        "--seeds and --seeds_at_1000 must be >= 1");
  }
  if (absl::GetFlag(FLAGS_changes) < 1 || absl::GetFlag(FLAGS_crashes) < 1) {
    return absl::InvalidArgumentError("--changes and --crashes must be >= 1");
  }
  const double steady = absl::GetFlag(FLAGS_steady_s);
  if (!(steady >= 1 && steady <= 3600)) {
    return absl::InvalidArgumentError("--steady_s must be from 1 to 3600");
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::filesystem::path& path,
                       const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path.string()));
  }
  return absl::OkStatus();
}

std::filesystem::path OutputDirectory() {
  std::filesystem::path out = absl::GetFlag(FLAGS_out);
  // Under `bazel run` the working directory is the runfiles tree; the
  // user meant a path in the workspace.
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (out.is_relative() && workspace != nullptr) out = workspace / out;
  return out;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Sweeps the simulator over sizes, loss rates and presets and writes "
      "CSVs, summary.md and SVG figures.\n\n"
      "  convergence [--nodes=10,100,1000] [--losses=0,0.01,0.05,0.1] "
      "[--presets=lan,wan] [--seeds=10] [--out=DIR]");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<std::vector<double>> nodes =
      Numbers("nodes", absl::GetFlag(FLAGS_nodes));
  absl::StatusOr<std::vector<double>> losses =
      Numbers("losses", absl::GetFlag(FLAGS_losses));
  absl::Status status = nodes.status();
  if (status.ok()) status = losses.status();
  if (status.ok()) status = CheckFlags(*nodes, *losses);
  std::vector<Preset> presets;
  if (status.ok()) {
    for (absl::string_view name :
         absl::StrSplit(absl::GetFlag(FLAGS_presets), ',')) {
      absl::StatusOr<Preset> preset = PresetByName(name);
      if (!preset.ok()) {
        status = preset.status();
        break;
      }
      preset->config.stream_fallback = absl::GetFlag(FLAGS_stream_fallback);
      preset->config.tcp_only = absl::GetFlag(FLAGS_tcp_only);
      preset->config.wire_version = absl::GetFlag(FLAGS_wire_version);
      presets.push_back(*std::move(preset));
    }
  }
  if (!status.ok()) {
    std::fprintf(stderr, "convergence: %s\n",
                 std::string(status.message()).c_str());
    return 2;
  }
  const std::filesystem::path out = OutputDirectory();
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) {
    std::fprintf(stderr, "convergence: cannot create %s: %s\n",
                 out.string().c_str(), error.message().c_str());
    return 1;
  }

  // Every run, in order: presets, sizes, losses, seeds.
  std::vector<RunSpec> specs;
  for (const Preset& preset : presets) {
    for (double n : *nodes) {
      const int members = static_cast<int>(n);
      const int seeds = members >= 1000 ? absl::GetFlag(FLAGS_seeds_at_1000)
                                        : absl::GetFlag(FLAGS_seeds);
      for (double loss : *losses) {
        for (int seed = 1; seed <= seeds; ++seed) {
          RunSpec spec;
          spec.members = members;
          spec.preset = preset;
          spec.loss = loss;
          spec.seed = static_cast<uint64_t>(seed);
          spec.metadata_changes = absl::GetFlag(FLAGS_changes);
          spec.crashes = absl::GetFlag(FLAGS_crashes);
          spec.steady = absl::Seconds(absl::GetFlag(FLAGS_steady_s));
          specs.push_back(std::move(spec));
        }
      }
    }
  }
  // Weigh progress by the expected work: a run costs ~N^2 during its join.
  std::vector<double> weight;
  double total_weight = 0;
  for (const RunSpec& spec : specs) {
    weight.push_back(1 +
                     static_cast<double>(spec.members) * spec.members / 1e4);
    total_weight += weight.back();
  }

  // On a terminal a bar; otherwise (CI, a log file) a line per run.
  const bool terminal = isatty(fileno(stderr)) != 0;
  tools::ProgressBar bar(stderr, terminal, /*unit=*/"");
  Report report;
  const absl::Time started = absl::Now();
  double done_weight = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    const RunSpec& spec = specs[i];
    const std::string label =
        absl::StrFormat("%s N=%d loss=%g seed %d", spec.preset.name,
                        spec.members, spec.loss, spec.seed);
    absl::StatusOr<RunResult> run =
        RunExperiment(spec, [&](double fraction, absl::string_view phase) {
          bar.Update(done_weight + fraction * weight[i], total_weight,
                     absl::StrCat(label, ": ", phase));
        });
    if (!run.ok()) {
      bar.Clear();
      std::fprintf(stderr, "convergence: %s: %s\n", label.c_str(),
                   std::string(run.status().message()).c_str());
      return 1;
    }
    done_weight += weight[i];
    if (!terminal) {
      std::fprintf(stderr, "[%zu/%zu] %s: %.1f s wall\n", i + 1, specs.size(),
                   label.c_str(), run->wall_s);
    }
    report.Add(*std::move(run));
  }
  bar.Clear();

  for (const auto& [name, text] :
       std::vector<std::pair<std::string, std::string>>{
           {"runs.csv", report.RunsCsv()},
           {"dissemination.csv", report.DisseminationCsv()},
           {"detection.csv", report.DetectionCsv()},
           {"curves.csv", report.CurvesCsv()},
           {"summary.md", report.SummaryMarkdown()}}) {
    if (absl::Status written = WriteFile(out / name, text); !written.ok()) {
      std::fprintf(stderr, "convergence: %s\n",
                   std::string(written.message()).c_str());
      return 1;
    }
  }
  for (const auto& [name, svg] : report.Figures()) {
    if (absl::Status written = WriteFile(out / name, svg); !written.ok()) {
      std::fprintf(stderr, "convergence: %s\n",
                   std::string(written.message()).c_str());
      return 1;
    }
  }
  std::printf("%s", report.SummaryMarkdown().c_str());
  std::printf("\n%zu runs in %.0f s; files in %s\n", specs.size(),
              absl::ToDoubleSeconds(absl::Now() - started),
              out.string().c_str());
  return 0;
}

}  // namespace
}  // namespace swim::convergence

int main(int argc, char** argv) { return swim::convergence::Main(argc, argv); }

#ifndef BENCH_CONVERGENCE_REPORT_H_
#define BENCH_CONVERGENCE_REPORT_H_

// Turns the convergence benchmark's runs into files a reader can check and
// regenerate: CSVs of every measurement, a Markdown summary set against the
// reference models, and SVG figures.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/convergence/experiment.h"

namespace swim::convergence {

// The value below which `fraction` of `values` lie (linear interpolation
// between order statistics); nullopt for no values.
std::optional<double> Quantile(std::vector<double> values, double fraction);

class Report {
 public:
  void Add(RunResult run) { runs_.push_back(std::move(run)); }
  const std::vector<RunResult>& runs() const { return runs_; }

  // One row per run: the join, the settle, the costs, speed.
  std::string RunsCsv() const;
  // One row per metadata change: times to 50/99/100 % against the model.
  std::string DisseminationCsv() const;
  // One row per crash: first suspicion and everyone OFFLINE.
  std::string DetectionCsv() const;
  // Mean fraction informed against time per sweep cell, with the model.
  std::string CurvesCsv() const;
  // The tables of docs/performance.md, medians over every run of a cell.
  std::string SummaryMarkdown() const;
  // (file name, SVG document) for every figure.
  std::vector<std::pair<std::string, std::string>> Figures() const;

 private:
  // Runs that share a preset, size and loss, in the order first seen.
  struct Cell {
    std::string preset;
    int members = 0;
    double loss = 0;
    std::vector<const RunResult*> runs;
  };
  std::vector<Cell> Cells() const;

  std::vector<RunResult> runs_;
};

}  // namespace swim::convergence

#endif  // BENCH_CONVERGENCE_REPORT_H_

#ifndef BENCH_CONVERGENCE_SVG_PLOT_H_
#define BENCH_CONVERGENCE_SVG_PLOT_H_

// A line chart written directly as SVG: axes with round-numbered ticks
// (linear or logarithmic x), one polyline per series, dashed or with point
// markers, and a legend. Enough for the convergence report's figures
// without a plotting dependency; the output is a deterministic function of
// the input, so regenerated figures diff cleanly.

#include <string>
#include <utility>
#include <vector>

namespace swim::convergence {

struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;  // (x, y); non-finite skipped
  bool dashed = false;                            // a model or reference curve
  bool markers = false;                           // draw a dot at each point
  // Index into the palette; series that share it (a measurement and its
  // model) share a colour. -1: the series' position.
  int color = -1;
};

class SvgPlot {
 public:
  SvgPlot(std::string title, std::string x_label, std::string y_label)
      : title_(std::move(title)),
        x_label_(std::move(x_label)),
        y_label_(std::move(y_label)) {}

  // A logarithmic x axis (points with x <= 0 are skipped).
  void SetLogX(bool log_x) { log_x_ = log_x; }
  void SetLogY(bool log_y) { log_y_ = log_y; }
  // Fixed ranges; otherwise each axis spans the data, rounded out to ticks.
  void SetXRange(double low, double high);
  void SetYRange(double low, double high);
  void Add(Series series) { series_.push_back(std::move(series)); }

  // The whole SVG document.
  std::string Render() const;

 private:
  std::string title_;
  std::string x_label_;
  std::string y_label_;
  bool log_x_ = false;
  bool log_y_ = false;
  bool fixed_x_ = false;
  bool fixed_y_ = false;
  double x_low_ = 0, x_high_ = 1, y_low_ = 0, y_high_ = 1;
  std::vector<Series> series_;
};

// Round tick positions covering [low, high] for a linear axis (steps of 1,
// 2 or 5 times a power of ten, about `target` of them) or, when `log`, the
// powers of ten. The first tick is <= low and the last >= high.
std::vector<double> AxisTicks(double low, double high, bool log,
                              int target = 6);

// `text` with XML's special characters escaped.
std::string XmlEscape(const std::string& text);

}  // namespace swim::convergence

#endif  // BENCH_CONVERGENCE_SVG_PLOT_H_

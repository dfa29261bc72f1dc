#include "bench/convergence/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace swim::convergence {
namespace {

constexpr double kPlotWidth = 630;  // the plot area, between the margins
constexpr double kHeight = 440;
constexpr double kLeft = 70;
constexpr double kRight = 20;  // without a legend; with one, it goes here
constexpr double kTop = 40;
constexpr double kBottom = 55;

// Colour-blind-safe (Okabe-Ito) palette.
constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#F0E442"};
constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

std::string Number(double value) {
  if (value == 0) return "0";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return absl::StrFormat("%g", value);
  return absl::StrFormat("%.10g", value);
}

// Pixel coordinates with two decimals: exact enough, and stable text.
std::string Pixel(double value) { return absl::StrFormat("%.2f", value); }

struct Axis {
  double low;
  double high;
  bool log;
  double pixel_low;
  double pixel_high;

  double Map(double value) const {
    const double a = log ? std::log10(low) : low;
    const double b = log ? std::log10(high) : high;
    const double v = log ? std::log10(value) : value;
    const double t = b > a ? (v - a) / (b - a) : 0.5;
    return pixel_low + t * (pixel_high - pixel_low);
  }
};

bool Usable(double value, bool log) {
  return std::isfinite(value) && (!log || value > 0);
}

}  // namespace

std::vector<double> AxisTicks(double low, double high, bool log, int target) {
  std::vector<double> ticks;
  if (!(std::isfinite(low) && std::isfinite(high)) || high < low) return ticks;
  if (log) {
    if (low <= 0) low = high > 0 ? high / 10 : 1;
    if (high <= 0) high = 10;
    double power = std::pow(10, std::floor(std::log10(low)));
    const double top = std::pow(10, std::ceil(std::log10(high)));
    // Powers of ten: at most a few dozen decades for finite doubles.
    for (; power <= top * 1.0000001; power *= 10) ticks.push_back(power);
    if (ticks.size() == 1) ticks.push_back(ticks.front() * 10);
    return ticks;
  }
  if (high == low) {
    const double pad = low == 0 ? 1 : std::fabs(low) / 2;
    low -= pad;
    high += pad;
  }
  const double raw = (high - low) / std::max(target, 1);
  if (!std::isfinite(raw)) return ticks;
  const double power = std::pow(10, std::floor(std::log10(raw)));
  double multiple = 1;
  for (const double candidate : {1.0, 2.0, 5.0, 10.0}) {
    multiple = candidate;
    if (candidate * power >= raw) break;
  }
  // Ticks are whole multiples of the step; below 1 dividing by a whole
  // power of ten keeps them exact (0.6, not 0.6000000000000001).
  const double inverse = power < 1 ? std::round(1 / power) : 0;
  auto tick = [&](double k) {
    return inverse > 0 ? k * multiple / inverse : k * multiple * power;
  };
  const double step = tick(1);
  const double first = std::floor(low / step);
  const double last = std::ceil(high / step);
  for (double k = first; k <= last; ++k) ticks.push_back(tick(k) + 0.0);
  return ticks;
}

std::string XmlEscape(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

void SvgPlot::SetXRange(double low, double high) {
  fixed_x_ = true;
  x_low_ = low;
  x_high_ = high;
}

void SvgPlot::SetYRange(double low, double high) {
  fixed_y_ = true;
  y_low_ = low;
  y_high_ = high;
}

std::string SvgPlot::Render() const {
  // Data ranges, then round them out to ticks.
  double x_min = std::numeric_limits<double>::infinity();
  double x_max = -x_min, y_min = x_min, y_max = -x_min;
  for (const Series& series : series_) {
    for (const auto& [x, y] : series.points) {
      if (!Usable(x, log_x_) || !Usable(y, log_y_)) continue;
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
    }
  }
  const bool empty = !(x_min <= x_max);
  if (empty) x_min = y_min = 1, x_max = y_max = 10;
  if (fixed_x_) x_min = x_low_, x_max = x_high_;
  if (fixed_y_) y_min = y_low_, y_max = y_high_;
  std::vector<double> x_ticks = AxisTicks(x_min, x_max, log_x_);
  std::vector<double> y_ticks = AxisTicks(y_min, y_max, log_y_);
  if (!fixed_x_ && !x_ticks.empty()) {
    x_min = x_ticks.front();
    x_max = x_ticks.back();
  }
  if (!fixed_y_ && !y_ticks.empty()) {
    y_min = y_ticks.front();
    y_max = y_ticks.back();
  }
  // The legend sits right of the plot area, so it never hides data.
  size_t longest = 0;
  for (const Series& series : series_) {
    longest = std::max(longest, series.label.size());
  }
  const double plot_right = kLeft + kPlotWidth;
  const double legend_width =
      series_.empty() ? 0 : 40 + 6.6 * static_cast<double>(longest);
  const double width =
      plot_right + (series_.empty() ? kRight : 16 + legend_width + 10);
  const Axis x_axis{x_min, x_max, log_x_, kLeft, plot_right};
  const Axis y_axis{y_min, y_max, log_y_, kHeight - kBottom, kTop};

  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      static_cast<int>(width), static_cast<int>(kHeight),
      static_cast<int>(width), static_cast<int>(kHeight));
  absl::StrAppend(&svg, "<text x=\"", Pixel(kLeft + kPlotWidth / 2),
                  "\" y=\"22\" ", "text-anchor=\"middle\" font-size=\"15\">",
                  XmlEscape(title_), "</text>\n");
  // Grid and tick labels.
  for (const double tick : x_ticks) {
    if (tick < x_min || tick > x_max) continue;
    const std::string px = Pixel(x_axis.Map(tick));
    absl::StrAppend(&svg, "<line x1=\"", px, "\" y1=\"", Pixel(kTop),
                    "\" x2=\"", px, "\" y2=\"", Pixel(kHeight - kBottom),
                    "\" stroke=\"#e0e0e0\"/>\n<text x=\"", px, "\" y=\"",
                    Pixel(kHeight - kBottom + 16), "\" text-anchor=\"middle\">",
                    Number(tick), "</text>\n");
  }
  for (const double tick : y_ticks) {
    if (tick < y_min || tick > y_max) continue;
    const std::string py = Pixel(y_axis.Map(tick));
    absl::StrAppend(&svg, "<line x1=\"", Pixel(kLeft), "\" y1=\"", py,
                    "\" x2=\"", Pixel(plot_right), "\" y2=\"", py,
                    "\" stroke=\"#e0e0e0\"/>\n<text x=\"", Pixel(kLeft - 6),
                    "\" y=\"", Pixel(y_axis.Map(tick) + 4),
                    "\" text-anchor=\"end\">", Number(tick), "</text>\n");
  }
  absl::StrAppend(&svg, "<rect x=\"", Pixel(kLeft), "\" y=\"", Pixel(kTop),
                  "\" width=\"", Pixel(kPlotWidth), "\" height=\"",
                  Pixel(kHeight - kTop - kBottom),
                  "\" fill=\"none\" stroke=\"#444\"/>\n");
  absl::StrAppend(&svg, "<text x=\"", Pixel((kLeft + plot_right) / 2),
                  "\" y=\"", Pixel(kHeight - 14), "\" text-anchor=\"middle\">",
                  XmlEscape(x_label_), "</text>\n");
  absl::StrAppend(&svg, "<text transform=\"translate(16,",
                  Pixel((kTop + kHeight - kBottom) / 2),
                  ") rotate(-90)\" text-anchor=\"middle\">",
                  XmlEscape(y_label_), "</text>\n");
  if (empty) {
    absl::StrAppend(&svg, "<text x=\"", Pixel(kLeft + kPlotWidth / 2),
                    "\" y=\"", Pixel(kHeight / 2),
                    "\" text-anchor=\"middle\">no data", "</text>\n");
  }

  // Series, clipped to the plot area.
  absl::StrAppend(&svg, "<clipPath id=\"area\"><rect x=\"", Pixel(kLeft),
                  "\" y=\"", Pixel(kTop), "\" width=\"", Pixel(kPlotWidth),
                  "\" height=\"", Pixel(kHeight - kTop - kBottom),
                  "\"/></clipPath>\n",
                  "<g clip-path=\"url(#area)\" fill=\"none\" "
                  "stroke-width=\"1.8\">\n");
  for (size_t i = 0; i < series_.size(); ++i) {
    const Series& series = series_[i];
    const int color_index =
        series.color >= 0 ? series.color : static_cast<int>(i);
    const char* color = kPalette[color_index % kPaletteSize];
    std::string points;
    for (const auto& [x, y] : series.points) {
      if (!Usable(x, log_x_) || !Usable(y, log_y_)) continue;
      absl::StrAppend(&points, points.empty() ? "" : " ", Pixel(x_axis.Map(x)),
                      ",", Pixel(y_axis.Map(y)));
    }
    absl::StrAppend(&svg, "<polyline stroke=\"", color, "\"",
                    series.dashed ? " stroke-dasharray=\"6 4\"" : "",
                    " points=\"", points, "\"/>\n");
    if (!series.markers) continue;
    for (const auto& [x, y] : series.points) {
      if (!Usable(x, log_x_) || !Usable(y, log_y_)) continue;
      absl::StrAppend(&svg, "<circle cx=\"", Pixel(x_axis.Map(x)), "\" cy=\"",
                      Pixel(y_axis.Map(y)), "\" r=\"3\" fill=\"", color,
                      "\"/>\n");
    }
  }
  absl::StrAppend(&svg, "</g>\n");

  // Legend, right of the plot area.
  if (!series_.empty()) {
    const double left = plot_right + 16;
    const double box_height = 8 + 17 * static_cast<double>(series_.size());
    absl::StrAppend(&svg, "<rect x=\"", Pixel(left), "\" y=\"", Pixel(kTop),
                    "\" width=\"", Pixel(legend_width), "\" height=\"",
                    Pixel(box_height), "\" fill=\"white\" stroke=\"#bbb\"/>\n");
    for (size_t i = 0; i < series_.size(); ++i) {
      const Series& series = series_[i];
      const int color_index =
          series.color >= 0 ? series.color : static_cast<int>(i);
      const double y = kTop + 13 + 17 * static_cast<double>(i);
      absl::StrAppend(&svg, "<line x1=\"", Pixel(left + 6), "\" y1=\"",
                      Pixel(y - 4), "\" x2=\"", Pixel(left + 30), "\" y2=\"",
                      Pixel(y - 4), "\" stroke=\"",
                      kPalette[color_index % kPaletteSize],
                      "\" stroke-width=\"1.8\"",
                      series.dashed ? " stroke-dasharray=\"6 4\"" : "",
                      "/>\n<text x=\"", Pixel(left + 36), "\" y=\"", Pixel(y),
                      "\">", XmlEscape(series.label), "</text>\n");
    }
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

}  // namespace swim::convergence

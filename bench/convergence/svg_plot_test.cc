#include "bench/convergence/svg_plot.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace swim::convergence {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(AxisTicksTest, RoundStepsCoveringTheRange) {
  EXPECT_THAT(AxisTicks(0, 1, false), ElementsAre(0, 0.2, 0.4, 0.6, 0.8, 1));
  EXPECT_THAT(AxisTicks(3, 97, false), ElementsAre(0, 20, 40, 60, 80, 100));
  EXPECT_THAT(AxisTicks(-7, 7, false), ElementsAre(-10, -5, 0, 5, 10));
}

TEST(AxisTicksTest, DecadesOnALogAxis) {
  EXPECT_THAT(AxisTicks(10, 5000, true), ElementsAre(10, 100, 1000, 10000));
  EXPECT_THAT(AxisTicks(100, 100, true), ElementsAre(100, 1000));
}

TEST(AxisTicksTest, DegenerateRanges) {
  const std::vector<double> flat = AxisTicks(5, 5, false);
  ASSERT_GE(flat.size(), 2u);
  EXPECT_LE(flat.front(), 5);
  EXPECT_GE(flat.back(), 5);
  EXPECT_TRUE(AxisTicks(std::nan(""), 1, false).empty());
  EXPECT_TRUE(AxisTicks(2, 1, false).empty());
  EXPECT_TRUE(
      AxisTicks(0, std::numeric_limits<double>::infinity(), false).empty());
}

TEST(XmlEscapeTest, EscapesMarkup) {
  EXPECT_EQ(XmlEscape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
}

TEST(SvgPlotTest, DrawsEachSeriesWithItsStyle) {
  SvgPlot plot("Spread <N>", "seconds", "fraction");
  plot.Add({"measured", {{0, 0}, {1, 0.5}, {2, 1}}, false, true, -1});
  plot.Add({"model", {{0, 0}, {2, 1}}, true, false, 0});
  const std::string svg = plot.Render();
  EXPECT_TRUE(
      absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_THAT(svg, HasSubstr("Spread &lt;N&gt;"));
  EXPECT_EQ(Count(svg, "<polyline"), 2);
  EXPECT_EQ(Count(svg, "<circle"), 3);  // the markers of the first series
  // The model's line and its legend entry are dashed.
  EXPECT_EQ(Count(svg, "stroke-dasharray"), 2);
  EXPECT_THAT(svg, Not(HasSubstr("no data")));
}

TEST(SvgPlotTest, SkipsPointsItCannotPlace) {
  SvgPlot plot("t", "x", "y");
  plot.SetLogX(true);
  plot.Add(
      {"s", {{0, 1}, {10, 2}, {std::nan(""), 3}, {100, 4}}, false, true, -1});
  // x = 0 has no place on a log axis and NaN none anywhere.
  EXPECT_EQ(Count(plot.Render(), "<circle"), 2);
}

TEST(SvgPlotTest, MapsDataInsideThePlotArea) {
  SvgPlot plot("t", "x", "y");
  plot.SetXRange(0, 10);
  plot.SetYRange(0, 1);
  plot.Add({"s", {{0, 0}, {10, 1}}, false, false, -1});
  // The plot area spans x 70-700 and y 385-40 (y grows downwards).
  EXPECT_THAT(plot.Render(), HasSubstr("points=\"70.00,385.00 700.00,40.00\""));
}

TEST(SvgPlotTest, EmptyPlotSaysSo) {
  SvgPlot plot("t", "x", "y");
  EXPECT_THAT(plot.Render(), HasSubstr("no data"));
}

TEST(SvgPlotTest, Deterministic) {
  auto make = [] {
    SvgPlot plot("t", "x", "y");
    plot.Add({"s", {{1, 2}, {3, 4.5}}, false, false, -1});
    return plot.Render();
  };
  EXPECT_EQ(make(), make());
}

}  // namespace
}  // namespace swim::convergence

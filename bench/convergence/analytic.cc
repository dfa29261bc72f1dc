#include "bench/convergence/analytic.h"

#include <cmath>

namespace swim::convergence {
namespace {

// c * N of the model: the informed members' effective sends per interval.
double Rate(int fanout, double loss) { return fanout * (1 - loss) * 0.5; }

}  // namespace

double SerfFractionInformed(int members, int fanout, double loss,
                            double rounds) {
  const double rate = Rate(fanout, loss);
  return 1 / (1 + (members + 1.0) * std::exp(-rate * rounds));
}

double SerfRoundsToFraction(int members, int fanout, double loss,
                            double fraction) {
  // Solve f = 1 / (1 + (N + 1) e^(-r x)) for x.
  const double rate = Rate(fanout, loss);
  if (rate <= 0) return INFINITY;
  return std::log((members + 1.0) * fraction / (1 - fraction)) / rate;
}

double SerfRoundsToAll(int members, int fanout, double loss) {
  return SerfRoundsToFraction(members, fanout, loss, 1 - 0.5 / members);
}

double SwimExpectedFirstDetectionPeriods(double q) {
  return 1 / (1 - std::exp(-q));
}

}  // namespace swim::convergence

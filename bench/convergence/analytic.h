#ifndef BENCH_CONVERGENCE_ANALYTIC_H_
#define BENCH_CONVERGENCE_ANALYTIC_H_

// The reference models the measured figures are set against.

namespace swim::convergence {

// Serf's convergence model of infection-style gossip: the fraction of N
// members that know a piece of news `rounds` gossip intervals after one
// member learned it, when every informed member sends it to `fanout`
// random members per interval and each send is lost with `loss`:
//
//   f(x) = 1 / (1 + (N + 1) * e^(-c * N * x)),  c = fanout / N * (1 - loss) / 2
double SerfFractionInformed(int members, int fanout, double loss,
                            double rounds);

// The inverse: gossip intervals until the model's fraction reaches
// `fraction` (0 < fraction < 1).
double SerfRoundsToFraction(int members, int fanout, double loss,
                            double fraction);

// The model's time to reach everyone: until fewer than half a member is
// left uninformed, i.e. the fraction reaches 1 - 1 / (2N).
double SerfRoundsToAll(int members, int fanout, double loss);

// SWIM's expected protocol periods until some member first probes a
// crashed one, when each of the other members picks a random target every
// period and a fraction `q` of them is alive: 1 / (1 - e^(-q)); for q -> 1
// it is e / (e - 1) ~ 1.58 periods.
double SwimExpectedFirstDetectionPeriods(double q);

}  // namespace swim::convergence

#endif  // BENCH_CONVERGENCE_ANALYTIC_H_

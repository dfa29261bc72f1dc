#ifndef SWIM_TESTING_CHOICES_H_
#define SWIM_TESTING_CHOICES_H_

#include <cstdint>

#include "swim/core/random.h"

namespace swim::testing {

// Where a randomized test draws its decisions from: a seeded PRNG for
// campaigns, or a fuzzer's bytes, so one scenario generator serves both.
class Choices {
 public:
  virtual ~Choices() = default;
  // In [0, bound); bound must be positive.
  virtual uint64_t Uniform(uint64_t bound) = 0;
  // In [0, 1).
  virtual double UniformDouble() = 0;
};

// Choices from a seeded xoshiro256** (swim::Random).
class RandomChoices : public Choices {
 public:
  explicit RandomChoices(uint64_t seed) : random_(seed) {}
  uint64_t Uniform(uint64_t bound) override { return random_.Uniform(bound); }
  double UniformDouble() override { return random_.UniformDouble(); }

 private:
  Random random_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_CHOICES_H_

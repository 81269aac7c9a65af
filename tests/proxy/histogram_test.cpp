// Latency histogram: bucket layout, percentile error bound, merge and subtraction.
#include "proxy/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace gantry::proxy {
namespace {

using std::chrono::microseconds;

TEST(Histogram, BucketsTileTheRangeWithoutGaps) {
  EXPECT_EQ(Histogram::bucket_low(0), 0u);
  for (std::size_t i = 1; i < Histogram::kBucketCount; ++i) {
    ASSERT_EQ(Histogram::bucket_low(i), Histogram::bucket_high(i - 1)) << i;
    ASSERT_EQ(Histogram::bucket_index(Histogram::bucket_low(i)), i);
    ASSERT_EQ(Histogram::bucket_index(Histogram::bucket_high(i) - 1), i);
    // Width at most 1/64 of the low end above the linear part: the stated error bound.
    if (i >= Histogram::kLinearBuckets) {
      ASSERT_LE((Histogram::bucket_high(i) - Histogram::bucket_low(i)) * 64,
                Histogram::bucket_low(i));
    }
  }
  EXPECT_GT(Histogram::bucket_high(Histogram::kBucketCount - 1), Histogram::kMaxMicros);
  EXPECT_EQ(Histogram::bucket_index(Histogram::kMaxMicros * 10), Histogram::kBucketCount - 1);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record_micros(v);
  EXPECT_EQ(h.percentile(50), microseconds{50});
  EXPECT_EQ(h.percentile(95), microseconds{95});
  EXPECT_EQ(h.percentile(99), microseconds{99});
  EXPECT_EQ(h.percentile(100), microseconds{100});
  EXPECT_EQ(h.percentile(0), microseconds{1});
  EXPECT_EQ(h.count(), 100u);
  EXPECT_DOUBLE_EQ(h.mean_micros(), 50.5);
  EXPECT_EQ(Histogram().percentile(50), microseconds{0});
}

double exact_percentile(std::vector<std::uint64_t> sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size()));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]);
}

TEST(Histogram, PercentilesOfALogNormalSampleAreWithinTheStatedBound) {
  // Latencies around 20 ms with a long tail, from a fixed-seed generator.
  std::mt19937_64 rng(2024);
  std::vector<std::uint64_t> values;
  Histogram h;
  for (int i = 0; i < 200'000; ++i) {
    // Box-Muller on the raw generator output: deterministic across standard libraries.
    const double u1 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
    const double u2 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
    const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    const auto v = static_cast<std::uint64_t>(std::exp(std::log(20'000.0) + 0.8 * z));
    values.push_back(std::min(v, Histogram::kMaxMicros));
    h.record_micros(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 95.0, 99.0, 99.9}) {
    const double exact = exact_percentile(values, p);
    const double got = static_cast<double>(h.percentile(p).count());
    EXPECT_LE(std::abs(got - exact), exact / 128.0 + 1) << "p" << p << " exact " << exact;
  }
}

TEST(Histogram, PercentilesOfAUniformSampleAreWithinTheStatedBound) {
  Histogram h;
  std::vector<std::uint64_t> values;
  for (std::uint64_t v = 1; v <= 1'000'000; v += 7) {
    values.push_back(v);
    h.record(std::chrono::nanoseconds{v * 1000 + 999});  // sub-µs part is dropped
  }
  for (double p : {50.0, 95.0, 99.0}) {
    const double exact = exact_percentile(values, p);
    EXPECT_LE(std::abs(h.percentile(p).count() - exact), exact / 128.0) << p;
  }
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  Histogram a, b, all;
  for (std::uint64_t v = 0; v < 5000; v += 3) {
    (v % 2 ? a : b).record_micros(v * 11);
    all.record_micros(v * 11);
  }
  Histogram merged = a;
  merged.merge(b);
  EXPECT_EQ(merged, all);
  EXPECT_EQ(merged.count(), a.count() + b.count());
  EXPECT_EQ(merged.sum_micros(), a.sum_micros() + b.sum_micros());
}

TEST(Histogram, MinusGivesWhatWasRecordedInBetween) {
  Histogram cumulative;
  for (int i = 0; i < 100; ++i) cumulative.record_micros(100);
  const Histogram earlier = cumulative;
  Histogram between;
  for (int i = 0; i < 50; ++i) {
    cumulative.record_micros(5000);
    between.record_micros(5000);
  }
  const Histogram window = cumulative.minus(earlier);
  EXPECT_EQ(window, between);
  EXPECT_EQ(window.count(), 50u);
  EXPECT_NEAR(window.percentile(50).count(), 5000, 5000 / 128.0);
  // A reset source (earlier > later) gives zeros, never wrapped-around counts.
  EXPECT_EQ(earlier.minus(cumulative).count(), 0u);
}

TEST(Histogram, ValuesAboveTheRangeCountAsTheMaximum) {
  Histogram h;
  h.record(std::chrono::minutes{5});
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.sum_micros(), Histogram::kMaxMicros);
  EXPECT_GE(h.percentile(100).count(), static_cast<std::int64_t>(Histogram::kMaxMicros) * 0.99);
}

}  // namespace
}  // namespace gantry::proxy

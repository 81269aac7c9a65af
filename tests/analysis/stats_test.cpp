// Quantiles of bin lists, the normal distribution, the two-proportion z test and Wilson
// intervals, against values worked out by hand or with Python's statistics.NormalDist (whose
// inv_cdf is Wichura's AS241, an implementation independent of ours).
#include "analysis/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace gantry::analysis {
namespace {

TEST(QuantileMicros, IsZeroWhenEmpty) {
  EXPECT_EQ(quantile_micros({}, 95), 0);
  EXPECT_EQ(quantile_micros({{100, 0}}, 95), 0);
}

TEST(QuantileMicros, TakesTheBinHoldingTheNearestRank) {
  // 100 samples: 90 at 10, 9 at 20, 1 at 30. p90 is sample 90 (10), p95 sample 95 (20),
  // p99 sample 99 (20), p100 sample 100 (30), p0 the first sample.
  const std::vector<LatencyBin> bins{{10, 90}, {20, 9}, {30, 1}};
  EXPECT_EQ(quantile_micros(bins, 90), 10);
  EXPECT_EQ(quantile_micros(bins, 90.5), 20);
  EXPECT_EQ(quantile_micros(bins, 95), 20);
  EXPECT_EQ(quantile_micros(bins, 99), 20);
  EXPECT_EQ(quantile_micros(bins, 99.5), 30);
  EXPECT_EQ(quantile_micros(bins, 100), 30);
  EXPECT_EQ(quantile_micros(bins, 0), 10);
}

TEST(QuantileMicros, AcceptsUnsortedAndRepeatedBins) {
  // Same as {10: 90, 20: 9, 30: 1}, scrambled and split.
  const std::vector<LatencyBin> bins{{30, 1}, {10, 40}, {20, 9}, {10, 50}, {5, 0}};
  EXPECT_EQ(quantile_micros(bins, 90), 10);
  EXPECT_EQ(quantile_micros(bins, 95), 20);
  EXPECT_EQ(quantile_micros(bins, 100), 30);
}

TEST(NormalDistribution, CdfAndTail) {
  EXPECT_DOUBLE_EQ(normal_cdf(0), 0.5);
  // Phi(1.959963984540054) = 0.975; Phi(-1) = 0.15865525393145707 (NormalDist().cdf(-1)).
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-15);
  EXPECT_NEAR(normal_cdf(-1), 0.15865525393145707, 1e-15);
  EXPECT_NEAR(normal_sf(1), 0.15865525393145707, 1e-15);
  // Far in the tail 1 - cdf would round to 0; the tail itself is 7.6198530241604696e-24 at 10.
  EXPECT_NEAR(normal_sf(10) / 7.6198530241604696e-24, 1, 1e-12);
}

TEST(NormalDistribution, QuantileMatchesAs241) {
  // Expected values: Python statistics.NormalDist().inv_cdf(p).
  EXPECT_NEAR(normal_quantile(0.975), 1.9599639845400536, 1e-13);
  EXPECT_NEAR(normal_quantile(0.995), 2.5758293035489, 1e-13);
  EXPECT_NEAR(normal_quantile(0.9), 1.2815515655446008, 1e-13);
  EXPECT_NEAR(normal_quantile(0.01), -2.3263478740408408, 1e-13);
  EXPECT_NEAR(normal_quantile(0.02425), -1.9729610513118845, 1e-13);  // Acklam's region edge
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-12);
  EXPECT_EQ(normal_quantile(0.5), 0);
  EXPECT_EQ(normal_quantile(0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(normal_quantile(1), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(normal_quantile(1.5)));
}

TEST(NormalDistribution, QuantileInvertsCdf) {
  for (double p = 1e-300; p < 1; p = p < 1e-3 ? p * 1e3 : p + 0.0137) {
    EXPECT_NEAR(normal_cdf(normal_quantile(p)) / p, 1, 1e-12) << p;
  }
}

TEST(TwoProportion, TextbookExample) {
  // 45/100 against 30/100: pooled p = 75/200 = 0.375,
  // se = sqrt(0.375 * 0.625 * (1/100 + 1/100)) = sqrt(0.0046875) = 0.0684653,
  // z = 0.15 / 0.0684653 = 2.1908902, one-sided p = 1 - Phi(2.1908902) = 0.0142299.
  const auto t = two_proportion_greater(45, 100, 30, 100);
  EXPECT_DOUBLE_EQ(t.rate_canary, 0.45);
  EXPECT_DOUBLE_EQ(t.rate_baseline, 0.30);
  EXPECT_DOUBLE_EQ(t.pooled, 0.375);
  EXPECT_NEAR(t.z, 2.1908902300206647, 1e-12);
  EXPECT_NEAR(t.p_value, 0.014229868458155215, 1e-12);
}

TEST(TwoProportion, IsOneSided) {
  // The canary doing better is no evidence that it is worse: z = -2.19, p = 1 - 0.0142.
  const auto t = two_proportion_greater(30, 100, 45, 100);
  EXPECT_NEAR(t.z, -2.1908902300206647, 1e-12);
  EXPECT_NEAR(t.p_value, 1 - 0.014229868458155215, 1e-12);
}

TEST(TwoProportion, HandlesZeroCounts) {
  // No errors on either side, or errors everywhere: the pooled rate is 0 or 1, no evidence.
  EXPECT_EQ(two_proportion_greater(0, 1000, 0, 1000).p_value, 1);
  EXPECT_EQ(two_proportion_greater(1000, 1000, 50, 50).p_value, 1);
  EXPECT_EQ(two_proportion_greater(5, 0, 0, 100).p_value, 1);
  EXPECT_EQ(two_proportion_greater(5, 100, 0, 0).p_value, 1);
  // 10/100 against 0/100: pooled 0.05, se = sqrt(0.05 * 0.95 * 0.02) = 0.0308221,
  // z = 0.1 / 0.0308221 = 3.2444284.
  const auto t = two_proportion_greater(10, 100, 0, 100);
  EXPECT_NEAR(t.z, 3.2444284226152509, 1e-12);
  EXPECT_LT(t.p_value, 0.001);
}

TEST(WilsonInterval, EightOfTen) {
  // p = 0.8, z = 1.959964, z^2/n = 0.3841459: centre = (0.8 + 0.1920729) / 1.3841459 = 0.7167401,
  // half = 1.959964 / 1.3841459 * sqrt(0.016 + 0.0096036) = 0.2265777: [0.4901625, 0.9433178],
  // the interval tables give for 8/10 at 95%.
  const auto i = wilson_interval(8, 10, normal_quantile(0.975));
  EXPECT_NEAR(i.low, 0.49016247153664183, 1e-12);
  EXPECT_NEAR(i.high, 0.9433178485456247, 1e-12);
}

TEST(WilsonInterval, OneSidedBounds) {
  // 95 of 100 with z = normal_quantile(0.95) = 1.6448536: [0.9008389, 0.9754526].
  const auto i = wilson_interval(95, 100, normal_quantile(0.95));
  EXPECT_NEAR(i.low, 0.9008389147209472, 1e-12);
  EXPECT_NEAR(i.high, 0.9754526365741958, 1e-12);
}

TEST(WilsonInterval, EdgesAreExact) {
  // 0/10: low is 0, high z^2/(n + z^2) = 3.8414588 / 13.8414588 = 0.2775328.
  const auto none = wilson_interval(0, 10, normal_quantile(0.975));
  EXPECT_EQ(none.low, 0);
  EXPECT_NEAR(none.high, 0.27753279986288915, 1e-12);
  const auto all = wilson_interval(10, 10, normal_quantile(0.975));
  EXPECT_NEAR(all.low, 1 - 0.27753279986288915, 1e-12);
  EXPECT_EQ(all.high, 1);
  const auto empty = wilson_interval(0, 0, 2);
  EXPECT_EQ(empty.low, 0);
  EXPECT_EQ(empty.high, 1);
}

}  // namespace
}  // namespace gantry::analysis

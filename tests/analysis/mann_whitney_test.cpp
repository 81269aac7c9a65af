// Mann-Whitney U (exact and normal approximation with ties) and the Hodges-Lehmann shift on
// grouped data, against textbook examples and against brute force over the expanded samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "analysis/stats.h"

namespace gantry::analysis {
namespace {

// One bin per sample: every value distinct within the list.
std::vector<LatencyBin> singles(const std::vector<double>& values) {
  std::vector<LatencyBin> bins;
  for (double v : values) bins.push_back({v, 1});
  return bins;
}

std::vector<double> expand(const std::vector<LatencyBin>& bins) {
  std::vector<double> out;
  for (const auto& b : bins) out.insert(out.end(), b.count, b.micros);
  return out;
}

std::vector<LatencyBin> random_bins(std::mt19937& rng, int distinct, int max_count, double shift) {
  std::uniform_int_distribution<int> value(0, 40);
  std::uniform_int_distribution<int> count(1, max_count);
  std::map<double, std::uint64_t> m;
  for (int i = 0; i < distinct; ++i) m[value(rng) * 2.5 + shift] += count(rng);
  std::vector<LatencyBin> bins;
  for (const auto& [v, c] : m) bins.push_back({v, c});
  return bins;
}

TEST(MannWhitneyExact, AllCanaryAboveBaselineThreeEach) {
  // canary {4,5,6} against baseline {1,2,3}: U = 9, the largest of C(6,3) = 20 equally likely
  // arrangements, so P(U >= 9) = 1/20.
  const auto r = mann_whitney_greater(singles({4, 5, 6}), singles({1, 2, 3}));
  EXPECT_EQ(r.u, 9);
  EXPECT_TRUE(r.exact);
  EXPECT_FALSE(r.ties);
  EXPECT_DOUBLE_EQ(r.p_value, 1.0 / 20);
}

TEST(MannWhitneyExact, MannWhitney1947TableFourEach) {
  // Mann & Whitney (1947), table for n = m = 4: P(U <= 3) = 0.100, i.e. 7 of C(8,4) = 70
  // arrangements (U = 0: 1, 1: 1, 2: 2, 3: 3, the partitions of U into at most 4 parts <= 4).
  // By symmetry P(U >= 16 - 3) = 7/70. canary {1.5,6,7,8} against baseline {1,2,4,5}: 1.5 beats
  // one, 6, 7 and 8 beat all four: U = 1 + 12 = 13.
  const auto r = mann_whitney_greater(singles({1.5, 6, 7, 8}), singles({1, 2, 4, 5}));
  EXPECT_EQ(r.u, 13);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.p_value, 7.0 / 70);
}

TEST(MannWhitneyExact, FiveEachTable) {
  // n = m = 5: P(U <= 4) = 12/252 = 0.0476 (table value 0.048; partitions of 0..4 into at most
  // 5 parts: 1 + 1 + 2 + 3 + 5 = 12). canary {2,7,8,9,10} vs {1,3,4,5,6}: 1 + 5*4 = 21 = 25 - 4.
  const auto r = mann_whitney_greater(singles({2, 7, 8, 9, 10}), singles({1, 3, 4, 5, 6}));
  EXPECT_EQ(r.u, 21);
  EXPECT_DOUBLE_EQ(r.p_value, 12.0 / 252);
  EXPECT_DOUBLE_EQ(mann_whitney_exact_sf(5, 5, 21), 12.0 / 252);
  EXPECT_DOUBLE_EQ(mann_whitney_exact_sf(5, 5, 0), 1);
  EXPECT_DOUBLE_EQ(mann_whitney_exact_sf(5, 5, 25), 1.0 / 252);
}

TEST(MannWhitneyExact, TortoiseAndHare) {
  // Wikipedia's illustration: finishing order T H H H H H T T T T T H, so tortoises finish at
  // places {1,7,8,9,10,11} and hares at {2,3,4,5,6,12}. Taking places as latencies, the
  // tortoises are slower in 0 + 5*5 = 25 of the 36 pairs (U_T = 25, U_H = 11).
  // P(U >= 25) = P(U <= 11) by symmetry = 143 of C(12,6) = 924 arrangements (counted by
  // enumerating all 924 choices of six places in Python).
  const auto tortoise = singles({1, 7, 8, 9, 10, 11});
  const auto hare = singles({2, 3, 4, 5, 6, 12});
  const auto r = mann_whitney_greater(tortoise, hare);
  EXPECT_EQ(r.u, 25);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.p_value, 143.0 / 924);
  EXPECT_EQ(mann_whitney_greater(hare, tortoise).u, 11);
}

TEST(MannWhitneyExact, LargerSamplesUseTheNormalApproximation) {
  std::vector<double> a, b;
  for (int i = 0; i < 21; ++i) {
    a.push_back(2 * i + 1);
    b.push_back(2 * i);
  }
  const auto r = mann_whitney_greater(singles(a), singles(b));
  EXPECT_FALSE(r.exact);
  EXPECT_FALSE(r.ties);
  EXPECT_EQ(mann_whitney_exact_sf(21, 5, 0), 1);  // out of the exact range
}

TEST(MannWhitneyApprox, TiesHandWorked) {
  // baseline {1,1,2,2,3}, canary {2,3,3,4,4}: as bins.
  // U: canary 2 beats two 1s and ties two 2s -> 3; each 3 beats four, ties one -> 4.5 x 2 = 9;
  // each 4 beats all five -> 10. U = 22, mean 12.5.
  // Tie groups (both samples): 1 x2, 2 x3, 3 x3, 4 x2: sum(t^3 - t) = 6 + 24 + 24 + 6 = 60.
  // var = 25/12 * (11 - 60/(10*9)) = 21.527778, sd = 4.6398036,
  // z = (22 - 12.5 - 0.5) / 4.6398036 = 1.9397373, p = 1 - Phi(z) = 0.0262058.
  const std::vector<LatencyBin> baseline{{1, 2}, {2, 2}, {3, 1}};
  const std::vector<LatencyBin> canary{{2, 1}, {3, 2}, {4, 2}};
  const auto r = mann_whitney_greater(canary, baseline);
  EXPECT_EQ(r.n_canary, 5u);
  EXPECT_EQ(r.n_baseline, 5u);
  EXPECT_DOUBLE_EQ(r.u, 22);
  EXPECT_DOUBLE_EQ(r.mean, 12.5);
  EXPECT_TRUE(r.ties);
  EXPECT_FALSE(r.exact);
  EXPECT_NEAR(r.sd, 4.639803635691686, 1e-12);
  EXPECT_NEAR(r.z, 1.9397372618891686, 1e-12);
  EXPECT_NEAR(r.p_value, 0.026205814335514388, 1e-12);
}

TEST(MannWhitneyApprox, AllValuesEqualIsNoEvidence) {
  const auto r = mann_whitney_greater({{100, 5000}}, {{100, 7000}});
  EXPECT_EQ(r.u, 5000.0 * 7000 / 2);
  EXPECT_EQ(r.sd, 0);
  EXPECT_EQ(r.p_value, 1);
}

TEST(MannWhitneyApprox, EmptySampleIsNoEvidence) {
  EXPECT_EQ(mann_whitney_greater({}, {{1, 3}}).p_value, 1);
  EXPECT_EQ(mann_whitney_greater({{1, 3}}, {}).p_value, 1);
}

TEST(MannWhitneyApprox, GroupedMatchesBruteForce) {
  std::mt19937 rng(7);
  for (int round = 0; round < 30; ++round) {
    const auto c = random_bins(rng, 12, 9, round % 3 == 0 ? 5 : 0);
    const auto b = random_bins(rng, 10, 9, 0);
    const auto xs = expand(c);
    const auto ys = expand(b);
    double u = 0;
    for (double x : xs) {
      for (double y : ys) u += x > y ? 1 : x == y ? 0.5 : 0;
    }
    // Tie correction from the pooled sorted list: runs of equal values.
    std::vector<double> all(xs);
    all.insert(all.end(), ys.begin(), ys.end());
    std::sort(all.begin(), all.end());
    double tie_sum = 0;
    for (std::size_t i = 0; i < all.size();) {
      std::size_t j = i;
      while (j < all.size() && all[j] == all[i]) ++j;
      const double t = static_cast<double>(j - i);
      tie_sum += t * t * t - t;
      i = j;
    }
    const double n1 = static_cast<double>(xs.size()), n2 = static_cast<double>(ys.size());
    const double n = n1 + n2;
    const double sd = std::sqrt(n1 * n2 / 12 * ((n + 1) - tie_sum / (n * (n - 1))));
    const auto r = mann_whitney_greater(c, b);
    EXPECT_DOUBLE_EQ(r.u, u) << round;
    EXPECT_NEAR(r.sd, sd, 1e-9 * sd) << round;
    EXPECT_NEAR(r.z, (u - n1 * n2 / 2 - 0.5) / sd, 1e-9) << round;
  }
}

TEST(MannWhitneyApprox, MillionsOfRequestsInFewBins) {
  // 649,500 samples each in 1300 bins: the test works on bins, not samples. The canary is the
  // baseline moved up ten bins. Expected values from the rank-sum route in Python (mid-rank of
  // each tie group summed over the canary, U = R1 - n1(n1+1)/2): U = 214172870000,
  // z = 15.19808226676369.
  std::vector<LatencyBin> baseline, canary;
  for (int i = 0; i < 1300; ++i) {
    const std::uint64_t count = 200 + static_cast<std::uint64_t>(i % 7) * 100;
    baseline.push_back({100.0 + i, count});
    canary.push_back({110.0 + i, count});
  }
  const auto r = mann_whitney_greater(canary, baseline);
  EXPECT_EQ(r.n_canary, 649'500u);
  EXPECT_DOUBLE_EQ(r.u, 214172870000.0);
  EXPECT_NEAR(r.z, 15.19808226676369, 1e-9);
  EXPECT_LT(r.p_value, 1e-50);
  // Identical distributions: U is exactly the mean, z is -0.5/sd, p just over one half.
  const auto same = mann_whitney_greater(baseline, baseline);
  EXPECT_DOUBLE_EQ(same.u, same.mean);
  EXPECT_GT(same.p_value, 0.5);
  EXPECT_LT(same.p_value, 0.51);
}

TEST(HodgesLehmann, ShiftedSetGivesTheShift) {
  // {6,7,8} - {1,2,3}: differences 3, 4, 4, 5, 5, 5, 6, 6, 7: median 5.
  EXPECT_EQ(hodges_lehmann_shift(singles({6, 7, 8}), singles({1, 2, 3})), 5);
  EXPECT_EQ(hodges_lehmann_shift(singles({1, 2, 3}), singles({6, 7, 8})), -5);
}

TEST(HodgesLehmann, EvenNumberOfPairsAveragesTheMiddleTwo) {
  // {10, 20} - {1, 2}: differences 8, 9, 18, 19: median (9 + 18) / 2 = 13.5.
  EXPECT_EQ(hodges_lehmann_shift(singles({10, 20}), singles({1, 2})), 13.5);
}

TEST(HodgesLehmann, WeightsBinPairsByCounts) {
  // canary {10 x3, 100 x1}, baseline {0 x1}: differences 10, 10, 10, 100: median 10.
  EXPECT_EQ(hodges_lehmann_shift({{10, 3}, {100, 1}}, {{0, 1}}), 10);
  // A heavy bin dominates: canary {50 x1000}, baseline {0 x1, 49 x2}: median 1.
  EXPECT_EQ(hodges_lehmann_shift({{50, 1000}}, {{0, 1}, {49, 2}}), 1);
  EXPECT_EQ(hodges_lehmann_shift({}, {{1, 1}}), 0);
}

TEST(HodgesLehmann, GroupedMatchesBruteForce) {
  std::mt19937 rng(11);
  for (int round = 0; round < 40; ++round) {
    const auto c = random_bins(rng, 1 + round % 15, 6, round % 4 == 0 ? 7.5 : 0);
    const auto b = random_bins(rng, 1 + round % 11, 6, 0);
    std::vector<double> d;
    for (double x : expand(c)) {
      for (double y : expand(b)) d.push_back(x - y);
    }
    std::sort(d.begin(), d.end());
    const std::size_t m = d.size();
    const double median = m % 2 == 1 ? d[m / 2] : (d[m / 2 - 1] + d[m / 2]) / 2;
    EXPECT_DOUBLE_EQ(hodges_lehmann_shift(c, b), median) << round;
  }
}

TEST(HodgesLehmann, ManyBinsAndCounts) {
  // 1300 bins each, the canary exactly 40 µs slower everywhere: every bin pair with the same
  // index differs by 40, and the distribution of differences is symmetric about 40.
  std::vector<LatencyBin> baseline, canary;
  for (int i = 0; i < 1300; ++i) {
    const double v = 100 * std::pow(1.011, i);
    baseline.push_back({v, 1000});
    canary.push_back({v + 40, 1000});
  }
  EXPECT_NEAR(hodges_lehmann_shift(canary, baseline), 40, 1e-6);
}

}  // namespace
}  // namespace gantry::analysis

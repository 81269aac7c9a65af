// Statistics for judging a canary: quantiles, rank tests and effect size on grouped latency data
// (histogram bins with counts), proportion tests, normal distribution. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace gantry::analysis {

// A histogram bucket: its value (the bucket's middle) and how many samples fell in it. Lists are
// expected sorted by micros ascending; every function below also accepts unsorted lists,
// repeated values and zero counts (it sorts and merges a copy).
struct LatencyBin {
  double micros = 0;
  std::uint64_t count = 0;
  friend bool operator==(const LatencyBin&, const LatencyBin&) = default;
};

// Sum of the counts.
std::uint64_t total_count(const std::vector<LatencyBin>& bins);

// Quantile q (0..100) by nearest rank, like the proxy's Histogram::percentile: the value of the
// bin holding sample ceil(q% of n), at least the first; 0 when the list is empty.
double quantile_micros(const std::vector<LatencyBin>& bins, double q);

// Standard normal distribution: cdf, upper tail 1 - cdf (accurate far out in the tail), and the
// inverse cdf (Acklam's approximation refined by one Halley step: ~1e-15 relative error);
// normal_quantile(0) is -inf, (1) is +inf, outside [0, 1] NaN.
double normal_cdf(double z);
double normal_sf(double z);
double normal_quantile(double p);

// Mann-Whitney U test of canary against baseline, one-sided: H1 "canary is stochastically
// greater (slower)". U counts the (canary, baseline) pairs where the canary value is greater,
// ties counting one half; it equals the canary's rank sum (mid-ranks) minus n1(n1+1)/2.
struct MannWhitney {
  std::uint64_t n_canary = 0;
  std::uint64_t n_baseline = 0;
  double u = 0;        // the canary's U
  double mean = 0;     // E[U] under H0: n1 n2 / 2
  double sd = 0;       // sqrt of the tie-corrected variance of U under H0
  double z = 0;        // (u - mean - 0.5) / sd (continuity-corrected); 0 when sd is 0
  double p_value = 1;  // P(U >= u) under H0: exact when `exact`, else normal approximation
  bool exact = false;  // no ties and both samples at most kMannWhitneyExactMax
  bool ties = false;   // some value occurs more than once across both samples
};
inline constexpr std::uint64_t kMannWhitneyExactMax = 20;

// O(b log b) in the number of bins, whatever the counts. p_value is 1 when a sample is empty or
// every value is the same.
MannWhitney mann_whitney_greater(const std::vector<LatencyBin>& canary,
                                 const std::vector<LatencyBin>& baseline);

// Exact P(U >= u) for the U of an n1-sample against an n2-sample, no ties, by the classic
// recurrence f(n1, n2, k) = f(n1 - 1, n2, k - n2) + f(n1, n2 - 1, k) over C(n1 + n2, n1)
// arrangements. Needs n1, n2 <= kMannWhitneyExactMax; returns 1 for larger ones or an empty side.
double mann_whitney_exact_sf(std::uint64_t n1, std::uint64_t n2, double u);

// Hodges-Lehmann shift: the median of all pairwise differences canary - baseline (each bin pair
// weighted by count x count; with an even number of pairs, the mean of the two middle ones).
// Positive means the canary is slower. O((b1 + b2) log range) time, O(b1 + b2) memory, without
// listing the pairs. 0 when a sample is empty.
double hodges_lehmann_shift(const std::vector<LatencyBin>& canary,
                            const std::vector<LatencyBin>& baseline);

// Two-proportion z test, one-sided: H0 p_canary <= p_baseline, H1 p_canary > p_baseline, with
// the pooled standard error. z 0 and p_value 1 when a side has no trials or the pooled rate is 0
// or 1 (both sides all-or-nothing alike: no evidence of a difference).
struct TwoProportion {
  double rate_canary = 0;
  double rate_baseline = 0;
  double pooled = 0;
  double z = 0;
  double p_value = 1;
};
TwoProportion two_proportion_greater(std::uint64_t events_canary, std::uint64_t trials_canary,
                                     std::uint64_t events_baseline, std::uint64_t trials_baseline);

// Wilson score interval for a proportion at normal quantile z: z = normal_quantile(1 - alpha/2)
// gives a two-sided 1 - alpha interval, z = normal_quantile(1 - alpha) one-sided bounds that each
// hold with probability 1 - alpha. [0, 1] when there are no trials. Events above trials count as
// trials.
struct Interval {
  double low = 0;
  double high = 1;
};
Interval wilson_interval(std::uint64_t events, std::uint64_t trials, double z);

}  // namespace gantry::analysis

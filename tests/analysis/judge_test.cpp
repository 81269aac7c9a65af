// judge() and judge_early(): verdicts on samples shaped like the proxy's (latencies in its
// log-linear buckets), the min_requests and no-baseline rules, and validate().
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>

#include "analysis/analysis.h"

namespace gantry::analysis {
namespace {

// The middle of the proxy's bucket holding `micros`: one per µs below 128, 64 per power of two
// above.
double bucket_middle(double micros) {
  if (micros < 128) return std::floor(micros);
  const int msb = static_cast<int>(std::floor(std::log2(micros)));
  const double width = std::ldexp(1.0, msb - 6);
  return std::floor(micros / width) * width + width / 2;
}

// n latencies drawn log-normally around a median, bucketed.
std::vector<LatencyBin> lognormal(std::uint64_t n, double median_micros, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> draw(std::log(median_micros), 0.4);
  std::map<double, std::uint64_t> m;
  for (std::uint64_t i = 0; i < n; ++i) ++m[bucket_middle(draw(rng))];
  std::vector<LatencyBin> bins;
  for (const auto& [v, c] : m) bins.push_back({v, c});
  return bins;
}

std::vector<LatencyBin> times_count(std::vector<LatencyBin> bins, std::uint64_t k) {
  for (auto& b : bins) b.count *= k;
  return bins;
}

Sample sample(std::uint64_t requests, std::uint64_t errors, std::vector<LatencyBin> latency) {
  return Sample{requests, errors, 0, std::move(latency)};
}

// The spec's example: success_rate min 99%, latency_p95 max 500ms and 2 x baseline, statistical.
Criteria typical() {
  Criteria c;
  c.success_rate_min = 0.99;
  c.latency.push_back({95, 500'000.0, 2.0});
  c.statistical = true;
  return c;
}

const Check* find(const Verdict& v, const std::string& name) {
  for (const auto& k : v.checks) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

TEST(Judge, PassesWhenCanaryMatchesBaseline) {
  // The same distribution, the baseline nine times the traffic.
  const auto canary_latency = lognormal(1000, 12'000, 1);
  const auto v = judge(typical(), sample(9000, 18, times_count(canary_latency, 9)),
                       sample(1000, 2, canary_latency));
  EXPECT_EQ(v.outcome, Outcome::Pass) << v.reason;
  EXPECT_EQ(v.reason, "");
  ASSERT_EQ(v.checks.size(), 5u);
  EXPECT_EQ(v.checks[0].name, "success_rate");
  EXPECT_EQ(v.checks[1].name, "latency_p95");
  EXPECT_EQ(v.checks[2].name, "latency_p95_ratio");
  EXPECT_EQ(v.checks[3].name, "judge_latency");
  EXPECT_EQ(v.checks[4].name, "judge_errors");
  for (const auto& k : v.checks) EXPECT_TRUE(k.ok) << k.name << ": " << k.detail;
  EXPECT_DOUBLE_EQ(v.checks[0].value, 0.998);
  EXPECT_DOUBLE_EQ(v.checks[2].value, 1.0);  // same p95
  EXPECT_EQ(v.statistics.hodges_lehmann_micros, 0);
  EXPECT_TRUE(v.statistics.latency_tested);
  EXPECT_NEAR(v.statistics.alpha, 0.01, 1e-12);
}

TEST(Judge, RarelyFailsIndependentDrawsOfOneDistribution) {
  // 50 intervals where canary and baseline come from the same distribution (latency and a 0.2%
  // error rate): at alpha 0.01 about 0.5 false failures are expected; more than 3 would mean the
  // tests are miscalibrated (ties, wrong tail).
  Criteria c;
  c.statistical = true;
  int failures = 0;
  std::mt19937_64 rng(99);
  std::binomial_distribution<std::uint64_t> base_errors(5000, 0.002), canary_errors(1000, 0.002);
  for (unsigned seed = 0; seed < 50; ++seed) {
    const auto v = judge(c, sample(5000, base_errors(rng), lognormal(5000, 12'000, 1000 + seed)),
                         sample(1000, canary_errors(rng), lognormal(1000, 12'000, 2000 + seed)));
    ASSERT_NE(v.outcome, Outcome::Inconclusive);
    if (v.outcome == Outcome::Fail) ++failures;
  }
  EXPECT_LE(failures, 3);
}

TEST(Judge, FailsOnHalfTheRequestsFailing) {
  const auto latency = lognormal(1000, 12'000, 2);
  const auto v =
      judge(typical(), sample(9000, 0, times_count(latency, 9)), sample(1000, 500, latency));
  EXPECT_EQ(v.outcome, Outcome::Fail);
  EXPECT_EQ(v.reason, "canary success rate 50.00% < min 99.00%");
  const Check* errors = find(v, "judge_errors");
  ASSERT_NE(errors, nullptr);
  EXPECT_FALSE(errors->ok);
  EXPECT_LT(errors->value, 1e-100);  // z = 68.8
  EXPECT_NEAR(v.statistics.errors.z, 68.82472016116853, 1e-9);
  EXPECT_NE(errors->detail.find("canary error rate 50.00% > stable 0.00%"), std::string::npos)
      << errors->detail;
}

TEST(Judge, FailsOnThreeTimesTheLatency) {
  const auto v = judge(typical(), sample(9000, 9, lognormal(9000, 12'000, 3)),
                       sample(1000, 1, lognormal(1000, 36'000, 4)));
  EXPECT_EQ(v.outcome, Outcome::Fail);
  EXPECT_TRUE(find(v, "success_rate")->ok);
  EXPECT_TRUE(find(v, "latency_p95")->ok);  // about 70ms, under 500ms
  const Check* ratio = find(v, "latency_p95_ratio");
  EXPECT_FALSE(ratio->ok);
  EXPECT_GT(ratio->value, 2.5);
  EXPECT_EQ(v.reason, ratio->detail);
  EXPECT_NE(v.reason.find(" > 2.0 x stable p95 "), std::string::npos) << v.reason;
  const Check* statistical = find(v, "judge_latency");
  EXPECT_FALSE(statistical->ok);
  EXPECT_LT(v.statistics.mann_whitney.p_value, 1e-100);
  // Shift about median(36ms) - median(12ms) = 24ms.
  EXPECT_GT(v.statistics.hodges_lehmann_micros, 20'000);
  EXPECT_LT(v.statistics.hodges_lehmann_micros, 28'000);
  EXPECT_TRUE(find(v, "judge_errors")->ok);
}

TEST(Judge, StatisticalAloneCatchesSlowerCanary) {
  Criteria c;
  c.statistical = true;
  const auto v = judge(c, sample(9000, 9, lognormal(9000, 12'000, 3)),
                       sample(1000, 1, lognormal(1000, 36'000, 4)));
  EXPECT_EQ(v.outcome, Outcome::Fail);
  EXPECT_EQ(v.reason, find(v, "judge_latency")->detail);
  EXPECT_EQ(v.reason.rfind("canary slower than stable: Mann-Whitney p ", 0), 0u) << v.reason;
}

TEST(Judge, SignificantButSmallShiftIsWithinTolerance) {
  // 100,000 requests each, the canary 5% slower: certainly different (p tiny), but a shift of
  // ~0.6ms is under 20% of the 12ms median. With a 1% tolerance the same numbers fail.
  const auto baseline = lognormal(100'000, 12'000, 5);
  const auto canary = lognormal(100'000, 12'600, 6);
  Criteria c;
  c.statistical = true;
  const auto v = judge(c, sample(100'000, 0, baseline), sample(100'000, 0, canary));
  EXPECT_EQ(v.outcome, Outcome::Pass) << v.reason;
  EXPECT_LT(v.statistics.mann_whitney.p_value, 1e-10);
  EXPECT_GT(v.statistics.hodges_lehmann_micros, 300);
  EXPECT_LT(v.statistics.hodges_lehmann_micros, 900);
  c.latency_tolerance = 0.01;
  // 1% of 12ms is 120us, but the 1ms minimum shift still lets ~0.6ms through; without it the
  // same numbers fail.
  EXPECT_EQ(judge(c, sample(100'000, 0, baseline), sample(100'000, 0, canary)).outcome,
            Outcome::Pass);
  c.latency_min_shift_micros = 0;
  const auto strict = judge(c, sample(100'000, 0, baseline), sample(100'000, 0, canary));
  EXPECT_EQ(strict.outcome, Outcome::Fail);
}

TEST(Judge, AMicrosecondShiftOfAFreshReplicaIsNoSlowdown) {
  // Regression (the demo): a new replica answered in ~120us against the stable's ~45us, its
  // first requests paying for new connections. Certainly different, far over 20% of the
  // median, but under the 1ms minimum shift: no failure. A 3x slower 5ms service still fails.
  Criteria c;
  c.statistical = true;
  const auto fast =
      judge(c, sample(5000, 0, lognormal(5000, 45, 1)), sample(1000, 0, lognormal(1000, 120, 2)));
  EXPECT_EQ(fast.outcome, Outcome::Pass) << fast.reason;
  EXPECT_LT(fast.statistics.mann_whitney.p_value, 1e-6);
  const auto slow = judge(c, sample(5000, 0, lognormal(5000, 5000, 3)),
                          sample(1000, 0, lognormal(1000, 15000, 4)));
  EXPECT_EQ(slow.outcome, Outcome::Fail);
  EXPECT_EQ(slow.reason, find(slow, "judge_latency")->detail);
}

TEST(Judge, ARatioOfSubMillisecondQuantilesWithinTheMinimumShiftPasses) {
  // Regression (the demo): canary p95 3.0ms against stable p95 0.6ms is 5x, but 2.4ms apart
  // it fails; 0.3ms against 0.1ms (3x, 0.2ms apart) does not.
  Criteria c = typical();
  c.latency_min_shift_micros = 1000;
  const auto close =
      judge(c, sample(5000, 0, lognormal(5000, 100, 1)), sample(1000, 0, lognormal(1000, 300, 2)));
  const Check* ratio = find(close, "latency_p95_ratio");
  EXPECT_TRUE(ratio->ok) << ratio->detail;
  EXPECT_GT(ratio->value, 2.0);
  EXPECT_NE(ratio->detail.find("but within 1.0ms of it"), std::string::npos) << ratio->detail;
  const auto far =
      judge(c, sample(5000, 0, lognormal(5000, 600, 3)), sample(1000, 0, lognormal(1000, 3000, 4)));
  EXPECT_FALSE(find(far, "latency_p95_ratio")->ok);
}

TEST(Judge, InconclusiveUnderMinRequests) {
  // Even 12 failures out of 12 do not fail: too few to judge.
  const auto v = judge(typical(), sample(9000, 0, lognormal(9000, 12'000, 7)), sample(12, 12, {}));
  EXPECT_EQ(v.outcome, Outcome::Inconclusive);
  EXPECT_EQ(v.reason, "canary had 12 requests, below min_requests 50");
  EXPECT_TRUE(v.checks.empty());
  EXPECT_EQ(v.canary.requests, 12u);
  // At min_requests it is judged.
  const auto at = judge(typical(), sample(9000, 0, lognormal(9000, 12'000, 7)), sample(50, 50, {}));
  EXPECT_EQ(at.outcome, Outcome::Fail);
  // No traffic is never a pass, even with min_requests 0.
  Criteria none = typical();
  none.min_requests = 0;
  const auto empty = judge(none, Sample{}, Sample{});
  EXPECT_EQ(empty.outcome, Outcome::Inconclusive);
  EXPECT_EQ(empty.reason, "canary had no requests");
}

TEST(Judge, WithoutBaselineJudgesAbsoluteThresholdsOnly) {
  const auto latency = lognormal(1000, 12'000, 8);
  const auto v = judge(typical(), Sample{}, sample(1000, 1, latency));
  EXPECT_EQ(v.outcome, Outcome::Pass) << v.reason;
  for (const char* name : {"latency_p95_ratio", "judge_latency", "judge_errors"}) {
    const Check* k = find(v, name);
    ASSERT_NE(k, nullptr) << name;
    EXPECT_TRUE(k->ok);
    EXPECT_EQ(k->detail, "no baseline");
  }
  EXPECT_FALSE(v.statistics.latency_tested);
  EXPECT_FALSE(v.statistics.errors_tested);

  const auto bad = judge(typical(), Sample{}, sample(1000, 50, latency));
  EXPECT_EQ(bad.outcome, Outcome::Fail);
  EXPECT_EQ(bad.reason, "canary success rate 95.00% < min 99.00%");

  // A baseline under min_requests counts as none.
  const auto thin =
      judge(typical(), sample(20, 0, lognormal(20, 1000, 9)), sample(1000, 1, latency));
  EXPECT_EQ(thin.outcome, Outcome::Pass);
  EXPECT_EQ(find(thin, "judge_latency")->detail,
            "no baseline: stable had 20 requests, below min_requests 50");
}

TEST(Judge, LatencyOverTheMaximum) {
  Criteria c;
  c.latency.push_back({95, 500'000.0, std::nullopt});
  c.latency.push_back({50, 150'000.0, std::nullopt});
  // p95 is sample 950 of 1000: in the 600ms bin; p50 in the 100ms bin.
  const auto v = judge(c, Sample{}, sample(1000, 0, {{100'000, 900}, {600'000, 100}}));
  EXPECT_EQ(v.outcome, Outcome::Fail);
  EXPECT_EQ(v.reason, "canary p95 600.0ms > max 500.0ms");
  ASSERT_EQ(v.checks.size(), 2u);
  EXPECT_EQ(v.checks[0].value, 600'000);
  EXPECT_EQ(v.checks[1].name, "latency_p50");
  EXPECT_TRUE(v.checks[1].ok);
  EXPECT_EQ(v.checks[1].detail, "canary p50 100.0ms <= max 150.0ms");
}

TEST(Judge, ErrorRateOverBaseline) {
  Criteria c;
  c.error_rate_max = 0.05;
  c.error_rate_max_over_baseline = 0.01;
  const auto v = judge(c, sample(1000, 10, {}), sample(1000, 30, {}));
  EXPECT_EQ(v.outcome, Outcome::Fail);
  ASSERT_EQ(v.checks.size(), 2u);
  EXPECT_TRUE(v.checks[0].ok);  // 3% <= 5%
  EXPECT_EQ(v.checks[0].detail, "canary error rate 3.00% <= max 5.00%");
  EXPECT_EQ(v.checks[1].name, "error_rate_over_baseline");
  EXPECT_NEAR(v.checks[1].value, 0.02, 1e-12);
  EXPECT_EQ(v.reason,
            "canary error rate 3.00% is 2.00 points over stable 1.00%, past max 1.00 points");
  c.error_rate_max_over_baseline = 0.025;
  EXPECT_EQ(judge(c, sample(1000, 10, {}), sample(1000, 30, {})).outcome, Outcome::Pass);
}

TEST(JudgeEarly, NeverPasses) {
  const auto latency = lognormal(1000, 12'000, 10);
  const auto v =
      judge_early(typical(), sample(9000, 0, times_count(latency, 9)), sample(1000, 0, latency), 5);
  EXPECT_EQ(v.outcome, Outcome::Inconclusive);
  EXPECT_TRUE(v.early);
  EXPECT_EQ(v.reason,
            "early look: no overwhelming evidence at alpha 0.001; the end of the interval decides");
  for (const auto& k : v.checks) EXPECT_TRUE(k.ok) << k.name;
  EXPECT_EQ(judge_early(typical(), Sample{}, sample(10, 10, {}), 5).reason,
            "canary had 10 requests, below min_requests 50");
}

TEST(JudgeEarly, FailsOnOverwhelmingEvidence) {
  const auto latency = lognormal(1000, 12'000, 11);
  const auto errors = judge_early(typical(), sample(9000, 0, times_count(latency, 9)),
                                  sample(1000, 500, latency), 5);
  EXPECT_EQ(errors.outcome, Outcome::Fail);
  EXPECT_EQ(errors.reason.rfind("canary success rate 50.00% (at most ", 0), 0u) << errors.reason;
  EXPECT_FALSE(find(errors, "judge_errors")->ok);

  const auto slow = judge_early(typical(), sample(9000, 0, lognormal(9000, 12'000, 12)),
                                sample(1000, 0, lognormal(1000, 36'000, 13)), 5);
  EXPECT_EQ(slow.outcome, Outcome::Fail);
  EXPECT_FALSE(find(slow, "judge_latency")->ok);
  EXPECT_NEAR(slow.statistics.alpha, 0.001, 1e-15);
}

TEST(JudgeEarly, DoesNotFailOnAMildDifference) {
  // 196 of 200 succeed (98%): under the 99% minimum, so the interval fails, but the one-sided
  // Wilson upper bound at alpha 0.001 (z 3.09) is 99.5%: 98% may be noise of a 99% canary.
  Criteria c;
  c.success_rate_min = 0.99;
  EXPECT_EQ(judge(c, Sample{}, sample(200, 4, {})).outcome, Outcome::Fail);
  const auto early = judge_early(c, Sample{}, sample(200, 4, {}), 5);
  EXPECT_EQ(early.outcome, Outcome::Inconclusive);
  // 40 of 200 failing is overwhelming.
  EXPECT_EQ(judge_early(c, Sample{}, sample(200, 40, {}), 5).outcome, Outcome::Fail);

  // Errors 2.0% against 0.5%, 1000 requests each: z = 3.019, p = 0.00127. Below alpha 0.01 at the
  // end of the interval, above an early look's 0.001.
  Criteria s;
  s.statistical = true;
  const auto full = judge(s, sample(1000, 5, {}), sample(1000, 20, {}));
  EXPECT_EQ(full.outcome, Outcome::Fail);
  EXPECT_NEAR(full.statistics.errors.p_value, 0.0012683555874841712, 1e-12);
  EXPECT_EQ(judge_early(s, sample(1000, 5, {}), sample(1000, 20, {}), 10).outcome,
            Outcome::Inconclusive);
}

TEST(JudgeEarly, LatencyOverTheMaximumByExceedances) {
  Criteria c;
  c.latency.push_back({95, 500'000.0, std::nullopt});
  // Half the samples above 500ms where at most 5% may be: the lower bound is far past 5%.
  const auto v = judge_early(c, Sample{}, sample(200, 0, {{100'000, 100}, {900'000, 100}}), 5);
  EXPECT_EQ(v.outcome, Outcome::Fail);
  EXPECT_EQ(v.checks[0].name, "latency_p95");
  // 8% above (p95 over the maximum by the rank) is not overwhelming with 200 samples.
  const auto mild = judge_early(c, Sample{}, sample(200, 0, {{100'000, 184}, {900'000, 16}}), 5);
  EXPECT_EQ(mild.outcome, Outcome::Inconclusive);
  EXPECT_EQ(judge(c, Sample{}, sample(200, 0, {{100'000, 184}, {900'000, 16}})).outcome,
            Outcome::Fail);
}

TEST(JudgeEarly, AlphaPerLook) {
  // alpha / looks, capped at 0.001 (Haybittle-Peto), floored at alpha * 1e-3.
  EXPECT_DOUBLE_EQ(early_alpha(0.01, 1), 0.001);
  EXPECT_DOUBLE_EQ(early_alpha(0.01, 5), 0.001);
  EXPECT_DOUBLE_EQ(early_alpha(0.01, 20), 0.0005);
  EXPECT_DOUBLE_EQ(early_alpha(0.01, 100'000), 1e-5);
  EXPECT_DOUBLE_EQ(early_alpha(0.01, 0), 0.001);
  EXPECT_DOUBLE_EQ(early_alpha(0.0001, 4), 0.000025);
}

TEST(Outcome, Names) {
  EXPECT_EQ(name_of(Outcome::Pass), "pass");
  EXPECT_EQ(name_of(Outcome::Fail), "fail");
  EXPECT_EQ(name_of(Outcome::Inconclusive), "inconclusive");
}

TEST(ValidateCriteria, AcceptsDefaultsAndTheSpecExample) {
  EXPECT_TRUE(validate(Criteria{}));
  EXPECT_TRUE(validate(typical()));
}

TEST(ValidateCriteria, NamesTheBadField) {
  Criteria c = typical();
  c.confidence = 99;
  auto s = validate(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().key_path, "confidence");
  EXPECT_NE(s.error().message.find("0.99"), std::string::npos) << s.error().message;

  c = typical();
  c.latency.push_back({0, 1.0, std::nullopt});
  s = validate(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().key_path, "latency[1].quantile");

  c = typical();
  c.success_rate_min = 99;
  s = validate(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().key_path, "success_rate_min");

  c = typical();
  c.latency[0].max_ratio_to_baseline = -1;
  EXPECT_EQ(validate(c).error().key_path, "latency[0].max_ratio_to_baseline");
}

}  // namespace
}  // namespace gantry::analysis

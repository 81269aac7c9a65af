// Judging a canary version against its baseline (stable) from per-version numbers over one
// interval window: thresholds, baseline ratios, a statistical judge, and early looks in the middle
// of an interval. Knows nothing of the proxy or the spec. Pure functions on value types;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/stats.h"  // LatencyBin, quantile_micros and the tests behind the judge
#include "core/result.h"

namespace gantry::analysis {

// One version's numbers over one window.
struct Sample {
  std::uint64_t requests = 0;       // responses seen in the window (all codes) + failures
                                    // without a response
  std::uint64_t errors = 0;         // 5xx responses + connect errors + upstream time-outs
  std::uint64_t timeouts = 0;       // upstream time-outs (a subset of errors)
  std::vector<LatencyBin> latency;  // latency distribution of the window
};

struct LatencyLimit {
  int quantile = 95;  // 50, 90, 95, 99 (any 1..100 is accepted)
  std::optional<double> max_micros;
  std::optional<double> max_ratio_to_baseline;
};

struct Criteria {
  std::optional<double> success_rate_min;              // fraction 0..1
  std::optional<double> error_rate_max;                // fraction 0..1
  std::optional<double> error_rate_max_over_baseline;  // canary error rate minus baseline's
  std::vector<LatencyLimit> latency;
  bool statistical = false;         // run the statistical judge (judge_latency, judge_errors)
  double confidence = 0.99;         // 1 - alpha
  std::uint64_t min_requests = 50;  // per version; the baseline's only matters to
                                    // baseline-relative and statistical checks
  double latency_tolerance = 0.2;   // allowed Hodges-Lehmann shift, fraction of baseline median
  // ... and never less than this (µs): a shift of a few tens of µs (a fresh replica's cold
  // connections) is no slowdown a user sees, however significant.
  double latency_min_shift_micros = 1000;
};

// Refuses criteria the judge cannot use, naming the field (key_path relative to the analysis
// block, e.g. "latency[1].quantile") and what would be valid.
Status validate(const Criteria& criteria);

enum class Outcome { Pass, Fail, Inconclusive };
std::string_view name_of(Outcome o);  // "pass" | "fail" | "inconclusive"

struct Check {
  std::string name;  // "success_rate", "error_rate", "error_rate_over_baseline", "latency_p95",
                     // "latency_p95_ratio", "judge_latency", "judge_errors"
  bool ok = true;
  double value = 0;  // rates as fractions, latencies in µs, ratios as ratios, p-values for judge_*
  double limit = 0;  // same unit as value (alpha for judge_*)
  std::string detail;  // human words: "canary p95 41.2ms > 2.0 x stable p95 12.1ms"
};

// What a verdict saw of one version.
struct VersionSummary {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t latency_samples = 0;
  double error_rate = 0;    // 0 without requests
  double success_rate = 0;  // 1 - error_rate; 0 without requests
  double p50_micros = 0;
  double p95_micros = 0;
  double p99_micros = 0;
};
VersionSummary summarize(const Sample& s);

// The statistical judge's numbers, when it ran.
struct Statistics {
  bool latency_tested = false;
  MannWhitney mann_whitney;
  double hodges_lehmann_micros = 0;
  double baseline_median_micros = 0;
  bool errors_tested = false;
  TwoProportion errors;
  double alpha = 0;  // the significance level used: 1 - confidence, or an early look's stricter one
};

struct Verdict {
  Outcome outcome = Outcome::Inconclusive;
  std::vector<Check> checks;
  // One line: why it failed (the first failed check's detail), or why inconclusive ("canary had
  // 12 requests, below min_requests 50"); "" on pass.
  std::string reason;
  bool early = false;  // from judge_early
  VersionSummary baseline;
  VersionSummary canary;
  Statistics statistics;

  // {"outcome":"fail","reason":...,"early":false,"baseline":{...},"canary":{...},"checks":[...],
  //  "statistics":{...}}: docs/analysis.md shows a complete one.
  std::string to_json() const;
};

// Full judgement at the end of an interval. Canary below min_requests (or without requests):
// Inconclusive, always. Baseline below min_requests (or none: requests == 0): baseline-relative
// and statistical checks are skipped (listed with ok = true and a detail starting "no baseline");
// absolute thresholds are still judged. Any failed check fails the verdict; otherwise it passes.
Verdict judge(const Criteria& criteria, const Sample& baseline, const Sample& canary);

// An early look in the middle of an interval (the samples so far): Fail only on overwhelming
// evidence, otherwise Inconclusive, never Pass. Each test runs at early_alpha(); see
// docs/analysis.md, "Early looks".
Verdict judge_early(const Criteria& criteria, const Sample& baseline, const Sample& canary,
                    int looks_per_interval);

// The significance level of one early look: alpha / looks, at most 0.001 (Haybittle-Peto) and at
// least alpha * 1e-3.
double early_alpha(double alpha, int looks_per_interval);

}  // namespace gantry::analysis

// The canary judge: threshold checks, baseline ratios, the statistical judge, early looks, and
// validation of criteria.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "analysis/analysis.h"

namespace gantry::analysis {
namespace {

// Outside validate(), criteria are taken as they come; alpha is kept where the tests make sense.
constexpr double kMinAlpha = 1e-15;
constexpr double kMaxAlpha = 0.5;
constexpr double kHaybittlePeto = 0.001;   // the classic "overwhelming evidence" interim level
constexpr double kEarlyAlphaFloor = 1e-3;  // an early look's alpha is at least alpha * this

template <class... Args>
std::string format(const char* pattern, Args... args) {
  std::string out(128, '\0');
  const int n = std::snprintf(out.data(), out.size() + 1, pattern, args...);
  if (n < 0) return pattern;
  if (static_cast<std::size_t>(n) > out.size()) {
    out.resize(static_cast<std::size_t>(n));
    std::snprintf(out.data(), out.size() + 1, pattern, args...);
  }
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string percent(double fraction) { return format("%.2f%%", fraction * 100); }

// 41.2ms, 0.85ms, 1234.5ms: the unit users read latencies in.
std::string ms(double micros) {
  return std::abs(micros) >= 1000 ? format("%.1fms", micros / 1000)
                                  : format("%.3gms", micros / 1000);
}

// 2.0, 1.25, 3.0: a ratio as written in a spec.
std::string ratio(double r) {
  std::string s = format("%g", r);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// 0.0062, 3.1e-12; p-values that underflow a double read "< 1e-300" rather than 0.
std::string p_value(double p) { return p < 1e-300 ? "< 1e-300" : format("%.2g", p); }

std::string points(double fraction) { return format("%.2f points", fraction * 100); }

// 1 - confidence, rounded to 1e-12 so that 0.99 gives 0.01 and not 0.010000000000000009.
double alpha_of(const Criteria& c) {
  const double alpha = std::round((1 - c.confidence) * 1e12) / 1e12;
  return std::isnan(alpha) ? 0.01 : std::clamp(alpha, kMinAlpha, kMaxAlpha);
}

double error_rate(const Sample& s) {
  if (s.requests == 0) return 0;
  return static_cast<double>(std::min(s.errors, s.requests)) / static_cast<double>(s.requests);
}

std::string too_few(const char* who, std::uint64_t n, std::uint64_t min_requests,
                    const char* what = "requests") {
  return format("%s had %llu %s, below min_requests %llu", who, static_cast<unsigned long long>(n),
                what, static_cast<unsigned long long>(min_requests));
}

// "" when the baseline can be compared against, else why not (starting "no baseline").
std::string baseline_gap(const Criteria& c, const Sample& baseline) {
  if (baseline.requests == 0) return "no baseline";
  if (baseline.requests < c.min_requests) {
    return "no baseline: " + too_few("stable", baseline.requests, c.min_requests);
  }
  return "";
}

Check skipped(std::string name, double value, double limit, std::string why) {
  return Check{std::move(name), true, value, limit, std::move(why)};
}

std::string latency_name(int quantile) { return "latency_p" + std::to_string(quantile); }

// The parts of judge() and judge_early() that differ only by alpha.
Check judge_latency(const Criteria& c, const Sample& baseline, const Sample& canary,
                    const std::string& gap, double alpha, Statistics& st) {
  if (!gap.empty()) return skipped("judge_latency", 1, alpha, gap);
  if (total_count(canary.latency) == 0 || total_count(baseline.latency) == 0) {
    return skipped("judge_latency", 1, alpha, "no latency samples to compare");
  }
  st.latency_tested = true;
  st.mann_whitney = mann_whitney_greater(canary.latency, baseline.latency);
  st.hodges_lehmann_micros = hodges_lehmann_shift(canary.latency, baseline.latency);
  st.baseline_median_micros = quantile_micros(baseline.latency, 50);
  const double p = st.mann_whitney.p_value;
  const double shift = st.hodges_lehmann_micros;
  const double relative = c.latency_tolerance * st.baseline_median_micros;
  const double allowed = std::max(relative, c.latency_min_shift_micros);
  const std::string tolerance =
      relative >= c.latency_min_shift_micros
          ? format("%g%% of stable median %s", c.latency_tolerance * 100,
                   ms(st.baseline_median_micros).c_str())
          : format("the minimum shift %s", ms(c.latency_min_shift_micros).c_str());
  Check k{"judge_latency", true, p, alpha, ""};
  if (p >= alpha) {
    k.detail = format("canary not significantly slower: Mann-Whitney p %s >= alpha %s, shift %s%s",
                      p_value(p).c_str(), p_value(alpha).c_str(), shift >= 0 ? "+" : "",
                      ms(shift).c_str());
  } else if (shift <= allowed) {
    k.detail =
        format("canary significantly slower (Mann-Whitney p %s < alpha %s) but shift %s%s <= %s",
               p_value(p).c_str(), p_value(alpha).c_str(), shift >= 0 ? "+" : "", ms(shift).c_str(),
               tolerance.c_str());
  } else {
    k.ok = false;
    k.detail =
        format("canary slower than stable: Mann-Whitney p %s < alpha %s and shift +%s > %s",
               p_value(p).c_str(), p_value(alpha).c_str(), ms(shift).c_str(), tolerance.c_str());
  }
  return k;
}

Check judge_errors(const Sample& baseline, const Sample& canary, const std::string& gap,
                   double alpha, Statistics& st) {
  if (!gap.empty()) return skipped("judge_errors", 1, alpha, gap);
  st.errors_tested = true;
  st.errors =
      two_proportion_greater(canary.errors, canary.requests, baseline.errors, baseline.requests);
  const auto& t = st.errors;
  Check k{"judge_errors", t.p_value >= alpha, t.p_value, alpha, ""};
  k.detail =
      format("canary error rate %s %s stable %s: z %.2f, p %s %s alpha %s",
             percent(t.rate_canary).c_str(), k.ok ? "vs" : ">", percent(t.rate_baseline).c_str(),
             t.z, p_value(t.p_value).c_str(), k.ok ? ">=" : "<", p_value(alpha).c_str());
  return k;
}

// Fail with the first failed check's detail, else `otherwise` with `reason`.
void conclude(Verdict& v, Outcome otherwise, std::string reason) {
  const auto failed =
      std::find_if(v.checks.begin(), v.checks.end(), [](const Check& k) { return !k.ok; });
  if (failed != v.checks.end()) {
    v.outcome = Outcome::Fail;
    v.reason = failed->detail;
  } else {
    v.outcome = otherwise;
    v.reason = std::move(reason);
  }
}

// A canary without requests is never judged, whatever min_requests says.
bool enough(const Criteria& c, const Sample& canary) {
  return canary.requests > 0 && canary.requests >= c.min_requests;
}

// The verdict before any check: Inconclusive with its reason when the canary had too little
// traffic to judge.
Verdict start(const Criteria& c, const Sample& baseline, const Sample& canary, double alpha) {
  Verdict v;
  v.baseline = summarize(baseline);
  v.canary = summarize(canary);
  v.statistics.alpha = alpha;
  if (!enough(c, canary)) {
    v.outcome = Outcome::Inconclusive;
    v.reason = canary.requests == 0 ? "canary had no requests"
                                    : too_few("canary", canary.requests, c.min_requests);
  }
  return v;
}

}  // namespace

std::string_view name_of(Outcome o) {
  switch (o) {
    case Outcome::Pass:
      return "pass";
    case Outcome::Fail:
      return "fail";
    case Outcome::Inconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

VersionSummary summarize(const Sample& s) {
  VersionSummary v;
  v.requests = s.requests;
  v.errors = s.errors;
  v.timeouts = s.timeouts;
  v.latency_samples = total_count(s.latency);
  if (s.requests > 0) {
    v.error_rate = error_rate(s);
    v.success_rate = 1 - v.error_rate;
  }
  v.p50_micros = quantile_micros(s.latency, 50);
  v.p95_micros = quantile_micros(s.latency, 95);
  v.p99_micros = quantile_micros(s.latency, 99);
  return v;
}

double early_alpha(double alpha, int looks_per_interval) {
  alpha = std::isnan(alpha) ? 0.01 : std::clamp(alpha, kMinAlpha, kMaxAlpha);
  const double looks = std::max(1, looks_per_interval);
  return std::max(std::min(alpha / looks, kHaybittlePeto), alpha * kEarlyAlphaFloor);
}

Verdict judge(const Criteria& c, const Sample& baseline, const Sample& canary) {
  Verdict v = start(c, baseline, canary, alpha_of(c));
  if (!enough(c, canary)) return v;
  const std::string gap = baseline_gap(c, baseline);
  const double canary_errors = error_rate(canary);

  if (c.success_rate_min) {
    const double rate = 1 - canary_errors;
    const bool ok = rate >= *c.success_rate_min;
    v.checks.push_back({"success_rate", ok, rate, *c.success_rate_min,
                        format("canary success rate %s %s min %s", percent(rate).c_str(),
                               ok ? ">=" : "<", percent(*c.success_rate_min).c_str())});
  }
  if (c.error_rate_max) {
    const bool ok = canary_errors <= *c.error_rate_max;
    v.checks.push_back({"error_rate", ok, canary_errors, *c.error_rate_max,
                        format("canary error rate %s %s max %s", percent(canary_errors).c_str(),
                               ok ? "<=" : ">", percent(*c.error_rate_max).c_str())});
  }
  if (c.error_rate_max_over_baseline) {
    const double limit = *c.error_rate_max_over_baseline;
    if (!gap.empty()) {
      v.checks.push_back(skipped("error_rate_over_baseline", 0, limit, gap));
    } else {
      const double base = error_rate(baseline);
      const double over = canary_errors - base;
      const bool ok = over <= limit;
      v.checks.push_back(
          {"error_rate_over_baseline", ok, over, limit,
           format("canary error rate %s is %s over stable %s, %s max %s",
                  percent(canary_errors).c_str(), points(over).c_str(), percent(base).c_str(),
                  ok ? "within" : "past", points(limit).c_str())});
    }
  }
  for (const auto& limit : c.latency) {
    const std::string name = latency_name(limit.quantile);
    const std::string p = "p" + std::to_string(limit.quantile);
    const bool canary_latency = total_count(canary.latency) > 0;
    const double q = quantile_micros(canary.latency, limit.quantile);
    if (limit.max_micros) {
      if (!canary_latency) {
        v.checks.push_back(skipped(name, 0, *limit.max_micros, "no latency samples from canary"));
      } else {
        const bool ok = q <= *limit.max_micros;
        v.checks.push_back({name, ok, q, *limit.max_micros,
                            format("canary %s %s %s max %s", p.c_str(), ms(q).c_str(),
                                   ok ? "<=" : ">", ms(*limit.max_micros).c_str())});
      }
    }
    if (limit.max_ratio_to_baseline) {
      const double r = *limit.max_ratio_to_baseline;
      const double base = quantile_micros(baseline.latency, limit.quantile);
      if (!gap.empty()) {
        v.checks.push_back(skipped(name + "_ratio", 0, r, gap));
      } else if (!canary_latency || !(base > 0)) {
        v.checks.push_back(skipped(name + "_ratio", 0, r,
                                   !canary_latency ? "no latency samples from canary"
                                                   : "stable " + p + " is 0: no ratio"));
      } else {
        // A ratio of sub-millisecond quantiles is noise: within latency_min_shift of the
        // stable's it never fails (0.3ms against 0.1ms is 3x, and no user's problem).
        const bool within_shift = q - base <= c.latency_min_shift_micros;
        const bool ok = q <= r * base || within_shift;
        v.checks.push_back(
            {name + "_ratio", ok, q / base, r,
             format("canary %s %s %s %s x stable %s %s%s", p.c_str(), ms(q).c_str(),
                    q <= r * base ? "<=" : ">", ratio(r).c_str(), p.c_str(), ms(base).c_str(),
                    q > r * base && within_shift
                        ? format(", but within %s of it", ms(c.latency_min_shift_micros).c_str())
                              .c_str()
                        : "")});
      }
    }
  }
  if (c.statistical) {
    const double alpha = v.statistics.alpha;
    v.checks.push_back(judge_latency(c, baseline, canary, gap, alpha, v.statistics));
    v.checks.push_back(judge_errors(baseline, canary, gap, alpha, v.statistics));
  }
  conclude(v, Outcome::Pass, "");
  return v;
}

Verdict judge_early(const Criteria& c, const Sample& baseline, const Sample& canary,
                    int looks_per_interval) {
  const double alpha = early_alpha(alpha_of(c), looks_per_interval);
  Verdict v = start(c, baseline, canary, alpha);
  v.early = true;
  if (!enough(c, canary)) return v;
  const std::string gap = baseline_gap(c, baseline);
  // One-sided bounds: each holds with probability 1 - alpha.
  const double z = normal_quantile(1 - alpha);
  const std::string at = "at alpha " + p_value(alpha);

  if (c.success_rate_min) {
    const std::uint64_t good = canary.requests - std::min(canary.errors, canary.requests);
    const double rate = static_cast<double>(good) / static_cast<double>(canary.requests);
    const double upper = wilson_interval(good, canary.requests, z).high;
    const bool ok = upper >= *c.success_rate_min;
    v.checks.push_back({"success_rate", ok, rate, *c.success_rate_min,
                        format("canary success rate %s (at most %s %s) %s min %s",
                               percent(rate).c_str(), percent(upper).c_str(), at.c_str(),
                               ok ? "may reach" : "<", percent(*c.success_rate_min).c_str())});
  }
  if (c.error_rate_max) {
    const double rate = error_rate(canary);
    const double lower = wilson_interval(canary.errors, canary.requests, z).low;
    const bool ok = lower <= *c.error_rate_max;
    v.checks.push_back({"error_rate", ok, rate, *c.error_rate_max,
                        format("canary error rate %s (at least %s %s) %s max %s",
                               percent(rate).c_str(), percent(lower).c_str(), at.c_str(),
                               ok ? "may be within" : ">", percent(*c.error_rate_max).c_str())});
  }
  // A quantile over the maximum means more than (100 - q)% of samples above it: a proportion,
  // bounded like the error rate.
  for (const auto& limit : c.latency) {
    if (!limit.max_micros) continue;
    const std::string name = latency_name(limit.quantile);
    const std::uint64_t n = total_count(canary.latency);
    if (n < c.min_requests) {
      v.checks.push_back(skipped(name, 0, *limit.max_micros,
                                 too_few("canary", n, c.min_requests, "latency samples")));
      continue;
    }
    std::uint64_t above = 0;
    for (const auto& b : canary.latency) {
      if (b.micros > *limit.max_micros) above += b.count;
    }
    const double allowed = 1 - limit.quantile / 100.0;
    const double lower = wilson_interval(above, n, z).low;
    const bool ok = lower <= allowed;
    v.checks.push_back(
        {name, ok, quantile_micros(canary.latency, limit.quantile), *limit.max_micros,
         format("canary p%d %s max %s: %s of samples above it (at least %s %s), %s %s",
                limit.quantile, ok ? "may be within" : "over", ms(*limit.max_micros).c_str(),
                percent(static_cast<double>(above) / static_cast<double>(n)).c_str(),
                percent(lower).c_str(), at.c_str(), ok ? "allowed" : "more than",
                percent(allowed).c_str())});
  }
  if (c.statistical) {
    v.checks.push_back(judge_latency(c, baseline, canary, gap, alpha, v.statistics));
    v.checks.push_back(judge_errors(baseline, canary, gap, alpha, v.statistics));
  }
  conclude(v, Outcome::Inconclusive,
           "early look: no overwhelming evidence " + at + "; the end of the interval decides");
  return v;
}

Status validate(const Criteria& c) {
  const auto bad = [](std::string key, std::string message) {
    return make_error(ErrorCode::Invalid, key + ": " + message, {}, key);
  };
  const auto fraction = [](const std::optional<double>& f) { return !f || (*f >= 0 && *f <= 1); };
  if (!fraction(c.success_rate_min)) {
    return bad("success_rate_min",
               format("%g is not a fraction between 0 and 1 (99%% is 0.99)", *c.success_rate_min));
  }
  if (!fraction(c.error_rate_max)) {
    return bad("error_rate_max",
               format("%g is not a fraction between 0 and 1 (1%% is 0.01)", *c.error_rate_max));
  }
  if (!fraction(c.error_rate_max_over_baseline)) {
    return bad("error_rate_max_over_baseline",
               format("%g is not a fraction between 0 and 1 (1%% is 0.01)",
                      *c.error_rate_max_over_baseline));
  }
  for (std::size_t i = 0; i < c.latency.size(); ++i) {
    const auto& l = c.latency[i];
    const std::string key = "latency[" + std::to_string(i) + "]";
    if (l.quantile < 1 || l.quantile > 100) {
      return bad(key + ".quantile",
                 format("%d is not a percentile; use 50, 90, 95 or 99", l.quantile));
    }
    if (l.max_micros && !(*l.max_micros > 0 && std::isfinite(*l.max_micros))) {
      return bad(key + ".max_micros", format("%g must be a positive latency", *l.max_micros));
    }
    if (l.max_ratio_to_baseline &&
        !(*l.max_ratio_to_baseline > 0 && std::isfinite(*l.max_ratio_to_baseline))) {
      return bad(key + ".max_ratio_to_baseline",
                 format("%g must be a positive ratio such as 2.0", *l.max_ratio_to_baseline));
    }
  }
  if (!(c.confidence >= 0.5 && c.confidence < 1)) {
    return bad("confidence",
               format("%g must be at least 0.5 and below 1 (e.g. 0.99)", c.confidence));
  }
  if (!(c.latency_tolerance >= 0 && std::isfinite(c.latency_tolerance))) {
    return bad("latency_tolerance",
               format("%g must be a fraction of the stable median, 0 or more (e.g. 0.2)",
                      c.latency_tolerance));
  }
  return {};
}

}  // namespace gantry::analysis

// Bins, quantiles, the normal distribution, the two-proportion z test and Wilson intervals.
#include "analysis/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/stats_impl.h"

namespace gantry::analysis {
namespace {

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kSqrt2Pi = 2.50662827463100050242;

// Acklam's rational approximation of the inverse normal cdf for 0 < p <= 0.5, relative error
// below 1.15e-9 before refinement.
double acklam_lower(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  if (p < kLow) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

}  // namespace

std::vector<LatencyBin> normalized(const std::vector<LatencyBin>& bins) {
  std::vector<LatencyBin> out;
  out.reserve(bins.size());
  for (const auto& b : bins) {
    if (b.count > 0 && !std::isnan(b.micros)) out.push_back(b);
  }
  if (!std::is_sorted(out.begin(), out.end(),
                      [](const auto& x, const auto& y) { return x.micros < y.micros; })) {
    std::sort(out.begin(), out.end(),
              [](const auto& x, const auto& y) { return x.micros < y.micros; });
  }
  std::size_t w = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (w > 0 && out[w - 1].micros == out[i].micros) {
      out[w - 1].count += out[i].count;
    } else {
      out[w++] = out[i];
    }
  }
  out.resize(w);
  return out;
}

std::uint64_t total_count(const std::vector<LatencyBin>& bins) {
  std::uint64_t n = 0;
  for (const auto& b : bins) n += b.count;
  return n;
}

double quantile_micros(const std::vector<LatencyBin>& bins, double q) {
  const auto sorted = normalized(bins);
  const std::uint64_t n = total_count(sorted);
  if (n == 0) return 0;
  q = std::clamp(std::isnan(q) ? 0.0 : q, 0.0, 100.0);
  // q * n / 100 rather than q / 100 * n: 95 * 100 / 100 is exactly 95, 0.95 * 100 is not.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n) / 100.0));
  rank = std::clamp<std::uint64_t>(rank, 1, n);
  std::uint64_t seen = 0;
  for (const auto& b : sorted) {
    seen += b.count;
    if (seen >= rank) return b.micros;
  }
  return sorted.back().micros;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / kSqrt2); }

double normal_sf(double z) { return 0.5 * std::erfc(z / kSqrt2); }

double normal_quantile(double p) {
  if (std::isnan(p) || p < 0 || p > 1) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0) return -std::numeric_limits<double>::infinity();
  if (p == 1) return std::numeric_limits<double>::infinity();
  // Work in the lower half, where p and the cdf are both accurate; 1 - p is exact for p >= 0.5.
  if (p > 0.5) return -normal_quantile(1 - p);
  double x = acklam_lower(p);
  // One Halley step on cdf(x) - p = 0 takes the error to about machine precision.
  const double e = normal_cdf(x) - p;
  const double u = e * kSqrt2Pi * std::exp(x * x / 2);
  x = x - u / (1 + x * u / 2);
  return x;
}

TwoProportion two_proportion_greater(std::uint64_t events_canary, std::uint64_t trials_canary,
                                     std::uint64_t events_baseline, std::uint64_t trials_baseline) {
  TwoProportion t;
  if (trials_canary == 0 || trials_baseline == 0) return t;
  events_canary = std::min(events_canary, trials_canary);
  events_baseline = std::min(events_baseline, trials_baseline);
  const auto n1 = static_cast<double>(trials_canary);
  const auto n2 = static_cast<double>(trials_baseline);
  t.rate_canary = static_cast<double>(events_canary) / n1;
  t.rate_baseline = static_cast<double>(events_baseline) / n2;
  t.pooled = static_cast<double>(events_canary + events_baseline) / (n1 + n2);
  const double se = std::sqrt(t.pooled * (1 - t.pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return t;
  t.z = (t.rate_canary - t.rate_baseline) / se;
  t.p_value = normal_sf(t.z);
  return t;
}

Interval wilson_interval(std::uint64_t events, std::uint64_t trials, double z) {
  if (trials == 0) return {};
  events = std::min(events, trials);
  const auto n = static_cast<double>(trials);
  const double p = static_cast<double>(events) / n;
  const double z2 = z * z;
  const double denom = 1 + z2 / n;
  const double centre = (p + z2 / (2 * n)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  Interval i{std::clamp(centre - half, 0.0, 1.0), std::clamp(centre + half, 0.0, 1.0)};
  // The bounds are exactly 0 and 1 there; rounding must not move them.
  if (events == 0) i.low = 0;
  if (events == trials) i.high = 1;
  return i;
}

}  // namespace gantry::analysis

// Rank statistics on grouped data: the Mann-Whitney U test (normal approximation with tie and
// continuity corrections, exact distribution for small samples) and the Hodges-Lehmann shift.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "analysis/stats.h"
#include "analysis/stats_impl.h"

namespace gantry::analysis {
namespace {

using Bins = std::vector<LatencyBin>;

// Total weight (count x count) and number of bin pairs whose difference c_i - b_j is <= d.
struct AtMost {
  std::uint64_t weight = 0;
  std::uint64_t pairs = 0;
};

// The bin pairs of a difference ordering: c ascending, b ascending, and b_prefix[j] the count of
// b's first j bins. For each c_i the b_j with c_i - b_j <= d are a suffix of b, starting at an
// index that only grows with i, so one pass of two pointers finds them all.
class Differences {
 public:
  Differences(const Bins& c, const Bins& b) : c_(c), b_(b), b_prefix_(b.size() + 1, 0) {
    for (std::size_t j = 0; j < b.size(); ++j) b_prefix_[j + 1] = b_prefix_[j] + b[j].count;
  }

  double min() const { return c_.front().micros - b_.back().micros; }
  double max() const { return c_.back().micros - b_.front().micros; }

  AtMost at_most(double d) const {
    AtMost r;
    std::size_t p = 0;
    for (const auto& ci : c_) {
      while (p < b_.size() && ci.micros - b_[p].micros > d) ++p;
      r.weight += ci.count * (b_prefix_.back() - b_prefix_[p]);
      r.pairs += b_.size() - p;
    }
    return r;
  }

  // The differences in (lo, hi] with their weights, ascending.
  std::vector<std::pair<double, std::uint64_t>> between(double lo, double hi) const {
    std::vector<std::pair<double, std::uint64_t>> out;
    std::size_t p_hi = 0;  // first j with c_i - b_j <= hi
    std::size_t p_lo = 0;  // first j with c_i - b_j <= lo
    for (const auto& ci : c_) {
      while (p_hi < b_.size() && ci.micros - b_[p_hi].micros > hi) ++p_hi;
      while (p_lo < b_.size() && ci.micros - b_[p_lo].micros > lo) ++p_lo;
      for (std::size_t j = p_hi; j < p_lo; ++j) {
        out.emplace_back(ci.micros - b_[j].micros, ci.count * b_[j].count);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // The k-th smallest difference (1-based, counting each pair of samples once), by bisection on
  // the value until few enough bin pairs are left to list: O((b1 + b2) log range).
  double kth(std::uint64_t k) const {
    const std::size_t list_limit = 4 * (c_.size() + b_.size()) + 64;
    double lo = std::nextafter(min(), -std::numeric_limits<double>::infinity());  // weight 0 < k
    double hi = max();                                                            // weight >= k
    AtMost at_lo{};
    AtMost at_hi = at_most(hi);
    for (;;) {
      const double mid = lo + (hi - lo) / 2;
      const bool splittable = lo < mid && mid < hi;
      if (at_hi.pairs - at_lo.pairs <= list_limit || !splittable) {
        std::uint64_t seen = at_lo.weight;
        for (const auto& [diff, weight] : between(lo, hi)) {
          seen += weight;
          if (seen >= k) return diff;
        }
        return hi;  // unreachable: at_hi.weight >= k
      }
      const AtMost at_mid = at_most(mid);
      if (at_mid.weight >= k) {
        hi = mid;
        at_hi = at_mid;
      } else {
        lo = mid;
        at_lo = at_mid;
      }
    }
  }

 private:
  const Bins& c_;
  const Bins& b_;
  std::vector<std::uint64_t> b_prefix_;
};

}  // namespace

double mann_whitney_exact_sf(std::uint64_t n1, std::uint64_t n2, double u) {
  if (n1 == 0 || n2 == 0 || n1 > kMannWhitneyExactMax || n2 > kMannWhitneyExactMax) return 1;
  // prev[j][k] = f(i - 1, j, k), cur[j][k] = f(i, j, k): arrangements of i and j values with
  // U == k. The largest value is either one of the i (it beats all j: k - j left for the rest)
  // or one of the j (it adds nothing).
  std::vector<std::vector<double>> prev(n2 + 1), cur(n2 + 1);
  for (std::uint64_t j = 0; j <= n2; ++j) prev[j] = {1.0};  // f(0, j, 0) = 1
  for (std::uint64_t i = 1; i <= n1; ++i) {
    cur[0] = {1.0};
    for (std::uint64_t j = 1; j <= n2; ++j) {
      cur[j].assign(i * j + 1, 0.0);
      for (std::uint64_t k = 0; k <= i * j; ++k) {
        double v = 0;
        if (k >= j && k - j < prev[j].size()) v += prev[j][k - j];
        if (k < cur[j - 1].size()) v += cur[j - 1][k];
        cur[j][k] = v;
      }
    }
    std::swap(prev, cur);
  }
  const auto& f = prev[n2];
  double total = 0;
  double tail = 0;
  const double from = std::ceil(u - 1e-9);
  for (std::size_t k = 0; k < f.size(); ++k) {
    total += f[k];
    if (static_cast<double>(k) >= from) tail += f[k];
  }
  return tail / total;
}

MannWhitney mann_whitney_greater(const std::vector<LatencyBin>& canary,
                                 const std::vector<LatencyBin>& baseline) {
  const Bins c = normalized(canary);
  const Bins b = normalized(baseline);
  MannWhitney r;
  r.n_canary = total_count(c);
  r.n_baseline = total_count(b);
  if (r.n_canary == 0 || r.n_baseline == 0) return r;

  // One merge pass over the distinct values: each canary sample at value v beats the baseline
  // samples below v and ties (one half each) with those at v. Long double: with a million
  // samples t^3 reaches 1e18 and n1 n2 1e12.
  long double u = 0;
  long double tie_sum = 0;  // sum of t^3 - t over the distinct values, t samples each
  std::uint64_t baseline_below = 0;
  std::size_t i = 0, j = 0;
  while (i < c.size() || j < b.size()) {
    const double v =
        j == b.size() || (i < c.size() && c[i].micros <= b[j].micros) ? c[i].micros : b[j].micros;
    const std::uint64_t at_c = i < c.size() && c[i].micros == v ? c[i++].count : 0;
    const std::uint64_t at_b = j < b.size() && b[j].micros == v ? b[j++].count : 0;
    u += static_cast<long double>(at_c) *
         (static_cast<long double>(baseline_below) + static_cast<long double>(at_b) / 2);
    const auto t = static_cast<long double>(at_c + at_b);
    if (at_c + at_b > 1) r.ties = true;
    tie_sum += t * t * t - t;
    baseline_below += at_b;
  }

  const auto n1 = static_cast<long double>(r.n_canary);
  const auto n2 = static_cast<long double>(r.n_baseline);
  const long double n = n1 + n2;
  const long double var = n1 * n2 / 12 * ((n + 1) - tie_sum / (n * (n - 1)));
  r.u = static_cast<double>(u);
  r.mean = static_cast<double>(n1 * n2 / 2);
  r.sd = var > 0 ? static_cast<double>(std::sqrt(var)) : 0.0;
  if (r.sd > 0) r.z = static_cast<double>((u - n1 * n2 / 2 - 0.5L) / std::sqrt(var));
  if (!r.ties && r.n_canary <= kMannWhitneyExactMax && r.n_baseline <= kMannWhitneyExactMax) {
    r.exact = true;
    r.p_value = mann_whitney_exact_sf(r.n_canary, r.n_baseline, r.u);
  } else if (r.sd > 0) {
    r.p_value = normal_sf(r.z);
  }
  return r;
}

double hodges_lehmann_shift(const std::vector<LatencyBin>& canary,
                            const std::vector<LatencyBin>& baseline) {
  const Bins c = normalized(canary);
  const Bins b = normalized(baseline);
  const std::uint64_t pairs = total_count(c) * total_count(b);
  if (pairs == 0) return 0;
  const Differences d(c, b);
  if (pairs % 2 == 1) return d.kth(pairs / 2 + 1);
  return (d.kth(pairs / 2) + d.kth(pairs / 2 + 1)) / 2;
}

}  // namespace gantry::analysis

// Log-linear bucket arithmetic and percentile queries.
#include "proxy/histogram.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace gantry::proxy {
namespace {

constexpr int kLinearBits = 7;  // 2^7 == kLinearBuckets
constexpr int kSubBits = 6;     // 2^6 == kSubBuckets

std::uint64_t saturating_minus(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

}  // namespace

static_assert(std::size_t{1} << kLinearBits == Histogram::kLinearBuckets);
static_assert(std::size_t{1} << kSubBits == Histogram::kSubBuckets);
static_assert(Histogram::kBucketCount == 1331);

std::uint64_t Histogram::bucket_low(std::size_t index) {
  if (index < kLinearBuckets) return index;
  const std::size_t j = index - kLinearBuckets;
  const int msb = static_cast<int>(j / kSubBuckets) + kLinearBits;
  const std::uint64_t mantissa = j % kSubBuckets + kSubBuckets;
  return mantissa << (msb - kSubBits);
}

std::uint64_t Histogram::bucket_high(std::size_t index) {
  if (index < kLinearBuckets) return index + 1;
  const int msb = static_cast<int>((index - kLinearBuckets) / kSubBuckets) + kLinearBits;
  return bucket_low(index) + (std::uint64_t{1} << (msb - kSubBits));
}

Histogram Histogram::from_buckets(std::span<const std::uint64_t> counts, std::uint64_t sum_micros) {
  assert(counts.size() == kBucketCount);
  Histogram h;
  for (std::size_t i = 0; i < kBucketCount && i < counts.size(); ++i) {
    h.counts_[i] = counts[i];
    h.count_ += counts[i];
  }
  h.sum_ = sum_micros;
  return h;
}

void Histogram::record_micros(std::uint64_t micros, std::uint64_t times) {
  counts_[bucket_index(micros)] += times;
  count_ += times;
  sum_ += std::min(micros, kMaxMicros) * times;
}

std::chrono::microseconds Histogram::percentile(double p) const {
  if (count_ == 0) return std::chrono::microseconds{0};
  p = std::clamp(p, 0.0, 100.0);
  // The rank of the sample: the smallest r with r >= p% of count, at least 1.
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const auto low = bucket_low(i);
      const auto mid = low + (bucket_high(i) - low) / 2;
      return std::chrono::microseconds{static_cast<std::int64_t>(mid)};
    }
  }
  return std::chrono::microseconds{static_cast<std::int64_t>(kMaxMicros)};
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
}

Histogram Histogram::minus(const Histogram& earlier) const {
  Histogram h;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    h.counts_[i] = saturating_minus(counts_[i], earlier.counts_[i]);
    h.count_ += h.counts_[i];
  }
  h.sum_ = saturating_minus(sum_, earlier.sum_);
  return h;
}

}  // namespace gantry::proxy

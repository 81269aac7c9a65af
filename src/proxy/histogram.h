// Latency histogram: log-linear buckets in microseconds, mergeable and subtractable, with
// percentile queries. A plain value type; not thread-safe to mutate concurrently.
#pragma once

#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace gantry::proxy {

// Buckets: 0..127 µs one per microsecond; above, 64 buckets per power of two (HdrHistogram
// style, ~2 significant digits) up to 60 s; longer values count as 60 s.
// Error bound: percentile() returns the middle of the bucket holding the sample of that rank,
// so it is exact (to the µs) below 128 µs and within 1/128 (0.79 %) of that sample above.
class Histogram {
 public:
  static constexpr std::uint64_t kMaxMicros = 60'000'000;
  static constexpr std::size_t kLinearBuckets = 128;
  static constexpr std::size_t kSubBuckets = 64;  // per power of two above kLinearBuckets

  // The bucket a value falls into (values above kMaxMicros count as kMaxMicros).
  static constexpr std::size_t bucket_index(std::uint64_t micros) {
    micros = micros < kMaxMicros ? micros : kMaxMicros;
    if (micros < kLinearBuckets) return static_cast<std::size_t>(micros);
    const int msb = std::bit_width(micros) - 1;  // >= 7
    const int shift = msb - 6;                   // keeps the top 7 bits: 64..127
    const auto sub = static_cast<std::size_t>(micros >> shift) - kSubBuckets;
    return kLinearBuckets + static_cast<std::size_t>(msb - 7) * kSubBuckets + sub;
  }
  // The bucket of kMaxMicros (msb 25, top 7 bits 114) is the last: 1331 buckets.
  static constexpr std::size_t kBucketCount =
      kLinearBuckets + (25 - 7) * kSubBuckets + (kMaxMicros >> (25 - 6)) - kSubBuckets + 1;

  // A bucket's range [low, high) in microseconds.
  static std::uint64_t bucket_low(std::size_t index);
  static std::uint64_t bucket_high(std::size_t index);

  // A histogram with these bucket counts (kBucketCount of them) and sum of values.
  static Histogram from_buckets(std::span<const std::uint64_t> counts, std::uint64_t sum_micros);

  void record(std::chrono::nanoseconds latency) {
    record_micros(latency.count() <= 0 ? 0 : static_cast<std::uint64_t>(latency.count()) / 1000);
  }
  void record_micros(std::uint64_t micros, std::uint64_t times = 1);

  std::uint64_t count() const { return count_; }
  std::uint64_t sum_micros() const { return sum_; }
  double mean_micros() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The value at or below which p percent (0..100) of samples fall, within the error bound
  // above; 0 when empty.
  std::chrono::microseconds percentile(double p) const;
  std::span<const std::uint64_t> buckets() const { return counts_; }

  void merge(const Histogram& other);
  // This (a later cumulative histogram) minus an earlier one of the same source; counts that
  // would go negative (the source was reset) are taken as 0.
  Histogram minus(const Histogram& earlier) const;

  friend bool operator==(const Histogram&, const Histogram&) = default;

 private:
  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
};

static_assert(Histogram::bucket_index(Histogram::kMaxMicros) == Histogram::kBucketCount - 1);

}  // namespace gantry::proxy

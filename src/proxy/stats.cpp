// Recording, snapshotting, merging and windowing per-version numbers.
#include "proxy/stats.h"

#include <algorithm>
#include <array>

namespace gantry::proxy {
namespace {

std::uint64_t down(std::uint64_t later, std::uint64_t earlier) {
  return later > earlier ? later - earlier : 0;
}

}  // namespace

std::uint64_t StatsSnapshot::responses() const {
  std::uint64_t n = responses_other;
  for (auto c : responses_by_class) n += c;
  return n;
}

std::uint64_t StatsSnapshot::responses_of_class(int status_class) const {
  if (status_class < 1 || status_class > 5) return 0;
  return responses_by_class[static_cast<std::size_t>(status_class - 1)];
}

std::uint64_t StatsSnapshot::responses_with_code(int code) const {
  if (code < kFirstCode || code > kLastCode) return 0;
  return responses_by_code[static_cast<std::size_t>(code - kFirstCode)];
}

void StatsSnapshot::merge(const StatsSnapshot& other) {
  requests += other.requests;
  for (std::size_t i = 0; i < responses_by_class.size(); ++i) {
    responses_by_class[i] += other.responses_by_class[i];
  }
  for (std::size_t i = 0; i < kCodeCount; ++i) responses_by_code[i] += other.responses_by_code[i];
  responses_other += other.responses_other;
  connect_errors += other.connect_errors;
  upstream_timeouts += other.upstream_timeouts;
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  latency.merge(other.latency);
}

StatsSnapshot merge(std::span<const StatsSnapshot> parts) {
  StatsSnapshot total;
  for (const auto& p : parts) total.merge(p);
  return total;
}

Window window_between(const StatsSnapshot& earlier, const StatsSnapshot& later) {
  Window w;
  w.requests = down(later.requests, earlier.requests);
  for (std::size_t i = 0; i < w.responses_by_class.size(); ++i) {
    w.responses_by_class[i] = down(later.responses_by_class[i], earlier.responses_by_class[i]);
  }
  for (std::size_t i = 0; i < StatsSnapshot::kCodeCount; ++i) {
    w.responses_by_code[i] = down(later.responses_by_code[i], earlier.responses_by_code[i]);
  }
  w.responses_other = down(later.responses_other, earlier.responses_other);
  w.connect_errors = down(later.connect_errors, earlier.connect_errors);
  w.upstream_timeouts = down(later.upstream_timeouts, earlier.upstream_timeouts);
  w.bytes_in = down(later.bytes_in, earlier.bytes_in);
  w.bytes_out = down(later.bytes_out, earlier.bytes_out);
  w.latency = later.latency.minus(earlier.latency);
  return w;
}

void VersionStats::on_response(int status, std::chrono::nanoseconds latency) {
  if (status >= StatsSnapshot::kFirstCode && status <= StatsSnapshot::kLastCode) {
    bump(by_class_[static_cast<std::size_t>(status / 100 - 1)]);
    bump(by_code_[static_cast<std::size_t>(status - StatsSnapshot::kFirstCode)]);
  } else {
    bump(other_);
  }
  const auto micros = std::min(
      latency.count() <= 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(latency.count()) / 1000,
      Histogram::kMaxMicros);
  bump(latency_[Histogram::bucket_index(micros)]);
  bump(latency_sum_, micros);
}

StatsSnapshot VersionStats::snapshot() const {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  StatsSnapshot s;
  s.requests = requests_.load(kRelaxed);
  for (std::size_t i = 0; i < by_class_.size(); ++i) {
    s.responses_by_class[i] = by_class_[i].load(kRelaxed);
  }
  for (std::size_t i = 0; i < by_code_.size(); ++i) {
    s.responses_by_code[i] = by_code_[i].load(kRelaxed);
  }
  s.responses_other = other_.load(kRelaxed);
  s.connect_errors = connect_errors_.load(kRelaxed);
  s.upstream_timeouts = upstream_timeouts_.load(kRelaxed);
  s.bytes_in = bytes_in_.load(kRelaxed);
  s.bytes_out = bytes_out_.load(kRelaxed);
  std::array<std::uint64_t, Histogram::kBucketCount> counts;
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = latency_[i].load(kRelaxed);
  s.latency = Histogram::from_buckets(counts, latency_sum_.load(kRelaxed));
  return s;
}

}  // namespace gantry::proxy

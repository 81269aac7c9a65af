// Per-version request numbers: VersionStats is written by one worker thread and read by the
// sampler from any thread; StatsSnapshot is the plain value it yields (merge, windows).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>

#include "proxy/histogram.h"

namespace gantry::proxy {

// Cumulative numbers of one version (from one worker, or merged over several). A value type.
struct StatsSnapshot {
  static constexpr int kFirstCode = 100;
  static constexpr int kLastCode = 599;
  static constexpr std::size_t kCodeCount = kLastCode - kFirstCode + 1;

  std::uint64_t requests = 0;
  std::array<std::uint64_t, 5> responses_by_class{};          // [0] = 1xx ... [4] = 5xx
  std::array<std::uint64_t, kCodeCount> responses_by_code{};  // [code - 100]
  std::uint64_t responses_other = 0;                          // status codes outside 100..599
  std::uint64_t connect_errors = 0;
  std::uint64_t upstream_timeouts = 0;
  std::uint64_t bytes_in = 0;   // from clients
  std::uint64_t bytes_out = 0;  // to clients
  Histogram latency;            // request head received -> response head sent

  std::uint64_t responses() const;
  // Responses of class 1..5 (1xx..5xx); 0 for other classes.
  std::uint64_t responses_of_class(int status_class) const;
  // Responses with exactly this status code; 0 outside 100..599.
  std::uint64_t responses_with_code(int code) const;

  void merge(const StatsSnapshot& other);

  friend bool operator==(const StatsSnapshot&, const StatsSnapshot&) = default;
};

// The sum of several workers' snapshots.
StatsSnapshot merge(std::span<const StatsSnapshot> parts);

// What happened between two cumulative snapshots of the same source: later minus earlier,
// field by field (a field that went down, after a reset, counts as 0). The analysis judges
// intervals from these.
using Window = StatsSnapshot;
Window window_between(const StatsSnapshot& earlier, const StatsSnapshot& later);

// The live counters of one version in one worker. Single writer: only the owning worker calls
// the on_*/add_* methods. Each counter is an atomic written with a relaxed load+store (a plain
// mov on x86-64, no locked instruction, no cache line shared with other workers) so that
// snapshot() may read it from the sampler thread without a data race. A snapshot is exact per
// counter but not across counters (a request may be counted before its response).
class VersionStats {
 public:
  VersionStats() = default;
  VersionStats(const VersionStats&) = delete;
  VersionStats& operator=(const VersionStats&) = delete;

  void on_request() { bump(requests_); }
  // A response head sent to the client, including ones the proxy generated (502/503/504).
  void on_response(int status, std::chrono::nanoseconds latency);
  void on_connect_error() { bump(connect_errors_); }
  void on_upstream_timeout() { bump(upstream_timeouts_); }
  void add_bytes_in(std::uint64_t n) { bump(bytes_in_, n); }
  void add_bytes_out(std::uint64_t n) { bump(bytes_out_, n); }

  // Any thread.
  StatsSnapshot snapshot() const;

 private:
  using Counter = std::atomic<std::uint64_t>;
  static void bump(Counter& c, std::uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  Counter requests_{0};
  std::array<Counter, 5> by_class_{};
  std::array<Counter, StatsSnapshot::kCodeCount> by_code_{};
  Counter other_{0};
  Counter connect_errors_{0};
  Counter upstream_timeouts_{0};
  Counter bytes_in_{0};
  Counter bytes_out_{0};
  std::array<Counter, Histogram::kBucketCount> latency_{};
  Counter latency_sum_{0};
};

}  // namespace gantry::proxy

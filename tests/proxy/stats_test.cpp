// Per-version stats: recording, snapshots, merging workers, windows, and a live sampler.
#include "proxy/stats.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace gantry::proxy {
namespace {

using std::chrono::milliseconds;

TEST(VersionStats, CountsResponsesByClassAndCode) {
  VersionStats stats;
  for (int i = 0; i < 5; ++i) stats.on_request();
  stats.on_response(200, milliseconds{10});
  stats.on_response(204, milliseconds{12});
  stats.on_response(503, milliseconds{1});
  stats.on_response(101, milliseconds{1});
  stats.on_response(999, milliseconds{1});
  stats.on_connect_error();
  stats.on_upstream_timeout();
  stats.add_bytes_in(300);
  stats.add_bytes_out(1200);
  const auto s = stats.snapshot();
  EXPECT_EQ(s.requests, 5u);
  EXPECT_EQ(s.responses(), 5u);
  EXPECT_EQ(s.responses_of_class(2), 2u);
  EXPECT_EQ(s.responses_of_class(5), 1u);
  EXPECT_EQ(s.responses_of_class(1), 1u);
  EXPECT_EQ(s.responses_of_class(7), 0u);
  EXPECT_EQ(s.responses_with_code(204), 1u);
  EXPECT_EQ(s.responses_with_code(503), 1u);
  EXPECT_EQ(s.responses_with_code(999), 0u);
  EXPECT_EQ(s.responses_other, 1u);
  EXPECT_EQ(s.connect_errors, 1u);
  EXPECT_EQ(s.upstream_timeouts, 1u);
  EXPECT_EQ(s.bytes_in, 300u);
  EXPECT_EQ(s.bytes_out, 1200u);
  EXPECT_EQ(s.latency.count(), 5u);
  EXPECT_EQ(s.latency.sum_micros(), 25'000u);
}

TEST(StatsSnapshot, MergeAddsWorkersFieldByField) {
  VersionStats w1, w2;
  w1.on_request();
  w1.on_response(200, milliseconds{5});
  w2.on_request();
  w2.on_request();
  w2.on_response(500, milliseconds{50});
  w2.on_response(200, milliseconds{7});
  w2.add_bytes_out(10);
  const std::vector<StatsSnapshot> parts{w1.snapshot(), w2.snapshot()};
  const auto total = merge(parts);
  EXPECT_EQ(total.requests, 3u);
  EXPECT_EQ(total.responses_with_code(200), 2u);
  EXPECT_EQ(total.responses_of_class(5), 1u);
  EXPECT_EQ(total.bytes_out, 10u);
  EXPECT_EQ(total.latency.count(), 3u);
  EXPECT_NEAR(total.latency.percentile(100).count(), 50'000, 50'000 / 128.0);
}

TEST(StatsSnapshot, WindowIsTheDifferenceOfTwoCumulativeSnapshots) {
  VersionStats stats;
  for (int i = 0; i < 10; ++i) {
    stats.on_request();
    stats.on_response(200, milliseconds{1});
  }
  const auto t0 = stats.snapshot();
  for (int i = 0; i < 4; ++i) {
    stats.on_request();
    stats.on_response(i == 0 ? 502 : 200, milliseconds{100});
  }
  stats.on_connect_error();
  const auto t1 = stats.snapshot();
  const auto w = window_between(t0, t1);
  EXPECT_EQ(w.requests, 4u);
  EXPECT_EQ(w.responses_with_code(200), 3u);
  EXPECT_EQ(w.responses_with_code(502), 1u);
  EXPECT_EQ(w.connect_errors, 1u);
  EXPECT_EQ(w.latency.count(), 4u);
  EXPECT_NEAR(w.latency.percentile(50).count(), 100'000, 100'000 / 128.0);
  // Merging the window back onto the earlier snapshot gives the later one.
  auto rebuilt = t0;
  rebuilt.merge(w);
  EXPECT_EQ(rebuilt, t1);
  // Swapped (a reset worker): no wrap-around.
  EXPECT_EQ(window_between(t1, t0).requests, 0u);
}

TEST(VersionStats, SamplerReadsMonotoneCountsWhileTheWorkerWrites) {
  VersionStats stats;
  constexpr int kN = 200'000;
  std::atomic<bool> done{false};
  std::thread worker([&] {
    for (int i = 0; i < kN; ++i) {
      stats.on_request();
      stats.on_response(200, std::chrono::microseconds{i % 1000});
    }
    done = true;
  });
  std::uint64_t last = 0;
  bool monotone = true;
  while (!done.load()) {
    const auto s = stats.snapshot();
    monotone = monotone && s.requests >= last;
    last = s.requests;
  }
  worker.join();
  EXPECT_TRUE(monotone);
  const auto s = stats.snapshot();
  EXPECT_EQ(s.requests, static_cast<std::uint64_t>(kN));
  EXPECT_EQ(s.latency.count(), static_cast<std::uint64_t>(kN));
}

}  // namespace
}  // namespace gantry::proxy

// Micro-benchmarks of the proxy's per-request decisions: choosing a version from a sticky key,
// a keyless weighted choice, a replica, and recording a latency. Prints ns per operation.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "proxy/histogram.h"
#include "proxy/routing_table.h"
#include "proxy/stats.h"
#include "proxy/sticky.h"

namespace {

using namespace gantry::proxy;

ServiceRoute canary_route() {
  ServiceRouteSpec spec;
  spec.service = "api";
  spec.versions = {{"v1", 90, {{"api-v1-0", "127.0.0.1", 9001}}},
                   {"v2", 10, {{"api-v2-0", "127.0.0.1", 9002}}}};
  spec.sticky = {StickyMode::Cookie, "gantry-version"};
  return std::move(ServiceRoute::make(spec)).value();
}

std::vector<std::string> sticky_keys() {
  std::vector<std::string> keys;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1024; ++i) keys.push_back(make_sticky_key(rng()));
  return keys;
}

void BM_ChooseVersionSticky(benchmark::State& state) {
  const auto route = canary_route();
  const auto keys = sticky_keys();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(choose_version(route, keys[i++ & 1023], 0));
  }
}
BENCHMARK(BM_ChooseVersionSticky);

void BM_ChooseVersionRandom(benchmark::State& state) {
  const auto route = canary_route();
  std::mt19937_64 rng(2);
  for (auto _ : state) benchmark::DoNotOptimize(choose_version(route, "", rng()));
}
BENCHMARK(BM_ChooseVersionRandom);

void BM_ChooseReplica(benchmark::State& state) {
  std::array<std::uint32_t, 8> outstanding{3, 1, 4, 1, 5, 9, 2, 6};
  std::mt19937_64 rng(3);
  for (auto _ : state) benchmark::DoNotOptimize(choose_replica(outstanding, rng()));
}
BENCHMARK(BM_ChooseReplica);

void BM_HistogramRecord(benchmark::State& state) {
  Histogram h;
  std::uint64_t v = 1;
  for (auto _ : state) {
    h.record(std::chrono::nanoseconds{v});
    v = v * 6364136223846793005ULL + 1442695040888963407ULL;
    v &= (1ULL << 35) - 1;  // up to ~34 s
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

void BM_VersionStatsResponse(benchmark::State& state) {
  VersionStats stats;
  std::int64_t ns = 1;
  for (auto _ : state) {
    stats.on_request();
    stats.on_response(200, std::chrono::nanoseconds{ns});
    ns = (ns * 7 + 12345) & ((1LL << 30) - 1);
  }
  benchmark::DoNotOptimize(stats.snapshot().requests);
}
BENCHMARK(BM_VersionStatsResponse);

}  // namespace

BENCHMARK_MAIN();

// Throughput of the secret scanner's matcher (one thread, one Scratch) on generated, realistic
// source text: code, YAML, JSON, .env files and lockfile lines, with a few secrets planted.
// Prints bytes/s per core (Google Benchmark); the whole-tree figure is bench/scan's job.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <random>
#include <string>
#include <vector>

#include "scan/scanner.h"

namespace {

using gantry::scan::Finding;
using gantry::scan::Matcher;

std::mt19937 rng(7);

std::string pick(std::string_view alphabet, std::size_t n) {
  std::uniform_int_distribution<std::size_t> d(0, alphabet.size() - 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += alphabet[d(rng)];
  return s;
}

constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string ident() { return pick(kLower, 3 + rng() % 8) + "_" + pick(kLower, 2 + rng() % 6); }

// One line of ordinary, secret-free text in one of several styles.
std::string ordinary_line() {
  const int n = static_cast<int>(rng() % 100);
  const std::string id = ident();
  if (n < 20)
    return "    " + id + " = self." + ident() +
           "(request, user_id=" + std::to_string(rng() % 1000) + ")";
  if (n < 26) return "    token = self.auth.get_token(" + id + ")";
  if (n < 30) return "const password = process.env." + id + ";";
  if (n < 38) return "func (s *Server) " + id + "(w http.ResponseWriter, r *http.Request) error {";
  if (n < 46) return "\tlog.Printf(\"request %s took %dms\", r.URL.Path, elapsed) // " + id;
  if (n < 52)
    return "  image: registry.example.com/team/" + id + ":1." + std::to_string(rng() % 90) + ".3";
  if (n < 58) return "      - name: " + id + "\n        value: \"" + std::to_string(rng()) + "\"";
  if (n < 66)
    return "  {\"id\": " + std::to_string(rng() % 100000) + ", \"name\": \"" + id +
           "\", \"sha\": \"" + pick(kHex, 40) + "\", \"price\": 19.99},";
  if (n < 70) return "    \"integrity\": \"sha512-" + pick(kB64, 86) + "==\",";
  if (n < 74) return "API_URL=https://api.example.com/v2/" + id;
  if (n < 77) return "DATABASE_URL=postgresql://app:${DB_PASSWORD}@db.internal:5432/" + id;
  if (n < 80) return "# " + id + ": see docs/operations.md for how the key rotation works";
  if (n < 85) return "import { " + id + " } from '../lib/" + id + "';";
  if (n < 90)
    return "        if (" + id + " == nullptr || " + id + "->size() > kMaxTokens) return false;";
  return "The " + id + " service keeps its state in SQLite and exposes /metrics for Prometheus.";
}

std::string planted_secret() {
  switch (rng() % 6) {
    case 0:
      return "GITHUB_TOKEN=gh"
             "p_" +
             pick(kAlnum, 36);
    case 1:
      return "STRIPE_SECRET_KEY=sk_"
             "live_" +
             pick(kAlnum, 24);
    case 2:
      return "AWS_ACCESS_KEY_ID=AK"
             "IA" +
             pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
    case 3:
      return "DATABASE_URL=postgresql://app:" + pick(kAlnum, 20) + "@db:5432/app";
    case 4:
      return "CLIENT_SECRET=\"" + pick(kAlnum, 32) + "\"";
    default:
      return "SLACK_BOT_TOKEN=xo"
             "xb-" +
             pick("0123456789", 12) + "-" + pick("0123456789", 13) + "-" + pick(kAlnum, 24);
  }
}

// About `bytes` of text, one secret per ~2,000 lines.
std::string corpus(std::size_t bytes) {
  std::string out;
  out.reserve(bytes + 4096);
  while (out.size() < bytes) {
    out += rng() % 2000 == 0 ? planted_secret() : ordinary_line();
    out += '\n';
  }
  return out;
}

std::shared_ptr<const Matcher> matcher() {
  static auto m = [] {
    auto r = Matcher::compile(gantry::scan::default_config());
    if (!r) std::abort();
    return *r;
  }();
  return m;
}

// One 16 MB buffer per scan() call.
void BM_ScanLargeBuffer(benchmark::State& state) {
  static const std::string text = corpus(16 << 20);
  auto m = matcher();
  auto scratch = m->make_scratch();
  std::vector<Finding> out;
  for (auto _ : state) {
    out.clear();
    m->scan(text, "big.txt", *scratch, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["findings"] = static_cast<double>(out.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ScanLargeBuffer)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The same text as files of `range(0)` bytes, one scan() call each (per-file overhead).
void BM_ScanFiles(benchmark::State& state) {
  static const std::string text = corpus(16 << 20);
  const std::size_t size = static_cast<std::size_t>(state.range(0));
  auto m = matcher();
  auto scratch = m->make_scratch();
  std::vector<Finding> out;
  for (auto _ : state) {
    out.clear();
    for (std::size_t at = 0; at < text.size(); at += size) {
      m->scan(std::string_view(text).substr(at, size), "src/file.py", *scratch, out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ScanFiles)->Arg(4 << 10)->Arg(64 << 10)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Arg 1: the compiled-rules cache on (after the first iteration, a load from
// $XDG_CACHE_HOME/gantry); arg 0: GANTRY_SCAN_CACHE=off, a Hyperscan compile every time.
void BM_CompileDefaultRules(benchmark::State& state) {
  const bool cache = state.range(0) != 0;
  if (!cache) ::setenv("GANTRY_SCAN_CACHE", "off", 1);
  for (auto _ : state) {
    auto r = Matcher::compile(gantry::scan::default_config());
    benchmark::DoNotOptimize(r);
  }
  ::unsetenv("GANTRY_SCAN_CACHE");
  state.SetLabel(cache ? "cache" : "no cache");
}
BENCHMARK(BM_CompileDefaultRules)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

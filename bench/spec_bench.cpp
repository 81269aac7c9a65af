// Micro-benchmarks of the offline path: parsing and linting the example shop spec, and the
// credential detectors on a typical env value. Prints time per operation (Google Benchmark).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "lint/lint.h"
#include "scan/scan.h"
#include "spec/spec.h"

namespace {

std::string shop_text() {
  std::ifstream in(GANTRY_SOURCE_DIR "/examples/shop/gantry.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

gantry::spec::LoadOptions options(const std::string& env) {
  gantry::spec::LoadOptions o;
  o.file = "gantry.yaml";
  o.environment = env;
  o.interpolation = gantry::spec::Interpolation::Lenient;
  return o;
}

void BM_ParseShopSpec(benchmark::State& state) {
  const auto text = shop_text();
  const auto o = options("production");
  for (auto _ : state) {
    auto spec = gantry::spec::parse_spec(text, o);
    if (!spec) state.SkipWithError(spec.error().str().c_str());
    benchmark::DoNotOptimize(spec);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseShopSpec);

void BM_LintShopSpec(benchmark::State& state) {
  auto spec = gantry::spec::parse_spec(shop_text(), options("production"));
  if (!spec) {
    state.SkipWithError(spec.error().str().c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(gantry::lint::lint_spec(*spec));
}
BENCHMARK(BM_LintShopSpec);

void BM_ScanEnvValue(benchmark::State& state) {
  const std::string value =
      "postgresql://shop:example-password@db.internal:5432/shop?sslmode=require";
  for (auto _ : state) {
    benchmark::DoNotOptimize(gantry::scan::find_url_password(value));
    benchmark::DoNotOptimize(gantry::scan::find_key_formats(value));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * value.size()));
}
BENCHMARK(BM_ScanEnvValue);

}  // namespace

BENCHMARK_MAIN();

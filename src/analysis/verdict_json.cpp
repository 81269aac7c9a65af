// Verdict::to_json: the verdict as the API, the event log and the store keep it.
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/analysis.h"

namespace gantry::analysis {
namespace {

using json = nlohmann::ordered_json;  // keys in the documented order

// Milliseconds rounded to the microsecond; null when there is no number.
json ms(double micros, bool known = true) {
  if (!known || !std::isfinite(micros)) return nullptr;
  return std::round(micros) / 1000;
}

json number(double x, bool known = true) {
  if (!known || !std::isfinite(x)) return nullptr;
  return x;
}

json version(const VersionSummary& v) {
  const bool requests = v.requests > 0;
  const bool latency = v.latency_samples > 0;
  return json{{"requests", v.requests},
              {"errors", v.errors},
              {"timeouts", v.timeouts},
              {"error_rate", number(v.error_rate, requests)},
              {"success_rate", number(v.success_rate, requests)},
              {"latency_samples", v.latency_samples},
              {"p50_ms", ms(v.p50_micros, latency)},
              {"p95_ms", ms(v.p95_micros, latency)},
              {"p99_ms", ms(v.p99_micros, latency)}};
}

}  // namespace

std::string Verdict::to_json() const {
  json checks_json = json::array();
  for (const auto& k : checks) {
    checks_json.push_back(json{{"name", k.name},
                               {"ok", k.ok},
                               {"value", number(k.value)},
                               {"limit", number(k.limit)},
                               {"detail", k.detail}});
  }
  const auto& s = statistics;
  const bool lat = s.latency_tested;
  const bool err = s.errors_tested;
  const json stats{{"mann_whitney_u", number(s.mann_whitney.u, lat)},
                   {"z", number(s.mann_whitney.z, lat)},
                   {"p_value", number(s.mann_whitney.p_value, lat)},
                   {"exact", lat ? json(s.mann_whitney.exact) : json(nullptr)},
                   {"hodges_lehmann_ms", ms(s.hodges_lehmann_micros, lat)},
                   {"baseline_median_ms", ms(s.baseline_median_micros, lat)},
                   {"errors_z", number(s.errors.z, err)},
                   {"errors_p_value", number(s.errors.p_value, err)},
                   {"alpha", number(s.alpha)}};
  const json j{{"outcome", std::string(name_of(outcome))},
               {"reason", reason},
               {"early", early},
               {"baseline", version(baseline)},
               {"canary", version(canary)},
               {"checks", std::move(checks_json)},
               {"statistics", stats}};
  return j.dump();
}

}  // namespace gantry::analysis

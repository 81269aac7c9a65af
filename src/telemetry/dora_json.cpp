// The DORA report as JSON (GET /v1/dora, `gantry dora --format json`; shape in docs/dora.md).
// Pure; thread-safe.
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/timestamp.h"
#include "telemetry/dora.h"

namespace gantry::telemetry {

namespace {

using nlohmann::json;

// A whole number as an integer (3600, not 3600.0); anything else rounded to `decimals`.
json number(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  if (rounded == std::floor(rounded) && std::fabs(rounded) < 9e15) {
    return static_cast<std::int64_t>(rounded);
  }
  return rounded;
}

json seconds(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return number(static_cast<double>(*ms) / 1000.0, 3);
}

json summary(const DurationSummary& s) {
  return json{{"median_seconds", seconds(s.median_ms)},
              {"p90_seconds", seconds(s.p90_ms)},
              {"samples", s.samples},
              {"band", name_of(s.band)}};
}

}  // namespace

std::string dora_json(const DoraReport& r) {
  const auto& f = r.frequency;
  const auto& c = r.change_failure_rate;
  json lead = summary(r.lead_time);
  lead["missing_commit_time"] = r.lead_time.missing_commit_time;
  json restore = summary(r.time_to_restore);
  restore["open"] = r.time_to_restore.open.size();
  json open = json::array();
  for (const auto& o : r.time_to_restore.open) {
    open.push_back(json{{"deployment", o.deployment_id},
                        {"service", o.service},
                        {"failed_at", format_timestamp(o.failed_at_ms)}});
  }
  restore["open_deployments"] = std::move(open);
  const json body = {
      {"environment", r.options.environment},
      {"service", r.options.service},
      {"since", format_timestamp(r.options.since_ms)},
      {"until", format_timestamp(r.options.until_ms)},
      {"window_days", number(r.window_days, 4)},
      {"deployment_frequency",
       {{"deployments", f.deployments},
        {"per_day", number(f.per_day, 4)},
        {"per_week", number(f.per_week, 4)},
        {"band", name_of(f.band)}}},
      {"lead_time", std::move(lead)},
      {"change_failure_rate",
       {{"failed", c.failed},
        {"rolled_back", c.rolled_back},
        {"aborted", c.aborted},
        {"total", c.total},
        {"rate", c.rate ? number(*c.rate, 4) : json(nullptr)},
        {"band", name_of(c.band)}}},
      {"time_to_restore", std::move(restore)},
  };
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace gantry::telemetry

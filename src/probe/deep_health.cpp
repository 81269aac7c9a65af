// Deep health JSON: {"status": "healthy|degraded|unhealthy", "checks": {...}}, read
// tolerantly (synonyms, checks as an object or an array). Pure functions; thread-safe.
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "probe/probe.h"

namespace gantry::probe {
namespace {

using json = nlohmann::ordered_json;  // keeps checks in the order sent

std::string string_field(const json& object, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = object.find(name);
    if (it != object.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

DeepCheck read_check(std::string name, const json& value) {
  DeepCheck check;
  check.name = std::move(name);
  std::string status;
  if (value.is_string()) {
    status = value.get<std::string>();
  } else if (value.is_object()) {
    status = string_field(value, {"status", "state"});
    check.detail = string_field(value, {"detail", "message", "error", "output", "reason"});
  } else if (value.is_boolean()) {
    status = value.get<bool>() ? "healthy" : "unhealthy";
  }
  if (auto s = parse_deep_status(status)) {
    check.status = *s;
  } else {
    check.status = DeepStatus::Unhealthy;
    if (check.detail.empty()) {
      check.detail = status.empty() ? "no status" : "unknown status '" + status + "'";
    }
  }
  return check;
}

Error deep_error(std::string message) {
  return make_error(ErrorCode::Invalid, "deep health: " + std::move(message));
}

}  // namespace

const char* to_string(DeepStatus status) {
  switch (status) {
    case DeepStatus::Healthy:
      return "healthy";
    case DeepStatus::Degraded:
      return "degraded";
    case DeepStatus::Unhealthy:
      return "unhealthy";
  }
  return "unhealthy";
}

std::optional<DeepStatus> parse_deep_status(std::string_view text) {
  const std::string s = to_lower(trim(text));
  if (s == "healthy" || s == "ok" || s == "up" || s == "pass" || s == "passing" || s == "green") {
    return DeepStatus::Healthy;
  }
  if (s == "degraded" || s == "warn" || s == "warning" || s == "yellow") {
    return DeepStatus::Degraded;
  }
  if (s == "unhealthy" || s == "fail" || s == "failing" || s == "down" || s == "error" ||
      s == "critical" || s == "red") {
    return DeepStatus::Unhealthy;
  }
  return std::nullopt;
}

Result<DeepHealth> parse_deep_health(std::string_view text) {
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return deep_error("the body is not JSON");
  if (!doc.is_object()) return deep_error("expected a JSON object with a \"status\" field");
  const auto status_it = doc.find("status");
  if (status_it == doc.end() || !status_it->is_string()) {
    return deep_error("no \"status\" string field");
  }
  const std::string status_text = status_it->get<std::string>();
  const auto status = parse_deep_status(status_text);
  if (!status) {
    return deep_error("unknown status '" + status_text +
                      "' (expected healthy, degraded or unhealthy)");
  }
  DeepHealth health;
  health.status = *status;
  const auto checks = doc.find("checks");
  if (checks == doc.end() || checks->is_null()) return health;
  if (checks->is_object()) {
    for (auto it = checks->begin(); it != checks->end(); ++it) {
      health.checks.push_back(read_check(it.key(), it.value()));
    }
  } else if (checks->is_array()) {
    for (const auto& item : *checks) {
      std::string name = item.is_object() ? string_field(item, {"name", "id"}) : std::string();
      if (name.empty()) name = "check " + std::to_string(health.checks.size() + 1);
      health.checks.push_back(read_check(std::move(name), item));
    }
  } else {
    return deep_error("\"checks\" must be an object or an array");
  }
  return health;
}

}  // namespace gantry::probe

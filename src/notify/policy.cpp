// Which sink wants which event, how long to wait before a retry, and what a log may show of a
// URL. Pure; thread-safe.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "notify/notify.h"
#include "telemetry/events.h"

namespace gantry::notify {

bool sink_wants(const SinkConfig& sink, const store::DeploymentEvent& event,
                const std::string& environment_of_event) {
  if (event.type.rfind("notification.", 0) == 0) {
    // A sink is never told about its own deliveries: no loops.
    try {
      const auto data = nlohmann::json::parse(event.data_json);
      if (data.is_object() && data.value("sink", std::string()) == sink.name) return false;
    } catch (const nlohmann::json::exception&) {
    }
  }
  if (!sink.environments.empty() && std::find(sink.environments.begin(), sink.environments.end(),
                                              environment_of_event) == sink.environments.end()) {
    return false;
  }
  if (sink.events.empty()) return true;
  return std::any_of(sink.events.begin(), sink.events.end(), [&](const std::string& pattern) {
    return telemetry::type_matches(pattern, event.type);
  });
}

Duration backoff_delay(const Backoff& backoff, int attempts, double unit_random) {
  const double initial = static_cast<double>(std::max<std::int64_t>(1, backoff.initial.count()));
  const double cap = static_cast<double>(std::max(backoff.max, backoff.initial).count());
  // 2^(attempts-1), without overflow for a long-failing item.
  const double growth = std::ldexp(1.0, std::clamp(attempts - 1, 0, 60));
  const double ceiling = std::min(cap, initial * growth);
  const double r = std::clamp(unit_random, 0.0, 1.0);
  return Duration(static_cast<std::int64_t>(ceiling * r));
}

std::string redact_url(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return "(a URL)";
  const auto host_start = scheme + 3;
  auto host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string_view::npos) host_end = url.size();
  std::string_view host = url.substr(host_start, host_end - host_start);
  if (const auto at = host.rfind('@'); at != std::string_view::npos) {
    host.remove_prefix(at + 1);  // user:password@ is a credential too
  }
  return std::string(url.substr(0, host_start)) + std::string(host);
}

}  // namespace gantry::notify

// GET /v1/dora: DORA's four keys over the deployment registry (docs/dora.md), for one
// environment (default: the daemon's) and optionally one service, over a window back from now.
#include "api/routes_impl.h"
#include "core/strings.h"
#include "core/units.h"
#include "telemetry/dora.h"

namespace gantry::api {

HttpReply serve_dora(daemon::Controller& controller, const Query& query) {
  if (auto ok = check_params(query, {"environment", "service", "since"}); !ok) {
    return error_reply(ok.error());
  }
  telemetry::DoraOptions options;
  options.environment = controller.spec().environment;
  if (auto it = query.find("environment"); it != query.end()) options.environment = it->second;
  if (auto it = query.find("service"); it != query.end()) options.service = it->second;
  if (!options.service.empty() && !controller.spec().find_service(options.service)) {
    // A service gone from the spec still has its history; a name with none is likely a typo.
    auto any = controller.store().list_deployments({options.service, "", 1});
    if (!any) return error_reply(any.error());
    if (any->empty()) {
      std::vector<std::string> names;
      for (const auto& s : controller.spec().services) names.push_back(s.name);
      return error_reply(404, "not_found",
                         "no service '" + options.service + "' in this project or its history" +
                             did_you_mean(options.service, names) +
                             (names.empty() ? "" : " (services: " + join(names, ", ") + ")"));
    }
  }
  options.until_ms = now_unix_ms();
  const auto since = query.find("since");
  auto start = telemetry::parse_since(
      since == query.end() ? "30d" : std::string_view(since->second), options.until_ms);
  if (!start) return error_reply(start.error());
  options.since_ms = *start;
  auto report = telemetry::dora_from_store(controller.store(), options);
  if (!report) return error_reply(report.error());
  HttpReply reply;
  reply.body = telemetry::dora_json(*report);
  return reply;
}

}  // namespace gantry::api

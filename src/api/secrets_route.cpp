// POST /v1/secrets/rotated and /v1/secrets/reload: what `gantry secrets` tells a running daemon
// after it changed the vault. Unix socket only (like /v1/tokens): the vault is the machine's
// owner's business. Runs on the control-plane thread.
#include "api/routes_impl.h"

namespace gantry::api {

using nlohmann::json;

HttpReply serve_secrets(daemon::Controller& controller, const Request& request,
                        std::string_view action) {
  if (!request.access.unix_socket) {
    return error_reply(403, "forbidden",
                       "the vault is changed over the daemon's unix socket only (gantry secrets)");
  }
  if (action == "reload") {
    auto body = parse_body(request.body, {});
    if (!body) return error_reply(body.error());
    if (auto st = controller.reload_secrets(); !st) return error_reply(st.error());
    return json_reply(200, json{{"reloaded", true}});
  }
  auto body = parse_body(request.body, {"name", "environment", "version", "by"});
  if (!body) return error_reply(body.error());
  if (!body->contains("name") || !(*body)["name"].is_string() ||
      (*body)["name"].get<std::string>().empty()) {
    return error_reply(400, "bad_request", "name: the secret's name (a string) is required");
  }
  if (body->contains("environment") && !(*body)["environment"].is_string()) {
    return error_reply(400, "bad_request", "environment: a string (\"\" = every environment)");
  }
  if (body->contains("version") && !(*body)["version"].is_number_integer()) {
    return error_reply(400, "bad_request", "version: the new version's number (an integer)");
  }
  const std::string name = (*body)["name"];
  const std::string environment = body->value("environment", "");
  const int version = body->value("version", 0);
  const std::string by = body->value("by", std::string("secret.rotated"));
  auto rotated = controller.secret_rotated(name, environment, version, by);
  if (!rotated) return error_reply(rotated.error());
  json deployments = json::array(), restarted = json::array(), skipped = json::array();
  for (const auto& d : rotated->deployments) {
    deployments.push_back(
        {{"id", d.id}, {"service", d.service}, {"version", d.version}, {"strategy", d.strategy}});
    restarted.push_back(d.service);
  }
  for (const auto& [service, why] : rotated->skipped) {
    skipped.push_back({{"service", service}, {"reason", why}});
  }
  return json_reply(
      200, json{{"restarted", restarted}, {"deployments", deployments}, {"skipped", skipped}});
}

}  // namespace gantry::api

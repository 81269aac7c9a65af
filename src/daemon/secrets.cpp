// The controller's side of the vault: re-reading it after `gantry secrets` changed it, and a
// rotation's deployments of the services that reference the secret. Runs on the control-plane
// thread, like the rest of the controller.
#include <nlohmann/json.hpp>

#include "daemon/controller_impl.h"

namespace gantry::daemon {

Status ControllerImpl::reload_secrets() {
  if (!options_.reload_secrets) {
    return make_error(ErrorCode::Unsupported, "this daemon has no vault to reload");
  }
  return options_.reload_secrets();
}

Result<RotationResult> ControllerImpl::secret_rotated(const std::string& name,
                                                      const std::string& environment, int version,
                                                      const std::string& by) {
  if (!environment.empty() && environment != spec_.environment) {
    // A secret of another environment: nothing here uses it.
    return RotationResult{};
  }
  if (auto st = reload_secrets(); !st) return st.error();
  RotationResult result;
  std::vector<std::string> services;
  for (const auto& s : spec_.services) {
    const auto refs = secret_references(s);
    if (std::find(refs.begin(), refs.end(), name) != refs.end()) services.push_back(s.name);
  }
  for (const auto& service : services) {
    DeployRequest request;
    request.service = service;
    request.triggered_by = by.empty() ? "secret.rotated" : by;
    auto deployed = deploy(request);
    if (!deployed) {
      result.skipped.emplace_back(service, deployed.error().message);
      continue;
    }
    for (auto& d : deployed->deployments) result.deployments.push_back(std::move(d));
    for (const auto& u : deployed->unchanged) {
      result.skipped.emplace_back(
          u, "its revision already holds version " + std::to_string(version) + " of " + name);
    }
  }
  nlohmann::json data = {{"name", name},
                         {"environment", environment},
                         {"version", version},
                         {"services", services},
                         {"by", by}};
  nlohmann::json deployments = nlohmann::json::array();
  for (const auto& d : result.deployments) deployments.push_back(d.id);
  data["deployments"] = deployments;
  store::DeploymentEvent e;
  e.type = "secret.rotated";
  e.environment = spec_.environment;
  e.data_json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // The vault audited the rotation; each deployment audits itself (triggered_by).
  if (auto published = events_.publish(e); !published) return published.error();
  return result;
}

}  // namespace gantry::daemon

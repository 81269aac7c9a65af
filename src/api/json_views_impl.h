// JSON forms of what the API serves: service and replica snapshots, deployments, events,
// revisions. Internal to src/api. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/controller.h"
#include "store/store.h"

namespace gantry::api {

nlohmann::json to_json(const daemon::ReplicaView& replica);
nlohmann::json to_json(const daemon::ServiceView& service);
nlohmann::json to_json(const store::Deployment& deployment);
nlohmann::json to_json(const store::DeploymentEvent& event);
nlohmann::json to_json(const store::Revision& revision);
nlohmann::json to_json(const rollout::RolloutView& rollout);

// A JSON text stored in the database, parsed; the raw string if it does not parse.
nlohmann::json parse_stored_json(const std::string& text);

}  // namespace gantry::api

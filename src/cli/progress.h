// Deployment progress for people (internal to src/cli): one terminal line per deployment event,
// summaries and exit statuses of finished deployments, --set parsing, and the follower that
// polls the daemon until deployments end. The formatters are pure; the follower is
// single-threaded and writes to the given stream.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/units.h"

namespace gantry::cli {

// A deployment ended rolled back, failed or aborted (`gantry deploy`, `gantry rollback`).
inline constexpr int kExitNotDeployed = 3;

struct EventStyle {
  bool color = false;
  // Also print every analysis check on its own line below the verdict (`gantry show`).
  bool verbose = false;
  // The deployment's service: names replicas "api/0" and the promote hint.
  std::string service;
};

// The line for one event as GET /v1/events returns it ({id, deployment_id, at, type, data}):
// "  12:01:02.345  phase    provisioning -> progressing". Unknown types print their type and
// compact data. With style.verbose, analysis events add lines (joined with '\n'); no trailing
// newline.
std::string format_event(const nlohmann::json& event, const EventStyle& style);

// The statuses after which a deployment never changes again.
bool is_terminal_status(std::string_view status);
// Event types a deployment's last event has (deployment.succeeded, ...).
bool is_terminal_event(std::string_view type);

// The exit status of a command that waited for these deployments: 0 when every one succeeded
// (or there were none), kExitNotDeployed when any rolled back, failed or was aborted, 1 when
// one has not finished (a timeout).
int exit_code_for_statuses(const std::vector<std::string>& statuses);

// "api: v2 succeeded in 41s", "api: v2 rolled back after 3.2s: <reason>". `reason` stands in
// when the deployment carries no rollback_reason (e.g. deployment.failed's reason).
std::string format_summary(const nlohmann::json& deployment, const std::string& reason, bool color);

// For step and hook durations: "850ms", "3.2s", "41s", "5m3s".
std::string short_duration(std::int64_t ms);

// "v1 90% · v2 10%"
std::string format_weights(const nlohmann::json& weights);

// --set KEY=VALUE arguments into {"KEY": "VALUE"}; a later KEY wins. A missing '=' or a KEY
// that is not an environment variable name is an error naming the argument.
Result<nlohmann::json> parse_set_arguments(const std::vector<std::string>& arguments);

struct FollowOptions {
  std::string state_dir;
  Duration timeout = std::chrono::minutes(30);
  // true: live lines and summaries on `out`; false: one JSON document at the end
  // ({"deployments": [final...]} plus the fields of json_extra).
  bool text = true;
  bool color = false;
  nlohmann::json json_extra = nlohmann::json::object();
};

// Follows the deployments (as the daemon returned them when they started) until each one's
// status is terminal or the timeout passes, polling their events every 100 ms. Returns the
// exit status: exit_code_for_statuses of the final states, 1 on a timeout, or call_daemon's
// status when the daemon cannot be asked (its message already on stderr).
int follow_deployments(const FollowOptions& options, const std::vector<nlohmann::json>& started,
                       std::ostream& out);

// "alice (cli, uid 1000)": who the daemon records as having acted (deploy, promote, ...).
std::string triggered_by();

}  // namespace gantry::cli

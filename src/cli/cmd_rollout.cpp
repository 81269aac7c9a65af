// `gantry promote|abort|pause|resume SERVICE`: steer the service's active deployment, one API
// call each; `gantry rollback SERVICE`: deploy an earlier revision and follow it.
#include <iostream>

#include "api/client.h"
#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/progress.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

struct ControlOptions {
  DaemonOptions daemon;
  std::string service;
  bool full = false;
  std::string format = "text";
};

// The rollout state of a deployment, or null: only to describe where it stands, so a failure
// to get it stays quiet (the action itself already succeeded).
json rollout_of(const std::string& state_dir, const std::string& id) {
  auto response = api::call(socket_path_in(state_dir), "GET", "/v1/deployments/" + url_encode(id),
                            {}, std::chrono::seconds(5));
  if (!response || response->status != 200) return nullptr;
  json body = json::parse(response->body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("rollout")) return nullptr;
  return body["rollout"];
}

// " at step 2/6 (pause)", or "" when the rollout has no steps.
std::string step_of(const json& rollout) {
  if (!rollout.is_object() || !rollout.contains("step") || !rollout["step"].is_number()) return "";
  std::string out = " at step " + std::to_string(rollout["step"].get<int>());
  if (rollout.contains("steps") && rollout["steps"].is_number()) {
    out += "/" + std::to_string(rollout["steps"].get<int>());
  }
  if (rollout.contains("step_kind") && rollout["step_kind"].is_string()) {
    out += " (" + rollout["step_kind"].get<std::string>() + ")";
  }
  return out;
}

std::string describe(const std::string& action, const ControlOptions& options,
                     const json& deployment, const json& rollout) {
  const std::string id = deployment.value("id", "");
  const std::string status = deployment.value("status", "");
  std::string line = options.service + ": " + id + " ";
  if (action == "promote") {
    if (options.full) return line + "promoted to full traffic, remaining steps skipped";
    const std::string step = step_of(rollout);
    return line + "promoted" + (step.empty() ? " (" + status + ")" : "; now" + step);
  }
  if (action == "abort") {
    const std::string from = deployment.value("from_revision_id", "");
    return line + "aborted; rolling back" + (from.empty() ? "" : " to " + from) +
           " (follow with 'gantry show " + id + "')";
  }
  if (action == "pause") {
    return line + "paused" + step_of(rollout) + "; resume with 'gantry resume " + options.service +
           "'";
  }
  return line + "resumed; " + status + step_of(rollout);
}

void add_control_command(CLI::App& app, int& exit_code, const std::string& action,
                         const std::string& description, const std::string& examples) {
  auto options = std::make_shared<ControlOptions>();
  CLI::App* cmd = app.add_subcommand(action, description);
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("service", options->service, "The service")->required()->type_name("SERVICE");
  if (action == "promote") {
    cmd->add_flag("--full", options->full,
                  "Skip the remaining steps: the new version takes all traffic now");
  }
  cmd->add_option("--format", options->format,
                  "Output format: text (default) or json (the deployment)")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  cmd->footer("Examples:\n" + examples);
  cmd->callback([options, action, &exit_code] {
    const std::string state_dir = state_dir_of(options->daemon);
    json request{{"by", triggered_by()}};
    if (action == "promote") request["full"] = options->full;
    const std::string body = request.dump();
    json reply;
    exit_code = call_daemon(state_dir, "POST",
                            "/v1/services/" + url_encode(options->service) + "/" + action, reply,
                            std::chrono::seconds(30), body);
    if (exit_code != kExitOk) return;
    if (options->format == "json") {
      std::cout << reply.dump(2) << "\n";
      return;
    }
    const json deployment = reply.value("deployment", json::object());
    const json rollout =
        action == "abort" ? json(nullptr) : rollout_of(state_dir, deployment.value("id", ""));
    std::cout << describe(action, *options, deployment, rollout) << "\n";
  });
}

void add_rollback_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string service;
    std::string to;
    bool detach = false;
    std::string timeout = "30m";
    std::string format = "text";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "rollback",
      "Deploy an earlier revision of SERVICE (default: the one before the last that succeeded) "
      "and follow it like 'gantry deploy'. Exit 0 when it succeeded, 3 when it rolled back, "
      "failed or was aborted, 2 on a usage error, a refused request or no daemon, 1 when the "
      "daemon failed or the wait timed out.");
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("service", options->service, "The service")->required()->type_name("SERVICE");
  cmd->add_option("--to", options->to, "A revision id (api-r3) or a version label (v1)")
      ->type_name("REVISION|VERSION");
  cmd->add_flag("-d,--detach", options->detach,
                "Print the deployment id and return at once instead of following");
  cmd->add_option("--timeout", options->timeout,
                  "How long to follow before giving up (default 30m; the deployment goes on)")
      ->type_name("DURATION");
  cmd->add_option("--format", options->format,
                  "Output format: text (default, live lines) or json (the final deployment)")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  cmd->footer(
      "Examples:\n"
      "  gantry rollback api                  # to the previous good revision\n"
      "  gantry rollback api --to v1\n"
      "  gantry rollback api --to api-r3 --detach\n");
  cmd->callback([options, &exit_code] {
    auto timeout = parse_timeout_flag(options->timeout);
    if (!timeout) {
      exit_code = report_error(timeout.error());
      return;
    }
    json request{{"by", triggered_by()}};
    if (!options->to.empty()) request["to"] = options->to;
    const std::string state_dir = state_dir_of(options->daemon);
    json reply;
    exit_code =
        call_daemon(state_dir, "POST", "/v1/services/" + url_encode(options->service) + "/rollback",
                    reply, std::chrono::seconds(60), request.dump());
    if (exit_code != kExitOk) return;
    const json deployment = reply.value("deployment", json::object());
    const bool text = options->format == "text";
    if (options->detach) {
      if (text) {
        std::cout << deployment.value("id", "") << "\n";
      } else {
        std::cout << reply.dump(2) << "\n";
      }
      return;
    }
    FollowOptions follow;
    follow.state_dir = state_dir;
    follow.timeout = *timeout;
    follow.text = text;
    follow.color = text && stdout_is_color_tty();
    exit_code = follow_deployments(follow, {deployment}, std::cout);
  });
}

}  // namespace

void add_rollout_commands(CLI::App& app, int& exit_code) {
  add_control_command(
      app, exit_code, "promote",
      "Let SERVICE's active deployment go on: past the pause or approval step it waits at, or "
      "with --full past every remaining step. Exit 0, 2 when nothing waits (409), on a usage "
      "error or no daemon, 1 when the daemon failed.",
      "  gantry promote api\n"
      "  gantry promote api --full\n");
  add_control_command(
      app, exit_code, "abort",
      "Stop SERVICE's active deployment and roll it back to the revision it replaces. Exit 0, "
      "2 when none is active (409), on a usage error or no daemon, 1 when the daemon failed.",
      "  gantry abort api\n");
  add_control_command(
      app, exit_code, "pause",
      "Hold SERVICE's active deployment where it is (traffic weights stay) until 'gantry "
      "resume'. Exit 0, 2 when none is active (409), on a usage error or no daemon, 1 when the "
      "daemon failed.",
      "  gantry pause api\n");
  add_control_command(
      app, exit_code, "resume",
      "Let a paused deployment of SERVICE go on. Exit 0, 2 when none is active (409), on a "
      "usage error or no daemon, 1 when the daemon failed.",
      "  gantry resume api\n");
  add_rollback_command(app, exit_code);
}

}  // namespace gantry::cli

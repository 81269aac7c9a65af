// `gantry deploy [SERVICE]`: asks the daemon to roll out what changed, then follows each
// deployment it started until it succeeds or rolls back.
#include <cstdlib>
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/progress.h"
#include "core/strings.h"
#include "core/timestamp.h"
#include "telemetry/dora.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

std::vector<std::string> names_in(const json& list) {
  std::vector<std::string> names;
  if (!list.is_array()) return names;
  for (const auto& name : list) {
    if (name.is_string()) names.push_back(name.get<std::string>());
  }
  return names;
}

}  // namespace

void add_deploy_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string service;
    std::string version;
    std::string commit;
    std::string commit_time;
    std::vector<std::string> sets;
    std::string strategy;
    std::string environment;
    bool detach = false;
    std::string timeout = "30m";
    std::string format = "text";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "deploy",
      "Deploy SERVICE, or without it every service whose spec changed since it last ran: the "
      "daemon records a revision and a deployment, runs preflight and hooks, starts the new "
      "replicas and moves traffic by the service's strategy, rolling back on its rules. The "
      "command then shows each deployment's events live until it ends (Ctrl-C stops watching, "
      "not the deployment). Exit 0 when every deployment succeeded (or nothing changed), 3 when "
      "one rolled back, failed or was aborted, 2 on a usage error, a refused request (unknown "
      "service, spec error, a deployment already active) or no daemon, 1 when the daemon "
      "failed or the wait timed out.");
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("service", options->service, "Only this service (default: every changed one)")
      ->type_name("SERVICE");
  cmd->add_option("--version", options->version, "Version label of the new revision")
      ->type_name("V");
  cmd->add_option("--commit", options->commit, "Commit the new revision is built from")
      ->type_name("SHA");
  cmd->add_option("--commit-time", options->commit_time,
                  "When that commit was made: RFC 3339 or unix seconds (default: git's committer "
                  "time when the spec's folder is in the repository)")
      ->type_name("TIME");
  cmd->add_option("--set", options->sets,
                  "Override an environment variable of the new revision (repeatable)")
      ->type_name("KEY=VALUE");
  cmd->add_option("--strategy", options->strategy,
                  "Override the spec's strategy: recreate, rolling, blue_green or canary")
      ->check(CLI::IsMember({"recreate", "rolling", "blue_green", "canary"}))
      ->type_name("S");
  cmd->add_option("--env", options->environment,
                  "Refuse unless the daemon runs this environment (a guard for scripts)")
      ->type_name("NAME");
  cmd->add_flag("-d,--detach", options->detach,
                "Print the deployment ids and return at once instead of following");
  cmd->add_option("--timeout", options->timeout,
                  "How long to follow before giving up (default 30m; the deployment goes on)")
      ->type_name("DURATION");
  cmd->add_option("--format", options->format,
                  "Output format: text (default, live lines) or json (the final deployments)")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  cmd->footer(
      "Examples:\n"
      "  gantry deploy                             # every service whose spec changed\n"
      "  gantry deploy api --version v2 --commit 3f9c2e1\n"
      "  gantry deploy api --commit 3f9c2e1 --commit-time 2026-03-01T14:05:00Z\n"
      "  gantry deploy api --set LOG_LEVEL=debug --strategy canary\n"
      "  gantry deploy api --env production --detach\n"
      "  gantry deploy worker --format json | jq '.deployments[].status'\n");
  cmd->callback([options, &exit_code] {
    auto timeout = parse_timeout_flag(options->timeout);
    if (!timeout) {
      exit_code = report_error(timeout.error());
      return;
    }
    std::optional<std::int64_t> commit_time;
    if (!options->commit_time.empty()) {
      auto at = telemetry::parse_point_in_time(options->commit_time);
      if (!at) {
        exit_code =
            report_error(make_error(ErrorCode::Invalid, "--commit-time: " + at.error().message));
        return;
      }
      commit_time = *at;
    }
    auto sets = parse_set_arguments(options->sets);
    if (!sets) {
      exit_code = report_error(sets.error());
      return;
    }
    json request = {{"triggered_by", triggered_by()}};
    if (!options->service.empty()) request["service"] = options->service;
    if (!options->version.empty()) request["version"] = options->version;
    if (!options->commit.empty()) request["commit"] = options->commit;
    if (commit_time) request["commit_time"] = format_timestamp(*commit_time);
    if (!sets->empty()) request["set"] = *sets;
    if (!options->strategy.empty()) request["strategy"] = options->strategy;
    if (!options->environment.empty()) request["environment"] = options->environment;

    const std::string state_dir = state_dir_of(options->daemon);
    json reply;
    exit_code = call_daemon(state_dir, "POST", "/v1/deploy", reply, std::chrono::seconds(60),
                            request.dump());
    if (exit_code != kExitOk) return;
    const json& created = reply.contains("deployments") && reply["deployments"].is_array()
                              ? reply["deployments"]
                              : json::array();
    const std::vector<std::string> unchanged = names_in(reply.value("unchanged", json::array()));
    const bool text = options->format == "text";
    if (options->detach || created.empty()) {
      if (!text) {
        std::cout << reply.dump(2) << "\n";
      } else if (created.empty()) {
        std::cout << "Nothing to deploy: no service's spec changed"
                  << (unchanged.empty() ? "" : " (unchanged: " + join(unchanged, ", ") + ")")
                  << ".\n";
      } else {
        for (const auto& d : created) std::cout << d.value("id", "") << "\n";
      }
      return;
    }
    if (text && !unchanged.empty()) std::cout << "Unchanged: " << join(unchanged, ", ") << "\n";
    FollowOptions follow;
    follow.state_dir = state_dir;
    follow.timeout = *timeout;
    follow.text = text;
    follow.color = text && stdout_is_color_tty();
    follow.json_extra = {{"unchanged", reply.value("unchanged", json::array())}};
    exit_code = follow_deployments(follow, created.get<std::vector<json>>(), std::cout);
  });
}

}  // namespace gantry::cli

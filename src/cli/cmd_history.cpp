// `gantry history [SERVICE]`: the deployments the daemon recorded, newest first, or with
// --revisions the revisions (what ran, immutable).
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

std::string text_or_dash(const json& value) {
  if (value.is_string() && !value.get<std::string>().empty()) return value.get<std::string>();
  return "-";
}

void print_deployments(const json& body) {
  const auto& list = body["deployments"];
  if (list.empty()) {
    std::cout << "No deployments recorded yet.\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "SERVICE", "ENV", "VERSION", "STATUS", "STARTED", "DURATION", "REASON"}};
  for (const auto& d : list) {
    const json& duration = d["duration_ms"];
    std::string reason = d.value("rollback_reason", "");
    if (reason.empty()) reason = d.value("triggered_by", "");
    rows.push_back({d.value("id", ""), d.value("service", ""), text_or_dash(d["environment"]),
                    text_or_dash(d["version"]), d.value("status", ""),
                    short_timestamp(d.value("started_at", "")),
                    duration.is_number() ? human_duration(duration.get<std::int64_t>()) : "-",
                    reason.empty() ? "-" : reason});
  }
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
}

void print_revisions(const json& body) {
  const auto& list = body["revisions"];
  if (list.empty()) {
    std::cout << "No revisions recorded yet.\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"REVISION", "SERVICE", "ENV", "VERSION", "CREATED", "SPEC HASH"}};
  for (const auto& r : list) {
    rows.push_back({r.value("id", ""), r.value("service", ""), text_or_dash(r["environment"]),
                    text_or_dash(r["version"]), short_timestamp(r.value("created_at", "")),
                    r.value("spec_hash", "").substr(0, 12)});
  }
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
}

}  // namespace

void add_history_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string service;
    std::string environment;
    int limit = 20;
    bool revisions = false;
    std::string format = "text";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "history",
      "Show the deployments the daemon recorded, newest first: id, service, environment, "
      "version, status, start, duration and reason (rollback reason, else who triggered it). "
      "--revisions lists the revisions instead. Exit 0, or 2 when no daemon runs for the "
      "state dir.");
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("service", options->service, "Only this service")->type_name("SERVICE");
  cmd->add_option("--env,--environment", options->environment, "Only this environment")
      ->type_name("NAME");
  cmd->add_option("--limit", options->limit, "At most N rows (default 20)")
      ->check(CLI::Range(1, 1000))
      ->type_name("N");
  cmd->add_flag("--revisions", options->revisions, "List revisions instead of deployments");
  cmd->add_option("--format", options->format, "Output format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  cmd->footer(
      "Examples:\n"
      "  gantry history\n"
      "  gantry history api --limit 5\n"
      "  gantry history --env production --format json\n"
      "  gantry history api --revisions --format json\n");
  cmd->callback([options, &exit_code] {
    const std::string state_dir = state_dir_of(options->daemon);
    std::string target = options->revisions ? "/v1/revisions?limit=" : "/v1/deployments?limit=";
    target += std::to_string(options->limit);
    if (!options->service.empty()) target += "&service=" + url_encode(options->service);
    if (!options->environment.empty()) {
      if (options->revisions) {
        exit_code = report_error(
            make_error(ErrorCode::Invalid, "--env filters deployments, not revisions"));
        return;
      }
      target += "&environment=" + url_encode(options->environment);
    }
    json body;
    exit_code = call_daemon(state_dir, "GET", target, body);
    if (exit_code != kExitOk) return;
    if (options->format == "json") {
      std::cout << body.dump(2) << "\n";
    } else if (options->revisions) {
      print_revisions(body);
    } else {
      print_deployments(body);
    }
  });
}

}  // namespace gantry::cli

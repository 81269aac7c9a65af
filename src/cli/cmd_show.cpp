// `gantry show DEPLOYMENT`: one deployment's record, its rollout state while it runs, and its
// timeline of events with the analysis verdicts and their numbers.
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/progress.h"
#include "core/strings.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

// Strings as they are, numbers as JSON writes them; "" for null or a missing key.
std::string text(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "";
  const json& value = object[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

void add_row(std::vector<std::vector<std::string>>& rows, std::string name, std::string value) {
  if (!value.empty()) rows.push_back({"  " + std::move(name), std::move(value)});
}

// "v2 (api-r3) 2/3 ready"
std::string side_text(const json& side) {
  if (!side.is_object()) return "";
  std::string out = text(side, "version");
  if (const std::string revision = text(side, "revision_id"); !revision.empty()) {
    out += (out.empty() ? "" : " ") + ("(" + revision + ")");
  }
  if (side.contains("desired")) {
    out += " " + text(side, "ready") + "/" + text(side, "desired") + " ready";
  }
  return out;
}

void print_deployment(const json& d) {
  std::cout << text(d, "id") << "  " << text(d, "service")
            << (text(d, "environment").empty() ? "" : "  " + text(d, "environment")) << "\n";
  std::vector<std::vector<std::string>> rows;
  add_row(rows, "status", text(d, "status"));
  add_row(rows, "strategy", text(d, "strategy"));
  std::string revision = text(d, "version");
  const std::string revision_id = text(d, "revision_id");
  const std::string from = text(d, "from_revision_id");
  if (!revision_id.empty()) {
    revision += (revision.empty() ? "" : " ") + ("(" + revision_id) +
                (from.empty() ? "" : ", from " + from) + ")";
  }
  add_row(rows, "revision", revision);
  add_row(rows, "commit", text(d, "commit_sha"));
  add_row(rows, "triggered by", text(d, "triggered_by"));
  add_row(rows, "started", short_timestamp(text(d, "started_at")));
  std::string completed = short_timestamp(text(d, "completed_at"));
  if (!completed.empty() && d.contains("duration_ms") && d["duration_ms"].is_number()) {
    completed += " (" + short_duration(d["duration_ms"].get<std::int64_t>()) + ")";
  }
  add_row(rows, "completed", completed);
  std::string health = text(d, "health_score");
  if (!health.empty() || !text(d, "error_count").empty()) {
    health = (health.empty() ? "-" : health) + ", " + text(d, "error_count") + " errors";
  }
  add_row(rows, "health", health);
  add_row(rows, "rollback", text(d, "rollback_reason"));
  // metadata.set: the --set overrides; the rest of metadata is the daemon's bookkeeping
  // (--format json shows it).
  const json& metadata = d.contains("metadata") ? d["metadata"] : json(nullptr);
  if (metadata.is_object() && metadata.contains("set") && metadata["set"].is_object()) {
    std::vector<std::string> overrides;
    for (const auto& [key, value] : metadata["set"].items()) {
      overrides.push_back(key + "=" +
                          (value.is_string() ? value.get<std::string>() : value.dump()));
    }
    add_row(rows, "overrides", join(overrides, " "));
  }
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
}

void print_rollout(const json& r) {
  std::cout << "rollout\n";
  std::vector<std::vector<std::string>> rows;
  std::string phase = text(r, "phase");
  if (!text(r, "step").empty()) {
    phase += ", step " + text(r, "step") + (text(r, "steps").empty() ? "" : "/" + text(r, "steps"));
    if (const std::string kind = text(r, "step_kind"); !kind.empty()) phase += " (" + kind + ")";
  }
  if (text(r, "paused") == "true") phase += ", paused";
  if (const std::string waiting = text(r, "waiting_for"); !waiting.empty()) {
    phase += ", waiting for " + waiting;
  }
  add_row(rows, "phase", phase);
  if (r.contains("weights")) add_row(rows, "weights", format_weights(r["weights"]));
  add_row(rows, "stable", side_text(r.value("stable", json(nullptr))));
  add_row(rows, "canary", side_text(r.value("canary", json(nullptr))));
  if (!text(r, "failure_limit").empty()) {
    add_row(rows, "failures", text(r, "failures") + "/" + text(r, "failure_limit"));
  }
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
}

}  // namespace

void add_show_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string id;
    std::string format = "text";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "show",
      "Show one deployment: who deployed what, from which revision, how it ended and why; its "
      "rollout state (step, weights, replicas, failures) while it runs; then every event, with "
      "each analysis verdict's numbers and checks. Exit 0, 2 for an unknown deployment or when "
      "no daemon runs for the state dir.");
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("deployment", options->id, "The deployment id (see 'gantry history')")
      ->required()
      ->type_name("DEPLOYMENT");
  cmd->add_option("--format", options->format, "Output format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  cmd->footer(
      "Examples:\n"
      "  gantry show d-000012\n"
      "  gantry show d-000012 --format json | jq '.events[] | select(.type == "
      "\"analysis.failed\")'\n");
  cmd->callback([options, &exit_code] {
    json reply;
    exit_code = call_daemon(state_dir_of(options->daemon), "GET",
                            "/v1/deployments/" + url_encode(options->id), reply);
    if (exit_code != kExitOk) return;
    if (options->format == "json") {
      std::cout << reply.dump(2) << "\n";
      return;
    }
    const json deployment = reply.value("deployment", json::object());
    print_deployment(deployment);
    const json rollout = reply.value("rollout", json(nullptr));
    if (rollout.is_object() && !is_terminal_status(text(deployment, "status"))) {
      print_rollout(rollout);
    }
    const json events = reply.value("events", json::array());
    std::cout << "events\n";
    if (events.empty()) std::cout << "  (none yet)\n";
    EventStyle style;
    style.color = stdout_is_color_tty();
    style.verbose = true;
    style.service = text(deployment, "service");
    for (const auto& event : events) std::cout << format_event(event, style) << "\n";
  });
}

}  // namespace gantry::cli

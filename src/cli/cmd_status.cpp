// `gantry status`: what the daemon runs — per service and per replica — as a table or JSON.
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

std::string percent(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", value);
  return buf;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

void print_status(const json& status) {
  const std::string environment = status.value("environment", "");
  std::cout << "project " << status.value("project", "")
            << (environment.empty() ? "" : ", environment " + environment) << "\n";
  std::vector<std::vector<std::string>> service_rows = {{"SERVICE", "VERSION", "PORT", "READY",
                                                         "ROUTED", "HEALTH", "RESTARTS", "CPU",
                                                         "RSS", "UPTIME"}};
  std::vector<std::vector<std::string>> replica_rows;
  std::vector<std::size_t> replicas_per_service;
  std::vector<std::vector<std::string>> notes;  // per service: failure / probe lines
  for (const auto& s : status["services"]) {
    double cpu = 0;
    std::uint64_t rss = 0;
    std::int64_t uptime = -1;  // the youngest running replica's
    std::vector<std::string> service_notes;
    for (const auto& r : s["replicas"]) {
      cpu += r.value("cpu_percent", 0.0);
      rss += r.value("rss_bytes", std::uint64_t{0});
      const std::string state = r.value("state", "");
      if (state == "running") {
        const auto up = r.value("uptime_ms", std::int64_t{0});
        uptime = uptime < 0 ? up : std::min(uptime, up);
      }
      const std::string name = s.value("name", "") + "/" + std::to_string(r.value("index", 0));
      const auto pid = r.value("pid", 0);
      replica_rows.push_back(
          {"  " + name, pid > 0 ? "pid " + std::to_string(pid) : "no pid",
           r["port"].is_number() ? "port " + std::to_string(r["port"].get<int>()) : "no port",
           or_dash(state), or_dash(r.value("readiness", "")),
           "restarts " + std::to_string(r.value("restarts", 0))});
      if (const std::string failure = r.value("failure", ""); !failure.empty()) {
        service_notes.push_back("    " + name + " failed: " + failure);
      } else if (r.value("readiness", "") == "not_ready") {
        if (const std::string probe = r.value("last_probe", ""); !probe.empty()) {
          service_notes.push_back("    " + name + " not ready: " + probe);
        }
      }
    }
    replicas_per_service.push_back(s["replicas"].size());
    notes.push_back(std::move(service_notes));
    // PORT is where the proxy listens; ROUTED counts the replicas it sends traffic to now.
    const bool proxied = s["port"].is_number();
    service_rows.push_back(
        {s.value("name", ""), or_dash(s.value("version", "")),
         proxied ? std::to_string(s["port"].get<int>()) : "-",
         std::to_string(s.value("ready", 0)) + "/" + std::to_string(s.value("desired", 0)),
         proxied && s["routed"].is_number() ? std::to_string(s["routed"].get<int>()) : "-",
         or_dash(s.value("health", "")), std::to_string(s.value("restarts", 0)), percent(cpu),
         human_size(rss), uptime < 0 ? "-" : human_duration(uptime)});
  }
  const auto service_lines = format_table(service_rows);
  const auto replica_lines = format_table(replica_rows);
  std::cout << service_lines[0] << "\n";
  std::size_t next_replica = 0;
  for (std::size_t i = 0; i + 1 < service_lines.size(); ++i) {
    std::cout << service_lines[i + 1] << "\n";
    for (std::size_t k = 0; k < replicas_per_service[i]; ++k) {
      std::cout << replica_lines[next_replica++] << "\n";
    }
    for (const auto& note : notes[i]) std::cout << note << "\n";
  }
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string format = "text";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "status",
      "Show what the daemon runs: per service its version, the port its proxy listens on, "
      "replicas ready/desired, how many of them the proxy routes to, health, restarts, CPU, RSS "
      "and uptime (of its youngest replica), and per replica its pid, port, state and "
      "readiness. Exit 0, or 2 when no daemon runs for the state dir.");
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("--format", options->format, "Output format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  cmd->footer(
      "Examples:\n"
      "  gantry status\n"
      "  gantry status --format json | jq '.services[].replicas[] | {pid, port, state}'\n"
      "  gantry status --state-dir /srv/shop/.gantry\n");
  cmd->callback([options, &exit_code] {
    const std::string state_dir = state_dir_of(options->daemon);
    json status;
    exit_code = call_daemon(state_dir, "GET", "/v1/status", status);
    if (exit_code != kExitOk) return;
    if (options->format == "json") {
      std::cout << status.dump(2) << "\n";
    } else {
      print_status(status);
    }
  });
}

}  // namespace gantry::cli

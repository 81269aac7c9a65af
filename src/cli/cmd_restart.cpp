// `gantry restart SERVICE`: a rolling restart by the daemon, one replica at a time, each new
// one ready before the next goes.
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "core/strings.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

std::string pids_of(const json& service) {
  std::vector<std::string> pids;
  for (const auto& r : service["replicas"]) {
    if (r.value("pid", 0) > 0) pids.push_back(std::to_string(r.value("pid", 0)));
  }
  if (pids.empty()) return "";
  return (pids.size() == 1 ? " (pid " : " (pids ") + join(pids, ", ") + ")";
}

}  // namespace

void add_restart_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string service;
    std::string timeout = "10m";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "restart",
      "Restart a service's replicas one at a time: each replica is replaced and the new one "
      "must be ready before the next is touched, so a service with 2+ replicas keeps serving. "
      "Exit 0 when every replica is back, 1 when the restart failed, 2 on a usage error, an "
      "unknown service or when no daemon runs for the state dir.");
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("service", options->service, "The service")->required()->type_name("SERVICE");
  cmd->add_option("--timeout", options->timeout, "How long to wait for the restart (default 10m)")
      ->type_name("DURATION");
  cmd->footer(
      "Examples:\n"
      "  gantry restart api\n"
      "  gantry restart worker --state-dir /srv/shop/.gantry\n");
  cmd->callback([options, &exit_code] {
    auto timeout = parse_timeout_flag(options->timeout);
    if (!timeout) {
      exit_code = report_error(timeout.error());
      return;
    }
    const std::string state_dir = state_dir_of(options->daemon);
    const std::string target = "/v1/services/" + url_encode(options->service);
    json before;
    exit_code = call_daemon(state_dir, "GET", target, before);
    if (exit_code != kExitOk) return;
    const int replicas = static_cast<int>(before["replicas"].size());
    std::cout << "Restarting " << options->service << ": " << replicas
              << (replicas == 1 ? " replica" : " replicas")
              << ", one at a time, each waiting for readiness..." << std::endl;

    const auto started = std::chrono::steady_clock::now();
    json result;
    exit_code = call_daemon(state_dir, "POST", target + "/restart", result, *timeout);
    if (exit_code != kExitOk) {
      if (exit_code == kExitFindings) {
        std::cerr << "gantry: restart of " << options->service << " failed; see 'gantry status' "
                  << "and 'gantry logs " << options->service << "'\n";
      }
      return;
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    json after;
    if (call_daemon(state_dir, "GET", target, after) != kExitOk) {
      std::cout << "Restarted " << options->service << " in " << human_duration(took.count())
                << "\n";
      return;
    }
    std::cout << "Restarted " << options->service << " in " << human_duration(took.count()) << ": "
              << after.value("ready", 0) << "/" << after.value("desired", 0) << " ready"
              << pids_of(after) << "\n";
  });
}

}  // namespace gantry::cli

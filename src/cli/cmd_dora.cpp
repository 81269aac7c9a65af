// `gantry dora`: DORA's four keys (docs/dora.md) from the daemon (GET /v1/dora) or, when no
// daemon runs, from the state dir's store directly: the same computation either way.
#include <filesystem>
#include <iostream>

#include "api/client.h"
#include "cli/command.h"
#include "cli/daemon_client.h"
#include "core/timestamp.h"
#include "store/store.h"
#include "telemetry/dora.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

struct DoraArgs {
  DaemonOptions daemon;
  std::string environment;
  bool environment_given = false;
  std::string service;
  std::string since = "30d";
  std::string format = "text";
};

// Without a daemon: the report from STATE_DIR/state.db. The environment defaults to the one the
// newest deployment there ran in (the environment the state dir's daemon ran).
Result<json> report_from_store(const std::string& state_dir, const DoraArgs& args,
                               std::int64_t since_ms, std::int64_t now_ms) {
  const std::string path = store_path_in(state_dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return make_error(ErrorCode::NotFound, "no daemon is running for " + state_dir +
                                               " (start one with 'gantry up'), and there is no "
                                               "history to read in " +
                                               path);
  }
  auto store = store::open_sqlite(path);
  if (!store) return store.error();
  telemetry::DoraOptions options;
  options.service = args.service;
  options.since_ms = since_ms;
  options.until_ms = now_ms;
  if (args.environment_given) {
    options.environment = args.environment;
  } else {
    auto newest = (*store)->list_deployments({"", "", 1});
    if (!newest) return newest.error();
    if (!newest->empty()) options.environment = (*newest)[0].environment;
  }
  auto report = telemetry::dora_from_store(**store, options);
  if (!report) return report.error();
  return json::parse(telemetry::dora_json(*report));
}

// The daemon's answer: the report (exit 0), or its error on stderr: 2 for a refused request
// (4xx), 1 when the daemon failed (5xx, or a body that is not JSON).
int read_reply(const api::ApiResponse& response, const std::string& target, json& out) {
  json parsed = json::parse(response.body, nullptr, false);
  if (response.status == 200 && parsed.is_object()) {
    out = std::move(parsed);
    return kExitOk;
  }
  std::string message;
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    message = parsed["error"].value("message", "");
  }
  if (message.empty()) {
    message = "the daemon answered " + std::to_string(response.status) + " to GET " + target;
  }
  std::cerr << "gantry: " << message << "\n";
  return response.status >= 400 && response.status < 500 ? kExitUsage : kExitFindings;
}

std::string or_dash(const json& value, const std::function<std::string(const json&)>& show) {
  return value.is_null() ? "-" : show(value);
}

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string seconds_text(const json& seconds) {
  return or_dash(seconds, [](const json& s) {
    return human_duration(static_cast<std::int64_t>(s.get<double>() * 1000));
  });
}

// "5h (p90 9h)"
std::string median_text(const json& m) {
  if (m["median_seconds"].is_null()) return "-";
  return seconds_text(m["median_seconds"]) + " (p90 " + seconds_text(m["p90_seconds"]) + ")";
}

void print_text(const json& r, const std::string& since_flag, bool offline,
                const std::string& state_dir) {
  const std::string env = r.value("environment", "");
  const std::string service = r.value("service", "");
  std::cout << "DORA metrics: " << (env.empty() ? "base environment" : env) << ", "
            << (service.empty() ? "all services" : service) << ", since " << since_flag << " ("
            << short_timestamp(r.value("since", "")) << " to "
            << short_timestamp(r.value("until", "")) << ")\n";
  if (offline) {
    std::cout << "No daemon is running: read from " << store_path_in(state_dir) << "\n";
  }
  std::cout << "\n";
  const json& f = r["deployment_frequency"];
  const json& lt = r["lead_time"];
  const json& cfr = r["change_failure_rate"];
  const json& ttr = r["time_to_restore"];
  std::string lead_samples = std::to_string(lt.value("samples", 0));
  if (lt.value("missing_commit_time", 0) > 0) {
    lead_samples +=
        " (" + std::to_string(lt.value("missing_commit_time", 0)) + " without a commit time)";
  }
  std::string rate = or_dash(cfr["rate"], [&](const json& v) {
    return fixed(v.get<double>() * 100, 1) + "% (" + std::to_string(cfr.value("failed", 0)) + "/" +
           std::to_string(cfr.value("total", 0)) + ")";
  });
  std::string restore_samples = std::to_string(ttr.value("samples", 0));
  if (ttr.value("open", 0) > 0)
    restore_samples += " (" + std::to_string(ttr.value("open", 0)) + " open)";
  const std::vector<std::vector<std::string>> rows = {
      {"METRIC", "VALUE", "BAND", "SAMPLES"},
      {"deployment frequency",
       fixed(f.value("per_day", 0.0), 2) + "/day, " + fixed(f.value("per_week", 0.0), 1) + "/week",
       f.value("band", "none"), std::to_string(f.value("deployments", 0)) + " deployments"},
      {"lead time for changes", median_text(lt), lt.value("band", "none"), lead_samples},
      {"change failure rate", rate, cfr.value("band", "none"),
       std::to_string(cfr.value("total", 0)) + " deployments"},
      {"time to restore", median_text(ttr), ttr.value("band", "none"), restore_samples},
  };
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
  if (ttr["open_deployments"].is_array() && !ttr["open_deployments"].empty()) {
    std::cout << "\nNot restored yet:\n";
    for (const auto& o : ttr["open_deployments"]) {
      std::cout << "  " << o.value("deployment", "") << "  " << o.value("service", "")
                << "  failed " << short_timestamp(o.value("failed_at", "")) << "\n";
    }
  }
}

}  // namespace

void add_dora_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DoraArgs>();
  CLI::App* cmd = app.add_subcommand(
      "dora",
      "Show DORA's four keys over the deployment history: deployment frequency, lead time for "
      "changes, change failure rate and time to restore, each with its performance band (elite, "
      "high, medium, low; none without samples). Asks the daemon, or reads the state dir's store "
      "when none runs. Exit 0, 2 on a bad flag, 1 when neither the daemon nor its history can be "
      "read.");
  add_daemon_options(cmd, args->daemon);
  cmd->add_option("--env,--environment", args->environment,
                  "Environment (default: the daemon's, or the newest deployment's offline)")
      ->type_name("NAME");
  cmd->add_option("--service", args->service, "Only this service (default: all)")
      ->type_name("SERVICE");
  cmd->add_option("--since", args->since,
                  "Window start: a duration back from now (30d, 12h, 90m) or an RFC 3339 time "
                  "(default 30d)")
      ->type_name("WHEN");
  cmd->add_option("--format", args->format, "Output format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  cmd->footer(
      "Examples:\n"
      "  gantry dora\n"
      "  gantry dora --service api --since 90d\n"
      "  gantry dora --env production --since 2026-01-01T00:00:00Z --format json\n");
  cmd->callback([args, cmd, &exit_code] {
    args->environment_given = cmd->count("--env") > 0;
    const std::int64_t now = now_unix_ms();
    auto since = telemetry::parse_since(args->since, now);
    if (!since) {
      exit_code = report_error(make_error(ErrorCode::Invalid, "--" + since.error().message));
      return;
    }
    const std::string state_dir = state_dir_of(args->daemon);
    std::string target = "/v1/dora?since=" + url_encode(args->since);
    if (args->environment_given) target += "&environment=" + url_encode(args->environment);
    if (!args->service.empty()) target += "&service=" + url_encode(args->service);

    json report;
    bool offline = false;
    auto response = api::call(socket_path_in(state_dir), "GET", target);
    if (!response && response.error().code == ErrorCode::NotFound) {
      auto local = report_from_store(state_dir, *args, *since, now);
      if (!local) {
        std::cerr << "gantry: " << local.error().str() << "\n";
        exit_code = kExitFindings;
        return;
      }
      report = std::move(*local);
      offline = true;
    } else if (!response) {
      std::cerr << "gantry: " << response.error().str() << "\n";  // the daemon did not answer
      exit_code = kExitFindings;
      return;
    } else {
      exit_code = read_reply(*response, target, report);
      if (exit_code != kExitOk) return;
    }
    exit_code = kExitOk;
    if (args->format == "json") {
      std::cout << report.dump(2) << "\n";
    } else {
      print_text(report, args->since, offline, state_dir);
    }
  });
}

}  // namespace gantry::cli

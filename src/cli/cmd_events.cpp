// `gantry events`: the daemon's event stream (docs/events.md): the recent events, or with -f
// every new one as it happens (Server-Sent Events over the unix socket).
#include <iostream>

#include "api/client.h"
#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/progress.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

struct Options {
  DaemonOptions daemon;
  bool follow = false;
  std::string service;
  std::string deployment;
  std::vector<std::string> types;
  int tail = 20;
  std::int64_t after = -1;
  std::string format = "text";
};

std::string query_of(const Options& o) {
  std::string q;
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    q += (q.empty() ? "?" : "&") + std::string(name) + "=" + url_encode(value);
  };
  add("service", o.service);
  add("deployment", o.deployment);
  std::string types;
  for (const auto& t : o.types) types += (types.empty() ? "" : ",") + t;
  add("type", types);
  // With -f too: the recent ones first, then live ones.
  if (o.after >= 0) {
    add("after", std::to_string(o.after));
  } else {
    add("tail", std::to_string(o.tail));
  }
  return q;
}

void print(const json& event, const Options& o) {
  if (o.format == "json") {
    std::cout << event.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    return;
  }
  EventStyle style;
  style.color = stdout_is_color_tty();
  style.service = event.value("service", "");
  std::string who = event.value("service", "");
  if (const auto v = event.value("version", ""); !v.empty()) who += " " + v;
  if (const auto d = event.value("deployment", ""); !d.empty()) who += " " + d;
  std::cout << format_event(event, style) << (who.empty() ? "" : "  [" + who + "]") << std::endl;
}

int run(const Options& o) {
  const std::string state_dir = state_dir_of(o.daemon);
  if (!o.follow) {
    json body;
    if (int rc = call_daemon(state_dir, "GET", "/v1/events" + query_of(o), body); rc != 0) {
      return rc;
    }
    for (const auto& e : body["events"]) print(e, o);
    return kExitOk;
  }
  auto st = api::stream_events(socket_path_in(state_dir), "/v1/events" + query_of(o),
                               [&](const api::StreamedEvent& e) {
                                 try {
                                   print(json::parse(e.data), o);
                                 } catch (const json::parse_error&) {
                                   std::cout << e.type << " " << e.data << std::endl;
                                 }
                                 return true;
                               });
  if (!st) {
    if (st.error().code == ErrorCode::NotFound) {
      std::cerr << no_daemon_message(state_dir) << std::endl;
      return kExitUsage;
    }
    std::cerr << "gantry: events: " << st.error().message << std::endl;
    return st.error().code == ErrorCode::Invalid ? kExitUsage : 1;
  }
  std::cerr << "gantry: the daemon closed the event stream (it stopped)" << std::endl;
  return kExitOk;
}

}  // namespace

void add_events_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "events",
      "Print the daemon's events (phases, weights, verdicts, rollbacks, replicas): the last "
      "--tail ones, and with -f every new one as it happens. Exit 0, 2 when no daemon runs for "
      "the state dir or a filter is bad, 1 when the daemon fails.");
  add_daemon_options(cmd, options->daemon, false);
  cmd->add_flag("-f,--follow", options->follow, "Keep printing new events until interrupted");
  cmd->add_option("--service", options->service, "Only this service's events")
      ->type_name("SERVICE");
  cmd->add_option("--deployment", options->deployment, "Only this deployment's events")
      ->type_name("ID");
  cmd->add_option("--type", options->types,
                  "Only these types; a pattern may end in .* (deployment.*, rollback.*) or be *. "
                  "Repeatable")
      ->type_name("PATTERN");
  cmd->add_option("--tail", options->tail, "Start with the last N events (default 20)")
      ->check(CLI::Range(0, 5000))
      ->type_name("N");
  cmd->add_option("--after", options->after, "Start after this event id instead of --tail")
      ->check(CLI::NonNegativeNumber)
      ->type_name("ID");
  cmd->add_option("--format", options->format, "text or json (one JSON object a line)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->footer(
      "Examples:\n"
      "  gantry events                          # the last 20 events\n"
      "  gantry events -f --type 'deployment.*' # every deployment start and end, live\n"
      "  gantry events -f --service api --format json | jq .data\n");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace gantry::cli

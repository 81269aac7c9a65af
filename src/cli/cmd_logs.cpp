// `gantry logs SERVICE`: a service's replica logs merged by time; -f follows them by polling
// the daemon with the `after` cursor until interrupted.
#include <csignal>
#include <ctime>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "cli/daemon_client.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

volatile std::sig_atomic_t g_interrupted = 0;

void on_sigint(int) { g_interrupted = 1; }

// How often -f asks for new lines: a person watching does not notice 200 ms.
constexpr auto kFollowInterval = std::chrono::milliseconds(200);
constexpr std::size_t kFollowPage = 10000;  // a full page means more lines are waiting

void print_lines(const json& body, bool timestamps) {
  for (const auto& line : body["lines"]) {
    if (timestamps) std::cout << line.value("at", "") << " ";
    std::cout << line.value("service", "") << "/" << line.value("replica", 0)
              << (line.value("stream", "") == "err" ? " ! " : " | ") << line.value("text", "")
              << "\n";
  }
  std::cout.flush();
}

// Sleeps for d unless SIGINT arrives first (nanosleep returns early on a signal).
void sleep_unless_interrupted(std::chrono::milliseconds d) {
  timespec ts{static_cast<time_t>(d.count() / 1000), static_cast<long>(d.count() % 1000) * 1000000};
  if (!g_interrupted) ::nanosleep(&ts, nullptr);
}

}  // namespace

void add_logs_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string service;
    bool follow = false;
    std::optional<int> replica;
    std::string since;
    std::optional<int> tail;
    bool timestamps = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "logs",
      "Print a service's logs: the lines of its replicas (stdout '|', stderr '!'), merged by "
      "time, as SERVICE/REPLICA | text. -f keeps printing new lines until Ctrl-C. Exit 0, or 2 "
      "on a usage error, an unknown service or when no daemon runs for the state dir.");
  add_daemon_options(cmd, options->daemon, /*short_file=*/false);
  cmd->add_option("service", options->service, "The service")->required()->type_name("SERVICE");
  cmd->add_flag("-f,--follow", options->follow, "Keep printing new lines until interrupted");
  cmd->add_option("--replica", options->replica, "Only this replica (0, 1, ...)")
      ->check(CLI::NonNegativeNumber)
      ->type_name("N");
  cmd->add_option("--since", options->since, "Only lines newer than this: 30s, 5m, 2h")
      ->type_name("DURATION");
  cmd->add_option("--tail", options->tail, "At most the last N lines (default 200)")
      ->check(CLI::Range(0, 10000))
      ->type_name("N");
  cmd->add_flag("-t,--timestamps", options->timestamps, "Prefix each line with its time (UTC)");
  cmd->footer(
      "Examples:\n"
      "  gantry logs api --tail 50\n"
      "  gantry logs api -f --replica 1      # follow one replica\n"
      "  gantry logs worker --since 10m --timestamps\n");
  cmd->callback([options, &exit_code] {
    if (!options->since.empty()) {
      if (auto d = parse_duration(options->since); !d) {
        exit_code = report_error(make_error(
            ErrorCode::Invalid,
            "--since: '" + options->since + "' is not a duration; use one like 30s, 5m or 2h"));
        return;
      }
    }
    const std::string state_dir = state_dir_of(options->daemon);
    std::string query = "/v1/logs?service=" + url_encode(options->service);
    if (options->replica) query += "&replica=" + std::to_string(*options->replica);
    if (!options->since.empty()) query += "&since=" + url_encode(options->since);
    query += "&tail=" + std::to_string(options->tail.value_or(200));

    json body;
    if (!options->follow) {
      exit_code = call_daemon(state_dir, "GET", query, body);
      if (exit_code == kExitOk) print_lines(body, options->timestamps);
      return;
    }

    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);  // no SA_RESTART: the sleep wakes at once
    // Follow pages carry `after`: the daemon then holds back lines that may still be joined
    // by older ones from another replica, and the cursor never skips a line.
    std::string cursor = "1970-01-01T00:00:00.000Z";
    std::string next = query + "&after=" + url_encode(cursor);
    const std::string base =
        "/v1/logs?service=" + url_encode(options->service) +
        (options->replica ? "&replica=" + std::to_string(*options->replica) : std::string());
    while (!g_interrupted) {
      const int code = call_daemon(state_dir, "GET", next, body, std::chrono::seconds(10));
      if (g_interrupted) break;
      if (code != kExitOk) {
        exit_code = code;
        return;
      }
      print_lines(body, options->timestamps);
      cursor = body.value("cursor", cursor);
      next = base + "&after=" + url_encode(cursor);
      if (body["lines"].size() < kFollowPage) sleep_unless_interrupted(kFollowInterval);
    }
    exit_code = kExitOk;
  });
}

}  // namespace gantry::cli

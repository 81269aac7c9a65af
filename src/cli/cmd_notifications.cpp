// `gantry notifications`: the daemon's notification outbox (GET /v1/notifications), newest
// first: sink, event, attempts, status, last error, next attempt.
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "core/timestamp.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxErrorColumn = 60;

std::string text_or_dash(const json& value) {
  if (value.is_string() && !value.get<std::string>().empty()) return value.get<std::string>();
  return "-";
}

// "now", "in 4s", "-".
std::string next_attempt(const json& item) {
  const json& at = item["next_attempt_at"];
  if (!at.is_string()) return "-";
  auto ms = parse_timestamp(at.get<std::string>());
  if (!ms) return short_timestamp(at.get<std::string>());
  const std::int64_t in = *ms - now_unix_ms();
  return in <= 0 ? "now" : "in " + human_duration(in);
}

std::string shorten(std::string text) {
  if (text.size() <= kMaxErrorColumn) return text;
  std::size_t cut = kMaxErrorColumn - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

void print_notifications(const json& body, const std::string& status) {
  const auto& list = body["notifications"];
  if (list.empty()) {
    std::cout << (status.empty() ? "No notifications yet."
                                 : "No notifications with status " + status + ".")
              << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "SINK", "EVENT", "DEPLOYMENT", "STATUS", "ATTEMPTS", "NEXT", "LAST ERROR"}};
  for (const auto& n : list) {
    std::string event = text_or_dash(n["event_type"]);
    event += " #" + std::to_string(n.value("event_id", 0));
    rows.push_back({std::to_string(n.value("id", 0)), n.value("sink", ""), event,
                    text_or_dash(n["deployment_id"]), n.value("status", ""),
                    std::to_string(n.value("attempts", 0)), next_attempt(n),
                    n.value("last_error", "").empty() ? "-" : shorten(n.value("last_error", ""))});
  }
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
}

}  // namespace

void add_notifications_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string status;
    int limit = 20;
    std::string format = "text";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "notifications",
      "Show the notification outbox, newest first: each webhook or Slack delivery with its "
      "event, status (pending, delivered, given_up), attempts, next attempt and last error. "
      "Exit 0, or 2 when no daemon runs for the state dir.");
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("--status", options->status, "Only pending, delivered or given_up")
      ->check(CLI::IsMember({"pending", "delivered", "given_up"}))
      ->type_name("STATUS");
  cmd->add_option("--limit", options->limit, "At most N rows (default 20)")
      ->check(CLI::Range(1, 1000))
      ->type_name("N");
  cmd->add_option("--format", options->format, "Output format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  cmd->footer(
      "Deliveries are retried with backoff until the sink's max_age, then given up (and a\n"
      "notification.failed event is recorded). See docs/notifications.md.\n\n"
      "Examples:\n"
      "  gantry notifications\n"
      "  gantry notifications --status pending\n"
      "  gantry notifications --status given_up --format json\n");
  cmd->callback([options, &exit_code] {
    const std::string state_dir = state_dir_of(options->daemon);
    std::string target = "/v1/notifications?limit=" + std::to_string(options->limit);
    if (!options->status.empty()) target += "&status=" + url_encode(options->status);
    json body;
    exit_code = call_daemon(state_dir, "GET", target, body);
    if (exit_code != kExitOk) return;
    if (options->format == "json") {
      std::cout << body.dump(2) << "\n";
    } else {
      print_notifications(body, options->status);
    }
  });
}

}  // namespace gantry::cli

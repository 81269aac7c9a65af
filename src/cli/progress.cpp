// Deployment events as terminal lines, summaries, exit statuses, and the follower that polls
// the daemon's API (docs/api.md: GET /v1/events, GET /v1/deployments/{id}).
#include "cli/progress.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "core/strings.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

constexpr std::size_t kLabelWidth = 9;
// "  " + "12:01:02.345" + "  " + label column: where an event's detail starts.
constexpr std::size_t kDetailColumn = 2 + 12 + 2 + kLabelWidth;

constexpr const char* kRed = "31";
constexpr const char* kGreen = "32";
constexpr const char* kYellow = "33";
constexpr const char* kDim = "2";

std::string paint(const std::string& text, const char* code, bool color) {
  if (!color || code == nullptr || text.empty()) return text;
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

const json& field(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// A scalar as text: strings as they are, numbers and booleans as JSON writes them, else "".
std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer() || value.is_boolean()) return value.dump();
  if (value.is_number()) return fmt::format("{:g}", value.get<double>());
  return "";
}
std::string text_of(const json& object, std::string_view key) {
  return text_of(field(object, key));
}

std::optional<double> number_of(const json& object, std::string_view key) {
  const json& value = field(object, key);
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

std::int64_t int_of(const json& object, std::string_view key, std::int64_t fallback = 0) {
  const json& value = field(object, key);
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number()) return static_cast<std::int64_t>(value.get<double>());
  return fallback;
}

bool bool_of(const json& object, std::string_view key) {
  const json& value = field(object, key);
  return value.is_boolean() && value.get<bool>();
}

bool contains(std::string_view haystack, std::string_view needle) {
  return to_lower(haystack).find(needle) != std::string::npos;
}

// "2026-11-25T13:45:01.123Z" -> "13:45:01.123" (UTC, as the daemon stamps events).
std::string time_of_day(const std::string& at) {
  if (at.size() >= 23 && at[10] == 'T') return at.substr(11, 12);
  return at;
}

std::string percent(double fraction) { return fmt::format("{:.1f}%", fraction * 100); }

std::string milliseconds(double ms) {
  if (ms >= 1000) return fmt::format("{:.2f}s", ms / 1000);
  return fmt::format("{:.1f}ms", ms);
}

std::string p_value(double p) {
  if (p < 1e-6) return "p<1e-6";
  return fmt::format("p={:.2g}", p);
}

// "api/0" for a replica index, or the daemon's own name for it.
std::string replica_name(const json& data, const EventStyle& style) {
  const json& replica = field(data, "replica");
  if (replica.is_number_integer() && !style.service.empty()) {
    return style.service + "/" + replica.dump();
  }
  return text_of(replica);
}

// "api/0 v2 ready"; without a replica name just "v2 ready".
std::string replica_text(const json& data, const EventStyle& style, const std::string& what) {
  std::vector<std::string> words;
  for (std::string word : {replica_name(data, style), text_of(data, "version"), what}) {
    if (!word.empty()) words.push_back(std::move(word));
  }
  return join(words, " ");
}

// "212 req 0.0% err p95 4.1ms" for one side of an analysis sample.
std::string side_summary(const json& side) {
  const std::int64_t requests = int_of(side, "requests");
  std::string out = std::to_string(requests) + " req";
  if (auto rate = number_of(side, "error_rate")) {
    out += " " + percent(*rate) + " err";
  } else if (requests > 0) {
    out += " " + percent(static_cast<double>(int_of(side, "errors")) / requests) + " err";
  }
  if (auto p95 = number_of(side, "p95_ms")) out += " p95 " + milliseconds(*p95);
  return out;
}

std::string sides_summary(const json& data) {
  return "canary " + side_summary(field(data, "canary")) + " | stable " +
         side_summary(field(data, "baseline"));
}

// A check's value or limit in the unit its name suggests: rates are fractions, latencies ms.
std::string check_value(std::string_view name, const json& value) {
  if (!value.is_number()) return value.is_null() ? "-" : text_of(value);
  const double x = value.get<double>();
  if (contains(name, "rate")) return percent(x);
  if (contains(name, "latency") || contains(name, "_ms") || contains(name, "p95") ||
      contains(name, "p99") || contains(name, "p50")) {
    return milliseconds(x);
  }
  return fmt::format("{:g}", x);
}

std::string check_text(const json& check) {
  const std::string name = text_of(check, "name");
  const std::string detail = text_of(check, "detail");
  if (!detail.empty()) return detail;
  return name + " " + check_value(name, field(check, "value")) + " (limit " +
         check_value(name, field(check, "limit")) + ")";
}

// The statistics behind a verdict: the error-rate test for error/success checks, the
// Mann-Whitney U test for latency, both when the verdict names neither.
std::string statistics_text(const json& stats, std::string_view about) {
  const bool errors = contains(about, "error") || contains(about, "success");
  const bool latency = contains(about, "latency") || contains(about, "p95") ||
                       contains(about, "p99") || contains(about, "p50");
  std::vector<std::string> parts;
  if (errors || !latency) {
    const auto z = number_of(stats, "errors_z");
    const auto p = number_of(stats, "errors_p_value");
    if (z && p) parts.push_back(fmt::format("z={:.1f}, {}", *z, p_value(*p)));
  }
  if (latency || !errors) {
    if (const auto p = number_of(stats, "p_value")) {
      std::string u = "U " + p_value(*p);
      if (const auto hl = number_of(stats, "hodges_lehmann_ms")) {
        u += fmt::format(", shift {:+.1f}ms", *hl);
      }
      parts.push_back(std::move(u));
    }
  }
  return parts.empty() ? "" : "(" + join(parts, "; ") + ")";
}

struct Line {
  std::string label;
  std::string detail;
  const char* color = nullptr;  // of the label
};

// analysis.sample and analysis.failed (the analysis gave up on the canary): verdict, numbers,
// statistics, failures so far.
Line analysis_line(const json& data, bool gave_up) {
  const std::string outcome = text_of(data, "outcome");
  const std::string reason = text_of(data, "reason");
  const json& stats = field(data, "statistics");
  const std::int64_t failures = int_of(data, "failures");
  // "[1/3]": failed intervals so far against the limit, when the verdict counts them.
  const std::string limit = text_of(data, "failure_limit");
  const std::string tally = limit.empty() ? "" : fmt::format("[{}/{}]", failures, limit);
  const bool failed = gave_up || outcome == "fail";
  if (!failed) {
    const bool pass = outcome == "pass";
    std::string detail = (pass ? "pass  " : outcome + "  ") + sides_summary(data);
    const std::string why = statistics_text(stats, "latency");
    if (!why.empty()) detail += "  " + why;
    if (!pass && !reason.empty()) detail += "  " + reason;
    if (failures > 0 && !tally.empty()) detail += "  " + tally;
    return {"analysis", detail, pass ? kGreen : kYellow};
  }
  std::string about = reason;
  if (about.empty()) {
    std::vector<std::string> failing;
    for (const auto& check : field(data, "checks")) {
      if (!bool_of(check, "ok")) failing.push_back(check_text(check));
    }
    about = failing.empty() ? sides_summary(data) : join(failing, "; ");
  }
  std::string detail = (gave_up ? "FAILED  " : "FAIL  ") + about;
  const std::string why = statistics_text(stats, about);
  if (!why.empty()) detail += " " + why;
  if (bool_of(data, "early")) detail += " (early look)";
  if (!tally.empty()) detail += "  " + tally;
  return {"analysis", detail, kRed};
}

// Below an analysis verdict in `gantry show`: the numbers (when the verdict line has none) and
// each check.
std::vector<std::string> analysis_details(const json& data, const std::string& verdict) {
  const std::string indent(kDetailColumn, ' ');
  std::vector<std::string> lines;
  if (const std::string sides = sides_summary(data); verdict.find(sides) == std::string::npos) {
    lines.push_back(indent + sides);
  }
  for (const auto& check : field(data, "checks")) {
    const std::string name = text_of(check, "name");
    std::string line = indent + (bool_of(check, "ok") ? "ok    " : "FAIL  ") + name + " " +
                       check_value(name, field(check, "value")) + " (limit " +
                       check_value(name, field(check, "limit")) + ")";
    if (const std::string detail = text_of(check, "detail"); !detail.empty()) {
      line += "  " + detail;
    }
    lines.push_back(std::move(line));
  }
  if (const std::string stats = statistics_text(field(data, "statistics"), ""); !stats.empty()) {
    std::string line = indent + stats;
    if (const auto alpha = number_of(field(data, "statistics"), "alpha")) {
      line += fmt::format(" alpha {:g}", *alpha);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string stream_mark(const json& data) {
  return text_of(data, "stream") == "stderr" ? "! " : "| ";
}

std::string step_text(const json& data) {
  const std::string kind = text_of(data, "kind");
  std::string out = "step " + text_of(data, "index") + " " + kind;
  const auto duration = number_of(data, "duration_ms");
  if (kind == "weight") {
    if (const std::string weight = text_of(data, "weight"); !weight.empty()) {
      out += " " + weight + "%";
    }
  } else if (kind == "pause") {
    out += duration ? " " + format_duration(Duration(static_cast<std::int64_t>(*duration)))
                    : " until promoted";
  } else if (kind == "analysis" && duration) {
    out += " for " + format_duration(Duration(static_cast<std::int64_t>(*duration)));
  }
  return out;
}

std::string took(const json& data) {
  if (const auto ms = number_of(data, "took_ms")) {
    return " in " + short_duration(static_cast<std::int64_t>(*ms));
  }
  return "";
}

std::string by(const json& data) {
  const std::string who = text_of(data, "by");
  return who.empty() ? "" : "by " + who;
}

Line line_for(const std::string& type, const json& data, const EventStyle& style) {
  if (type == "deployment.started") {
    std::string detail = text_of(data, "strategy");
    if (const std::string version = text_of(data, "version"); !version.empty()) {
      detail += " " + version;
    }
    const std::string revision = text_of(data, "revision_id");
    const std::string from = text_of(data, "from_revision_id");
    if (!revision.empty()) detail += " (" + revision + (from.empty() ? "" : ", from " + from) + ")";
    if (const std::string sha = text_of(data, "commit_sha"); !sha.empty()) {
      detail += " commit " + sha;
    }
    if (const std::string who = text_of(data, "triggered_by"); !who.empty()) {
      detail += " by " + who;
    }
    return {"start", detail};
  }
  if (type == "phase.changed") {
    std::string to = text_of(data, "to");
    if (to.empty()) to = text_of(data, "phase");
    const std::string from = text_of(data, "from");
    std::string detail = from.empty() ? to : from + " -> " + to;
    if (const std::string reason = text_of(data, "reason"); !reason.empty()) {
      detail += " (" + reason + ")";
    }
    return {"phase", detail};
  }
  if (type == "build.output") return {"build", stream_mark(data) + text_of(data, "line")};
  if (type == "build.finished") {
    if (bool_of(data, "ok")) {
      std::string detail = "ok" + took(data);
      if (const std::string digest = text_of(data, "artifact_digest"); !digest.empty()) {
        detail += ", artifact " + digest;
      }
      return {"build", detail, kGreen};
    }
    std::string detail = "FAILED";
    if (const std::string code = text_of(data, "exit_code"); !code.empty()) {
      detail += " (exit " + code + ")";
    }
    detail += took(data);
    if (const std::string why = text_of(data, "detail"); !why.empty()) detail += ": " + why;
    return {"build", detail, kRed};
  }
  if (type == "hook.started") {
    const std::string kind = text_of(data, "kind");
    return {"hook", text_of(data, "hook") + " started" + (kind.empty() ? "" : " (" + kind + ")")};
  }
  if (type == "hook.output") {
    return {"hook", text_of(data, "hook") + " " + stream_mark(data) + text_of(data, "line")};
  }
  if (type == "hook.finished") {
    const bool ok = bool_of(data, "ok");
    std::string detail = text_of(data, "hook") + (ok ? " ok" : " FAILED") + took(data);
    if (const std::string why = text_of(data, "detail"); !why.empty()) detail += ": " + why;
    return {"hook", detail, ok ? kGreen : kRed};
  }
  if (type == "replica.started") {
    std::string detail = replica_text(data, style, "started");
    if (const std::string pid = text_of(data, "pid"); !pid.empty()) detail += ", pid " + pid;
    if (const std::string port = text_of(data, "port"); !port.empty()) detail += ", port " + port;
    return {"replica", detail};
  }
  if (type == "replica.ready" && data.contains("ready") && data["ready"].is_number()) {
    // The rollout's count of the new version's ready replicas.
    return {"replica",
            text_of(data, "version") + " " + std::to_string(int_of(data, "ready")) + " ready of " +
                std::to_string(int_of(data, "live")) + " started",
            kGreen};
  }
  if (type == "replica.ready") return {"replica", replica_text(data, style, "ready"), kGreen};
  if (type == "replica.exited") {
    std::string detail = replica_text(data, style, "exited");
    if (const std::string why = text_of(data, "detail"); !why.empty()) detail += ": " + why;
    return {"replica", detail, kYellow};
  }
  if (type == "step.started") return {"step", step_text(data)};
  if (type == "weight.changed") return {"weight", format_weights(field(data, "weights"))};
  if (type == "analysis.sample") return analysis_line(data, false);
  if (type == "analysis.failed") return analysis_line(data, true);
  if (type == "approval.required") {
    std::string detail = "waiting";
    if (const std::string reason = text_of(data, "reason"); !reason.empty()) {
      detail += ": " + reason;
    }
    detail += "; run 'gantry promote" + (style.service.empty() ? "" : " " + style.service) + "'";
    return {"approval", detail, kYellow};
  }
  if (type == "paused") return {"paused", by(data), kYellow};
  if (type == "resumed") return {"resumed", by(data)};
  if (type == "promoted") {
    std::string detail = by(data);
    if (bool_of(data, "full")) detail += (detail.empty() ? "" : ", ") + std::string("full");
    return {"promoted", detail};
  }
  if (type == "rollback.started") {
    std::string detail = "rule " + text_of(data, "rule");
    if (const std::string reason = text_of(data, "reason"); !reason.empty()) {
      detail += ": " + reason;
    }
    return {"rollback", detail, kRed};
  }
  if (type == "deployment.succeeded") return {"done", "succeeded" + took(data), kGreen};
  if (type == "deployment.failed") {
    const std::string reason = text_of(data, "reason");
    return {"done", "failed" + (reason.empty() ? "" : ": " + reason), kRed};
  }
  if (type == "deployment.rolled_back") {
    std::string detail = "rolled back" + took(data);
    const std::string rule = text_of(data, "rule");
    const std::string reason = text_of(data, "reason");
    if (!rule.empty() || !reason.empty()) {
      detail += " (" +
                (rule.empty() ? reason : "rule " + rule + (reason.empty() ? "" : ": " + reason)) +
                ")";
    }
    return {"done", detail, kRed};
  }
  if (type == "deployment.aborted") {
    const std::string who = by(data);
    return {"done", "aborted" + (who.empty() ? "" : " " + who), kRed};
  }
  // A type this CLI does not know yet: still shown, with its data as the daemon sent it.
  const bool empty = data.is_null() || (data.is_object() && data.empty());
  return {type, empty ? "" : data.dump()};
}

const std::vector<std::string_view> kTerminalStatuses = {"succeeded", "rolled_back", "failed",
                                                         "aborted"};

std::string deployment_name(const json& d) {
  std::string version = text_of(d, "version");
  if (version.empty()) version = text_of(d, "revision_id");
  if (version.empty()) version = text_of(d, "id");
  return text_of(d, "service") + ": " + version;
}

}  // namespace

std::string short_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 10000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
  return human_duration(ms);
}

std::string format_weights(const json& weights) {
  std::vector<std::string> parts;
  if (weights.is_object()) {
    for (const auto& [version, weight] : weights.items()) {
      parts.push_back(version + " " + text_of(weight) + "%");
    }
  }
  return join(parts, " · ");
}

std::string format_event(const json& event, const EventStyle& style) {
  const std::string type = text_of(event, "type");
  const json& data = field(event, "data");
  Line line = line_for(type, data, style);
  std::string label = line.label;
  if (label.size() < kLabelWidth)
    label.append(kLabelWidth - label.size(), ' ');
  else
    label += ' ';
  // Colour the label's word, not its padding, so the columns stay aligned.
  const std::string word = paint(line.label, line.color, style.color);
  std::string out = "  " + paint(time_of_day(text_of(event, "at")), kDim, style.color) + "  " +
                    word + label.substr(line.label.size()) + line.detail;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (style.verbose && (type == "analysis.sample" || type == "analysis.failed")) {
    for (const auto& extra : analysis_details(data, line.detail)) out += "\n" + extra;
  }
  return out;
}

bool is_terminal_status(std::string_view status) {
  return std::find(kTerminalStatuses.begin(), kTerminalStatuses.end(), status) !=
         kTerminalStatuses.end();
}

bool is_terminal_event(std::string_view type) {
  return type == "deployment.succeeded" || type == "deployment.failed" ||
         type == "deployment.rolled_back" || type == "deployment.aborted";
}

int exit_code_for_statuses(const std::vector<std::string>& statuses) {
  int code = kExitOk;
  for (const auto& status : statuses) {
    if (!is_terminal_status(status)) return kExitFindings;
    if (status != "succeeded") code = kExitNotDeployed;
  }
  return code;
}

std::string format_summary(const json& d, const std::string& reason, bool color) {
  const std::string status = text_of(d, "status");
  std::string why = text_of(d, "rollback_reason");
  if (why.empty()) why = reason;
  const auto duration = number_of(d, "duration_ms");
  const std::string after =
      duration ? " after " + short_duration(static_cast<std::int64_t>(*duration)) : "";
  const std::string name = deployment_name(d);
  if (status == "succeeded") {
    const std::string in =
        duration ? " in " + short_duration(static_cast<std::int64_t>(*duration)) : "";
    return name + " " + paint("succeeded", kGreen, color) + in;
  }
  if (status == "rolled_back" || status == "failed" || status == "aborted") {
    const std::string word = status == "rolled_back" ? "rolled back" : status;
    return name + " " + paint(word, kRed, color) + after + (why.empty() ? "" : ": " + why);
  }
  const std::string id = text_of(d, "id");
  return name + " is still " + (status.empty() ? "running" : status) + " (" + id +
         "; see 'gantry show " + id + "')";
}

Result<json> parse_set_arguments(const std::vector<std::string>& arguments) {
  json out = json::object();
  for (const auto& argument : arguments) {
    const auto eq = argument.find('=');
    if (eq == std::string::npos) {
      return make_error(ErrorCode::Invalid, "--set '" + argument +
                                                "': expected KEY=VALUE, e.g. --set LOG_LEVEL=debug "
                                                "(an empty value is KEY=)");
    }
    const std::string key = argument.substr(0, eq);
    const bool valid = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) &&
                       std::all_of(key.begin(), key.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                       });
    if (!valid) {
      return make_error(ErrorCode::Invalid,
                        "--set '" + argument + "': '" + key +
                            "' is not an environment variable name; use letters, digits and "
                            "'_', not starting with a digit (e.g. LOG_LEVEL)");
    }
    out[key] = argument.substr(eq + 1);
  }
  return out;
}

namespace {

struct Followed {
  json deployment;
  std::string id;
  std::string reason;  // from the terminal event, when the deployment has no rollback_reason
  std::int64_t cursor = 0;
  bool check_now = false;
  bool done = false;
  std::chrono::steady_clock::time_point checked;
};

// Prints (in text mode) the events after the cursor and moves it on.
int read_events(const FollowOptions& options, Followed& f, std::size_t service_width,
                std::ostream& out) {
  json body;
  const int rc = call_daemon(
      options.state_dir, "GET",
      "/v1/events?deployment=" + url_encode(f.id) + "&after=" + std::to_string(f.cursor), body,
      std::chrono::seconds(10));
  if (rc != kExitOk) return rc;
  EventStyle style;
  style.color = options.color;
  style.service = text_of(f.deployment, "service");
  for (const auto& event : field(body, "events")) {
    f.cursor = std::max(f.cursor, int_of(event, "id", f.cursor));
    const std::string type = text_of(event, "type");
    if (is_terminal_event(type)) {
      f.check_now = true;
      if (const std::string reason = text_of(field(event, "data"), "reason"); !reason.empty()) {
        f.reason = reason;
      }
    }
    if (!options.text) continue;
    std::string line = format_event(event, style);
    if (service_width > 0) {
      // Several deployments at once: each line says whose it is.
      std::string name = style.service;
      name.append(service_width - std::min(service_width, name.size()), ' ');
      line = "  " + name + line;
    }
    out << line << "\n";
  }
  out.flush();
  return kExitOk;
}

int check_status(const FollowOptions& options, Followed& f, std::size_t service_width,
                 std::ostream& out) {
  json body;
  const int rc = call_daemon(options.state_dir, "GET", "/v1/deployments/" + url_encode(f.id), body,
                             std::chrono::seconds(10));
  if (rc != kExitOk) return rc;
  if (field(body, "deployment").is_object()) f.deployment = body["deployment"];
  f.checked = std::chrono::steady_clock::now();
  f.check_now = false;
  if (is_terminal_status(text_of(f.deployment, "status"))) {
    f.done = true;
    return read_events(options, f, service_width, out);  // what came after the last poll
  }
  return kExitOk;
}

}  // namespace

int follow_deployments(const FollowOptions& options, const std::vector<json>& started,
                       std::ostream& out) {
  using Clock = std::chrono::steady_clock;
  std::vector<Followed> followed;
  std::size_t service_width = 0;
  for (const auto& d : started) {
    Followed f;
    f.deployment = d;
    f.id = text_of(d, "id");
    f.checked = Clock::now();
    followed.push_back(std::move(f));
    service_width = std::max(service_width, text_of(d, "service").size() + 2);
  }
  if (followed.size() < 2) service_width = 0;
  if (options.text) {
    for (const auto& f : followed) {
      const json& d = f.deployment;
      std::string from = text_of(d, "from_revision_id");
      out << deployment_name(d) << " deploying as " << f.id << " (" << text_of(d, "strategy")
          << (from.empty() ? "" : ", " + from + " -> " + text_of(d, "revision_id")) << ")\n";
    }
    out.flush();
  }

  const auto deadline = Clock::now() + options.timeout;
  bool timed_out = false;
  while (true) {
    bool all_done = true;
    for (auto& f : followed) {
      if (f.done) continue;
      int rc = read_events(options, f, service_width, out);
      if (rc == kExitOk && (f.check_now || Clock::now() - f.checked >= std::chrono::seconds(1))) {
        rc = check_status(options, f, service_width, out);
      }
      if (rc != kExitOk) return rc;
      all_done = all_done && f.done;
    }
    if (all_done) break;
    if (Clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    // Reading new events is cheap for the daemon (one indexed query): look often, so the
    // command returns within a few ms of the end.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  std::vector<std::string> statuses;
  std::vector<std::string> running;
  json finals = json::array();
  for (const auto& f : followed) {
    statuses.push_back(text_of(f.deployment, "status"));
    finals.push_back(f.deployment);
    if (!f.done) running.push_back(f.id);
  }
  if (timed_out) {
    std::cerr << "gantry: stopped waiting after " << format_duration(options.timeout) << "; "
              << join(running, ", ") << " carr" << (running.size() == 1 ? "ies" : "y")
              << " on in the daemon (see 'gantry show " << running.front() << "')\n";
  }
  if (options.text) {
    for (const auto& f : followed)
      out << format_summary(f.deployment, f.reason, options.color) << "\n";
  } else {
    json result = options.json_extra.is_object() ? options.json_extra : json::object();
    result["deployments"] = std::move(finals);
    out << result.dump(2) << "\n";
  }
  out.flush();
  return exit_code_for_statuses(statuses);
}

// "alice (cli, uid 1000)": who the daemon records as having triggered the deployment.
std::string triggered_by() {
  const uid_t uid = ::getuid();
  std::string user;
  if (const char* env = std::getenv("USER"); env && *env) {
    user = env;
  } else if (const passwd* pw = ::getpwuid(uid); pw && pw->pw_name) {
    user = pw->pw_name;
  } else {
    user = "unknown";
  }
  return user + " (cli, uid " + std::to_string(uid) + ")";
}

}  // namespace gantry::cli

// What a notification says: the generic webhook's JSON body and Slack's Block Kit message
// (docs/notifications.md shows both). Pure; thread-safe.
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/timestamp.h"
#include "notify/notify_impl.h"
#include "telemetry/events.h"

namespace gantry::notify::detail {
namespace {

using nlohmann::json;

// Slack refuses a header over 150 characters and a field over 2,000.
constexpr std::size_t kMaxHeader = 150;
constexpr std::size_t kMaxField = 1900;

json parse_or_string(const std::string& text) {
  try {
    return json::parse(text.empty() ? std::string("{}") : text);
  } catch (const json::parse_error&) {
    return text;
  }
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Cuts at a UTF-8 character boundary and marks the cut.
std::string shorten(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

std::string human_duration(std::int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  const std::int64_t s = ms / 1000;
  if (s < 60) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
    return buf;
  }
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + std::to_string(s / 60 % 60) + "m";
}

json deployment_json(const store::Deployment& d) {
  json duration = nullptr;
  if (d.completed_at_ms) duration = *d.completed_at_ms - d.started_at_ms;
  return json{{"id", d.id},
              {"service", d.service},
              {"environment", d.environment},
              {"version", d.version},
              {"commit", d.commit_sha},
              {"triggered_by", d.triggered_by},
              {"strategy", d.strategy},
              {"status", std::string(store::name_of(d.status))},
              {"started_at", format_timestamp(d.started_at_ms)},
              {"duration_ms", std::move(duration)},
              {"health_score", d.health_score},
              {"rollback_reason", d.rollback_reason}};
}

// The event's service/version/environment, else its deployment's.
struct About {
  std::string service, version, environment;
};

About about(const Subject& s) {
  About a{s.event.service, s.event.version, s.event.environment};
  if (s.deployment) {
    if (a.service.empty()) a.service = s.deployment->service;
    if (a.version.empty()) a.version = s.deployment->version;
    if (a.environment.empty()) a.environment = s.deployment->environment;
  }
  return a;
}

std::string data_string(const json& data, const char* key) {
  if (!data.is_object()) return "";
  auto it = data.find(key);
  if (it == data.end()) return "";
  return it->is_string() ? it->get<std::string>() : dump(*it);
}

json field(const std::string& label, const std::string& value) {
  return json{{"type", "mrkdwn"}, {"text", shorten("*" + label + "*\n" + value, kMaxField)}};
}

}  // namespace

std::string webhook_body(const std::string& delivery_id, const Subject& subject,
                         const std::string& project) {
  json body{{"delivery", delivery_id},
            {"event", parse_or_string(telemetry::event_json(subject.event))},
            {"deployment", subject.deployment ? deployment_json(*subject.deployment) : json()},
            {"project", project}};
  return dump(body);
}

std::string headline(const Subject& subject) {
  const About a = about(subject);
  const json data = parse_or_string(subject.event.data_json);
  const std::string& type = subject.event.type;
  std::string who = a.service.empty() ? "the project" : a.service;
  if (!a.version.empty()) who += " " + a.version;
  const std::string in = a.environment.empty() ? "" : " in " + a.environment;
  const std::string to = a.environment.empty() ? "" : " to " + a.environment;
  if (type == "deployment.started") return "🚀 " + who + " deploying" + to;
  if (type == "deployment.succeeded") return "✅ " + who + " deployed" + to;
  if (type == "deployment.failed") return "❌ " + who + " failed to deploy" + to;
  if (type == "deployment.rolled_back") return "⏪ " + who + " rolled back" + in;
  if (type == "deployment.aborted") return "⏹️ " + who + " deployment aborted" + in;
  if (type == "rollback.started") {
    const std::string rule = data_string(data, "rule");
    return "⚠️ " + who + " rolling back" + in + (rule.empty() ? "" : " (" + rule + ")");
  }
  if (type == "approval.required") return "✋ " + who + " waits for approval" + in;
  if (type == "analysis.failed") return "📉 " + who + " failed an analysis" + in;
  if (type == "notification.failed") {
    return "📭 a notification to " + data_string(data, "sink") + " was given up";
  }
  if (type.rfind("replica.", 0) == 0) return "🔁 " + who + ": " + type + in;
  return "ℹ️ " + who + ": " + type + in;
}

std::string slack_body(const Subject& subject, const std::string& project,
                       const std::string& channel) {
  const About a = about(subject);
  const json data = parse_or_string(subject.event.data_json);
  const std::string title = shorten(headline(subject), kMaxHeader);
  json fields = json::array();
  fields.push_back(field("Environment", a.environment.empty() ? "(base)" : a.environment));
  if (!a.service.empty()) fields.push_back(field("Service", a.service));
  if (!a.version.empty()) fields.push_back(field("Version", a.version));
  std::string reason;
  if (const auto& d = subject.deployment) {
    if (!d->commit_sha.empty()) fields.push_back(field("Commit", "`" + d->commit_sha + "`"));
    if (!d->triggered_by.empty()) fields.push_back(field("Who", d->triggered_by));
    if (d->completed_at_ms) {
      fields.push_back(field("Duration", human_duration(*d->completed_at_ms - d->started_at_ms)));
    }
    char score[16];
    std::snprintf(score, sizeof score, "%.0f%%", std::round(d->health_score * 100.0));
    fields.push_back(field("Health score", score));
    reason = d->rollback_reason;
  }
  const std::string& type = subject.event.type;
  std::string label = "Rollback reason";
  if (reason.empty() && type == "rollback.started") reason = data_string(data, "reason");
  if (type == "approval.required") {
    label = "Why";
    reason = data_string(data, "reason");
  } else if (type == "notification.failed") {
    label = "Last error";
    reason = data_string(data, "last_error");
  }
  if (!reason.empty()) fields.push_back(field(label, reason));
  if (fields.size() > 10) fields.erase(fields.begin() + 10, fields.end());  // Slack's limit

  std::string context = "project " + (project.empty() ? std::string("-") : project);
  if (!subject.event.deployment_id.empty()) context += " · " + subject.event.deployment_id;
  context += " · " + subject.event.type + " · event " + std::to_string(subject.event.id);

  json blocks = json::array();
  blocks.push_back(
      {{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", title}, {"emoji", true}}}});
  blocks.push_back({{"type", "section"}, {"fields", std::move(fields)}});
  blocks.push_back(
      {{"type", "context"},
       {"elements", json::array({{{"type", "mrkdwn"}, {"text", shorten(context, kMaxField)}}})}});

  std::string fallback = title;
  if (!reason.empty()) fallback += ": " + reason;
  json body{{"text", shorten(fallback, kMaxField)}, {"blocks", std::move(blocks)}};
  if (!channel.empty()) body["channel"] = channel;
  return dump(body);
}

}  // namespace gantry::notify::detail

// Parsing the top-level notify: list (webhook and Slack sinks: URL, HMAC secret, headers,
// event and environment filters, max_age, backoff, timeout). Pure; thread-safe.
#include <set>

#include "core/strings.h"
#include "spec/parser_impl.h"

namespace gantry::spec::detail {
namespace {

using namespace std::chrono_literals;

// Event types that exist today (docs/events.md): an exact name one or two letters away from
// one of these is a typo. Other names are accepted, so a new event type needs no change here.
const std::vector<std::string> kKnownEventTypes = {
    "deployment.started", "deployment.succeeded", "deployment.failed",     "deployment.rolled_back",
    "deployment.aborted", "phase.changed",        "weight.changed",        "step.started",
    "analysis.sample",    "analysis.failed",      "analysis.inconclusive", "approval.required",
    "rollback.started",   "rollout.resumed",      "replica.started",       "replica.ready",
    "replica.exited",     "replica.unhealthy",    "build.started",         "build.output",
    "build.finished",     "hook.started",         "hook.output",           "hook.finished",
    "hook.failed",        "secret.rotated",       "notification.failed",
};

// Headers gantry sets itself, or that frame the request: a sink may not set them.
bool is_reserved_header(const std::string& name) {
  const std::string lower = to_lower(name);
  return lower.rfind("x-gantry-", 0) == 0 || lower == "content-type" || lower == "content-length" ||
         lower == "host" || lower == "transfer-encoding" || lower == "connection";
}

bool is_sink_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '-' || c == '_'));
    if (!ok) return false;
  }
  return true;
}

// "*", "prefix.*" or an exact type made of [a-z0-9_.]; nullopt when fine, else why not.
std::optional<std::string> check_event_pattern(const std::string& p) {
  if (p == "*") return std::nullopt;
  std::string_view body = p;
  const bool family = body.size() > 2 && body.substr(body.size() - 2) == ".*";
  if (family) body.remove_suffix(2);
  bool ok = !body.empty() && body.front() != '.' && body.back() != '.';
  for (const char c : body) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.');
  }
  if (!ok) {
    return "'" + p +
           "' is not an event pattern: use an event type (deployment.failed), a family "
           "(rollback.*) or * for all";
  }
  if (family) return std::nullopt;
  for (const auto& known : kKnownEventTypes) {
    if (known == p) return std::nullopt;
  }
  const std::string hint = did_you_mean(p, kKnownEventTypes);
  if (!hint.empty()) return "unknown event type '" + p + "'" + hint;
  return std::nullopt;
}

Status parse_events(Reader& r, const Node& node, const std::string& path, NotifySink& sink) {
  SPEC_ASSIGN(sink.events, r.string_list(node, path));
  for (std::size_t i = 0; i < sink.events.size(); ++i) {
    if (auto why = check_event_pattern(sink.events[i])) {
      return r.fail(node.is_sequence() ? node.items[i] : node, path, *why);
    }
  }
  return {};
}

Status parse_environments(Reader& r, const Node& node, const std::string& path,
                          const std::vector<std::string>& environments, NotifySink& sink) {
  SPEC_ASSIGN(sink.environments, r.string_list(node, path));
  for (std::size_t i = 0; i < sink.environments.size(); ++i) {
    const std::string& name = sink.environments[i];
    bool declared = false;
    for (const auto& e : environments) declared = declared || e == name;
    if (!declared) {
      const Node& at = node.is_sequence() ? node.items[i] : node;
      return r.fail(
          at, path,
          "'" + name + "' is not a declared environment" + did_you_mean(name, environments));
    }
  }
  return {};
}

Status parse_headers(Reader& r, const Node& node, const std::string& path, NotifySink& sink) {
  SPEC_TRY(r.map(node, path, std::vector<std::string>{}));
  std::set<std::string> seen;
  for (const auto& e : node.entries) {
    const std::string hp = join_path(path, e.key);
    if (!is_header_name(e.key)) {
      return r.fail(e, hp,
                    "'" + e.key +
                        "' is not a valid header name: use letters, digits and - (like "
                        "Authorization or X-Team)");
    }
    if (is_reserved_header(e.key)) {
      return r.fail(e, hp,
                    "gantry sets " + e.key +
                        " itself (Content-Type, Host, Content-Length, Connection, "
                        "Transfer-Encoding and X-Gantry-* cannot be configured)");
    }
    if (!seen.insert(to_lower(e.key)).second) {
      return r.fail(e, hp, "header " + e.key + " is given twice (header names ignore case)");
    }
    EnvValue value;
    SPEC_ASSIGN(value, r.env_value(e.value, hp));
    if (value.value.find_first_of("\r\n") != std::string::npos) {
      return r.fail(e.value, hp, "a header value cannot contain a line break");
    }
    sink.headers[e.key] = std::move(value);
  }
  return {};
}

Result<Duration> bounded_duration(Reader& r, const Node& node, const std::string& path,
                                  Duration max, const std::string& hint) {
  Duration d{};
  SPEC_ASSIGN(d, r.duration(node, path));
  if (d <= Duration{0} || d > max) return r.fail(node, path, hint);
  return d;
}

Status parse_backoff(Reader& r, const Node& node, const std::string& path, NotifySink& sink) {
  SPEC_TRY(r.map(node, path, {"initial", "max"}));
  if (const Node* v = node.get("initial")) {
    SPEC_ASSIGN(sink.backoff_initial,
                bounded_duration(r, *v, join_path(path, "initial"), 1h,
                                 "must be more than 0 and at most 1h, like 1s"));
  }
  if (const Node* v = node.get("max")) {
    SPEC_ASSIGN(sink.backoff_max, bounded_duration(r, *v, join_path(path, "max"), 24h,
                                                   "must be more than 0 and at most 24h, like 5m"));
  }
  if (sink.backoff_max < sink.backoff_initial) {
    return r.fail(node, path,
                  "backoff.max (" + format_duration(sink.backoff_max) +
                      ") is less than backoff.initial (" + format_duration(sink.backoff_initial) +
                      ")");
  }
  return {};
}

// A URL must be http(s) with a host, unless it is a secret:// reference (checked when it is
// resolved) or a lenient load left it unresolved.
Status check_url(Reader& r, const Node& node, const std::string& path, const EnvValue& url) {
  if (url.value.empty()) return r.fail(node, path, "the URL is empty");
  if (url.is_secret_ref() || url.unresolved) return {};
  const std::string lower = to_lower(url.value);
  const std::size_t scheme = lower.rfind("https://", 0) == 0  ? 8
                             : lower.rfind("http://", 0) == 0 ? 7
                                                              : 0;
  if (scheme == 0 || url.value.size() == scheme || url.value[scheme] == '/') {
    return r.fail(node, path,
                  "expected an http:// or https:// URL with a host (or a secret://NAME "
                  "reference)");
  }
  if (url.value.find_first_of(" \t\r\n") != std::string::npos) {
    return r.fail(node, path, "the URL contains white space");
  }
  return {};
}

// The body of webhook: or slack: (a map, or a lone URL).
Status parse_target(Reader& r, const Node& node, const std::string& path, bool slack,
                    const std::vector<std::string>& environments, NotifySink& sink) {
  const std::string url_key = slack ? "webhook" : "url";
  if (node.is_scalar()) {
    SPEC_ASSIGN(sink.url, r.env_value(node, path));
    return check_url(r, node, path, sink.url);
  }
  if (slack) {
    SPEC_TRY(
        r.map(node, path,
              {"webhook", "channel", "events", "environments", "max_age", "backoff", "timeout"}));
  } else {
    SPEC_TRY(r.map(
        node, path,
        {"url", "secret", "headers", "events", "environments", "max_age", "backoff", "timeout"}));
  }
  const Node* url = node.get(url_key);
  if (!url) return r.fail(node, path, "missing required key '" + url_key + "'");
  SPEC_ASSIGN(sink.url, r.env_value(*url, join_path(path, url_key)));
  SPEC_TRY(check_url(r, *url, join_path(path, url_key), sink.url));
  if (const Node* v = node.get("secret")) {
    const std::string sp = join_path(path, "secret");
    SPEC_ASSIGN(sink.secret, r.env_value(*v, sp));
    if (sink.secret.value.empty()) {
      return r.fail(*v, sp, "the secret is empty: remove the key for unsigned deliveries");
    }
  }
  if (const Node* v = node.get("headers")) {
    SPEC_TRY(parse_headers(r, *v, join_path(path, "headers"), sink));
  }
  if (const Node* v = node.get("channel")) {
    SPEC_ASSIGN(sink.channel, r.string(*v, join_path(path, "channel")));
  }
  if (const Node* v = node.get("events")) {
    SPEC_TRY(parse_events(r, *v, join_path(path, "events"), sink));
  }
  if (const Node* v = node.get("environments")) {
    SPEC_TRY(parse_environments(r, *v, join_path(path, "environments"), environments, sink));
  }
  if (const Node* v = node.get("max_age")) {
    SPEC_ASSIGN(sink.max_age, bounded_duration(r, *v, join_path(path, "max_age"), 24h * 30,
                                               "must be more than 0 and at most 30 days "
                                               "(720h), like 24h"));
  }
  if (const Node* v = node.get("backoff")) {
    SPEC_TRY(parse_backoff(r, *v, join_path(path, "backoff"), sink));
  }
  if (const Node* v = node.get("timeout")) {
    SPEC_ASSIGN(sink.timeout, bounded_duration(r, *v, join_path(path, "timeout"), 5min,
                                               "must be more than 0 and at most 5m, like 10s"));
  }
  return {};
}

}  // namespace

Result<std::vector<NotifySink>> parse_notify(Reader& r, const Node& node,
                                             const std::vector<std::string>& environments) {
  SPEC_TRY(r.expect(node, "notify", Node::Kind::Sequence, "a list of sinks"));
  std::vector<NotifySink> out;
  std::map<std::string, int> per_kind;       // for default names
  std::map<std::string, std::string> named;  // name -> its path, to report duplicates
  for (std::size_t i = 0; i < node.items.size(); ++i) {
    const Node& item = node.items[i];
    const std::string path = join_path("notify", std::to_string(i));
    r.record(path, item);
    SPEC_TRY(r.map(item, path, {"name", "webhook", "slack"}));
    const MapEntry* target = nullptr;
    int targets = 0;
    for (const auto& e : item.entries) {
      if (e.key == "name") continue;
      target = &e;
      ++targets;
    }
    if (targets != 1 || target->value.is_null()) {
      return r.fail(item, path,
                    "a sink has exactly one of webhook: URL or slack: {webhook: URL} (and an "
                    "optional name:)");
    }
    NotifySink sink;
    const bool slack = target->key == "slack";
    sink.kind = slack ? NotifySink::Kind::Slack : NotifySink::Kind::Webhook;
    SPEC_TRY(
        parse_target(r, target->value, join_path(path, target->key), slack, environments, sink));
    const int nth = ++per_kind[target->key];
    if (const Node* v = item.get("name")) {
      const std::string np = join_path(path, "name");
      SPEC_ASSIGN(sink.name, r.string(*v, np));
      if (!is_sink_name(sink.name)) {
        return r.fail(*v, np,
                      "invalid sink name: use lowercase letters, digits, - and _, starting with a "
                      "letter or digit (like ops-webhook)");
      }
    } else {
      sink.name = nth == 1 ? target->key : target->key + "-" + std::to_string(nth);
    }
    if (auto [it, fresh] = named.emplace(sink.name, path); !fresh) {
      return r.fail(item, path,
                    "two sinks are named '" + sink.name + "' (" + it->second +
                        " too): give one a different name:");
    }
    out.push_back(std::move(sink));
  }
  return out;
}

}  // namespace gantry::spec::detail

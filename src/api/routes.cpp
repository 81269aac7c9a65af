// The API's routes (docs/api.md): matching, query and body validation, JSON replies.
#include <algorithm>
#include <charconv>
#include <vector>

#include "api/json_views_impl.h"
#include "api/routes_impl.h"
#include "core/strings.h"
#include "telemetry/dora.h"

namespace gantry::api {

using nlohmann::json;

namespace {

constexpr int kMaxListLimit = 1000;
constexpr int kDefaultListLimit = 50;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int h = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int l = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (h < 0 || l < 0) {
        return make_error(ErrorCode::Invalid, "malformed %-escape in '" + std::string(text) + "'");
      }
      out.push_back(static_cast<char>(h * 16 + l));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> service_names(const daemon::Controller& controller) {
  std::vector<std::string> names;
  for (const auto& s : controller.spec().services) names.push_back(s.name);
  return names;
}

HttpReply unknown_service(const daemon::Controller& controller, const std::string& name) {
  const auto names = service_names(controller);
  return error_reply(404, "not_found",
                     "no service '" + name + "' in this project" + did_you_mean(name, names) +
                         (names.empty() ? "" : " (services: " + join(names, ", ") + ")"));
}

}  // namespace

Result<json> parse_body(std::string_view body, std::initializer_list<std::string_view> allowed) {
  if (trim(body).empty()) return json::object();
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::parse_error& e) {
    return make_error(ErrorCode::Invalid,
                      std::string("request body is not valid JSON: ") + e.what());
  }
  if (!parsed.is_object()) {
    return make_error(ErrorCode::Invalid,
                      std::string("request body must be a JSON object, not ") + parsed.type_name());
  }
  for (const auto& [key, value] : parsed.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::vector<std::string> names(allowed.begin(), allowed.end());
      return make_error(
          ErrorCode::Invalid,
          "unknown field '" + key + "' in the request body" +
              (names.empty() ? std::string("; this request takes no fields")
                             : did_you_mean(key, names) + " (fields: " + join(names, ", ") + ")"));
    }
  }
  return parsed;
}

namespace {

HttpReply serve_status(daemon::Controller& controller) {
  json services = json::array();
  for (const auto& s : controller.services()) services.push_back(to_json(s));
  return json_reply(200, json{{"project", controller.spec().project},
                              {"environment", controller.spec().environment},
                              {"services", std::move(services)}});
}

HttpReply serve_service(daemon::Controller& controller, const std::string& name) {
  for (const auto& s : controller.services()) {
    if (s.name == name) return json_reply(200, to_json(s));
  }
  return unknown_service(controller, name);
}

HttpReply serve_deployments(daemon::Controller& controller, const Query& query) {
  if (auto ok = check_params(query, {"service", "environment", "limit"}); !ok) {
    return error_reply(ok.error());
  }
  auto limit = int_param(query, "limit", 1, kMaxListLimit);
  if (!limit) return error_reply(limit.error());
  store::DeploymentFilter filter;
  if (auto it = query.find("service"); it != query.end()) filter.service = it->second;
  if (auto it = query.find("environment"); it != query.end()) filter.environment = it->second;
  filter.limit = limit->value_or(kDefaultListLimit);
  auto list = controller.store().list_deployments(filter);
  if (!list) return error_reply(list.error());
  json out = json::array();
  for (const auto& d : *list) out.push_back(to_json(d));
  return json_reply(200, json{{"deployments", std::move(out)}});
}

HttpReply serve_revisions(daemon::Controller& controller, const Query& query) {
  if (auto ok = check_params(query, {"service", "limit"}); !ok) return error_reply(ok.error());
  auto limit = int_param(query, "limit", 1, kMaxListLimit);
  if (!limit) return error_reply(limit.error());
  std::string service;
  if (auto it = query.find("service"); it != query.end()) service = it->second;
  auto list = controller.store().list_revisions(service, limit->value_or(kDefaultListLimit));
  if (!list) return error_reply(list.error());
  json out = json::array();
  for (const auto& r : *list) out.push_back(to_json(r));
  return json_reply(200, json{{"revisions", std::move(out)}});
}

void serve_restart(daemon::Controller& controller, const std::string& name, std::string_view body,
                   const Respond& respond) {
  auto parsed = parse_body(body, {});
  if (!parsed) return respond(error_reply(parsed.error()));
  if (!controller.spec().find_service(name)) return respond(unknown_service(controller, name));
  controller.restart_service(name, [respond, name](Status status) {
    if (!status) return respond(error_reply(status.error()));
    respond(json_reply(200, json{{"restarted", name}}));
  });
}

// Strings of a JSON body, checked: a field of the wrong type is a 400 naming it.
Result<std::string> string_field(const json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return make_error(ErrorCode::Invalid,
                      std::string(name) + ": expected a string, got " + it->type_name());
  }
  return it->get<std::string>();
}

// commit_time: an RFC 3339 string or a whole number of unix seconds.
Result<std::int64_t> commit_time_field(const json& value) {
  if (value.is_number_unsigned() || value.is_string()) {
    auto at = telemetry::parse_point_in_time(
        value.is_string() ? value.get<std::string>() : std::to_string(value.get<std::uint64_t>()));
    if (!at) return make_error(ErrorCode::Invalid, "commit_time: " + at.error().message);
    return at;
  }
  return make_error(
      ErrorCode::Invalid,
      std::string("commit_time: expected an RFC 3339 string or unix seconds, got ") +
          (value.is_number() ? "a negative or fractional number" : value.type_name()));
}

HttpReply serve_deploy(daemon::Controller& controller, std::string_view body) {
  auto parsed = parse_body(body, {"service", "version", "commit", "commit_time", "set", "strategy",
                                  "environment", "triggered_by"});
  if (!parsed) return error_reply(parsed.error());
  daemon::DeployRequest request;
  for (auto [field, out] :
       {std::pair{"service", &request.service}, std::pair{"version", &request.version},
        std::pair{"commit", &request.commit}, std::pair{"strategy", &request.strategy},
        std::pair{"environment", &request.environment},
        std::pair{"triggered_by", &request.triggered_by}}) {
    auto v = string_field(*parsed, field);
    if (!v) return error_reply(v.error());
    *out = std::move(*v);
  }
  if (auto it = parsed->find("commit_time"); it != parsed->end() && !it->is_null()) {
    auto at = commit_time_field(*it);
    if (!at) return error_reply(at.error());
    request.commit_time_ms = *at;
  }
  if (auto it = parsed->find("set"); it != parsed->end() && !it->is_null()) {
    if (!it->is_object()) {
      return error_reply(
          400, "bad_request",
          std::string("set: expected an object of KEY: \"value\", got ") + it->type_name());
    }
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) {
        return error_reply(400, "bad_request",
                           "set." + k + ": expected a string value, got " + v.type_name());
      }
      request.set.emplace_back(k, v.get<std::string>());
    }
  }
  if (!request.service.empty() && !controller.spec().find_service(request.service)) {
    return unknown_service(controller, request.service);
  }
  auto result = controller.deploy(request);
  if (!result) return error_reply(result.error());
  json deployments = json::array();
  for (const auto& d : result->deployments) deployments.push_back(to_json(d));
  return json_reply(
      result->deployments.empty() ? 200 : 202,
      json{{"deployments", std::move(deployments)}, {"unchanged", result->unchanged}});
}

HttpReply serve_deployment(daemon::Controller& controller, const std::string& id) {
  auto d = controller.store().get_deployment(id);
  if (!d) return error_reply(d.error());
  if (!d->has_value()) {
    return error_reply(404, "not_found",
                       "no deployment '" + id + "' (ids are listed by /v1/deployments)");
  }
  auto events = controller.store().list_events(id, 0);
  if (!events) return error_reply(events.error());
  json list = json::array();
  for (const auto& e : *events) list.push_back(to_json(e));
  json rollout = nullptr;
  if (auto view = controller.rollout_view(id)) rollout = to_json(*view);
  return json_reply(200, json{{"deployment", to_json(**d)},
                              {"rollout", std::move(rollout)},
                              {"events", std::move(list)}});
}

HttpReply serve_action(daemon::Controller& controller, const std::string& name,
                       std::string_view action, std::string_view body) {
  const bool promote = action == "promote";
  auto parsed = promote ? parse_body(body, {"full", "by"}) : parse_body(body, {"by"});
  if (!parsed) return error_reply(parsed.error());
  if (!controller.spec().find_service(name)) return unknown_service(controller, name);
  bool full = false;
  if (auto it = parsed->find("full"); it != parsed->end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return error_reply(400, "bad_request",
                         std::string("full: expected true or false, got ") + it->type_name());
    }
    full = it->get<bool>();
  }
  auto by = string_field(*parsed, "by");
  if (!by) return error_reply(by.error());
  const daemon::RolloutAction a = promote             ? daemon::RolloutAction::Promote
                                  : action == "abort" ? daemon::RolloutAction::Abort
                                  : action == "pause" ? daemon::RolloutAction::Pause
                                                      : daemon::RolloutAction::Resume;
  auto d = controller.act(name, a, full, *by);
  if (!d) return error_reply(d.error());
  return json_reply(200, json{{"deployment", to_json(*d)}});
}

HttpReply serve_rollback(daemon::Controller& controller, const std::string& name,
                         std::string_view body) {
  auto parsed = parse_body(body, {"to", "by"});
  if (!parsed) return error_reply(parsed.error());
  if (!controller.spec().find_service(name)) return unknown_service(controller, name);
  auto to = string_field(*parsed, "to");
  if (!to) return error_reply(to.error());
  auto by = string_field(*parsed, "by");
  if (!by) return error_reply(by.error());
  auto d = controller.rollback(name, *to, *by);
  if (!d) return error_reply(d.error());
  return json_reply(202, json{{"deployment", to_json(*d)}});
}

HttpReply serve_stop(std::string_view body) {
  auto parsed = parse_body(body, {});
  if (!parsed) return error_reply(parsed.error());
  HttpReply reply = json_reply(202, json{{"stopping", true}});
  reply.stop_after_write = true;
  return reply;
}

struct Route {
  std::string_view pattern;  // segments; "{}" matches one segment
  std::string_view method;
};

constexpr Route kRoutes[] = {
    {"/v1/status", "GET"},
    {"/v1/services/{}", "GET"},
    {"/v1/services/{}/restart", "POST"},
    {"/v1/services/{}/promote", "POST"},
    {"/v1/services/{}/abort", "POST"},
    {"/v1/services/{}/pause", "POST"},
    {"/v1/services/{}/resume", "POST"},
    {"/v1/services/{}/rollback", "POST"},
    {"/v1/deploy", "POST"},
    {"/v1/logs", "GET"},
    {"/v1/deployments", "GET"},
    {"/v1/deployments/{}", "GET"},
    {"/v1/events", "GET"},
    {"/v1/revisions", "GET"},
    {"/v1/dora", "GET"},
    {"/v1/notifications", "GET"},
    {"/v1/tokens", "GET"},
    {"/v1/tokens", "POST"},
    {"/v1/tokens/{}", "DELETE"},
    {"/v1/secrets/rotated", "POST"},
    {"/v1/secrets/reload", "POST"},
    {"/v1/stop", "POST"},
    {"/metrics", "GET"},
};

// Matches path against pattern, collecting "{}" segments (still percent-encoded).
bool match(std::string_view pattern, std::string_view path, std::vector<std::string>& captures) {
  captures.clear();
  const auto want = split(pattern, '/');
  const auto have = split(path, '/');
  if (want.size() != have.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "{}") {
      if (have[i].empty()) return false;
      captures.push_back(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

HttpReply json_reply(int status, const json& body) {
  HttpReply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return reply;
}

HttpReply error_reply(int status, std::string_view code, std::string message) {
  return json_reply(status, json{{"error", {{"code", code}, {"message", std::move(message)}}}});
}

HttpReply error_reply(const Error& error) {
  std::string message =
      error.key_path.empty() && !error.where.known() ? error.message : error.str();
  switch (error.code) {
    case ErrorCode::NotFound:
      return error_reply(404, "not_found", std::move(message));
    case ErrorCode::Invalid:
    case ErrorCode::Unsupported:
      return error_reply(400, "bad_request", std::move(message));
    case ErrorCode::Conflict:
      return error_reply(409, "conflict", std::move(message));
    case ErrorCode::Io:
    case ErrorCode::Internal:
      break;
  }
  return error_reply(500, "internal", std::move(message));
}

Result<Query> parse_query(std::string_view text) {
  Query query;
  if (text.empty()) return query;
  for (const auto& part : split(text, '&')) {
    if (part.empty()) continue;
    const auto eq = part.find('=');
    auto name = percent_decode(std::string_view(part).substr(0, eq), true);
    if (!name) return name.error();
    std::string value;
    if (eq != std::string::npos) {
      auto v = percent_decode(std::string_view(part).substr(eq + 1), true);
      if (!v) return v.error();
      value = std::move(*v);
    }
    if (!query.emplace(*name, std::move(value)).second) {
      return make_error(ErrorCode::Invalid, "query parameter '" + *name + "' is given twice");
    }
  }
  return query;
}

Status check_params(const Query& query, std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : query) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::vector<std::string> names(allowed.begin(), allowed.end());
      return make_error(ErrorCode::Invalid,
                        "unknown query parameter '" + name + "'" + did_you_mean(name, names) +
                            (names.empty() ? std::string("; this route takes none")
                                           : " (parameters: " + join(names, ", ") + ")"));
    }
  }
  return {};
}

Result<std::optional<int>> int_param(const Query& query, std::string_view name, int min, int max) {
  auto it = query.find(name);
  if (it == query.end()) return std::optional<int>();
  const std::string& text = it->second;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return make_error(ErrorCode::Invalid, std::string(name) + ": '" + text +
                                              "' is not valid; expected a whole number from " +
                                              std::to_string(min) + " to " + std::to_string(max));
  }
  return std::optional<int>(value);
}

void handle_request(daemon::Controller& controller, const Request& request,
                    const Respond& respond) {
  const std::string_view method = request.method;
  const std::string_view target = request.target;
  const std::string_view body = request.body;
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query_text =
      qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);

  std::vector<std::string> captures;
  std::vector<std::string> allowed;
  const Route* route = nullptr;
  std::vector<std::string> route_captures;
  for (const auto& r : kRoutes) {
    if (!match(r.pattern, path, captures)) continue;
    allowed.emplace_back(r.method);
    if (r.method == method) {
      route = &r;
      route_captures = captures;
    }
  }
  if (!route) {
    if (!allowed.empty()) {
      HttpReply reply = error_reply(405, "method_not_allowed",
                                    std::string(method) + " is not allowed on " +
                                        std::string(path) + "; use " + join(allowed, " or "));
      reply.allow = join(allowed, ", ");
      return respond(std::move(reply));
    }
    return respond(error_reply(404, "not_found",
                               "no route " + std::string(method) + " " + std::string(path) +
                                   "; the API serves /v1/status, /v1/services/NAME, "
                                   "/v1/services/NAME/{restart,promote,abort,pause,resume,"
                                   "rollback}, /v1/deploy, /v1/logs, /v1/deployments, "
                                   "/v1/deployments/ID, /v1/events, /v1/revisions, /v1/dora, "
                                   "/v1/notifications, /v1/tokens, /v1/secrets/{rotated,reload}, "
                                   "/v1/stop, /metrics"));
  }

  auto query = parse_query(query_text);
  if (!query) return respond(error_reply(query.error()));
  std::vector<std::string> args;
  for (const auto& c : route_captures) {
    auto decoded = percent_decode(c, false);
    if (!decoded) return respond(error_reply(decoded.error()));
    args.push_back(std::move(*decoded));
  }

  const std::string_view pattern = route->pattern;
  if (method == "GET" && !trim(body).empty()) {
    return respond(error_reply(400, "bad_request", "a GET request takes no body"));
  }
  auto no_params = [&]() -> bool {
    if (auto ok = check_params(*query, {}); !ok) {
      respond(error_reply(ok.error()));
      return false;
    }
    return true;
  };
  if (pattern == "/v1/status") {
    if (no_params()) respond(serve_status(controller));
  } else if (pattern == "/v1/services/{}") {
    if (no_params()) respond(serve_service(controller, args[0]));
  } else if (pattern == "/v1/services/{}/restart") {
    if (no_params()) serve_restart(controller, args[0], body, respond);
  } else if (pattern == "/v1/services/{}/promote" || pattern == "/v1/services/{}/abort" ||
             pattern == "/v1/services/{}/pause" || pattern == "/v1/services/{}/resume") {
    const std::string_view action = pattern.substr(pattern.rfind('/') + 1);
    if (no_params()) respond(serve_action(controller, args[0], action, body));
  } else if (pattern == "/v1/services/{}/rollback") {
    if (no_params()) respond(serve_rollback(controller, args[0], body));
  } else if (pattern == "/v1/deploy") {
    if (no_params()) respond(serve_deploy(controller, body));
  } else if (pattern == "/v1/deployments/{}") {
    if (no_params()) respond(serve_deployment(controller, args[0]));
  } else if (pattern == "/v1/logs") {
    respond(serve_logs(controller, *query, std::chrono::system_clock::now()));
  } else if (pattern == "/v1/deployments") {
    respond(serve_deployments(controller, *query));
  } else if (pattern == "/v1/events") {
    respond(serve_events(controller, request, *query));
  } else if (pattern == "/v1/tokens" || pattern == "/v1/tokens/{}") {
    if (no_params()) respond(serve_tokens(controller, request, args));
  } else if (pattern == "/metrics") {
    if (no_params()) respond(serve_metrics(controller));
  } else if (pattern == "/v1/revisions") {
    respond(serve_revisions(controller, *query));
  } else if (pattern == "/v1/dora") {
    respond(serve_dora(controller, *query));
  } else if (pattern == "/v1/notifications") {
    respond(serve_notifications(controller, *query));
  } else if (pattern == "/v1/secrets/rotated" || pattern == "/v1/secrets/reload") {
    if (no_params())
      respond(serve_secrets(controller, request, pattern.substr(pattern.rfind('/') + 1)));
  } else if (pattern == "/v1/stop") {
    if (no_params()) respond(serve_stop(body));
  } else {
    respond(error_reply(500, "internal", "route without a handler: " + std::string(pattern)));
  }
}

}  // namespace gantry::api

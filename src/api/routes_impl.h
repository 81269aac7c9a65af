// The API's routes: a request (method, target, body) in, a JSON reply out, through a callback
// because some routes answer later (restart waits for the controller). Internal to src/api.
// Runs on the control-plane thread, like the Controller it calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/auth_impl.h"
#include "api/server.h"
#include "core/result.h"
#include "daemon/controller.h"
#include "telemetry/events.h"

namespace gantry::api {

struct HttpReply {
  int status = 200;
  std::string body;  // JSON text unless content_type says otherwise
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (ETag, Cache-Control)
  std::string allow;                                         // the Allow header of a 405
  bool stop_after_write = false;  // POST /v1/stop: ask the daemon to stop once this is sent
  // Set: the connection becomes a Server-Sent Events stream of the events that pass this
  // filter, starting after event id stream_after (sse.cpp); the rest of the reply is unused.
  std::optional<telemetry::EventFilter> stream;
  std::int64_t stream_after = 0;
};
using Respond = std::function<void(HttpReply)>;

// Decoded query parameters (each name at most once).
using Query = std::map<std::string, std::string, std::less<>>;
using Headers = std::map<std::string, std::string, std::less<>>;  // names in lower case

struct Request {
  std::string_view method;
  std::string_view target;
  std::string_view body;
  Headers headers;
  Access access;  // filled in by serve_request
};

// Everything a listener serves (front.cpp): decides who may ask what on this kind of
// listener (tokens, scopes, the CSRF header for cookies), serves the dashboard's files and
// the session cookie, then hands /v1 and /metrics to handle_request.
void serve_request(daemon::Controller& controller, ApiServer::Mode mode, Request& request,
                   const Respond& respond);

// Routes one authorised request; calls respond exactly once, now or later.
void handle_request(daemon::Controller& controller, const Request& request, const Respond& respond);

// GET /v1/events (events_route.cpp): a JSON page, or an SSE stream when the client accepts
// text/event-stream.
HttpReply serve_events(daemon::Controller& controller, const Request& request, const Query& query);
// /v1/tokens and /v1/session (tokens_route.cpp).
HttpReply serve_tokens(daemon::Controller& controller, const Request& request,
                       const std::vector<std::string>& args);
HttpReply serve_session(daemon::Controller& controller, const Request& request);
// Parses a POST body: empty, or a JSON object whose fields are all in `allowed`.
Result<nlohmann::json> parse_body(std::string_view body,
                                  std::initializer_list<std::string_view> allowed);

HttpReply json_reply(int status, const nlohmann::json& body);
// {"error": {"code": code, "message": message}}
HttpReply error_reply(int status, std::string_view code, std::string message);
// The status and code that fit an Error (NotFound -> 404, Invalid -> 400, ...).
HttpReply error_reply(const Error& error);

// Parses "a=1&b=x%20y"; a malformed escape or a repeated name is an error.
Result<Query> parse_query(std::string_view text);
// An error naming the first parameter not in `allowed`, listing the valid ones.
Status check_params(const Query& query, std::initializer_list<std::string_view> allowed);
// The integer parameter `name` within [min, max], or nullopt when absent.
Result<std::optional<int>> int_param(const Query& query, std::string_view name, int min, int max);

// GET /metrics: the Prometheus text format, version 0.0.4 (src/api/metrics_route.cpp).
HttpReply serve_metrics(daemon::Controller& controller);
// GET /v1/dora (src/api/dora_route.cpp).
HttpReply serve_dora(daemon::Controller& controller, const Query& query);
// GET /v1/notifications: the outbox (src/api/notify_route.cpp).
HttpReply serve_notifications(daemon::Controller& controller, const Query& query);
// GET / and /assets/...: the dashboard's files built into the binary, or nullopt when path is
// none of them (src/api/dashboard_route.cpp).
std::optional<HttpReply> serve_dashboard_asset(std::string_view path);

// POST /v1/secrets/rotated, /v1/secrets/reload (secrets_route.cpp); action is the last segment.
HttpReply serve_secrets(daemon::Controller& controller, const Request& request,
                        std::string_view action);

// GET /v1/logs. `now` is the time the request is served (tests pass their own).
HttpReply serve_logs(daemon::Controller& controller, const Query& query,
                     std::chrono::system_clock::time_point now);

}  // namespace gantry::api

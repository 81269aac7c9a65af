// The API's routes: a request (method, target, body) in, a JSON reply out, through a callback
// because some routes answer later (restart waits for the controller). Internal to src/api.
// Runs on the control-plane thread, like the Controller it calls.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "daemon/controller.h"

namespace gantry::api {

struct HttpReply {
  int status = 200;
  std::string body;               // JSON text
  std::string allow;              // the Allow header of a 405
  bool stop_after_write = false;  // POST /v1/stop: ask the daemon to stop once this is sent
};
using Respond = std::function<void(HttpReply)>;

// Routes one request; calls respond exactly once, now or later.
void handle_request(daemon::Controller& controller, std::string_view method,
                    std::string_view target, std::string_view body, const Respond& respond);

// Decoded query parameters (each name at most once).
using Query = std::map<std::string, std::string, std::less<>>;

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

// GET /v1/logs. `now` is the time the request is served (tests pass their own).
HttpReply serve_logs(daemon::Controller& controller, const Query& query,
                     std::chrono::system_clock::time_point now);

}  // namespace gantry::api

// What each listener serves and who may ask (docs/api.md "Authentication"): the unix socket is
// trusted; a TCP API listener wants a token (read scope: GET only; admin: everything) and, for a
// cookie-carried token, the X-Requested-By header on writes; a metrics listener serves only
// GET /metrics. The dashboard's files and /v1/session need no token.
#include "api/routes_impl.h"

namespace gantry::api {

namespace {

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

HttpReply unauthorized(std::string message) {
  HttpReply reply = error_reply(401, "unauthorized", std::move(message));
  reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gantry\"");
  return reply;
}

}  // namespace

void serve_request(daemon::Controller& controller, ApiServer::Mode mode, Request& request,
                   const Respond& reply_to_client) {
  // No live secret value leaves the daemon in a reply (an event, a log line, an error message).
  const Respond respond = [&controller, reply_to_client](HttpReply reply) {
    if (!reply.stream) controller.secret_mask().apply_in_place(reply.body);
    reply_to_client(std::move(reply));
  };
  const std::string_view path = path_of(request.target);
  const bool read_only = request.method == "GET" || request.method == "HEAD";
  if (mode == ApiServer::Mode::Unix) {
    request.access = Access{true, Scope::Admin, "cli:unix-socket"};
    return handle_request(controller, request, respond);
  }
  if (mode == ApiServer::Mode::Metrics) {
    if (path != "/metrics") {
      return respond(
          error_reply(404, "not_found", "this listener serves GET /metrics only (metrics.listen)"));
    }
    request.access = Access{false, Scope::Read, "metrics"};
    return handle_request(controller, request, respond);
  }
  // The TCP API.
  if (request.method == "GET" && !path.starts_with("/v1/") && path != "/metrics") {
    if (auto asset = serve_dashboard_asset(path)) return respond(std::move(*asset));
    return respond(error_reply(404, "not_found", "no page " + std::string(path)));
  }
  if (path == "/v1/session") return respond(serve_session(controller, request));
  bool from_cookie = false;
  const std::string token = token_of(request.headers, from_cookie);
  if (token.empty()) {
    return respond(unauthorized(
        "this API needs a token: send Authorization: Bearer TOKEN (gantry tokens create NAME)"));
  }
  auto row = verify_token(controller.store(), token);
  if (!row) return respond(error_reply(row.error()));
  if (!row->has_value()) return respond(unauthorized("that token is not valid (or was revoked)"));
  const Scope scope = parse_scope((*row)->scope).value_or(Scope::Read);
  if (!read_only && scope != Scope::Admin) {
    return respond(error_reply(403, "forbidden",
                               "token '" + (*row)->name + "' has the read scope; " +
                                   std::string(request.method) + " needs an admin token"));
  }
  if (!read_only && from_cookie) {
    auto it = request.headers.find("x-requested-by");
    if (it == request.headers.end() || it->second.empty()) {
      return respond(error_reply(403, "forbidden",
                                 "a write authorised by the session cookie needs the header "
                                 "X-Requested-By: gantry (a guard against cross-site requests)"));
    }
  }
  request.access = Access{false, scope, "token:" + (*row)->name};
  handle_request(controller, request, respond);
}

}  // namespace gantry::api

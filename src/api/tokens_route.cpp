// /v1/tokens (create, list, revoke API tokens: over the unix socket only) and /v1/session
// (the dashboard's cookie login).
#include <chrono>

#include "api/routes_impl.h"
#include "core/timestamp.h"

namespace gantry::api {

using nlohmann::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json token_json(const store::ApiToken& t) {
  json out{{"id", t.id},
           {"name", t.name},
           {"scope", t.scope},
           {"created_at", format_timestamp(t.created_at_ms)},
           {"created_by", t.created_by},
           {"revoked_at", nullptr}};
  if (t.revoked_at_ms) out["revoked_at"] = format_timestamp(*t.revoked_at_ms);
  return out;
}

}  // namespace

HttpReply serve_tokens(daemon::Controller& controller, const Request& request,
                       const std::vector<std::string>& args) {
  if (!request.access.unix_socket) {
    return error_reply(403, "forbidden",
                       "tokens are managed over the daemon's unix socket only "
                       "(gantry tokens create|list|revoke on the daemon's machine)");
  }
  auto& store = controller.store();
  if (request.method == "GET") {
    auto list = store.list_tokens();
    if (!list) return error_reply(list.error());
    json out = json::array();
    for (const auto& t : *list) out.push_back(token_json(t));
    return json_reply(200, json{{"tokens", std::move(out)}});
  }
  if (request.method == "DELETE") {
    if (auto st = store.revoke_token(args.at(0), now_ms()); !st) return error_reply(st.error());
    (void)store.append_audit(
        {0, now_ms(), request.access.actor, "token.revoke", "token/" + args.at(0), "{}"});
    return json_reply(200, json{{"revoked", args.at(0)}});
  }
  auto body = parse_body(request.body, {"name", "scope", "by"});
  if (!body) return error_reply(body.error());
  const std::string name = body->value("name", "");
  const std::string scope_text = body->value("scope", "read");
  auto scope = parse_scope(scope_text);
  if (!scope) {
    return error_reply(400, "bad_request",
                       "scope: '" + scope_text + "' is not valid; expected read or admin");
  }
  const std::string by = body->value("by", request.access.actor);
  auto made = make_token(name, *scope, by, now_ms());
  if (!made) return error_reply(made.error());
  auto st = store.transaction([&]() -> Status {
    if (auto p = store.put_token(made->row); !p) return p;
    auto a = store.append_audit({0, made->row.created_at_ms, by, "token.create",
                                 "token/" + made->row.name, json{{"scope", scope_text}}.dump()});
    if (!a) return a.error();
    return {};
  });
  if (!st) return error_reply(st.error());
  json out = token_json(made->row);
  out["token"] = made->token;  // the only time it is shown
  return json_reply(201, out);
}

HttpReply serve_session(daemon::Controller& controller, const Request& request) {
  if (request.method == "DELETE") {
    HttpReply reply = json_reply(200, json{{"signed_out", true}});
    reply.headers.emplace_back("Set-Cookie", clear_session_cookie());
    return reply;
  }
  if (request.method != "POST") {
    HttpReply reply = error_reply(
        405, "method_not_allowed",
        std::string(request.method) + " is not allowed on /v1/session; use POST or DELETE");
    reply.allow = "POST, DELETE";
    return reply;
  }
  auto body = parse_body(request.body, {"token"});
  if (!body) return error_reply(body.error());
  const std::string token = body->value("token", "");
  auto row = verify_token(controller.store(), token);
  if (!row) return error_reply(row.error());
  if (!row->has_value()) {
    HttpReply reply = error_reply(401, "unauthorized", "that token is not valid (or was revoked)");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
  }
  HttpReply reply = json_reply(200, json{{"name", (*row)->name}, {"scope", (*row)->scope}});
  reply.headers.emplace_back("Set-Cookie", session_cookie(token));
  return reply;
}

}  // namespace gantry::api

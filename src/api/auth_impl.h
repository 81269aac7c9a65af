// Who may do what on the API (internal to src/api; docs/api.md "Authentication"). The unix
// socket is owner-only (mode 0600) and trusted; the TCP listener needs a bearer token, from
// the Authorization header or, for the dashboard, the gantry_session cookie. Tokens are
// "gty_<id>_<secret>": only sha256(secret) is stored, and it is compared in constant time.
// Pure functions over a Store; the control-plane thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/store.h"

namespace gantry::api {

enum class Scope { Read, Admin };
std::optional<Scope> parse_scope(std::string_view text);
std::string_view name_of(Scope scope);

// What a request may do, decided by the server before routing.
struct Access {
  bool unix_socket = true;  // the owner-only socket: everything is allowed
  Scope scope = Scope::Admin;
  std::string actor;  // "cli:uid=1000", "token:ci-deployer"
};

struct NewToken {
  store::ApiToken row;
  std::string token;  // shown once, never stored
};

// A fresh token named `name` (letters, digits, '-', '_', '.'; 1..64 chars).
Result<NewToken> make_token(std::string_view name, Scope scope, std::string created_by,
                            std::int64_t now_ms);

// The token's row when `token` is one of the store's live tokens; nullopt otherwise (unknown,
// malformed, revoked or a wrong secret: the caller answers 401 for all of them).
Result<std::optional<store::ApiToken>> verify_token(store::Store& store, std::string_view token);

// The token a request carries: "Authorization: Bearer T", else the gantry_session cookie.
// `cookie` is set when it came from the cookie (cookie-authenticated writes need a CSRF header).
std::string token_of(const std::map<std::string, std::string, std::less<>>& headers, bool& cookie);

// The gantry_session cookie that holds a token for the dashboard (HttpOnly, SameSite=Strict).
std::string session_cookie(std::string_view token);
std::string clear_session_cookie();

}  // namespace gantry::api

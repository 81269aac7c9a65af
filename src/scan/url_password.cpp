// Connection strings and URLs with a literal password in their userinfo
// (postgresql://user:PASSWORD@host). Pure; thread-safe.
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "scan/scan.h"

namespace gantry::scan {
namespace {

constexpr std::array<std::string_view, 19> kSchemes = {
    "postgresql", "postgres", "mysql", "mariadb", "mongodb", "mongodb+srv", "redis",
    "rediss",     "amqp",     "amqps", "http",    "https",   "sqlserver",   "mssql",
    "ftp",        "sftp",     "smtp",  "smtps",   "nats"};

bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

bool ends_token(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '`' ||
         c == '<' || c == '>';
}

// A password that is a reference or an obvious stand-in, not a credential.
bool is_not_a_password(std::string_view password) {
  if (password.empty() || is_placeholder(password)) return true;
  if (password.find("${") != std::string_view::npos) return true;
  if (password.front() == '$' || password.front() == '%' || password.front() == '{') {
    return true;  // $DB_PASSWORD, %(password)s, {password}
  }
  if (password.find_first_not_of('*') == std::string_view::npos) return true;  // masked
  const std::string lower = to_lower(password);
  return lower == "password" || lower == "pass" || lower == "pwd" || lower == "secret";
}

}  // namespace

std::optional<Detection> find_url_password(std::string_view value) {
  for (auto sep = value.find("://"); sep != std::string_view::npos;
       sep = value.find("://", sep + 3)) {
    std::size_t begin = sep;
    while (begin > 0 && is_scheme_char(value[begin - 1])) --begin;
    const std::string scheme = to_lower(value.substr(begin, sep - begin));
    bool known = false;
    for (auto s : kSchemes) known = known || scheme == s;
    if (!known) continue;

    const std::size_t rest = sep + 3;
    std::size_t end = rest;
    while (end < value.size() && !ends_token(value[end])) ++end;
    const std::string_view token = value.substr(rest, end - rest);

    // userinfo ends at the last '@' before the path; a password may hold '@' or '/'
    // unencoded, so look for the path only after the first '@'.
    const auto first_at = token.find('@');
    if (first_at == std::string_view::npos) continue;
    auto path = token.find_first_of("/?#", first_at);
    const auto at = token.substr(0, path).rfind('@');
    const std::string_view userinfo = token.substr(0, at);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) continue;  // user only
    const std::string_view user = userinfo.substr(0, colon);
    if (user.find_first_of("/?#") != std::string_view::npos) continue;
    const std::string_view password = userinfo.substr(colon + 1);
    if (is_not_a_password(password)) continue;
    return Detection{"url-password", "password in a " + scheme + ":// URL", rest + colon + 1,
                     password.size()};
  }
  return std::nullopt;
}

}  // namespace gantry::scan

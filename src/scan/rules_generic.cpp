// Built-in rules that are not tied to one provider: private key blocks, JSON web tokens,
// connection strings with a password, HTTP Basic credentials and generic secret assignments.
// Pure.
#include "scan/rules_impl.h"

namespace gantry::scan::detail {

std::vector<Rule> generic_rules() {
  using S = Severity;
  std::vector<Rule> r;
  // The BEGIN line, optional RFC 1421 / OpenPGP headers, then the first 40 characters of the
  // body; newlines real or JSON-escaped, lines maybe indented (YAML `key: |`, heredocs). The
  // matcher extends the secret to the END line.
  r.push_back(token_rule(
      "private-key", "private key block", S::Critical,
      R"(-----BEGIN[ A-Z0-9]{0,24}PRIVATE KEY(?: BLOCK)?-----(?:\\r|\\n|\r|\n)+[ \t]*(?:[A-Za-z\-]{2,24}:[^\r\n\\]{0,200}(?:\\r|\\n|\r|\n)+[ \t]*){0,4}[A-Za-z0-9+/=]{40,})",
      {"private key"}, {"key"}, 0));
  r.push_back(token_rule("jwt", "JSON web token", S::Medium,
                         R"(eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{16,})",
                         {"eyj"}, {"token", "jwt"}));
  {
    Rule c = token_rule(
        "connection-string-password", "password in a database or broker connection string",
        S::Critical,
        R"((?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|jdbc:[a-z]{3,12})://[^:@/\s"'<>]{0,64}:([^@\s"'<>$%{][^@\s"'<>]{2,127})@[A-Za-z0-9_\[\]])",
        {"://"}, {"database", "url"}, 2.0);
    c.caseless = true;
    c.secret_group = 1;
    r.push_back(std::move(c));
  }
  {
    // In a header, or a whole string literal ("Basic ..." in a Java constant); either way the
    // value must decode to user:password (rule_checks.cpp).
    Rule b = token_rule(
        "basic-auth-header", "HTTP Basic credentials in an Authorization header or string", S::High,
        R"(authorization["']?[ \t]*[:=][ \t]*["']?basic[ \t]+([A-Za-z0-9+/]{8,}={0,2})|["']basic[ \t]+([A-Za-z0-9+/]{8,}={0,2})["'])",
        {"basic"}, {"http", "auth"});
    b.caseless = true;
    b.secret_group = 1;
    r.push_back(std::move(b));
  }
  r.push_back(assignment_rule(
      "generic-secret-assignment", "secret-looking literal assigned to a secret-named key",
      S::Medium,
      R"(pass(?:wd|word)?|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|(?:encryption|signing|master|session)[_\-]?key|credentials?)",
      R"([^"'`\s(){}\[\]<>,;&$\\.]{12}[^"'`\s(){}\[\]<>,;&$\\]*)", {}, {"generic"}, 3.5));
  return r;
}

}  // namespace gantry::scan::detail

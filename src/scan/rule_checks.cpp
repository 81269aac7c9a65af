// Confirmation checks specific to a few built-in rules, and the public documentation example
// keys that are never findings. Pure; thread-safe.
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "scan/rules_impl.h"
#include "scan/scan.h"

namespace gantry::scan::detail {
namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Standard or URL-safe base64, padding optional; "" when it is not base64.
std::string base64_decode(std::string_view in) {
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) return {};
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '$') return false;
  }
  return true;
}

// a.b.c where every part is an identifier: process.env.TOKEN, settings.SECRET_KEY.
bool is_dotted_reference(std::string_view s) {
  const auto parts = split(s, '.');
  if (parts.size() < 2) return false;
  for (const auto& p : parts) {
    if (!is_identifier(p)) return false;
  }
  return true;
}

bool generic_assignment_ok(std::string_view secret, std::string_view after) {
  if (!after.empty() && (after[0] == '(' || after[0] == '[')) return false;  // a call, an index
  if (secret.find("://") != std::string_view::npos) return false;            // a URL: its own rule
  if (secret[0] == '/' || secret.rfind("./", 0) == 0 || secret.rfind("~/", 0) == 0) {
    return false;  // a path
  }
  if (secret[0] == ':' || secret[0] == '=') return false;  // secrets::kMax, a == b
  if (is_dotted_reference(secret)) return false;
  // Letters and underscores only: an identifier (kMaxSecretBytes), unless long enough that a
  // random value without a digit is plausible.
  if (secret.size() < 32 &&
      secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_") ==
          std::string_view::npos) {
    return false;
  }
  const std::string lower = to_lower(secret);
  for (std::string_view code : {"env.", "env[", "getenv", "environ", "secretkeyref"}) {
    if (lower.find(code) != std::string::npos) return false;
  }
  if (secret.size() >= 16) return is_high_entropy(secret);
  bool digit = false, letter = false;
  for (char c : secret) {
    digit = digit || std::isdigit(static_cast<unsigned char>(c));
    letter = letter || std::isalpha(static_cast<unsigned char>(c));
  }
  return digit && letter;
}

bool connection_password_ok(std::string_view password) {
  if (password[0] == '$' || password[0] == '%' || password[0] == '{' || password[0] == ':') {
    return false;  // $DB_PASSWORD, %(password)s, {password}
  }
  if (password.find_first_not_of('*') == std::string_view::npos) return false;  // masked
  static constexpr std::array<std::string_view, 8> kStandIns = {
      "password", "pass", "pwd", "secret", "passwd", "pw", "mypassword", "yourpassword"};
  const std::string lower = to_lower(password);
  for (auto w : kStandIns) {
    if (lower == w) return false;
  }
  return true;
}

bool basic_auth_ok(std::string_view encoded) {
  const std::string plain = base64_decode(encoded);
  const auto colon = plain.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= plain.size()) return false;
  for (unsigned char c : plain) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return !is_placeholder(plain.substr(colon + 1));
}

bool jwt_ok(std::string_view token) {
  const std::string header = base64_decode(token.substr(0, token.find('.')));
  return !header.empty() && header[0] == '{' &&
         (header.find("\"alg\"") != std::string::npos ||
          header.find("\"typ\"") != std::string::npos);
}

}  // namespace

bool passes_rule_check(std::string_view rule_id, std::string_view secret, std::string_view after) {
  if (secret.empty()) return false;
  if (rule_id == "generic-secret-assignment") return generic_assignment_ok(secret, after);
  if (rule_id == "connection-string-password") return connection_password_ok(secret);
  if (rule_id == "basic-auth-header") return basic_auth_ok(secret);
  if (rule_id == "jwt") return jwt_ok(secret);
  return true;
}

const std::vector<std::string>& known_example_secrets() {
  // Published in the providers' documentation; never valid credentials.
  static const std::vector<std::string> examples = {
      "AKIAIOSFODNN7EXAMPLE",                      // gantry:allow (AWS docs)
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  // gantry:allow (AWS docs)
      "sk_test_4eC39HqLyjWDarjtT1zdp7dc",          // gantry:allow (Stripe docs)
      "sk_test_BQokikJOvBiI2HlWgH4olfQ2",          // gantry:allow (Stripe docs)
      "sk_test_26PHem9AhJZvU623DfE1x4sd",          // gantry:allow (Stripe docs)
      "pk_test_TYooMQauvdEDq54NiTphI7jx",          // gantry:allow (Stripe docs)
      // jwt.io's sample token
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
      "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  // gantry:allow
  };
  return examples;
}

}  // namespace gantry::scan::detail

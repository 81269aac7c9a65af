// Values that only stand in for a credential (changeme, <your-key>, ${VAR}, secret://...),
// and the redacted display form of a secret. Pure; thread-safe.
#include <array>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "scan/scan.h"

namespace gantry::scan {

bool is_placeholder(std::string_view value) {
  const std::string_view v = trim(value);
  if (v.empty()) return true;
  if (v.rfind("secret://", 0) == 0) return true;
  if (v.find("${") != std::string_view::npos || v.find("{{") != std::string_view::npos) {
    return true;  // interpolation or a template
  }
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') return true;
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') return true;
  // $NAME: a shell reference
  if (v.front() == '$' && v.size() > 1 &&
      v.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", 1) ==
          std::string_view::npos) {
    return true;
  }
  const std::string lower = to_lower(v);
  // One character repeated: xxxx, ****, 0000, ....
  if (lower.size() >= 3 && lower.find_first_not_of(lower[0]) == std::string::npos &&
      (lower[0] == 'x' || lower[0] == '*' || lower[0] == '.' || lower[0] == '0' ||
       lower[0] == '-' || lower[0] == '#')) {
    return true;
  }
  static constexpr std::array<std::string_view, 14> kWords = {
      "changeme", "todo",  "tbd",      "none",    "null",   "nil",   "secret",
      "password", "dummy", "redacted", "example", "sample", "fixme", "placeholder"};
  for (auto w : kWords) {
    if (lower == w) return true;
  }
  static constexpr std::array<std::string_view, 17> kParts = {
      "changeme", "change-me", "change_me",  "changethis", "change-this", "your-",
      "your_",    "yourkey",   "replace-me", "replace_me", "replaceme",   "placeholder",
      "example",  "dummy",     "redacted",   "xxxxx",      "insert-"};
  for (auto p : kParts) {
    if (lower.find(p) != std::string::npos) return true;
  }
  return false;
}

std::string redact(std::string_view secret) {
  // Show a few leading characters only when the secret is long enough that they give
  // nothing useful away (a key prefix such as sk_l tells the user which key it is).
  const std::size_t shown = secret.size() >= 16 ? 4 : 0;
  std::string out(secret.substr(0, shown));
  out += "\u2026(" + std::to_string(secret.size()) + " chars)";
  return out;
}

}  // namespace gantry::scan

// What is never a finding: gitignore-style path globs and the inline `gantry:allow` marker
// (the allowlist's value regexes and stopwords are applied by the matcher). Pure; thread-safe.
#include <string>
#include <string_view>

#include "scan/rules_impl.h"

namespace gantry::scan::detail {
namespace {

// [abc], [a-z], [!a-z] / [^a-z] at p[0]; on success returns the length of the class and sets
// `matched`. 0 when it is no well-formed class (then '[' is a literal).
std::size_t match_class(std::string_view p, char c, bool& matched) {
  std::size_t i = 1;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool any = false;
  const std::size_t first = i;
  for (; i < p.size(); ++i) {
    if (p[i] == ']' && i > first) {
      matched = any != negate;
      return i + 1;
    }
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      any = any || (c >= p[i] && c <= p[i + 2]);
      i += 2;
    } else {
      any = any || c == p[i];
    }
  }
  return 0;
}

bool match_here(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.rfind("**", 0) == 0) {
      if (p.size() >= 3 && p[2] == '/') {
        const std::string_view rest = p.substr(3);
        if (match_here(rest, s)) return true;
        for (std::size_t i = 0; i < s.size(); ++i) {
          if (s[i] == '/' && match_here(rest, s.substr(i + 1))) return true;
        }
        return false;
      }
      const std::string_view rest = p.substr(2);
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (match_here(rest, s.substr(i))) return true;
      }
      return false;
    }
    const char c = p[0];
    if (c == '*') {
      const std::string_view rest = p.substr(1);
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (match_here(rest, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') break;
      }
      return false;
    }
    if (s.empty()) return false;
    if (c == '?') {
      if (s[0] == '/') return false;
    } else if (c == '[') {
      bool matched = false;
      const std::size_t n = match_class(p, s[0], matched);
      if (n > 0) {
        if (!matched || s[0] == '/') return false;
        p.remove_prefix(n);
        s.remove_prefix(1);
        continue;
      }
      if (s[0] != '[') return false;
    } else if (c == '\\' && p.size() > 1) {
      if (s[0] != p[1]) return false;
      p.remove_prefix(1);
    } else if (c != s[0]) {
      return false;
    }
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return false;
  std::string p(pattern);
  if (p.size() > 1 && p.back() == '/') p.pop_back();  // a folder: itself and what it holds
  const bool anchored = p[0] == '/';
  if (anchored) p.erase(0, 1);
  if (!anchored && p.find('/') == std::string::npos) p = "**/" + p;
  if (path.rfind("./", 0) == 0) path.remove_prefix(2);
  // The path or one of the folders it sits in.
  if (match_here(p, path)) return true;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/' && match_here(p, path.substr(0, i))) return true;
  }
  return false;
}

bool has_inline_allow(std::string_view line) {
  return line.find("gantry:allow") != std::string_view::npos;
}

}  // namespace gantry::scan::detail

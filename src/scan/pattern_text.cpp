// Reading rule patterns as text: the caseless fold for std::regex, the widened pattern
// Hyperscan gets, the literals every match starts with, and exact-literal allowlist regexes.
// Pure functions; thread-safe.
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/rules_impl.h"

namespace gantry::scan::detail {

// A caseless rule is confirmed on a lowercased copy of the window with a lowercased pattern:
// libstdc++'s std::regex::icase looks up the locale for every character and is ~10x slower.
std::string fold_pattern(std::string_view pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      out += pattern[i];
      out += pattern[++i];  // \S, \D, \W keep their meaning
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(pattern[i])));
    }
  }
  return out;
}

// The pattern Hyperscan gets: every bounded repeat {m,n} widened to {m,}. Large bounded repeats
// make Hyperscan's compile slow (hundreds of ms per rule); the wider pattern finds a superset of
// the hits and std::regex confirms with the exact bounds, on the same line.
std::string widen_repeats(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      // A ']' first in the class (or after '^') is a literal.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == '{') {
      const auto close = pattern.find('}', i);
      const auto comma = pattern.find(',', i);
      if (close != std::string_view::npos && comma != std::string_view::npos && comma < close &&
          comma > i + 1 && close > comma + 1 &&
          pattern.substr(i + 1, comma - i - 1).find_first_not_of("0123456789") ==
              std::string_view::npos &&
          pattern.substr(comma + 1, close - comma - 1).find_first_not_of("0123456789") ==
              std::string_view::npos) {
        out.append(pattern.substr(i, comma - i + 1)).append("}");
        i = close;
        continue;
      }
    }
    out += c;
  }
  return out;
}

namespace {

// Top-level alternatives of `pattern` (split on `|` outside groups and classes).
std::vector<std::string_view> top_level_branches(std::string_view pattern) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool in_class = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') ++i;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      out.push_back(pattern.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(pattern.substr(start));
  return out;
}

bool leading_literals_at(std::string_view pattern, std::vector<std::string>& out, int depth) {
  if (depth > 4) return false;
  static constexpr std::string_view kMeta = "\\^$.|?*+()[]{}";
  for (std::string_view branch : top_level_branches(pattern)) {
    if (branch.rfind("(?:", 0) == 0) {
      // A group first: its own alternatives, unless the group is optional or repeated.
      int d = 0;
      std::size_t close = std::string_view::npos;
      bool in_class = false;
      for (std::size_t i = 0; i < branch.size(); ++i) {
        const char c = branch[i];
        if (c == '\\') {
          ++i;
        } else if (in_class) {
          in_class = c != ']';
        } else if (c == '[') {
          in_class = true;
        } else if (c == '(') {
          ++d;
        } else if (c == ')' && --d == 0) {
          close = i;
          break;
        }
      }
      if (close == std::string_view::npos) return false;
      if (close + 1 < branch.size() &&
          std::string_view("?*{").find(branch[close + 1]) != std::string_view::npos) {
        return false;
      }
      if (!leading_literals_at(branch.substr(3, close - 3), out, depth + 1)) return false;
      continue;
    }
    std::string lit;
    std::size_t i = 0;
    for (; i < branch.size(); ++i) {
      const char c = branch[i];
      if (c == '\\' && i + 1 < branch.size() &&
          !std::isalnum(static_cast<unsigned char>(branch[i + 1]))) {
        lit += branch[++i];
      } else if (kMeta.find(c) == std::string_view::npos) {
        lit += c;
      } else {
        break;
      }
    }
    // A quantifier applies to the last literal character: it may be absent.
    if (i < branch.size() && std::string_view("?*{").find(branch[i]) != std::string_view::npos &&
        !lit.empty()) {
      lit.pop_back();
    }
    if (lit.size() < 2) return false;
    out.push_back(std::move(lit));
  }
  return true;
}

}  // namespace

bool leading_literals(std::string_view pattern, std::vector<std::string>& out) {
  return leading_literals_at(pattern, out, 0);
}

// The literal an allowlist regex `^...$` stands for when it holds nothing but literal and
// escaped characters (the documentation examples are such), so a string compare replaces it.
std::optional<std::string> exact_literal(std::string_view re) {
  if (re.size() < 2 || re.front() != '^' || re.back() != '$') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i + 1 < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {
      if (i + 2 >= re.size() || std::isalnum(static_cast<unsigned char>(re[i + 1]))) {
        return std::nullopt;  // \d, \s, ... or a trailing backslash
      }
      out += re[++i];
    } else if (std::string_view("^$.|?*+()[]{}").find(c) != std::string_view::npos) {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace gantry::scan::detail

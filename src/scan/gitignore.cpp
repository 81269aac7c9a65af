// .gitignore parsing and matching (see gitignore.h); pure functions on immutable data,
// thread-safe.
#include "scan/gitignore.h"

namespace gantry::scan {
namespace {

// Matches [p, pe) against [t, te); `begin` is the start of the whole pattern (to know whether
// a `**` starts a path segment).
class GlobMatcher {
 public:
  explicit GlobMatcher(std::string_view pattern) : begin_(pattern.data()) {}

  bool match(const char* p, const char* pe, const char* t, const char* te) const {
    while (p < pe) {
      const char c = *p;
      if (c == '*') return match_star(p, pe, t, te);
      if (t == te) return false;
      if (c == '?') {
        if (*t == '/') return false;
        ++p;
        ++t;
      } else if (c == '[') {
        const char* after = nullptr;
        const int m = match_class(p, pe, *t, &after);
        if (m < 0) {  // unterminated: a literal '['
          if (*t != '[') return false;
          ++p;
        } else {
          if (m == 0) return false;
          p = after;
        }
        ++t;
      } else {
        char lit = c;
        if (c == '\\' && p + 1 < pe) lit = *++p;
        if (*t != lit) return false;
        ++p;
        ++t;
      }
    }
    return t == te;
  }

 private:
  bool match_star(const char* p, const char* pe, const char* t, const char* te) const {
    const bool segment_start = p == begin_ || p[-1] == '/';
    if (p + 1 < pe && p[1] == '*' && segment_start && (p + 2 == pe || p[2] == '/')) {
      if (p + 2 == pe) return true;  // trailing `**`: everything below
      const char* rest = p + 3;      // after `**/`: zero or more whole folders
      if (match(rest, pe, t, te)) return true;
      for (const char* s = t; s < te; ++s) {
        if (*s == '/' && match(rest, pe, s + 1, te)) return true;
      }
      return false;
    }
    while (p < pe && *p == '*') ++p;  // `*` (or a `**` inside a segment): no `/`
    for (const char* s = t;; ++s) {
      if (match(p, pe, s, te)) return true;
      if (s == te || *s == '/') return false;
    }
  }

  // 1 = ch is in the class starting at p ('['), 0 = not, -1 = no closing ']'.
  static int match_class(const char* p, const char* pe, char ch, const char** after) {
    const char* q = p + 1;
    bool negate = false;
    if (q < pe && (*q == '!' || *q == '^')) {
      negate = true;
      ++q;
    }
    bool found = false;
    bool first = true;
    while (q < pe && (*q != ']' || first)) {
      first = false;
      char lo = *q;
      if (lo == '\\' && q + 1 < pe) lo = *++q;
      char hi = lo;
      if (q + 2 < pe && q[1] == '-' && q[2] != ']') {
        hi = q[2];
        if (hi == '\\' && q + 3 < pe) {
          hi = q[3];
          ++q;
        }
        q += 2;
      }
      if (ch >= lo && ch <= hi) found = true;
      ++q;
    }
    if (q >= pe) return -1;
    *after = q + 1;
    if (ch == '/') return 0;
    return found != negate ? 1 : 0;
  }

  const char* begin_;
};

// Trailing spaces are dropped unless escaped with a backslash.
std::string_view strip_trailing_spaces(std::string_view s) {
  while (!s.empty() && s.back() == ' ') {
    if (s.size() >= 2 && s[s.size() - 2] == '\\') break;
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  const GlobMatcher m(pattern);
  return m.match(pattern.data(), pattern.data() + pattern.size(), path.data(),
                 path.data() + path.size());
}

IgnoreFile IgnoreFile::parse(std::string_view text, std::string base) {
  IgnoreFile file;
  file.base_ = std::move(base);
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = strip_trailing_spaces(line);
    if (line.empty() || line.front() == '#') continue;
    IgnorePattern p;
    if (line.front() == '!') {
      p.negated = true;
      line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
      p.dir_only = true;
      while (!line.empty() && line.back() == '/') line.remove_suffix(1);
    }
    if (line.empty()) continue;
    p.anchored = line.find('/') != std::string_view::npos;
    if (line.front() == '/') line.remove_prefix(1);
    if (line.empty()) continue;
    p.glob = std::string(line);
    file.patterns_.push_back(std::move(p));
  }
  return file;
}

std::optional<bool> IgnoreFile::decide(std::string_view rel_path, bool is_dir) const {
  std::string_view sub = rel_path;
  if (!base_.empty()) {
    if (sub.size() <= base_.size() || sub.compare(0, base_.size(), base_) != 0 ||
        sub[base_.size()] != '/') {
      return std::nullopt;
    }
    sub.remove_prefix(base_.size() + 1);
  }
  const auto slash = sub.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? sub : sub.substr(slash + 1);
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
    if (it->dir_only && !is_dir) continue;
    if (glob_match(it->glob, it->anchored ? sub : name)) return !it->negated;
  }
  return std::nullopt;
}

bool IgnoreChain::ignored(std::string_view rel_path, bool is_dir) const {
  for (const IgnoreChain* c = this; c; c = c->parent_.get()) {
    if (auto d = c->file_.decide(rel_path, is_dir)) return *d;
  }
  return false;
}

}  // namespace gantry::scan

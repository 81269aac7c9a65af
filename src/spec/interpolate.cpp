// ${VAR} interpolation: a small recursive-descent expander over one string. Pure; thread-safe.
#include "spec/interpolate.h"

namespace gantry::spec {
namespace {

// Defaults may nest (${A:-${B}}); deeper nesting than this is refused, not recursed into.
constexpr int kMaxNesting = 16;

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

class Expander {
 public:
  Expander(const VarLookup& lookup, bool lenient) : lookup_(lookup), lenient_(lenient) {}

  // Expands text[pos, end) where end is the end of the string (depth 0) or the '}' closing
  // the enclosing expression. On return pos is at that end.
  Status expand(std::string_view text, std::size_t& pos, int depth, bool nested, std::string& out) {
    while (pos < text.size()) {
      const char c = text[pos];
      if (nested && c == '}') return {};
      if (c != '$' || pos + 1 >= text.size()) {
        out += c;
        ++pos;
        continue;
      }
      const char next = text[pos + 1];
      if (next == '$') {
        out += '$';
        pos += 2;
        continue;
      }
      if (next != '{') {
        out += c;  // a bare $NAME is not an expression: kept as written
        ++pos;
        continue;
      }
      auto s = expression(text, pos, depth, out);
      if (!s) return s;
    }
    if (nested) return make_error(ErrorCode::Invalid, "unterminated '${': add the closing '}'");
    return {};
  }

  bool changed = false;
  bool unresolved = false;

 private:
  // text[pos] is the '$' of "${"; on return pos is past the closing '}'.
  Status expression(std::string_view text, std::size_t& pos, int depth, std::string& out) {
    const std::size_t start = pos;
    changed = true;
    if (depth >= kMaxNesting) {
      return make_error(ErrorCode::Invalid, "'${' nested too deeply (at most 16 levels)");
    }
    pos += 2;
    const std::size_t name_start = pos;
    while (pos < text.size() && is_name_char(text[pos])) ++pos;
    const std::string name(text.substr(name_start, pos - name_start));
    if (pos >= text.size()) {
      return make_error(ErrorCode::Invalid, "unterminated '${': add the closing '}'");
    }
    if (name.empty() || !is_name_start(name[0])) {
      return make_error(ErrorCode::Invalid,
                        "'${' must be followed by a variable name (letters, digits, _), "
                        "like ${PORT} or ${LOG_LEVEL:-info}");
    }
    // The operator: "}", ":-", "-", ":?", "?".
    std::string op;
    if (text[pos] == '}') {
      op = "";
    } else if (text.substr(pos, 2) == ":-" || text.substr(pos, 2) == ":?") {
      op = std::string(text.substr(pos, 2));
      pos += 2;
    } else if (text[pos] == '-' || text[pos] == '?') {
      op = std::string(1, text[pos]);
      pos += 1;
    } else {
      return make_error(ErrorCode::Invalid,
                        "unsupported expression in '${" + name +
                            "...}': use ${VAR}, ${VAR:-default}, ${VAR-default} or "
                            "${VAR:?message}");
    }
    std::string arg;
    if (!op.empty()) {
      // The default (or message) is itself expanded, lazily in meaning but eagerly here:
      // a nested error in an unused default is still reported, which keeps the rule simple.
      auto s = expand(text, pos, depth + 1, true, arg);
      if (!s) return s;
    }
    if (pos >= text.size() || text[pos] != '}') {
      return make_error(ErrorCode::Invalid, "unterminated '${': add the closing '}'");
    }
    ++pos;  // past '}'
    const std::string_view written = text.substr(start, pos - start);

    const std::optional<std::string> value = lookup_ ? lookup_(name) : std::nullopt;
    const bool set = value.has_value();
    const bool non_empty = set && !value->empty();
    if (op.empty()) {
      if (set) {
        out += *value;
        return {};
      }
      return unset(name, written, "", out);
    }
    if (op == ":-") {
      out += non_empty ? *value : arg;
      return {};
    }
    if (op == "-") {
      out += set ? *value : arg;
      return {};
    }
    const bool ok = op == ":?" ? non_empty : set;
    if (ok) {
      out += *value;
      return {};
    }
    return unset(name, written, arg, out);
  }

  Status unset(const std::string& name, std::string_view written, const std::string& message,
               std::string& out) {
    if (lenient_) {
      unresolved = true;
      out += written;
      return {};
    }
    if (!message.empty()) return make_error(ErrorCode::Invalid, name + ": " + message);
    return make_error(ErrorCode::Invalid,
                      "${" + name +
                          "} is not set: set it in the environment or an --env-file, "
                          "or give a default with ${" +
                          name + ":-default}");
  }

  const VarLookup& lookup_;
  bool lenient_;
};

}  // namespace

Result<Interpolated> interpolate(std::string_view text, const VarLookup& lookup, bool lenient) {
  Interpolated result;
  if (text.starts_with("secret://") || text.find('$') == std::string_view::npos) {
    result.text = std::string(text);
    return result;
  }
  Expander expander(lookup, lenient);
  std::size_t pos = 0;
  auto s = expander.expand(text, pos, 0, false, result.text);
  if (!s) return s.error();
  result.changed = expander.changed;
  result.unresolved = expander.unresolved;
  return result;
}

}  // namespace gantry::spec

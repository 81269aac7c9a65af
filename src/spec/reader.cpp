// Typed reads of spec values from the Node tree: interpolation, units, located errors, and
// the source map entry for every key read.
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/strings.h"
#include "spec/parser_impl.h"

namespace gantry::spec::detail {
namespace {

std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string s(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) s += "...";
  return "'" + s + "'";
}

std::string list_words(const std::vector<std::string>& words) { return join(words, ", "); }

}  // namespace

Error Reader::fail(const Node& node, const std::string& path, std::string message) const {
  return make_error(ErrorCode::Invalid, std::move(message), at(node), path);
}

Error Reader::fail(const MapEntry& entry, const std::string& path, std::string message) const {
  return make_error(ErrorCode::Invalid, std::move(message), at(entry.line, entry.column), path);
}

void Reader::record(const std::string& path, const MapEntry& entry) {
  if (entry.value.is_scalar()) {
    source_.set(path, at(entry.value));
  } else {
    source_.set(path, at(entry.line, entry.column));
  }
}

Status Reader::expect(const Node& node, const std::string& path, Node::Kind kind,
                      std::string_view expected) const {
  if (node.kind == kind) return {};
  return fail(node, path,
              "expected " + std::string(expected) + ", got " + std::string(kind_name(node)));
}

Status Reader::map(const Node& node, const std::string& path,
                   std::initializer_list<std::string_view> allowed) {
  return map(node, path, std::vector<std::string>(allowed.begin(), allowed.end()));
}

Status Reader::map(const Node& node, const std::string& path,
                   const std::vector<std::string>& allowed) {
  SPEC_TRY(expect(node, path, Node::Kind::Map, "a map"));
  for (const auto& e : node.entries) {
    const std::string key_path = join_path(path, e.key);
    if (!allowed.empty()) {
      bool known = false;
      for (const auto& a : allowed) known = known || a == e.key;
      if (!known) {
        const std::string hint = did_you_mean(e.key, allowed);
        return fail(e, key_path,
                    hint.empty() ? "unknown key; valid keys here: " + list_words(allowed)
                                 : "unknown key" + hint);
      }
    }
    record(key_path, e);
  }
  return {};
}

Result<std::string> Reader::scalar_text(const Node& node, const std::string& path,
                                        std::string_view expected) const {
  if (!node.is_scalar()) {
    return fail(node, path,
                "expected " + std::string(expected) + ", got " + std::string(kind_name(node)));
  }
  return node.text;
}

Result<std::string> Reader::raw(const Node& node, const std::string& path) const {
  return scalar_text(node, path, "a string");
}

Result<std::string> Reader::string(const Node& node, const std::string& path) const {
  std::string text;
  SPEC_ASSIGN(text, scalar_text(node, path, "a string"));
  auto r = interpolate(text, lookup_, lenient_);
  if (!r) return fail(node, path, r.error().message);
  return std::move(r->text);
}

Result<EnvValue> Reader::env_value(const Node& node, const std::string& path) const {
  EnvValue v;
  if (node.is_null()) return v;  // `KEY:` with nothing: an empty value
  SPEC_ASSIGN(v.raw, scalar_text(node, path, "a string, number or bool"));
  auto r = interpolate(v.raw, lookup_, lenient_);
  if (!r) return fail(node, path, r.error().message);
  v.value = std::move(r->text);
  v.interpolated = r->changed;
  v.unresolved = r->unresolved;
  return v;
}

Result<long long> Reader::integer(const Node& node, const std::string& path, long long min,
                                  long long max) const {
  std::string text;
  SPEC_ASSIGN(text, string(node, path));
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  const std::string_view t = trim(text);
  long long n = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc{} || ptr != t.data() + t.size() || t.empty()) {
    return fail(node, path, "expected " + range + ", got " + quoted(text));
  }
  if (n < min || n > max)
    return fail(node, path, std::to_string(n) + " is out of range: use " + range);
  return n;
}

Result<double> Reader::number(const Node& node, const std::string& path, double min,
                              double max) const {
  std::string text;
  SPEC_ASSIGN(text, string(node, path));
  char buf[96];
  std::snprintf(buf, sizeof buf, "a number from %g to %g", min, max);
  const std::string range = buf;
  const std::string t(trim(text));
  char* end = nullptr;
  const double n = t.empty() ? 0 : std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(n)) {
    return fail(node, path, "expected " + range + ", got " + quoted(text));
  }
  if (n < min || n > max) return fail(node, path, quoted(text) + " is out of range: use " + range);
  return n;
}

Result<bool> Reader::boolean(const Node& node, const std::string& path) const {
  std::string text;
  SPEC_ASSIGN(text, string(node, path));
  const std::string t = to_lower(trim(text));
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  return fail(node, path, "expected true or false, got " + quoted(text));
}

Result<Duration> Reader::duration(const Node& node, const std::string& path) const {
  std::string text;
  SPEC_ASSIGN(text, string(node, path));
  auto d = parse_duration(trim(text));
  if (!d) return fail(node, path, d.error().message);
  return *d;
}

Result<double> Reader::percent(const Node& node, const std::string& path) const {
  std::string text;
  SPEC_ASSIGN(text, string(node, path));
  auto p = parse_percent(trim(text));
  if (!p) return fail(node, path, p.error().message);
  return *p;
}

Result<std::uint64_t> Reader::size(const Node& node, const std::string& path) const {
  std::string text;
  SPEC_ASSIGN(text, string(node, path));
  auto s = parse_size(trim(text));
  if (!s) return fail(node, path, s.error().message);
  return *s;
}

Result<int> Reader::port(const Node& node, const std::string& path) const {
  std::string text;
  SPEC_ASSIGN(text, string(node, path));
  auto p = parse_port(trim(text));
  if (!p) return fail(node, path, p.error().message);
  return *p;
}

Result<std::string> Reader::choice(const Node& node, const std::string& path,
                                   const std::vector<std::string>& choices) const {
  std::string text;
  SPEC_ASSIGN(text, string(node, path));
  for (const auto& c : choices) {
    if (c == text) return text;
  }
  return fail(node, path,
              quoted(text) + " is not valid: use one of " + list_words(choices) +
                  did_you_mean(text, choices));
}

Result<std::vector<std::string>> Reader::string_list(const Node& node,
                                                     const std::string& path) const {
  std::vector<std::string> out;
  if (node.is_scalar()) {
    SPEC_ASSIGN(out.emplace_back(), string(node, path));
    return out;
  }
  if (!node.is_sequence()) {
    return fail(node, path, "expected a list of strings, got " + std::string(kind_name(node)));
  }
  for (std::size_t i = 0; i < node.items.size(); ++i) {
    const std::string item_path = join_path(path, std::to_string(i));
    SPEC_ASSIGN(out.emplace_back(), string(node.items[i], item_path));
  }
  return out;
}

Status Reader::command(const Node& node, const std::string& path, std::vector<std::string>& argv,
                       bool& shell) {
  argv.clear();
  if (node.is_scalar()) {
    if (trim(node.text).empty()) return fail(node, path, "the command is empty");
    argv.push_back(node.text);
    shell = true;
    return {};
  }
  if (!node.is_sequence()) {
    return fail(node, path,
                "expected a command: a list like [\"./bin/api\", \"--port\", \"8080\"] or a "
                "string run by /bin/sh -c, got " +
                    std::string(kind_name(node)));
  }
  if (node.items.empty()) return fail(node, path, "the command is empty");
  for (std::size_t i = 0; i < node.items.size(); ++i) {
    const std::string item_path = join_path(path, std::to_string(i));
    SPEC_ASSIGN(argv.emplace_back(), raw(node.items[i], item_path));
    record(item_path, node.items[i]);
  }
  shell = false;
  return {};
}

}  // namespace gantry::spec::detail

// The built-in rule set (builtin_rules() joins the families in rules_*.cpp), severity names,
// the default configuration and the rule factories the families use. Pure; thread-safe (the
// rule list is built once, on first use).
#include <utility>

#include "core/strings.h"
#include "scan/rules_impl.h"
#include "scan/scanner.h"

namespace gantry::scan {

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::Low:
      return "low";
    case Severity::Medium:
      return "medium";
    case Severity::High:
      return "high";
    case Severity::Critical:
      return "critical";
  }
  return "high";
}

std::optional<Severity> parse_severity(std::string_view text) {
  const std::string t = to_lower(trim(text));
  for (auto s : {Severity::Low, Severity::Medium, Severity::High, Severity::Critical}) {
    if (t == severity_name(s)) return s;
  }
  return std::nullopt;
}

const std::vector<Rule>& builtin_rules() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> all;
    for (auto family :
         {detail::cloud_rules, detail::vcs_rules, detail::service_rules, detail::generic_rules}) {
      for (auto& r : family()) all.push_back(std::move(r));
    }
    return all;
  }();
  return rules;
}

ScanConfig default_config() {
  ScanConfig config;
  config.rules = builtin_rules();
  for (const auto& example : detail::known_example_secrets()) {
    // Exact matches only: a regex that is the example, escaped.
    std::string re = "^";
    for (char c : example) {
      if (std::string_view("\\^$.|?*+()[]{}/").find(c) != std::string_view::npos) re += '\\';
      re += c;
    }
    config.allowlist.values.push_back(re + "$");
  }
  return config;
}

double shannon_entropy(std::string_view s) { return gantry::shannon_entropy(s); }

namespace detail {

Rule token_rule(std::string id, std::string description, Severity severity, std::string pattern,
                std::vector<std::string> keywords, std::vector<std::string> tags,
                double min_entropy) {
  Rule r;
  r.id = std::move(id);
  r.description = std::move(description);
  r.severity = severity;
  r.pattern = std::move(pattern);
  r.keywords = std::move(keywords);
  r.min_entropy = min_entropy;
  r.tags = std::move(tags);
  return r;
}

std::string_view assignment_operator() {
  // After the name's tail, one of:
  //  - an optional quote and `]`, an optional type annotation (`: string`, `: &str`), then
  //    = := : => ||= ??=, then an optional fallback expression (`process.env.X || `,
  //    `os.getenv("X") or `) and an optional quote;
  //  - a quoted name, a comma and a quoted value: setdefault("NAME", "value"), get("NAME", "v");
  //  - the end of the line and a `value:` key on the next one (render.yaml / Kubernetes env
  //    lists: `- key: NAME` then `  value: ...`).
  return R"([A-Za-z0-9_.\-]{0,24}(?:["']?\]?[ \t]*(?::[ \t]*&?[A-Za-z][A-Za-z0-9_<>]{0,15}[ \t]*)?(?:=|:=|:|=>|\|\|=|\?\?=)[ \t]*(?:[A-Za-z_$][A-Za-z0-9_.$\[\]'"()]{0,80}[ \t]*(?:\|\||\?\?|[ \t]or)[ \t]*)?|["'][ \t]*,[ \t]*|["']?[ \t]*\r?\n[ \t]*-?[ \t]*value[ \t]*:[ \t]*)["'`]?)";
}

Rule assignment_rule(std::string id, std::string description, Severity severity, std::string name,
                     std::string value, std::vector<std::string> keywords,
                     std::vector<std::string> tags, double min_entropy) {
  Rule r = token_rule(std::move(id), std::move(description), severity, {}, std::move(keywords),
                      std::move(tags), min_entropy);
  r.pattern = "(?:" + name + ")" + std::string(assignment_operator()) + "(" + value + ")";
  r.caseless = true;
  r.secret_group = 1;
  return r;
}

}  // namespace detail
}  // namespace gantry::scan

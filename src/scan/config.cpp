// Reads .gantry-scan.toml (toml++) on top of the built-in configuration: custom rules,
// overrides of built-in ones, disabled rules and the allowlist. Errors carry file:line:col and
// say what would be valid. Pure apart from reading the file; thread-safe.
#include <hs.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/strings.h"
#include "scan/rules_impl.h"
#include "scan/scanner.h"

namespace gantry::scan {
namespace {

const std::vector<std::string> kTopKeys = {"allowlist", "disable", "max_file_bytes", "rules"};
const std::vector<std::string> kRuleKeys = {
    "allow",       "caseless", "description",  "id",       "keywords",
    "min_entropy", "pattern",  "secret_group", "severity", "tags"};
const std::vector<std::string> kAllowKeys = {"paths", "regexes", "stopwords"};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Error error(const toml::node& at, const std::string& key_path, const std::string& message) {
    return error(at.source(), key_path, message);
  }
  Error error(const toml::source_region& at, const std::string& key_path,
              const std::string& message) {
    const auto& b = at.begin;
    return make_error(ErrorCode::Invalid, message,
                      Location{file_, static_cast<int>(b.line), static_cast<int>(b.column)},
                      key_path);
  }

  Status check_keys(const toml::table& t, const std::vector<std::string>& valid,
                    const std::string& where) {
    for (const auto& [k, v] : t) {
      const std::string key(k.str());
      if (std::find(valid.begin(), valid.end(), key) != valid.end()) continue;
      (void)v;
      return error(k.source(), where.empty() ? key : where + "." + key,
                   "unknown key '" + key + "'" + did_you_mean(key, valid) +
                       "; valid keys: " + join(valid, ", "));
    }
    return {};
  }

  Result<std::vector<std::string>> strings(const toml::node& n, const std::string& key_path) {
    const auto* arr = n.as_array();
    if (!arr) return error(n, key_path, "must be an array of strings, e.g. [\"a\", \"b\"]");
    std::vector<std::string> out;
    for (const auto& e : *arr) {
      const auto s = e.value<std::string>();
      if (!s) return error(e, key_path, "must be an array of strings, e.g. [\"a\", \"b\"]");
      out.push_back(*s);
    }
    return out;
  }

  Status check_regex(const toml::node& n, const std::string& key_path, const std::string& re,
                     bool caseless = false) {
    try {
      auto flags = std::regex::ECMAScript;
      if (caseless) flags |= std::regex::icase;
      std::regex compiled(re, flags);
    } catch (const std::regex_error& e) {
      return error(n, key_path,
                   "invalid regex " + quote_for_display(re, 80) + ": " + std::string(e.what()) +
                       " (ECMAScript syntax, without lookaround or backreferences)");
    }
    return {};
  }

  // The pattern must also compile in Hyperscan, which all rules share.
  Status check_hyperscan(const toml::node& n, const std::string& key_path, const std::string& id,
                         const std::string& re, bool caseless) {
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile(re.c_str(), caseless ? HS_FLAG_CASELESS : 0u, HS_MODE_BLOCK, nullptr, &db,
                   &err) != HS_SUCCESS) {
      const std::string msg = err && err->message ? err->message : "unknown error";
      hs_free_compile_error(err);
      return error(n, key_path,
                   "rule '" + id + "': Hyperscan cannot compile the pattern: " + msg +
                       " (no lookaround, no backreferences, must not match the empty string)");
    }
    hs_free_database(db);
    return {};
  }

  Status read_allowlist(const toml::node& n, Allowlist& out) {
    const auto* t = n.as_table();
    if (!t) return error(n, "allowlist", "must be a table: [allowlist]");
    if (auto st = check_keys(*t, kAllowKeys, "allowlist"); !st) return st;
    if (const auto* p = t->get("paths")) {
      auto v = strings(*p, "allowlist.paths");
      if (!v) return v.error();
      out.paths.insert(out.paths.end(), v->begin(), v->end());
    }
    if (const auto* p = t->get("regexes")) {
      auto v = strings(*p, "allowlist.regexes");
      if (!v) return v.error();
      for (const auto& re : *v) {
        if (auto st = check_regex(*p, "allowlist.regexes", re); !st) return st;
      }
      out.values.insert(out.values.end(), v->begin(), v->end());
    }
    if (const auto* p = t->get("stopwords")) {
      auto v = strings(*p, "allowlist.stopwords");
      if (!v) return v.error();
      out.stopwords.insert(out.stopwords.end(), v->begin(), v->end());
    }
    return {};
  }

  // One [[rules]] entry: a new rule, or (same id as a built-in one) an override of its fields.
  Status read_rule(const toml::table& t, const std::string& key_path, std::vector<Rule>& rules) {
    if (auto st = check_keys(t, kRuleKeys, key_path); !st) return st;
    const auto id = t["id"].value<std::string>();
    if (!id)
      return error(t, key_path + ".id", "every [[rules]] entry needs an id = \"kebab-case\"");
    static const std::regex kId("[a-z0-9][a-z0-9\\-]*");
    if (!std::regex_match(*id, kId)) {
      return error(*t.get("id"), key_path + ".id",
                   "rule id " + quote_for_display(*id) +
                       " must be kebab-case: lowercase letters, digits and '-'");
    }
    auto existing =
        std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.id == *id; });
    const bool is_new = existing == rules.end();
    if (!is_new && std::find(custom_.begin(), custom_.end(), *id) != custom_.end()) {
      return error(t, key_path + ".id", "duplicate rule id '" + *id + "'");
    }
    Rule rule = is_new ? Rule{} : *existing;
    rule.id = *id;
    if (is_new && !t.get("pattern")) {
      return error(t, key_path + ".pattern",
                   "rule '" + *id + "' is not built in, so it needs a pattern = '...'");
    }
    if (const auto* n = t.get("pattern")) {
      const auto v = n->value<std::string>();
      if (!v || v->empty()) return error(*n, key_path + ".pattern", "must be a non-empty string");
      rule.pattern = *v;
      if (is_new) rule.secret_group = 0;
    }
    if (const auto* n = t.get("description")) {
      const auto v = n->value<std::string>();
      if (!v) return error(*n, key_path + ".description", "must be a string");
      rule.description = *v;
    }
    if (rule.description.empty()) rule.description = rule.id;
    if (const auto* n = t.get("severity")) {
      const auto v = n->value<std::string>();
      const auto s = v ? parse_severity(*v) : std::nullopt;
      if (!s) {
        return error(*n, key_path + ".severity",
                     "unknown severity " + (v ? quote_for_display(*v) : std::string("value")) +
                         "; valid: low, medium, high, critical");
      }
      rule.severity = *s;
    }
    if (const auto* n = t.get("caseless")) {
      const auto v = n->value<bool>();
      if (!v) return error(*n, key_path + ".caseless", "must be true or false");
      rule.caseless = *v;
    }
    if (const auto* n = t.get("secret_group")) {
      const auto v = n->value<int64_t>();
      if (!v || *v < 0 || *v > 99) {
        return error(*n, key_path + ".secret_group",
                     "must be a capture group number: 0 (the whole match), 1, 2, ...");
      }
      rule.secret_group = static_cast<int>(*v);
    }
    if (const auto* n = t.get("min_entropy")) {
      const auto v = n->value<double>();
      if (!v || *v < 0 || *v > 8) {
        return error(*n, key_path + ".min_entropy",
                     "must be a number of bits per character, 0 to 8");
      }
      rule.min_entropy = *v;
    }
    for (auto [key, field] :
         {std::pair{"keywords", &rule.keywords}, std::pair{"tags", &rule.tags}}) {
      if (const auto* n = t.get(key)) {
        auto v = strings(*n, key_path + "." + key);
        if (!v) return v.error();
        *field = *v;
      }
    }
    for (auto& k : rule.keywords) k = to_lower(k);
    if (const auto* n = t.get("allow")) {
      auto v = strings(*n, key_path + ".allow");
      if (!v) return v.error();
      for (const auto& re : *v) {
        if (auto st = check_regex(*n, key_path + ".allow", re); !st) return st;
      }
      rule.allow.insert(rule.allow.end(), v->begin(), v->end());
    }
    const toml::node& at = t.get("pattern") ? *t.get("pattern") : static_cast<const toml::node&>(t);
    if (auto st = check_regex(at, key_path + ".pattern", rule.pattern, rule.caseless); !st)
      return st;
    {
      const auto groups = std::regex(rule.pattern).mark_count();
      if (static_cast<unsigned>(rule.secret_group) > groups) {
        return error(at, key_path + ".secret_group",
                     "secret_group = " + std::to_string(rule.secret_group) +
                         " but the pattern has " + std::to_string(groups) + " capture group(s)");
      }
    }
    if (auto st = check_hyperscan(at, key_path + ".pattern", rule.id, rule.pattern, rule.caseless);
        !st) {
      return st;
    }
    custom_.push_back(rule.id);
    if (is_new) {
      rules.push_back(std::move(rule));
    } else {
      *existing = std::move(rule);
    }
    return {};
  }

  Result<ScanConfig> read(const toml::table& root) {
    ScanConfig config = default_config();
    config.source = file_;
    if (auto st = check_keys(root, kTopKeys, ""); !st) return st.error();
    if (const auto* n = root.get("max_file_bytes")) {
      const auto v = n->value<int64_t>();
      if (!v || *v <= 0) return error(*n, "max_file_bytes", "must be a positive number of bytes");
      config.max_file_bytes = static_cast<std::uint64_t>(*v);
    }
    if (const auto* n = root.get("rules")) {
      const auto* arr = n->as_array();
      if (!arr || !arr->is_array_of_tables()) {
        return error(*n, "rules", "must be an array of tables: [[rules]] id = \"...\" ...");
      }
      for (std::size_t i = 0; i < arr->size(); ++i) {
        if (auto st =
                read_rule(*(*arr)[i].as_table(), "rules[" + std::to_string(i) + "]", config.rules);
            !st) {
          return st.error();
        }
      }
    }
    if (const auto* n = root.get("allowlist")) {
      if (auto st = read_allowlist(*n, config.allowlist); !st) return st.error();
    }
    if (const auto* n = root.get("disable")) {
      auto ids = strings(*n, "disable");
      if (!ids) return ids.error();
      std::vector<std::string> known;
      for (const auto& r : config.rules) known.push_back(r.id);
      for (const auto& id : *ids) {
        if (std::find(known.begin(), known.end(), id) == known.end()) {
          return error(*n, "disable",
                       "unknown rule id '" + id + "'" + did_you_mean(id, known) +
                           " (docs/scan.md lists the rules)");
        }
      }
      std::erase_if(config.rules, [&](const Rule& r) {
        return std::find(ids->begin(), ids->end(), r.id) != ids->end();
      });
    }
    return config;
  }

 private:
  std::string file_;
  std::vector<std::string> custom_;  // ids set by [[rules]] so far
};

}  // namespace

Result<ScanConfig> load_config(const std::string& toml_path) {
  std::ifstream in(toml_path, std::ios::binary);
  if (!in) return make_error(ErrorCode::NotFound, "cannot read " + toml_path, Location{toml_path});
  std::stringstream text;
  text << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(text.str(), toml_path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return make_error(ErrorCode::Invalid, "invalid TOML: " + std::string(e.description()),
                      Location{toml_path, static_cast<int>(b.line), static_cast<int>(b.column)});
  }
  Reader reader(toml_path);
  return reader.read(root);
}

}  // namespace gantry::scan

// Lint output: human text (grouped by file, optional ANSI colour), JSON, and SARIF 2.1.0
// for code-scanning tools. Pure; thread-safe.
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "core/strings.h"
#include "lint/lint.h"

namespace gantry::lint {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kSarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";

struct Counts {
  int errors = 0, warnings = 0, info = 0;
};

Counts count(const std::vector<Finding>& findings) {
  Counts c;
  for (const auto& f : findings) {
    switch (f.severity) {
      case Severity::Error:
        ++c.errors;
        break;
      case Severity::Warning:
        ++c.warnings;
        break;
      case Severity::Info:
        ++c.info;
        break;
    }
  }
  return c;
}

std::string plural(int n, std::string_view word) {
  std::string s = std::to_string(n) + " " + std::string(word);
  if (n != 1 && word != "info") s += "s";
  return s;
}

const char* colour_of(Severity s) {
  switch (s) {
    case Severity::Error:
      return "\033[1;31m";
    case Severity::Warning:
      return "\033[1;33m";
    case Severity::Info:
      return "\033[1;36m";
  }
  return "";
}

Json location_json(const Location& l) {
  return Json{{"file", l.file}, {"line", l.line}, {"column", l.column}};
}

// SARIF wants a URI reference: percent-encode what is not allowed in a path.
std::string to_uri(std::string_view path) { return percent_encode(path, "/:"); }

Json physical_location(const Location& l) {
  Json loc{{"artifactLocation", {{"uri", to_uri(l.file)}}}};
  if (l.line > 0) {
    Json region{{"startLine", l.line}};
    if (l.column > 0) region["startColumn"] = l.column;
    loc["region"] = region;
  }
  return loc;
}

std::string_view sarif_level(Severity s) {
  switch (s) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Info:
      return "note";
  }
  return "none";
}

}  // namespace

std::string format_human(const std::vector<Finding>& findings, bool color) {
  const std::string bold = color ? "\033[1m" : "";
  const std::string dim = color ? "\033[2m" : "";
  const std::string reset = color ? "\033[0m" : "";
  std::string out;
  const std::string* file = nullptr;
  for (const auto& f : findings) {
    if (file && *file != f.where.file) out += "\n";  // a blank line between files
    file = &f.where.file;
    const std::string where = f.where.known() ? f.where.str() : "<spec>";
    out += bold + where + ":" + reset + " " + (color ? colour_of(f.severity) : "") +
           std::string(name_of(f.severity)) + reset + "[" + f.rule_id + "]: " + f.message + "\n";
    if (!f.environments.empty()) {
      out += dim + "  in: " + join(f.environments, ", ") + reset + "\n";
    }
    for (const auto& r : f.related) {
      if (r.known()) out += dim + "  related: " + r.str() + reset + "\n";
    }
    if (!f.hint.empty()) out += "  hint: " + f.hint + "\n";
  }
  const Counts c = count(findings);
  if (!findings.empty()) out += "\n";
  out += plural(c.errors, "error") + ", " + plural(c.warnings, "warning") + ", " +
         plural(c.info, "info") + "\n";
  return out;
}

std::string format_json(const std::vector<Finding>& findings) {
  Json list = Json::array();
  for (const auto& f : findings) {
    Json related = Json::array();
    for (const auto& r : f.related) related.push_back(location_json(r));
    list.push_back(Json{{"rule", f.rule_id},
                        {"severity", name_of(f.severity)},
                        {"message", f.message},
                        {"file", f.where.file},
                        {"line", f.where.line},
                        {"column", f.where.column},
                        {"key_path", f.key_path},
                        {"hint", f.hint},
                        {"related", related},
                        {"environments", f.environments}});
  }
  const Counts c = count(findings);
  Json doc{{"findings", list},
           {"summary",
            {{"errors", c.errors},
             {"warnings", c.warnings},
             {"info", c.info},
             {"total", findings.size()}}}};
  return doc.dump(2) + "\n";
}

std::string format_sarif(const std::vector<Finding>& findings, std::string_view tool_version) {
  Json sarif_rules = Json::array();
  for (const auto& r : rules()) {
    sarif_rules.push_back(Json{
        {"id", r.id},
        {"shortDescription", {{"text", r.title}}},
        {"fullDescription", {{"text", r.title + ". " + r.help}}},
        {"help", {{"text", r.help}}},
        {"defaultConfiguration", {{"level", sarif_level(r.severity)}}},
    });
  }
  Json results = Json::array();
  for (const auto& f : findings) {
    std::string text = f.message;
    if (!f.hint.empty()) text += " Hint: " + f.hint + ".";
    Json result{{"ruleId", f.rule_id}};
    const auto& all = rules();
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i].id == f.rule_id) result["ruleIndex"] = i;
    }
    result["level"] = sarif_level(f.severity);
    result["message"] = {{"text", text}};
    Json locations = Json::array();
    if (f.where.known()) locations.push_back({{"physicalLocation", physical_location(f.where)}});
    result["locations"] = locations;
    if (!f.related.empty()) {
      Json related = Json::array();
      int id = 0;
      for (const auto& r : f.related) {
        if (!r.known()) continue;
        related.push_back({{"id", id++},
                           {"physicalLocation", physical_location(r)},
                           {"message", {{"text", "the other side of the conflict"}}}});
      }
      result["relatedLocations"] = related;
    }
    Json props{{"keyPath", f.key_path}};
    if (!f.environments.empty()) props["environments"] = f.environments;
    result["properties"] = props;
    results.push_back(std::move(result));
  }
  Json doc{
      {"$schema", kSarifSchema},
      {"version", "2.1.0"},
      {"runs", Json::array({Json{{"tool",
                                  {{"driver",
                                    {{"name", "gantry"},
                                     {"version", std::string(tool_version)},
                                     {"rules", sarif_rules}}}}},
                                 {"results", results}}})},
  };
  return doc.dump(2) + "\n";
}

}  // namespace gantry::lint

// The SARIF 2.1.0 report (for code scanning): the rules as reportingDescriptors, one result per
// finding with its region and a partial fingerprint. Pure; thread-safe.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/strings.h"
#include "scan/report.h"
#include "scan/scan.h"

namespace gantry::scan {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kSarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";
// Where a reader of the report learns what the findings mean. The project has no public URL
// yet: replace with the hosted docs/scan.md when it has one.
constexpr const char* kInformationUri = "https://gantry.invalid/docs/scan.md";

// SARIF wants a URI reference relative to the scan root: forward slashes, percent-encoding
// for what a path may hold that a URI may not.
std::string to_uri(std::string_view path) {
  std::string slashed(path);
  std::replace(slashed.begin(), slashed.end(), '\\', '/');
  return percent_encode(slashed, "/@+");
}

// The region of the secret; a secret spanning lines (a private key block) ends on a later line.
Json region_of(const Finding& f) {
  Json region{{"startLine", f.line}, {"startColumn", f.column}};
  const auto newlines = static_cast<int>(std::count(f.secret.begin(), f.secret.end(), '\n'));
  const std::size_t length = f.secret.empty() ? f.length : f.secret.size();
  if (newlines == 0) {
    region["endColumn"] = f.column + static_cast<int>(length);
  } else {
    const std::size_t last = f.secret.rfind('\n');
    region["endLine"] = f.line + newlines;
    region["endColumn"] = static_cast<int>(f.secret.size() - last);
  }
  return region;
}

Json rule_json(const Rule& r) {
  std::string full = r.description + " (severity " + std::string(severity_name(r.severity)) +
                     "). A literal credential in the source: revoke it, then move it to the "
                     "vault and reference it as secret://NAME.";
  Json tags = Json::array();
  tags.push_back("security");
  for (const auto& t : r.tags) tags.push_back(t);
  return Json{{"id", r.id},
              {"name", r.id},
              {"shortDescription", {{"text", r.description}}},
              {"fullDescription", {{"text", full}}},
              {"helpUri", kInformationUri},
              {"defaultConfiguration", {{"level", sarif_level(r.severity)}}},
              {"properties", {{"tags", tags}}}};
}

}  // namespace

std::string_view sarif_level(Severity severity) {
  switch (severity) {
    case Severity::Critical:
    case Severity::High:
      return "error";
    case Severity::Medium:
      return "warning";
    case Severity::Low:
      return "note";
  }
  return "note";
}

std::string format_sarif(const Report& report, const std::vector<Rule>& rules,
                         std::string_view tool_version) {
  Json sarif_rules = Json::array();
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& r : rules) {
    index.emplace(r.id, sarif_rules.size());
    sarif_rules.push_back(rule_json(r));
  }
  Json results = Json::array();
  for (const auto& f : report.findings) {
    Json result{{"ruleId", f.rule_id}};
    if (auto it = index.find(f.rule_id); it != index.end()) result["ruleIndex"] = it->second;
    result["level"] = sarif_level(f.severity);
    result["message"] = {{"text", f.description + ": secret=" + redact(f.secret)}};
    result["locations"] = Json::array(
        {Json{{"physicalLocation",
               {{"artifactLocation", {{"uri", to_uri(f.path)}}}, {"region", region_of(f)}}}}});
    result["partialFingerprints"] = {{"gantry/v1", f.fingerprint}};
    if (!f.commit.empty()) {
      result["properties"] = {
          {"commit", f.commit}, {"author", f.author}, {"commitTime", f.commit_time}};
    }
    results.push_back(std::move(result));
  }
  const auto& s = report.stats;
  Json driver{{"name", "gantry"},
              {"version", std::string(tool_version)},
              {"informationUri", kInformationUri},
              {"rules", sarif_rules}};
  Json run{{"tool", {{"driver", driver}}},
           {"results", results},
           {"properties",
            {{"files", s.files}, {"bytes", s.bytes}, {"suppressedByBaseline", report.suppressed}}}};
  Json doc{{"$schema", kSarifSchema}, {"version", "2.1.0"}, {"runs", Json::array({run})}};
  return doc.dump(2) + "\n";
}

}  // namespace gantry::scan

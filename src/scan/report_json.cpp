// The JSON report: findings (the secret replaced by its redacted form), a summary by severity,
// and the scan's stats. Pure; thread-safe.
#include <nlohmann/json.hpp>

#include "scan/report.h"
#include "scan/scan.h"

namespace gantry::scan {
namespace {

using Json = nlohmann::ordered_json;

std::string_view source_name(ScanSource s) {
  switch (s) {
    case ScanSource::Tree:
      return "tree";
    case ScanSource::GitHistory:
      return "git-history";
    case ScanSource::Staged:
      return "staged";
  }
  return "tree";
}

Json finding_json(const Finding& f) {
  Json j{{"rule_id", f.rule_id},
         {"description", f.description},
         {"severity", severity_name(f.severity)},
         {"path", f.path},
         {"line", f.line},
         {"column", f.column},
         {"offset", f.offset},
         {"length", f.length},
         {"redacted", redact(f.secret)},
         {"fingerprint", f.fingerprint},
         {"entropy", f.entropy}};
  if (!f.commit.empty()) {
    j["commit"] = f.commit;
    j["author"] = f.author;
    j["commit_time"] = f.commit_time;
  }
  return j;
}

}  // namespace

std::string format_json(const Report& report) {
  Json findings = Json::array();
  Json by_severity{{"critical", 0}, {"high", 0}, {"medium", 0}, {"low", 0}};
  for (const auto& f : report.findings) {
    findings.push_back(finding_json(f));
    auto& n = by_severity[std::string(severity_name(f.severity))];
    n = n.get<int>() + 1;
  }
  const auto& s = report.stats;
  Json stats{
      {"files", s.files},
      {"bytes", s.bytes},
      {"skipped",
       {{"binary", s.skipped_binary}, {"large", s.skipped_large}, {"ignored", s.skipped_ignored}}},
      {"seconds", s.seconds},
      {"mb_per_second", s.mb_per_second()}};
  if (report.source != ScanSource::Tree) {
    stats["commits"] = s.commits;
    stats["blobs"] = s.blobs;
  }
  Json doc{{"source", source_name(report.source)},
           {"findings", findings},
           {"summary",
            {{"total", report.findings.size()},
             {"by_severity", by_severity},
             {"suppressed_by_baseline", report.suppressed}}},
           {"stats", stats}};
  return doc.dump(2) + "\n";
}

}  // namespace gantry::scan

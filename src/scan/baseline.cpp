// Baselines: the fingerprints of a previous JSON or SARIF report, applied to hide known
// findings; written as a JSON report, atomically. Thread-safe (no shared state).
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "scan/report.h"

namespace gantry::scan {

Result<Baseline> parse_baseline(std::string_view text, const std::string& path) {
  const Location at{path, 0, 0};
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(ErrorCode::Invalid,
                      "not a JSON document; a baseline is a report written by "
                      "`gantry scan --format json` (or sarif, or --write-baseline)",
                      at);
  }
  Baseline baseline;
  if (auto f = doc.find("findings"); f != doc.end() && f->is_array()) {
    for (const auto& finding : *f) {
      if (!finding.is_object()) continue;
      auto fp = finding.find("fingerprint");
      if (fp != finding.end() && fp->is_string())
        baseline.fingerprints.insert(fp->get<std::string>());
    }
    return baseline;
  }
  if (auto runs = doc.find("runs"); runs != doc.end() && runs->is_array()) {
    for (const auto& run : *runs) {
      if (!run.is_object() || !run.contains("results") || !run["results"].is_array()) continue;
      for (const auto& result : run["results"]) {
        if (!result.is_object()) continue;
        auto pf = result.find("partialFingerprints");
        if (pf == result.end() || !pf->is_object()) continue;
        auto fp = pf->find("gantry/v1");
        if (fp != pf->end() && fp->is_string())
          baseline.fingerprints.insert(fp->get<std::string>());
      }
    }
    return baseline;
  }
  return make_error(ErrorCode::Invalid,
                    "neither a gantry scan JSON report (\"findings\") nor a SARIF report "
                    "(\"runs\")",
                    at);
}

Result<Baseline> load_baseline(const std::string& path) {
  auto text = read_text_file(path, 256ull * 1024 * 1024);
  if (!text) return text.error();
  return parse_baseline(*text, path);
}

std::size_t apply_baseline(const Baseline& baseline, std::vector<Finding>& findings) {
  return std::erase_if(
      findings, [&](const Finding& f) { return baseline.fingerprints.count(f.fingerprint) > 0; });
}

Status write_baseline(const std::string& path, const std::vector<Finding>& findings) {
  Report report;
  report.findings = findings;
  return write_file_atomic(path, format_json(report));
}

}  // namespace gantry::scan

// Scan reports: text, JSON and SARIF 2.1.0, none of which ever holds a plaintext secret; and
// baselines (fingerprints of known findings). Pure functions, except the file I/O of
// load_baseline/write_baseline; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "scan/scanner.h"
#include "scan/sources.h"

namespace gantry::scan {

enum class ScanSource { Tree, GitHistory, Staged };

struct Report {
  ScanSource source = ScanSource::Tree;
  std::vector<Finding> findings;  // after the baseline, in sort_findings order
  ScanStats stats;
  std::size_t suppressed = 0;  // findings the baseline hid
};

// One block per finding (`path:line:col  rule-id  severity  description  secret=<redacted>`,
// plus the commit for git scans), then a summary line and a stats line.
std::string format_text(const Report& report, bool color = false);

// {"findings": [...], "summary": {...}, "stats": {...}}; each finding has every Finding field
// except `secret`, which becomes `redacted`.
std::string format_json(const Report& report);

// SARIF 2.1.0 with one run; `rules` is the configuration's rule list (ruleIndex points into it).
std::string format_sarif(const Report& report, const std::vector<Rule>& rules,
                         std::string_view tool_version);

// sarif level for a severity: critical/high -> error, medium -> warning, low -> note.
std::string_view sarif_level(Severity severity);

struct Baseline {
  std::unordered_set<std::string> fingerprints;
};

// Reads the fingerprints of a previous JSON or SARIF report (either written by gantry scan).
Result<Baseline> load_baseline(const std::string& path);

// Parses a baseline from report text; `path` only names it in errors.
Result<Baseline> parse_baseline(std::string_view text, const std::string& path);

// Removes the findings the baseline knows; returns how many it removed.
std::size_t apply_baseline(const Baseline& baseline, std::vector<Finding>& findings);

// Writes findings as a baseline (a JSON report) atomically: temp file, fsync, rename.
Status write_baseline(const std::string& path, const std::vector<Finding>& findings);

}  // namespace gantry::scan

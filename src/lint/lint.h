// Preflight checks on a spec: rules with stable IDs, findings with locations, and output as
// text, JSON or SARIF 2.1.0. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "spec/model.h"
#include "spec/spec.h"

namespace gantry::lint {

enum class Severity { Info, Warning, Error };
std::string_view name_of(Severity s);
Result<Severity> parse_severity(std::string_view text);  // "info" | "warning" | "error"

struct Rule {
  std::string id;     // stable: "port-conflict", "secret-in-spec", ...
  Severity severity;  // default severity
  std::string title;  // one line
  std::string help;   // how to fix, in general
};

// Every rule gantry knows, in a stable order (the SARIF rules array).
const std::vector<Rule>& rules();
const Rule* find_rule(std::string_view id);

struct Finding {
  std::string rule_id;
  Severity severity = Severity::Error;
  std::string message;  // never holds a secret value
  Location where;
  std::string key_path;
  std::string hint;               // what to do about it
  std::vector<Location> related;  // the other side of a conflict
  // Where it holds: empty when it holds in every spec linted, else the names, with the base
  // spec written "(base)".
  std::vector<std::string> environments;
};

// Checks one resolved spec.
std::vector<Finding> lint_spec(const spec::Spec& spec);

struct LintOptions {
  spec::LoadOptions load;  // file, env files; load.environment set = that environment only
};

// Loads the spec for the base and every declared environment (or only load.environment),
// lints each, and merges identical findings (listing the environments they apply to).
// Fails only when the spec itself cannot be loaded.
Result<std::vector<Finding>> lint_file(const LintOptions& options);

// Sorted by file, line, column, rule.
void sort_findings(std::vector<Finding>& findings);

std::string format_human(const std::vector<Finding>& findings, bool color);
std::string format_json(const std::vector<Finding>& findings);
std::string format_sarif(const std::vector<Finding>& findings, std::string_view tool_version);

// Exit status for a lint run: 1 when any finding is at or above fail_on, else 0.
int exit_code_for(const std::vector<Finding>& findings, Severity fail_on);

}  // namespace gantry::lint

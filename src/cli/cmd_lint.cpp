// `gantry lint`: checks the spec for the base and every environment and prints findings as
// text, JSON or SARIF. Exit 0 clean, 1 findings at or above --fail-on, 2 usage/input errors.
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "core/file.h"
#include "lint/lint.h"

namespace gantry::cli {
namespace {

struct LintCommandOptions {
  SpecOptions spec;
  std::string format = "text";
  std::string fail_on = "error";
  std::string output;
};

int run_lint(const LintCommandOptions& o) {
  auto fail_on = lint::parse_severity(o.fail_on);
  if (!fail_on) return report_error(fail_on.error());

  lint::LintOptions options;
  options.load = to_load_options(o.spec, spec::Interpolation::Lenient);
  auto findings = lint::lint_file(options);
  if (!findings) return report_error(findings.error());

  std::string text;
  if (o.format == "json") {
    text = lint::format_json(*findings);
  } else if (o.format == "sarif") {
    text = lint::format_sarif(*findings, GANTRY_VERSION);
  } else {
    text = lint::format_human(*findings, o.output.empty() && stdout_is_color_tty());
  }
  if (o.output.empty()) {
    std::cout << text << std::flush;
  } else {
    auto written = write_file_atomic(o.output, text);
    if (!written) return report_error(written.error());
  }
  return lint::exit_code_for(*findings, *fail_on);
}

}  // namespace

void add_lint_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LintCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "lint",
      "Check the spec before anything runs: port conflicts, credentials in the spec, env "
      "schema, health probes, rollout strategy.");
  cmd->footer(
      "Lints the base spec and every environment it declares (or only --env NAME); a\n"
      "finding that holds in only some environments names them. Rules: docs/lint.md.\n"
      "\n"
      "Exit status: 0 no findings at or above --fail-on, 1 findings at or above it,\n"
      "2 usage or input errors (unreadable or malformed spec).\n"
      "\n"
      "Examples:\n"
      "  gantry lint\n"
      "  gantry lint -f deploy/gantry.yaml --env production --env-file .env.production\n"
      "  gantry lint --format sarif -o gantry.sarif      # for code scanning\n"
      "  gantry lint --fail-on warning                   # stricter CI gate");
  add_spec_options(cmd, options->spec);
  cmd->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->default_val("text")
      ->type_name("FORMAT");
  cmd->add_option("--fail-on", options->fail_on, "Lowest severity that makes the exit status 1")
      ->check(CLI::IsMember({"info", "warning", "error"}))
      ->default_val("error")
      ->type_name("SEVERITY");
  cmd->add_option("-o,--output", options->output, "Write the report to FILE instead of stdout")
      ->type_name("FILE");
  cmd->callback([options, &exit_code] { exit_code = run_lint(*options); });
}

}  // namespace gantry::cli

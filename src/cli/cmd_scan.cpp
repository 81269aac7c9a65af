// `gantry scan`: finds credentials in a directory tree, a git history or the staged changes,
// and reports them as text, JSON or SARIF. Exit 0 clean, 1 findings at or above --fail-on,
// 2 usage/config errors.
#include <sys/stat.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/file.h"
#include "scan/report.h"
#include "scan/scanner.h"
#include "scan/sources.h"

namespace gantry::cli {
namespace {

struct ScanCommandOptions {
  std::string path = ".";
  bool git_history = false;
  std::vector<std::string> since;
  std::vector<std::string> revs;
  bool since_remotes = false;
  bool all_refs = false;
  bool staged = false;
  std::string format = "text";
  std::string baseline;
  std::string write_baseline;
  std::string fail_on = "low";
  std::string config;
  int threads = 0;
  bool no_gitignore = false;
  std::string output;
};

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// --config FILE, else PATH/.gantry-scan.toml when there is one, else the defaults.
Result<scan::ScanConfig> load_scan_config(const ScanCommandOptions& o) {
  if (!o.config.empty()) return scan::load_config(o.config);
  if (is_directory(o.path)) {
    const std::string candidate = o.path + "/.gantry-scan.toml";
    if (exists(candidate)) return scan::load_config(candidate);
  }
  return scan::default_config();
}

int run_scan(const ScanCommandOptions& o) {
  if (!exists(o.path)) {
    return report_error(make_error(ErrorCode::NotFound,
                                   "no such file or directory (the PATH to scan)", {o.path, 0, 0}));
  }
  const auto fail_on = scan::parse_severity(o.fail_on);
  if (!fail_on) {
    return report_error(make_error(ErrorCode::Invalid, "--fail-on " + o.fail_on +
                                                           ": expected low, medium, high or "
                                                           "critical"));
  }
  auto config = load_scan_config(o);
  if (!config) return report_error(config.error());
  auto matcher = scan::Matcher::compile(*config);
  if (!matcher) return report_error(matcher.error());

  scan::Report report;
  Result<scan::ScanResult> result = scan::ScanResult{};
  if (o.staged) {
    report.source = scan::ScanSource::Staged;
    result = scan::scan_staged(**matcher, o.path, o.threads);
  } else if (o.git_history) {
    report.source = scan::ScanSource::GitHistory;
    scan::HistoryOptions history;
    history.revs = o.revs;
    history.since = o.since;
    history.since_remotes = o.since_remotes;
    history.all_refs = o.all_refs;
    history.threads = o.threads;
    result = scan::scan_git_history(**matcher, o.path, history);
  } else {
    scan::TreeOptions tree;
    tree.threads = o.threads;
    tree.gitignore = !o.no_gitignore;
    result = scan::scan_tree(**matcher, o.path, tree);
  }
  if (!result) return report_error(result.error());
  report.findings = std::move(result->findings);
  report.stats = result->stats;

  if (!o.write_baseline.empty()) {
    // Everything found now, including what the old baseline hides: the new one replaces it.
    auto written = scan::write_baseline(o.write_baseline, report.findings);
    if (!written) return report_error(written.error());
  }
  if (!o.baseline.empty()) {
    auto baseline = scan::load_baseline(o.baseline);
    if (!baseline) return report_error(baseline.error());
    report.suppressed = scan::apply_baseline(*baseline, report.findings);
  }

  std::string text;
  if (o.format == "json") {
    text = scan::format_json(report);
  } else if (o.format == "sarif") {
    text = scan::format_sarif(report, (*matcher)->config().rules, GANTRY_VERSION);
  } else {
    text = scan::format_text(report, o.output.empty() && stdout_is_color_tty());
  }
  if (o.output.empty()) {
    std::cout << text << std::flush;
  } else {
    auto written = write_file_atomic(o.output, text);
    if (!written) return report_error(written.error());
  }
  for (const auto& f : report.findings) {
    if (f.severity >= *fail_on) return kExitFindings;
  }
  return kExitOk;
}

}  // namespace

void add_scan_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ScanCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "scan",
      "Find credentials (API keys, tokens, private keys, passwords in URLs) in a directory "
      "tree, the git history or the staged changes.");
  cmd->footer(
      "Without --git-history or --staged, walks PATH (default .) on --threads threads,\n"
      "honouring .gitignore files and .git/info/exclude, skipping .git/, binary files and\n"
      "files over max_file_bytes. Secrets are never printed: each shows as its first\n"
      "characters and its length. Rules and configuration: docs/scan.md.\n"
      "\n"
      "Exit status: 0 no findings at or above --fail-on (default low: any finding),\n"
      "1 findings at or above it, 2 usage or configuration errors (a bad flag, a missing\n"
      "PATH, a malformed .gantry-scan.toml or baseline, not a git repository).\n"
      "\n"
      "Examples:\n"
      "  gantry scan\n"
      "  gantry scan --git-history                   # every commit reachable from HEAD\n"
      "  gantry scan --git-history --since origin/main\n"
      "  gantry scan --staged                        # what `git commit` would record\n"
      "  gantry scan --format sarif -o gantry-scan.sarif\n"
      "  gantry scan --write-baseline .gantry-baseline.json   # accept what is there now\n"
      "  gantry scan --baseline .gantry-baseline.json --fail-on high");
  cmd->add_option("PATH", options->path, "Folder or file to scan (for git scans: the repository)")
      ->default_val(".");
  CLI::Option* history =
      cmd->add_flag("--git-history", options->git_history,
                    "Scan every blob of every commit reachable from HEAD, each blob once");
  cmd->add_option("--since", options->since,
                  "With --git-history: skip commits reachable from REV (repeatable)")
      ->type_name("REV")
      ->allow_extra_args(false)
      ->needs(history);
  cmd->add_option("--rev", options->revs,
                  "With --git-history: walk from REV instead of HEAD (repeatable)")
      ->type_name("REV")
      ->allow_extra_args(false)
      ->needs(history);
  cmd->add_flag("--since-remotes", options->since_remotes,
                "With --git-history: skip commits reachable from any remote-tracking ref")
      ->needs(history);
  cmd->add_flag("--all-refs", options->all_refs,
                "With --git-history: walk from every branch and tag, not only HEAD")
      ->needs(history);
  cmd->add_flag("--staged", options->staged,
                "Scan the staged changes: the index's blobs that differ from HEAD")
      ->excludes(history);
  cmd->add_option("--format", options->format, "Output format: text, json or sarif")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->default_val("text")
      ->type_name("FORMAT");
  cmd->add_option("--baseline", options->baseline,
                  "Hide findings whose fingerprint is in FILE (a json or sarif report)")
      ->type_name("FILE");
  cmd->add_option("--write-baseline", options->write_baseline,
                  "Write the current findings to FILE as a baseline")
      ->type_name("FILE");
  cmd->add_option("--fail-on", options->fail_on,
                  "Lowest severity that makes the exit status 1: low, medium, high, critical")
      ->check(CLI::IsMember({"low", "medium", "high", "critical"}))
      ->default_val("low")
      ->type_name("SEVERITY");
  cmd->add_option("--config", options->config,
                  "Scanner configuration (default: PATH/.gantry-scan.toml when present)")
      ->type_name("FILE");
  cmd->add_option("--threads", options->threads, "Worker threads (default: the number of CPUs)")
      ->check(CLI::Range(0, 256))
      ->type_name("N");
  cmd->add_flag("--no-gitignore", options->no_gitignore,
                "Scan files that .gitignore and .git/info/exclude leave out");
  cmd->add_option("-o,--output", options->output, "Write the report to FILE instead of stdout")
      ->type_name("FILE");
  cmd->callback([options, &exit_code] { exit_code = run_scan(*options); });
}

}  // namespace gantry::cli

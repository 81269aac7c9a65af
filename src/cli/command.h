// Shared pieces of the subcommands (internal to src/cli): spec options, output formats,
// error reporting. Each subcommand lives in its own cmd_*.cpp and registers itself here.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/result.h"
#include "spec/spec.h"

namespace gantry::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

// Options every command that reads a spec takes.
struct SpecOptions {
  std::string file = "gantry.yaml";
  std::string environment;
  std::vector<std::string> env_files;
};

void add_spec_options(CLI::App* cmd, SpecOptions& options);
spec::LoadOptions to_load_options(const SpecOptions& options, spec::Interpolation mode);

// Prints "gantry: <error>" on stderr and returns kExitUsage.
int report_error(const Error& error);

// True when stdout is a terminal and NO_COLOR is unset (colour output).
bool stdout_is_color_tty();

// The subcommands. Each adds itself to `app` and, when it runs, stores its exit status.
void add_spec_command(CLI::App& app, int& exit_code);
void add_lint_command(CLI::App& app, int& exit_code);
void add_env_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_import_command(CLI::App& app, int& exit_code);
void add_log_pump_command(CLI::App& app, int& exit_code);
void add_up_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_logs_command(CLI::App& app, int& exit_code);
void add_restart_command(CLI::App& app, int& exit_code);
void add_stop_command(CLI::App& app, int& exit_code);
void add_history_command(CLI::App& app, int& exit_code);
void add_deploy_command(CLI::App& app, int& exit_code);
// promote, abort, pause, resume and rollback.
void add_rollout_commands(CLI::App& app, int& exit_code);
void add_show_command(CLI::App& app, int& exit_code);
void add_events_command(CLI::App& app, int& exit_code);
void add_tokens_command(CLI::App& app, int& exit_code);
void add_dora_command(CLI::App& app, int& exit_code);
void add_notifications_command(CLI::App& app, int& exit_code);
void add_init_command(CLI::App& app, int& exit_code);
void add_secrets_command(CLI::App& app, int& exit_code);
void add_scan_command(CLI::App& app, int& exit_code);
// hooks install | uninstall (git hooks that run gantry scan).
void add_hooks_command(CLI::App& app, int& exit_code);

}  // namespace gantry::cli

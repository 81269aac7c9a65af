// The root command: global flags, subcommand registration, CLI11 errors mapped to exit 2.
#include "cli/cli.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/command.h"

namespace gantry::cli {

void add_spec_options(CLI::App* cmd, SpecOptions& options) {
  cmd->add_option("-f,--file", options.file, "Spec file")
      ->default_val("gantry.yaml")
      ->type_name("FILE");
  cmd->add_option("--env", options.environment,
                  "Environment whose overlay to apply (as declared under environments:)")
      ->type_name("NAME");
  cmd->add_option("--env-file", options.env_files,
                  "dotenv file with values for ${VAR} (repeatable; later files win)")
      ->type_name("FILE");
}

spec::LoadOptions to_load_options(const SpecOptions& options, spec::Interpolation mode) {
  spec::LoadOptions load;
  load.file = options.file;
  load.environment = options.environment;
  load.env_files = options.env_files;
  load.interpolation = mode;
  return load;
}

int report_error(const Error& error) {
  std::cerr << "gantry: " << error.str() << "\n";
  return kExitUsage;
}

bool stdout_is_color_tty() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

int run(int argc, char** argv) {
  CLI::App app{
      "gantry: take a multi-service app from gantry.yaml to running, healthy and recoverable.\n"
      "Offline checks (no daemon needed): spec, lint, env check, diff, import.",
      "gantry"};
  app.set_version_flag("--version", std::string("gantry ") + GANTRY_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  int exit_code = kExitOk;
  add_spec_command(app, exit_code);
  add_lint_command(app, exit_code);
  add_env_command(app, exit_code);
  add_diff_command(app, exit_code);
  add_import_command(app, exit_code);
  add_up_command(app, exit_code);
  add_status_command(app, exit_code);
  add_logs_command(app, exit_code);
  add_restart_command(app, exit_code);
  add_stop_command(app, exit_code);
  add_history_command(app, exit_code);
  add_deploy_command(app, exit_code);
  add_rollout_commands(app, exit_code);
  add_show_command(app, exit_code);
  add_events_command(app, exit_code);
  add_tokens_command(app, exit_code);
  add_dora_command(app, exit_code);
  add_notifications_command(app, exit_code);
  add_init_command(app, exit_code);
  add_secrets_command(app, exit_code);
  add_scan_command(app, exit_code);
  add_hooks_command(app, exit_code);
  add_log_pump_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "gantry: " << e.what() << "\n";
    std::cerr << "Run 'gantry --help' (or 'gantry COMMAND --help') for usage.\n";
    return kExitUsage;
  }
  return exit_code;
}

}  // namespace gantry::cli

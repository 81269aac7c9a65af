// `gantry spec`: prints the spec resolved for an environment, as YAML or JSON.
#include <iostream>

#include "cli/command.h"
#include "lint/env_schema.h"

namespace gantry::cli {

void add_spec_command(CLI::App& app, int& exit_code) {
  struct Options {
    SpecOptions spec;
    std::string format = "yaml";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "spec",
      "Print the spec resolved for an environment: the base services with the environment's "
      "overlay and vars applied, ${VAR} expressions interpolated (an unset variable is an "
      "error), secret:// references shown as references and literal values of secret-like "
      "variables redacted. Exit 0 on success, 2 on any error in the spec.");
  add_spec_options(cmd, options->spec);
  cmd->add_option("--format", options->format, "Output format: yaml (default) or json")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->type_name("FORMAT");
  cmd->footer(
      "Examples:\n"
      "  gantry spec                                  # ./gantry.yaml, no overlay\n"
      "  gantry spec --env production --format json\n"
      "  gantry spec -f deploy/gantry.yaml --env staging --env-file .env.staging\n");
  cmd->callback([options, &exit_code] {
    auto spec = spec::load_spec(to_load_options(options->spec, spec::Interpolation::Strict));
    if (!spec) {
      exit_code = report_error(spec.error());
      return;
    }
    spec::RenderOptions render;
    render.is_secret = [](std::string_view name, std::string_view value) {
      return lint::must_hide_value(name, nullptr, value);
    };
    std::cout << (options->format == "json" ? spec::render_json(*spec, render)
                                            : spec::render_yaml(*spec, render));
    exit_code = kExitOk;
  });
}

}  // namespace gantry::cli

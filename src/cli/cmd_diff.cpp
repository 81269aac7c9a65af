// `gantry diff ENV_A ENV_B`: what differs between two resolved environments of one spec, secret
// values never shown. Exit 0 identical, 1 different, 2 errors. Not thread-safe (stdout).
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "lint/diff.h"
#include "spec/spec.h"

namespace gantry::cli {
namespace {

// The name `base` means the spec without any overlay.
constexpr const char* kBase = "base";

struct DiffArgs {
  SpecOptions spec;
  std::string left;
  std::string right;
  std::string format = "text";
};

Result<spec::Spec> load_for(const DiffArgs& args, const std::string& environment) {
  SpecOptions options = args.spec;
  options.environment = environment == kBase ? std::string{} : environment;
  return spec::load_spec(to_load_options(options, spec::Interpolation::Lenient));
}

int run_diff(const DiffArgs& args) {
  auto left = load_for(args, args.left);
  if (!left) return report_error(left.error());
  auto right = load_for(args, args.right);
  if (!right) return report_error(right.error());
  const lint::SpecDiff diff = lint::diff_specs(*left, *right, args.left, args.right);
  std::cout << (args.format == "json" ? lint::format_diff_json(diff)
                                      : lint::format_diff_human(diff, stdout_is_color_tty()));
  return diff.identical() ? kExitOk : kExitFindings;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand(
      "diff",
      "Show what differs between two resolved environments (replicas, env, probes, strategy, "
      "...). Use 'base' for the spec without an overlay. Secret values are never shown. Exit 0 "
      "when identical, 1 when they differ, 2 on errors.");
  cmd->add_option("ENV_A", args->left, "First environment (or 'base')")->required();
  cmd->add_option("ENV_B", args->right, "Second environment (or 'base')")->required();
  cmd->add_option("-f,--file", args->spec.file, "Spec file")
      ->default_val("gantry.yaml")
      ->type_name("FILE");
  cmd->add_option("--env-file", args->spec.env_files,
                  "dotenv file with values for ${VAR} (repeatable; later files win)")
      ->type_name("FILE");
  cmd->add_option("--format", args->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  cmd->callback([args, &exit_code] { exit_code = run_diff(*args); });
}

}  // namespace gantry::cli

// `gantry env check`: a real environment (dotenv files or the process environment) checked
// against a service's env_schema, plus drift against an example file. Not thread-safe (stdout).
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/strings.h"
#include "lint/env_check.h"
#include "lint/lint.h"
#include "spec/dotenv.h"
#include "spec/spec.h"

namespace gantry::cli {
namespace {

struct EnvCheckArgs {
  SpecOptions spec;
  std::string service;
  std::string example;
  std::string format = "text";
};

int run_env_check(const EnvCheckArgs& args) {
  std::vector<spec::Dotenv> files;
  for (const auto& path : args.spec.env_files) {
    auto dotenv = spec::load_dotenv(path);
    if (!dotenv) return report_error(dotenv.error());
    files.push_back(std::move(*dotenv));
  }
  lint::EnvCheckOptions options;
  if (!args.example.empty()) {
    auto example = spec::load_dotenv(args.example);
    if (!example) return report_error(example.error());
    options.example = std::move(*example);
  }

  spec::LoadOptions load = to_load_options(args.spec, spec::Interpolation::Lenient);
  // ${VAR} in the spec resolves from the environment being checked, and only from it.
  load.use_process_env = files.empty();
  auto loaded = spec::load_spec(load);
  if (!loaded) return report_error(loaded.error());
  const spec::Spec& spec = *loaded;

  const spec::Service* service = spec.find_service(args.service);
  if (!service) {
    std::vector<std::string> names;
    for (const auto& s : spec.services) names.push_back(s.name);
    return report_error(
        make_error(ErrorCode::NotFound,
                   "no service named '" + args.service + "'" + did_you_mean(args.service, names) +
                       (names.empty() ? "" : " (services: " + join(names, ", ") + ")"),
                   Location{spec.file}));
  }

  options.from_process = files.empty();
  const lint::RealEnv env =
      files.empty() ? lint::real_env_from_process() : lint::real_env_from_dotenvs(files);
  std::vector<lint::Finding> findings = lint::check_env(spec, *service, env, options);
  lint::sort_findings(findings);
  std::cout << (args.format == "json" ? lint::format_json(findings)
                                      : lint::format_human(findings, stdout_is_color_tty()));
  return lint::exit_code_for(findings, lint::Severity::Error);
}

}  // namespace

void add_env_command(CLI::App& app, int& exit_code) {
  CLI::App* env = app.add_subcommand("env", "Check real environments against the env_schema");
  env->callback([env] {
    if (env->get_subcommands().empty()) throw CLI::CallForHelp();
  });

  auto args = std::make_shared<EnvCheckArgs>();
  CLI::App* check = env->add_subcommand(
      "check",
      "Check a real environment for SERVICE: required and malformed variables, variables the "
      "schema does not declare, and drift against an example file (both ways). Secret values "
      "are never printed. With --env-file the environment is those files merged (later files "
      "win); without, it is the process environment. Exit 1 when any error is found.");
  check->add_option("SERVICE", args->service, "Service whose env_schema to check against")
      ->required();
  add_spec_options(check, args->spec);
  check
      ->add_option("--example", args->example,
                   "Example dotenv file (.env.example) whose keys the environment should match")
      ->type_name("FILE");
  check->add_option("--format", args->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  check->callback([args, &exit_code] { exit_code = run_env_check(*args); });
}

}  // namespace gantry::cli

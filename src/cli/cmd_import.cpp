// `gantry import`: converts render.yaml, railway.json/.toml, docker-compose.yml and Procfile into
// gantry.yaml, prints what was not imported, then lints the result against the original lines.
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/file.h"
#include "lint/lint.h"
#include "spec/importer.h"

namespace gantry::cli {
namespace {

struct ImportCommandOptions {
  std::vector<std::string> files;
  std::string output = "gantry.yaml";
  std::string project;
  bool force = false;
  std::string format = "text";
};

std::string format_notes(const std::vector<spec::ImportNote>& notes) {
  std::string out;
  for (const auto& n : notes) {
    if (n.where.known()) out += n.where.str() + ": ";
    out += "note: " + n.message + "\n";
  }
  return out;
}

nlohmann::json notes_json(const std::vector<spec::ImportNote>& notes) {
  auto arr = nlohmann::json::array();
  for (const auto& n : notes) {
    arr.push_back({{"file", n.where.file},
                   {"line", n.where.line},
                   {"column", n.where.column},
                   {"message", n.message}});
  }
  return arr;
}

int run_import(const ImportCommandOptions& o) {
  const bool to_stdout = o.output == "-";
  if (!to_stdout && !o.force && std::filesystem::exists(o.output)) {
    return report_error(
        make_error(ErrorCode::Conflict, o.output + " already exists; pass --force to overwrite it, "
                                                   "or -o FILE to write elsewhere"));
  }
  spec::ImportOptions options;
  options.project = o.project;
  auto imported = spec::import_files(o.files, options);
  if (!imported) return report_error(imported.error());

  spec::RenderOptions render;
  render.redact_secrets = false;  // the user's own values, written where they asked
  const std::string yaml = spec::render_yaml(imported->spec, render);
  if (!to_stdout) {
    auto written = write_file_atomic(o.output, yaml);
    if (!written) return report_error(written.error());
  }

  // Findings point at the original files: the imported spec's source map refers to them.
  auto findings = lint::lint_spec(imported->spec);
  lint::sort_findings(findings);
  const int status = lint::exit_code_for(findings, lint::Severity::Error);

  if (o.format == "json") {
    nlohmann::json report = {{"output", o.output},
                             {"project", imported->spec.project},
                             {"services", nlohmann::json::array()},
                             {"notes", notes_json(imported->notes)}};
    for (const auto& s : imported->spec.services) report["services"].push_back(s.name);
    // lint's JSON report ({findings, summary}) is spliced in as "lint".
    report["lint"] = nlohmann::json::parse(lint::format_json(findings), nullptr, false);
    if (to_stdout) report["spec"] = yaml;
    std::cout << report.dump(2) << "\n" << std::flush;
    return status;
  }

  // With -o - the spec owns stdout, so the report goes to stderr.
  std::ostream& report = to_stdout ? std::cerr : std::cout;
  if (to_stdout) std::cout << yaml << std::flush;
  report << format_notes(imported->notes);
  if (!to_stdout) {
    report << "wrote " << o.output << " (" << imported->spec.services.size() << " service"
           << (imported->spec.services.size() == 1 ? "" : "s") << ")\n";
  }
  report << lint::format_human(findings, !to_stdout && stdout_is_color_tty()) << std::flush;
  return status;
}

}  // namespace

void add_import_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ImportCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Convert render.yaml, railway.json/.toml, docker-compose.yml and Procfile into "
      "gantry.yaml, then lint it.");
  cmd->footer(
      "Several files merge into one spec (each railway file is one service, named after its\n"
      "folder). Every setting gantry has no place for is printed as a note; values Render\n"
      "fills in (fromDatabase, generateValue, sync: false) become secret:// references to set.\n"
      "Lint findings point at the original files' lines.\n"
      "\n"
      "Exit status: 0 imported and lint-clean, 1 imported but lint found errors (the file is\n"
      "still written), 2 usage or input errors.\n"
      "\n"
      "Examples:\n"
      "  gantry import render.yaml\n"
      "  gantry import api/railway.json worker/railway.json --project shop\n"
      "  gantry import docker-compose.yml Procfile -o - | less");
  cmd->add_option("files", options->files, "Files to import")->required()->type_name("FILE...");
  cmd->add_option("-o,--output", options->output, "Where to write the spec ('-' = stdout)")
      ->default_val("gantry.yaml")
      ->type_name("FILE");
  cmd->add_option("--project", options->project,
                  "Project name (default: the first file's folder name)")
      ->type_name("NAME");
  cmd->add_flag("--force", options->force, "Overwrite the output file if it exists");
  cmd->add_option("--format", options->format, "Report format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text")
      ->type_name("text|json");
  cmd->callback([options, &exit_code] { exit_code = run_import(*options); });
}

}  // namespace gantry::cli

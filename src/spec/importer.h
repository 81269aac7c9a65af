// Importers: render.yaml, railway.json/.toml, docker-compose.yml and Procfile into one Spec.
// Pure (reads files only); thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "spec/model.h"

namespace gantry::spec {

enum class ImportFormat { Render, RailwayJson, RailwayToml, Compose, Procfile };

struct ImportNote {
  Location where;       // in the original file
  std::string message;  // "not imported: build.builder=NIXPACKS"
};

struct ImportOptions {
  std::string project;  // default: the folder name of the first file
};

struct ImportResult {
  Spec spec;  // spec.source points at the original files' lines
  std::vector<ImportNote> notes;
};

// Detects the format from the file name, then the content.
Result<ImportFormat> detect_import_format(const std::string& path, std::string_view text);

// Imports several files into one spec; services keep file order. Two files defining the same
// service name are an error naming both.
Result<ImportResult> import_files(const std::vector<std::string>& paths,
                                  const ImportOptions& options = {});

}  // namespace gantry::spec

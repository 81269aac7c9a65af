// gantry import: detects each input's format, imports it, and merges the services of all files
// into one spec whose source map points at the original lines. Pure; thread-safe.
#include <algorithm>
#include <exception>
#include <filesystem>
#include <map>

#include "core/file.h"
#include "core/strings.h"
#include "spec/import_impl.h"
#include "spec/importer.h"

namespace gantry::spec {
namespace {

using import::FileImport;
using import::Node;

std::string base_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

std::optional<ImportFormat> format_from_name(const std::string& path) {
  const std::string name = to_lower(base_name(path));
  const auto yaml = [&](std::string_view stem) {
    return name == std::string(stem) + ".yml" || name == std::string(stem) + ".yaml";
  };
  if (yaml("render")) return ImportFormat::Render;
  if (name == "railway.json" || name.ends_with(".railway.json")) return ImportFormat::RailwayJson;
  if (name == "railway.toml" || name.ends_with(".railway.toml")) return ImportFormat::RailwayToml;
  if (name.starts_with("docker-compose") || name.starts_with("compose.") || name == "compose") {
    if (name.ends_with(".yml") || name.ends_with(".yaml")) return ImportFormat::Compose;
  }
  if (name == "procfile" || name.starts_with("procfile.")) return ImportFormat::Procfile;
  return std::nullopt;
}

bool looks_like_procfile(std::string_view text) {
  bool any = false;
  for (const auto& line : split(text, '\n')) {
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    const auto colon = t.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    const std::string_view name = t.substr(0, colon);
    if (name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
        std::string_view::npos) {
      return false;
    }
    if (trim(t.substr(colon + 1)).empty()) return false;
    any = true;
  }
  return any;
}

std::optional<ImportFormat> format_from_content(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.starts_with("{")) return ImportFormat::RailwayJson;
  if (auto yaml = import::parse_yaml(text, "-"); yaml && yaml->is_map()) {
    if (const Node* services = yaml->get("services")) {
      if (services->is_seq()) return ImportFormat::Render;
      if (services->is_map()) return ImportFormat::Compose;
    }
  }
  if (auto toml = import::parse_toml(text, "-");
      toml && (toml->get("deploy") || toml->get("build"))) {
    return ImportFormat::RailwayToml;
  }
  if (looks_like_procfile(text)) return ImportFormat::Procfile;
  return std::nullopt;
}

std::string folder_name(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(std::filesystem::path(path), ec);
  if (ec) p = std::filesystem::path(path);
  return p.parent_path().filename().string();
}

Result<ImportResult> merge(std::vector<FileImport> files, const ImportOptions& options,
                           const std::string& first_path) {
  ImportResult result;
  Spec& spec = result.spec;
  spec.file = "gantry.yaml";
  spec.source.default_file = "gantry.yaml";
  spec.project = import::normalize_service_name(options.project.empty() ? folder_name(first_path)
                                                                        : options.project);
  std::map<std::string, Location> defined;
  for (auto& f : files) {
    for (auto& s : f.services) {
      const std::string path = "services." + s.name;
      const Location here = f.source.where(path);
      if (auto it = defined.find(s.name); it != defined.end()) {
        return make_error(ErrorCode::Conflict,
                          "service '" + s.name + "' is defined in " + it->second.str() +
                              " and in " + here.str() + "; rename one of them",
                          here, path);
      }
      defined[s.name] = here;
    }
    for (const auto& [key, where] : f.source.entries()) {
      if (!key.starts_with("services.")) continue;
      const std::string name = key.substr(9, key.find('.', 9) - 9);
      if (defined.count(name)) spec.source.set(key, where);
    }
    for (auto& s : f.services) spec.services.push_back(std::move(s));
    std::stable_sort(f.notes.begin(), f.notes.end(), [](const ImportNote& a, const ImportNote& b) {
      return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
    });
    for (auto& n : f.notes) result.notes.push_back(std::move(n));
  }
  return result;
}

}  // namespace

namespace import {

Result<FileImport> import_text(ImportFormat format, std::string_view text,
                               const std::string& path) {
  try {
    if (trim(text).empty()) {
      return make_error(ErrorCode::Invalid, "the file is empty", Location{path, 0, 0});
    }
    switch (format) {
      case ImportFormat::Render: {
        auto root = parse_yaml(text, path);
        if (!root) return root.error();
        return import_render(*root, path);
      }
      case ImportFormat::Compose: {
        auto root = parse_yaml(text, path);
        if (!root) return root.error();
        return import_compose(*root, path);
      }
      case ImportFormat::RailwayJson: {
        auto root = parse_json(text, path);
        if (!root) return root.error();
        return import_railway(*root, path, railway_service_name(path));
      }
      case ImportFormat::RailwayToml: {
        auto root = parse_toml(text, path);
        if (!root) return root.error();
        return import_railway(*root, path, railway_service_name(path));
      }
      case ImportFormat::Procfile:
        return import_procfile(text, path);
    }
    return make_error(ErrorCode::Internal, "unknown import format", Location{path, 0, 0});
  } catch (const std::exception& e) {
    return make_error(ErrorCode::Internal, std::string("import failed: ") + e.what(),
                      Location{path, 0, 0});
  }
}

}  // namespace import

Result<ImportFormat> detect_import_format(const std::string& path, std::string_view text) {
  if (auto f = format_from_name(path)) return *f;
  if (auto f = format_from_content(text)) return *f;
  return make_error(ErrorCode::Unsupported,
                    "cannot tell what kind of file this is; gantry imports render.yaml, "
                    "railway.json, railway.toml, docker-compose.yml (compose.yaml) and Procfile",
                    Location{path, 0, 0});
}

Result<ImportResult> import_files(const std::vector<std::string>& paths,
                                  const ImportOptions& options) {
  if (paths.empty()) {
    return make_error(ErrorCode::Invalid, "no files to import");
  }
  std::vector<FileImport> files;
  for (const auto& path : paths) {
    auto text = read_text_file(path);
    if (!text) return text.error();
    auto format = detect_import_format(path, *text);
    if (!format) return format.error();
    auto imported = import::import_text(*format, *text, path);
    if (!imported) return imported.error();
    files.push_back(std::move(*imported));
  }
  return merge(std::move(files), options, paths.front());
}

}  // namespace gantry::spec

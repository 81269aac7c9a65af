// The spec module's public interface: load gantry.yaml resolved for an environment, and
// print it back. Loading is pure (reads files, no shared state); thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "spec/model.h"

namespace gantry::spec {

enum class Interpolation {
  Strict,   // an unset ${VAR} without a default, or ${VAR:?msg}, is an error
  Lenient,  // leave what cannot be resolved as written, mark the value unresolved (lint)
};

struct LoadOptions {
  std::string file = "gantry.yaml";
  std::string environment;             // "" = the base spec without an overlay
  std::vector<std::string> env_files;  // dotenv files read for ${VAR}, later ones win
  bool use_process_env = true;         // the process environment wins over env files
  Interpolation interpolation = Interpolation::Strict;
};

// Reads and resolves options.file. Errors carry file:line:col and the key path.
Result<Spec> load_spec(const LoadOptions& options);
// The same on text already in memory; options.file names it in locations.
Result<Spec> parse_spec(std::string_view text, const LoadOptions& options);

// Names of the environments the spec declares (for commands that check each of them).
Result<std::vector<std::string>> list_environments(const LoadOptions& options);

struct RenderOptions {
  // Replace literal values of secret-like variables with "<redacted>" (secret:// references
  // are always shown as references).
  bool redact_secrets = true;
  // With redact_secrets, also redact a value this says is secret (e.g. one that holds a
  // credential under a harmless name); the caller supplies it, spec knows no detectors.
  std::function<bool(std::string_view name, std::string_view value)> is_secret;
};

// The spec as gantry.yaml (YAML) or as JSON; both parse back to the same Spec.
std::string render_yaml(const Spec& spec, const RenderOptions& options = {});
std::string render_json(const Spec& spec, const RenderOptions& options = {});

}  // namespace gantry::spec

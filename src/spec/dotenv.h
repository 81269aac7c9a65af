// dotenv files (.env, .env.production): parsing with locations. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace gantry::spec {

struct DotenvEntry {
  std::string key;
  std::string value;
  Location where;  // of the key
};

struct Dotenv {
  std::string file;
  std::vector<DotenvEntry> entries;  // in file order; a repeated key keeps its last value

  const DotenvEntry* find(std::string_view key) const;
};

// Accepts KEY=value, `export KEY=value`, comments (# at line start or after whitespace in an
// unquoted value), 'single' (literal), "double" (escapes \n \t \" \\, may span lines), and
// unquoted values. Errors name file:line:col.
Result<Dotenv> parse_dotenv(std::string_view text, const std::string& file);
Result<Dotenv> load_dotenv(const std::string& path);

}  // namespace gantry::spec

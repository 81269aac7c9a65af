// Internals of the importers (only src/spec/import*.cpp include this): a small located document
// tree that YAML, JSON and TOML are read into, and helpers for commands, ports and notes.
// Pure functions and value types; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "spec/importer.h"
#include "spec/model.h"

namespace gantry::spec::import {

struct Entry;

// One value of a parsed document, with where it starts in the file.
struct Node {
  enum class Kind { Null, Scalar, Map, Seq };
  Kind kind = Kind::Null;
  std::string text;     // Scalar: the value as text ("8080", "true", "web")
  bool quoted = false;  // Scalar written as a string (quoted YAML, JSON/TOML string)
  Location where;
  std::vector<Entry> entries;  // Map, in file order
  std::vector<Node> items;     // Seq

  bool is_null() const { return kind == Kind::Null; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_map() const { return kind == Kind::Map; }
  bool is_seq() const { return kind == Kind::Seq; }
  // The value under key in a map, or nullptr.
  const Node* get(std::string_view key) const;
  // "a map", "a list", "a string", "nothing": for shape errors.
  std::string_view kind_name() const;
};

struct Entry {
  std::string key;
  Location where;  // of the key
  Node value;
};

// A scalar node made up by an importer (a value split out of "KEY=value").
inline Node scalar_node(std::string text, Location where = {}) {
  Node n;
  n.kind = Node::Kind::Scalar;
  n.text = std::move(text);
  n.where = std::move(where);
  return n;
}

// Readers; each returns one located Error for malformed input and never throws.
Result<Node> parse_yaml(std::string_view text, const std::string& file);
Result<Node> parse_json(std::string_view text, const std::string& file);
Result<Node> parse_toml(std::string_view text, const std::string& file);

// A compact one-line form of a value for notes ("NIXPACKS", "[a, b]", "{name: data, ...}").
std::string describe(const Node& node);

// "<key_path>: expected <expected>, got <kind>" at node.
Error shape_error(const Node& node, std::string key_path, std::string_view expected);
Result<std::string> scalar_text(const Node& node, const std::string& key_path);
Result<int> to_int(const Node& node, const std::string& key_path, int min, int max);
Result<bool> to_bool(const Node& node, const std::string& key_path);
// A list of strings, or one string split like a shell line when split_string is set.
Result<std::vector<std::string>> to_string_list(const Node& node, const std::string& key_path,
                                                bool split_string);

// A start command as the spec holds it: argv when it has no shell syntax, else one word run by
// /bin/sh -c (so $PORT, &&, pipes keep working).
struct CommandLine {
  std::vector<std::string> argv;
  bool shell = false;
};
CommandLine command_from_text(std::string_view text);
// argv for a hook, which has no shell flag: /bin/sh -c TEXT when the text needs a shell.
std::vector<std::string> hook_argv(std::string_view text);

// What a start command says about the port the app listens on.
struct PortHint {
  std::optional<int> port;     // a fixed number (--port 3000, --bind 0.0.0.0:8000, PORT=3000)
  bool uses_port_env = false;  // $PORT / ${PORT} / ${PORT:-N}
  std::string found;           // the words it came from, for notes
};
PortHint port_from_command(const std::vector<std::string>& words);
PortHint port_from_command_text(std::string_view text);

// A service name gantry accepts: lowercase letters, digits, '-' and '_'.
std::string normalize_service_name(std::string_view raw);
// "api" + "DATABASE_URL" -> "api-database-url".
std::string secret_name(std::string_view prefix, std::string_view key);
// An env value as written (imports never interpolate; ${VAR} is left for the loader).
EnvValue literal_env(std::string text);

// What one input file contributes to the merged spec.
struct FileImport {
  std::string file;
  std::vector<Service> services;
  SourceMap source;  // keys services.<name>...; locations in `file`
  std::vector<ImportNote> notes;

  void note(const Location& where, std::string message) {
    notes.push_back({where, std::move(message)});
  }
  // "not imported: <key_path>=<value>" at the entry's key.
  void not_imported(const Entry& entry, std::string_view key_path, std::string_view why = {});
  void set(const std::string& path, const Location& where) { source.set(path, where); }
};

// Sets service.port from a start command; notes how it was found. Returns true when set.
bool apply_port_from_command(FileImport& out, Service& service, const std::string& text,
                             const Location& where);

// Format readers over a parsed document (or text for Procfile).
Result<FileImport> import_render(const Node& root, const std::string& file);
Result<FileImport> import_railway(const Node& root, const std::string& file,
                                  const std::string& service_name);
Result<FileImport> import_compose(const Node& root, const std::string& file);
Result<FileImport> import_procfile(std::string_view text, const std::string& file);

// The service name for a railway.json/.toml: its folder's name, or the file name's stem when the
// folder name says nothing (config/, deploy/, .railway/ ...).
std::string railway_service_name(const std::string& path);

// Parses text in one format and imports it: the fuzz targets' entry point.
Result<FileImport> import_text(ImportFormat format, std::string_view text, const std::string& path);

}  // namespace gantry::spec::import

// Internals of the spec parser (only src/spec/*.cpp include this): a small YAML tree that
// keeps 1-based marks and file order, the typed reader over it, and the section parsers.
// yaml-cpp is read only in yaml_node.cpp (and written in render.cpp). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "spec/interpolate.h"
#include "spec/model.h"

// Early returns for Status / Result<T>, as in "if (!r) return r.error();".
#define SPEC_TRY(expr)                        \
  do {                                        \
    auto spec_try_ = (expr);                  \
    if (!spec_try_) return spec_try_.error(); \
  } while (0)
#define SPEC_ASSIGN(lhs, expr)                      \
  do {                                              \
    auto spec_assign_ = (expr);                     \
    if (!spec_assign_) return spec_assign_.error(); \
    lhs = std::move(*spec_assign_);                 \
  } while (0)

namespace gantry::spec::detail {

// Deeper YAML than this is refused before any recursive walk (the walks recurse per level).
constexpr int kMaxDepth = 64;
// More nodes than this (after expanding aliases) is refused: no spec is that big, and it
// stops "billion laughs" alias bombs.
constexpr std::size_t kMaxNodes = 100'000;

struct MapEntry;

// One YAML node, with its place in the file (line/column 1-based).
struct Node {
  enum class Kind { Null, Scalar, Sequence, Map };
  Kind kind = Kind::Null;
  int line = 0;
  int column = 0;
  std::string text;               // Scalar: as written (without quotes)
  std::vector<Node> items;        // Sequence
  std::vector<MapEntry> entries;  // Map, in file order, keys unique

  bool is_null() const { return kind == Kind::Null; }
  bool is_map() const { return kind == Kind::Map; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_sequence() const { return kind == Kind::Sequence; }
  // The value under key, or nullptr when absent or null (null means "not set").
  const Node* get(std::string_view key) const;
  // The entry for key even when its value is null, or nullptr.
  const MapEntry* entry(std::string_view key) const;
};

struct MapEntry {
  std::string key;
  int line = 0;
  int column = 0;
  Node value;
};

// "a map", "a list", "a string", "null": for "expected X, got Y".
std::string_view kind_name(const Node& node);

// Parses YAML text into a Node tree. Errors: syntax (at yaml-cpp's mark), duplicate keys,
// non-scalar keys, nesting deeper than kMaxDepth, more than kMaxNodes nodes. An empty
// document gives a Null node.
Result<Node> parse_yaml(std::string_view text, const std::string& file);

// Deep merge: maps merge key by key (over's keys win, new keys appended in over's order);
// anything else in over replaces base. Marks stay those of the node each value came from.
Node merge_nodes(const Node& base, const Node& over);

std::string join_path(std::string_view path, std::string_view key);

// Reads typed values from Nodes: interpolation, units, errors with file:line:col + key path,
// and the source map entries for every key it visits.
class Reader {
 public:
  Reader(std::string file, VarLookup lookup, bool lenient, SourceMap& source)
      : file_(std::move(file)), lookup_(std::move(lookup)), lenient_(lenient), source_(source) {}

  const std::string& file() const { return file_; }
  Location at(int line, int column) const { return Location{file_, line, column}; }
  Location at(const Node& node) const { return at(node.line, node.column); }
  Error fail(const Node& node, const std::string& path, std::string message) const;
  Error fail(const MapEntry& entry, const std::string& path, std::string message) const;

  // Records path -> the value's mark for scalars, the key's mark for maps, lists and null.
  void record(const std::string& path, const MapEntry& entry);
  void record(const std::string& path, const Node& node) { source_.set(path, at(node)); }

  // node must be a map whose keys are all in allowed (empty = any key); records each key.
  Status map(const Node& node, const std::string& path,
             std::initializer_list<std::string_view> allowed);
  Status map(const Node& node, const std::string& path, const std::vector<std::string>& allowed);
  Status expect(const Node& node, const std::string& path, Node::Kind kind,
                std::string_view expected) const;

  // Scalars. string() interpolates ${VAR}; raw() does not (commands: the runtime expands
  // them with the replica's environment).
  Result<std::string> string(const Node& node, const std::string& path) const;
  Result<std::string> raw(const Node& node, const std::string& path) const;
  Result<EnvValue> env_value(const Node& node, const std::string& path) const;
  Result<long long> integer(const Node& node, const std::string& path, long long min,
                            long long max) const;
  Result<double> number(const Node& node, const std::string& path, double min, double max) const;
  Result<bool> boolean(const Node& node, const std::string& path) const;
  Result<Duration> duration(const Node& node, const std::string& path) const;
  Result<double> percent(const Node& node, const std::string& path) const;
  Result<std::uint64_t> size(const Node& node, const std::string& path) const;
  Result<int> port(const Node& node, const std::string& path) const;
  // One of choices, else an error listing them with did-you-mean.
  Result<std::string> choice(const Node& node, const std::string& path,
                             const std::vector<std::string>& choices) const;
  // A list of strings (a lone string is a list of one); interpolated.
  Result<std::vector<std::string>> string_list(const Node& node, const std::string& path) const;
  // A command: a list (argv, not interpolated) or a string (shell = true, one element).
  Status command(const Node& node, const std::string& path, std::vector<std::string>& argv,
                 bool& shell);

 private:
  Result<std::string> scalar_text(const Node& node, const std::string& path,
                                  std::string_view expected) const;

  std::string file_;
  VarLookup lookup_;
  bool lenient_;
  SourceMap& source_;
};

// Section parsers (service_parser.cpp, strategy_parser.cpp, proxy_parser.cpp,
// notify_parser.cpp).
struct ServiceContext {
  std::string environment;  // the environment being resolved, or ""
  std::vector<std::string> declared_environments;
};

// entry is the service's key under services (name and mark); node its value merged with
// the environment's overlay.
Result<Service> parse_service(Reader& r, const MapEntry& entry, const Node& node,
                              const ServiceContext& context);
Result<Strategy> parse_strategy(Reader& r, const Node& node, const std::string& path);
Result<Analysis> parse_analysis(Reader& r, const Node& node, const std::string& path);
// One hook (hooks lists); analysis checks reuse it for their http form.
Result<Hook> parse_hook(Reader& r, const Node& node, const std::string& path);
// An HTTP field name: one or more tchar (RFC 9110 5.6.2). proxy_parser.cpp.
bool is_header_name(std::string_view name);
// The top-level proxy: section.
Result<ProxySettings> parse_proxy(Reader& r, const Node& node);
// The top-level api:, metrics: and events: sections (telemetry_parser.cpp).
Result<std::string> parse_listen_section(Reader& r, const Node& node, const std::string& path);
Result<EventLogSettings> parse_event_log(Reader& r, const Node& node);
// The top-level notify: list (notify_parser.cpp); environments are the declared ones.
Result<std::vector<NotifySink>> parse_notify(Reader& r, const Node& node,
                                             const std::vector<std::string>& environments);

}  // namespace gantry::spec::detail

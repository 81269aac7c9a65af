// The one place yaml-cpp is used for reading: YAML text -> a Node tree with 1-based marks,
// duplicate-key detection (yaml-cpp 0.7 accepts duplicates silently), depth and size caps.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <unordered_map>

#include "spec/parser_impl.h"

namespace gantry::spec::detail {
namespace {

// The key path of the node being converted, as a chain of parent links: built into a string
// only for an error, so converting costs no string work per node.
struct PathLink {
  const PathLink* parent = nullptr;
  std::string_view key;  // a map key, or empty for a list item
  std::size_t index = 0;

  std::string str() const {
    std::string head = parent ? parent->str() : std::string();
    if (!parent) return head;
    return join_path(head, key.empty() ? std::string_view(std::to_string(index)) : key);
  }
};

class Converter {
 public:
  explicit Converter(const std::string& file) : file_(file) {}

  // fallback_line/column: where to place a node yaml-cpp gives no mark (an empty value).
  Status convert(const YAML::Node& in, const PathLink& path, int depth, int fallback_line,
                 int fallback_column, Node& out) {
    if (++count_ > kMaxNodes) {
      return make_error(ErrorCode::Invalid,
                        "the document has more than 100000 nodes (after expanding aliases); "
                        "a spec is much smaller",
                        Location{file_, fallback_line, fallback_column}, path.str());
    }
    const YAML::Mark mark = in.Mark();
    if (mark.line >= 0 && mark.column >= 0) {
      out.line = mark.line + 1;
      out.column = mark.column + 1;
    } else {
      out.line = fallback_line;
      out.column = fallback_column;
    }
    if (depth > kMaxDepth) {
      return make_error(ErrorCode::Invalid, "nested more than 64 levels deep",
                        Location{file_, out.line, out.column}, path.str());
    }
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = Node::Kind::Null;
        return {};
      case YAML::NodeType::Scalar:
        out.kind = Node::Kind::Scalar;
        out.text = in.Scalar();
        return {};
      case YAML::NodeType::Sequence: {
        out.kind = Node::Kind::Sequence;
        std::size_t index = 0;
        for (const auto& item : in) {
          Node child;
          const PathLink item_path{&path, {}, index};
          auto s = convert(item, item_path, depth + 1, out.line, out.column, child);
          if (!s) return s;
          out.items.push_back(std::move(child));
          ++index;
        }
        return {};
      }
      case YAML::NodeType::Map:
        out.kind = Node::Kind::Map;
        std::unordered_map<std::string, std::size_t> seen;  // key -> index in entries
        for (const auto& kv : in) {
          const YAML::Mark key_mark = kv.first.Mark();
          MapEntry entry;
          entry.line = key_mark.line >= 0 ? key_mark.line + 1 : out.line;
          entry.column = key_mark.column >= 0 ? key_mark.column + 1 : out.column;
          if (!kv.first.IsScalar()) {
            return make_error(ErrorCode::Invalid,
                              "map keys must be plain names, got " +
                                  std::string(kv.first.IsNull()  ? "an empty key"
                                              : kv.first.IsMap() ? "a map"
                                                                 : "a list"),
                              Location{file_, entry.line, entry.column}, path.str());
          }
          entry.key = kv.first.Scalar();
          const PathLink key_path{&path, entry.key, 0};
          if (auto it = seen.find(entry.key); it != seen.end()) {
            return make_error(ErrorCode::Invalid,
                              "duplicate key '" + entry.key + "' (first defined at line " +
                                  std::to_string(out.entries[it->second].line) + "): keep only one",
                              Location{file_, entry.line, entry.column}, key_path.str());
          }
          auto s = convert(kv.second, key_path, depth + 1, entry.line, entry.column, entry.value);
          if (!s) return s;
          seen.emplace(entry.key, out.entries.size());
          out.entries.push_back(std::move(entry));
        }
        return {};
    }
    return {};
  }

 private:
  const std::string& file_;
  std::size_t count_ = 0;
};

}  // namespace

const MapEntry* Node::entry(std::string_view key) const {
  for (const auto& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const Node* Node::get(std::string_view key) const {
  const MapEntry* e = entry(key);
  if (!e || e->value.is_null()) return nullptr;
  return &e->value;
}

std::string_view kind_name(const Node& node) {
  switch (node.kind) {
    case Node::Kind::Null:
      return "null";
    case Node::Kind::Scalar:
      return "a string";
    case Node::Kind::Sequence:
      return "a list";
    case Node::Kind::Map:
      return "a map";
  }
  return "?";
}

std::string join_path(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out;
  out.reserve(path.size() + 1 + key.size());
  out.append(path).append(".").append(key);
  return out;
}

Result<Node> parse_yaml(std::string_view text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Location where{file, 0, 0};
    if (e.mark.line >= 0) where = Location{file, e.mark.line + 1, e.mark.column + 1};
    return make_error(ErrorCode::Invalid, "YAML syntax error: " + e.msg, where);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::Invalid, std::string("cannot read YAML: ") + e.what(),
                      Location{file, 0, 0});
  }
  try {
    Node out;
    Converter converter(file);
    const PathLink root_path;
    auto s = converter.convert(root, root_path, 0, 1, 1, out);
    if (!s) return s.error();
    return out;
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::Invalid, "cannot read YAML: " + e.msg, Location{file, 0, 0});
  } catch (const std::exception& e) {
    return make_error(ErrorCode::Invalid, std::string("cannot read YAML: ") + e.what(),
                      Location{file, 0, 0});
  }
}

namespace {

// Keys of which a map holds exactly one (a strategy kind, a probe kind): an overlay that
// names one of them replaces the base's choice instead of adding a second.
const std::vector<std::vector<std::string_view>> kExclusiveKeys = {
    {"recreate", "rolling", "blue_green", "canary"}, {"http", "tcp", "exec"}};

void drop_exclusive_siblings(Node& base, const Node& over) {
  for (const auto& group : kExclusiveKeys) {
    for (std::string_view key : group) {
      if (!over.entry(key)) continue;
      std::erase_if(base.entries, [&](const MapEntry& e) {
        return e.key != key && std::find(group.begin(), group.end(), e.key) != group.end();
      });
    }
  }
}

}  // namespace

Node merge_nodes(const Node& base, const Node& over) {
  if (!base.is_map() || !over.is_map()) return over;
  Node out = base;
  drop_exclusive_siblings(out, over);
  for (const auto& e : over.entries) {
    MapEntry* existing = nullptr;
    for (auto& b : out.entries) {
      if (b.key == e.key) existing = &b;
    }
    if (!existing) {
      out.entries.push_back(e);
      continue;
    }
    if (existing->value.is_map() && e.value.is_map()) {
      existing->value = merge_nodes(existing->value, e.value);
    } else {
      *existing = e;
    }
  }
  return out;
}

}  // namespace gantry::spec::detail

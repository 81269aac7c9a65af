// The one place yaml-cpp is used for reading: YAML text -> a Node tree with 1-based marks,
// duplicate-key detection (yaml-cpp 0.7 accepts duplicates silently), depth and size caps.
#include <yaml-cpp/yaml.h>

#include <exception>

#include "spec/parser_impl.h"

namespace gantry::spec::detail {
namespace {

class Converter {
 public:
  explicit Converter(const std::string& file) : file_(file) {}

  // fallback_line/column: where to place a node yaml-cpp gives no mark (an empty value).
  Status convert(const YAML::Node& in, const std::string& path, int depth, int fallback_line,
                 int fallback_column, Node& out) {
    if (++count_ > kMaxNodes) {
      return make_error(ErrorCode::Invalid,
                        "the document has more than 200000 nodes (after expanding aliases); "
                        "a spec is much smaller",
                        Location{file_, fallback_line, fallback_column}, path);
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
                        Location{file_, out.line, out.column}, path);
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
          auto s = convert(item, join_path(path, std::to_string(index)), depth + 1, out.line,
                           out.column, child);
          if (!s) return s;
          out.items.push_back(std::move(child));
          ++index;
        }
        return {};
      }
      case YAML::NodeType::Map:
        out.kind = Node::Kind::Map;
        for (const auto& kv : in) {
          const YAML::Mark key_mark = kv.first.Mark();
          MapEntry entry;
          entry.line = key_mark.line >= 0 ? key_mark.line + 1 : out.line;
          entry.column = key_mark.column >= 0 ? key_mark.column + 1 : out.column;
          if (!kv.first.IsScalar()) {
            return make_error(ErrorCode::Invalid,
                              "map keys must be plain names, got " +
                                  std::string(kv.first.IsNull() ? "an empty key"
                                              : kv.first.IsMap() ? "a map"
                                                                 : "a list"),
                              Location{file_, entry.line, entry.column}, path);
          }
          entry.key = kv.first.Scalar();
          const std::string key_path = join_path(path, entry.key);
          if (const MapEntry* first = out.entry(entry.key)) {
            return make_error(ErrorCode::Invalid,
                              "duplicate key '" + entry.key + "' (first defined at line " +
                                  std::to_string(first->line) + "): keep only one",
                              Location{file_, entry.line, entry.column}, key_path);
          }
          auto s = convert(kv.second, key_path, depth + 1, entry.line, entry.column, entry.value);
          if (!s) return s;
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
    case Node::Kind::Null: return "null";
    case Node::Kind::Scalar: return "a string";
    case Node::Kind::Sequence: return "a list";
    case Node::Kind::Map: return "a map";
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
    auto s = converter.convert(root, "", 0, 1, 1, out);
    if (!s) return s.error();
    return out;
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::Invalid, "cannot read YAML: " + e.msg, Location{file, 0, 0});
  } catch (const std::exception& e) {
    return make_error(ErrorCode::Invalid, std::string("cannot read YAML: ") + e.what(),
                      Location{file, 0, 0});
  }
}

Node merge_nodes(const Node& base, const Node& over) {
  if (!base.is_map() || !over.is_map()) return over;
  Node out = base;
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

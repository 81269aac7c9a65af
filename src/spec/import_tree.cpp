// Reads YAML (yaml-cpp), JSON (a small located parser) and TOML (toml++) into the importers'
// located document tree; library exceptions stop here. Thread-safe.
#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "core/strings.h"
#include "spec/import_impl.h"

namespace gantry::spec::import {
namespace {

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxNodes = 200'000;  // aliases can expand a small file a lot

Error too_big(const std::string& file) {
  return make_error(ErrorCode::Invalid,
                    "document too deep or too large (more than 64 levels or 200000 values)",
                    Location{file, 0, 0});
}

// --- YAML ----------------------------------------------------------------------------------

Location yaml_location(const YAML::Node& y, const std::string& file, const Location& fallback) {
  const YAML::Mark m = y.Mark();
  if (m.line < 0 || m.column < 0) return fallback;
  return Location{file, m.line + 1, m.column + 1};
}

class YamlReader {
 public:
  explicit YamlReader(const std::string& file) : file_(file) {}

  Status read(const YAML::Node& y, Node& out, const Location& parent, int depth) {
    if (depth > kMaxDepth || ++count_ > kMaxNodes) return too_big(file_);
    out.where = yaml_location(y, file_, parent);
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = Node::Kind::Null;
        return {};
      case YAML::NodeType::Scalar:
        out.kind = Node::Kind::Scalar;
        out.text = y.Scalar();
        out.quoted = y.Tag() == "!";
        return {};
      case YAML::NodeType::Sequence:
        out.kind = Node::Kind::Seq;
        for (const auto& item : y) {
          Node n;
          if (auto st = read(item, n, out.where, depth + 1); !st) return st;
          out.items.push_back(std::move(n));
        }
        return {};
      case YAML::NodeType::Map:
        return read_map(y, out, depth);
    }
    return {};
  }

 private:
  Status read_map(const YAML::Node& y, Node& out, int depth) {
    out.kind = Node::Kind::Map;
    std::vector<Node> merges;  // "<<: *defaults" (YAML merge keys, common in compose files)
    for (auto it = y.begin(); it != y.end(); ++it) {
      const Location key_where = yaml_location(it->first, file_, out.where);
      if (!it->first.IsScalar()) {
        return make_error(ErrorCode::Invalid, "a map key must be a plain string", key_where);
      }
      Node value;
      if (auto st = read(it->second, value, key_where, depth + 1); !st) return st;
      if (it->first.Scalar() == "<<" && it->first.Tag() != "!") {
        if (value.is_seq()) {
          for (auto& m : value.items) merges.push_back(std::move(m));
        } else {
          merges.push_back(std::move(value));
        }
        continue;
      }
      out.entries.push_back({it->first.Scalar(), key_where, std::move(value)});
    }
    for (auto& m : merges) {
      if (!m.is_map()) {
        return make_error(ErrorCode::Invalid, "'<<' (merge key) needs a map or a list of maps",
                          m.where);
      }
      for (auto& e : m.entries) {
        if (!out.get(e.key)) out.entries.push_back(std::move(e));
      }
    }
    return {};
  }

  const std::string& file_;
  std::size_t count_ = 0;
};

// --- JSON ----------------------------------------------------------------------------------

class JsonReader {
 public:
  JsonReader(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  Result<Node> read_document() {
    skip_space();
    if (i_ >= s_.size()) return fail("the file is empty; expected a JSON object");
    Node root;
    if (auto st = value(root, 0); !st) return st.error();
    skip_space();
    if (i_ < s_.size()) return fail("unexpected text after the JSON value");
    return root;
  }

 private:
  Location here() const { return Location{file_, line_, col_}; }
  Error fail(std::string message) const {
    return make_error(ErrorCode::Invalid, "invalid JSON: " + std::move(message), here());
  }
  void advance() {
    if (s_[i_] == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80) {
      ++col_;
    }
    ++i_;
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      advance();
  }
  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      advance();
      return true;
    }
    return false;
  }

  Status value(Node& out, int depth) {
    if (depth > kMaxDepth || ++count_ > kMaxNodes) return too_big(file_);
    skip_space();
    if (i_ >= s_.size()) return fail("unexpected end of file; expected a value");
    out.where = here();
    const char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.kind = Node::Kind::Scalar;
      out.quoted = true;
      return string(out.text);
    }
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(i_, word.size()) == word) {
        for (std::size_t k = 0; k < word.size(); ++k) advance();
        out.kind = word == "null" ? Node::Kind::Null : Node::Kind::Scalar;
        if (!out.is_null()) out.text = std::string(word);
        return {};
      }
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    return fail(std::string("unexpected character '") + c + "'; expected a value");
  }

  Status number(Node& out) {
    const std::size_t start = i_;
    if (s_[i_] == '-') advance();
    bool digits = false;
    auto run = [&] {
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
        advance();
        digits = true;
      }
    };
    run();
    if (i_ < s_.size() && s_[i_] == '.') {
      advance();
      run();
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      advance();
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) advance();
      run();
    }
    if (!digits) return fail("malformed number");
    out.kind = Node::Kind::Scalar;
    out.text = std::string(s_.substr(start, i_ - start));
    return {};
  }

  static void append_utf8(std::string& s, unsigned cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(unsigned& out) {
    if (i_ + 4 > s_.size()) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_];
      unsigned d = 0;
      if (h >= '0' && h <= '9')
        d = h - '0';
      else if (h >= 'a' && h <= 'f')
        d = h - 'a' + 10;
      else if (h >= 'A' && h <= 'F')
        d = h - 'A' + 10;
      else
        return false;
      out = out * 16 + d;
      advance();
    }
    return true;
  }

  Status string(std::string& out) {
    advance();  // opening quote
    while (true) {
      if (i_ >= s_.size()) return fail("unterminated string");
      const char c = s_[i_];
      if (c == '"') {
        advance();
        return {};
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      advance();
      if (i_ >= s_.size()) return fail("unterminated string");
      const char e = s_[i_];
      advance();
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(cp)) return fail("bad \\u escape");
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(i_, 2) == "\\u") {
            advance();
            advance();
            unsigned lo = 0;
            if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  Status object(Node& out, int depth) {
    out.kind = Node::Kind::Map;
    advance();
    if (eat('}')) return {};
    while (true) {
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a quoted key");
      Entry e;
      e.where = here();
      if (auto st = string(e.key); !st) return st;
      if (!eat(':')) return fail("expected ':' after the key \"" + e.key + "\"");
      if (auto st = value(e.value, depth + 1); !st) return st;
      auto same = std::find_if(out.entries.begin(), out.entries.end(),
                               [&](const Entry& x) { return x.key == e.key; });
      if (same != out.entries.end()) {
        return make_error(ErrorCode::Invalid,
                          "duplicate key \"" + e.key + "\" (also on line " +
                              std::to_string(same->where.line) + ")",
                          e.where);
      }
      out.entries.push_back(std::move(e));
      if (eat(',')) continue;
      if (eat('}')) return {};
      return fail("expected ',' or '}'");
    }
  }

  Status array(Node& out, int depth) {
    out.kind = Node::Kind::Seq;
    advance();
    if (eat(']')) return {};
    while (true) {
      Node n;
      if (auto st = value(n, depth + 1); !st) return st;
      out.items.push_back(std::move(n));
      if (eat(',')) continue;
      if (eat(']')) return {};
      return fail("expected ',' or ']'");
    }
  }

  std::string_view s_;
  const std::string& file_;
  std::size_t i_ = 0;
  int line_ = 1, col_ = 1;
  std::size_t count_ = 0;
};

// --- TOML ----------------------------------------------------------------------------------

Location toml_location(const toml::source_region& r, const std::string& file) {
  return Location{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

Status read_toml(const toml::node& t, Node& out, const std::string& file, int depth,
                 std::size_t& count) {
  if (depth > kMaxDepth || ++count > kMaxNodes) return too_big(file);
  out.where = toml_location(t.source(), file);
  if (const auto* tbl = t.as_table()) {
    out.kind = Node::Kind::Map;
    for (auto&& [k, v] : *tbl) {
      Entry e;
      e.key = std::string(k.str());
      e.where = toml_location(k.source(), file);
      if (auto st = read_toml(v, e.value, file, depth + 1, count); !st) return st;
      out.entries.push_back(std::move(e));
    }
    // toml++ keeps keys sorted; notes read better in file order.
    std::stable_sort(out.entries.begin(), out.entries.end(), [](const Entry& a, const Entry& b) {
      return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
    });
    return {};
  }
  if (const auto* arr = t.as_array()) {
    out.kind = Node::Kind::Seq;
    for (const auto& v : *arr) {
      Node n;
      if (auto st = read_toml(v, n, file, depth + 1, count); !st) return st;
      out.items.push_back(std::move(n));
    }
    return {};
  }
  out.kind = Node::Kind::Scalar;
  if (const auto* s = t.as_string()) {
    out.text = s->get();
    out.quoted = true;
  } else if (const auto* i = t.as_integer()) {
    out.text = std::to_string(i->get());
  } else if (const auto* b = t.as_boolean()) {
    out.text = b->get() ? "true" : "false";
  } else {
    std::ostringstream os;
    t.visit([&](const auto& v) { os << v; });
    out.text = os.str();
  }
  return {};
}

void describe_into(const Node& n, std::string& out) {
  if (out.size() > 120) return;
  switch (n.kind) {
    case Node::Kind::Null:
      out += "null";
      return;
    case Node::Kind::Scalar:
      out += n.text.empty() ? "\"\"" : n.text;
      return;
    case Node::Kind::Seq:
      out += "[";
      for (std::size_t k = 0; k < n.items.size(); ++k) {
        if (k) out += ", ";
        describe_into(n.items[k], out);
      }
      out += "]";
      return;
    case Node::Kind::Map:
      out += "{";
      for (std::size_t k = 0; k < n.entries.size(); ++k) {
        if (k) out += ", ";
        out += n.entries[k].key + ": ";
        describe_into(n.entries[k].value, out);
      }
      out += "}";
      return;
  }
}

}  // namespace

const Node* Node::get(std::string_view key) const {
  for (const auto& e : entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

std::string_view Node::kind_name() const {
  switch (kind) {
    case Kind::Null:
      return "nothing";
    case Kind::Scalar:
      return "a single value";
    case Kind::Map:
      return "a map";
    case Kind::Seq:
      return "a list";
  }
  return "?";
}

Result<Node> parse_yaml(std::string_view text, const std::string& file) {
  try {
    const YAML::Node y = YAML::Load(std::string(text));
    Node root;
    YamlReader reader(file);
    if (auto st = reader.read(y, root, Location{file, 1, 1}, 0); !st) return st.error();
    return root;
  } catch (const YAML::Exception& e) {
    const Location where{file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                         e.mark.column >= 0 ? e.mark.column + 1 : 0};
    return make_error(ErrorCode::Invalid, "invalid YAML: " + e.msg, where);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::Invalid, std::string("invalid YAML: ") + e.what(),
                      Location{file, 0, 0});
  }
}

Result<Node> parse_json(std::string_view text, const std::string& file) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  return JsonReader(text, file).read_document();
}

Result<Node> parse_toml(std::string_view text, const std::string& file) {
  try {
    toml::table tbl = toml::parse(text, file);
    Node root;
    std::size_t count = 0;
    if (auto st = read_toml(tbl, root, file, 0, count); !st) return st.error();
    root.where = Location{file, 1, 1};
    return root;
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return make_error(ErrorCode::Invalid, "invalid TOML: " + std::string(e.description()),
                      Location{file, static_cast<int>(b.line), static_cast<int>(b.column)});
  } catch (const std::exception& e) {
    return make_error(ErrorCode::Invalid, std::string("invalid TOML: ") + e.what(),
                      Location{file, 0, 0});
  }
}

std::string describe(const Node& node) {
  std::string out;
  describe_into(node, out);
  if (out.size() > 100) out = out.substr(0, 97) + "...";
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

Error shape_error(const Node& node, std::string key_path, std::string_view expected) {
  return make_error(ErrorCode::Invalid,
                    "expected " + std::string(expected) + ", got " + std::string(node.kind_name()),
                    node.where, std::move(key_path));
}

Result<std::string> scalar_text(const Node& node, const std::string& key_path) {
  if (!node.is_scalar()) return shape_error(node, key_path, "a single value");
  return node.text;
}

Result<int> to_int(const Node& node, const std::string& key_path, int min, int max) {
  if (!node.is_scalar()) return shape_error(node, key_path, "a whole number");
  long long v = 0;
  const std::string& t = node.text;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || v < min || v > max) {
    return make_error(ErrorCode::Invalid,
                      "'" + t + "' is not a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max),
                      node.where, key_path);
  }
  return static_cast<int>(v);
}

Result<bool> to_bool(const Node& node, const std::string& key_path) {
  if (node.is_scalar()) {
    const std::string t = to_lower(node.text);
    if (t == "true" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "no" || t == "off") return false;
  }
  return make_error(ErrorCode::Invalid, "expected true or false, got '" + describe(node) + "'",
                    node.where, key_path);
}

Result<std::vector<std::string>> to_string_list(const Node& node, const std::string& key_path,
                                                bool split_string) {
  if (node.is_scalar() && split_string) return split_command_line(node.text);
  if (!node.is_seq()) return shape_error(node, key_path, "a list of strings");
  std::vector<std::string> out;
  for (const auto& item : node.items) {
    if (!item.is_scalar()) return shape_error(item, key_path, "a string");
    out.push_back(item.text);
  }
  return out;
}

}  // namespace gantry::spec::import

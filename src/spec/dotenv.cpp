// dotenv parser: quoting, `export`, comments, multi-line values, with file:line:col errors.
// Pure; thread-safe.
#include "spec/dotenv.h"

#include <string>
#include <unordered_map>

#include "core/file.h"
#include "fmt/format.h"

namespace gantry::spec {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool is_key_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (first) return alpha;
  return alpha || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool is_valid_key(std::string_view key) {
  if (key.empty()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (!is_key_char(key[i], i == 0)) return false;
  }
  return true;
}

// Walks the text byte by byte, keeping the 1-based line and column of the current byte.
class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  Result<Dotenv> parse() {
    while (!at_end()) {
      if (auto status = parse_line(); !status) return status.error();
    }
    Dotenv out;
    out.file = file_;
    out.entries.reserve(entries_.size());
    for (auto& e : entries_) {
      if (!e.key.empty()) out.entries.push_back(std::move(e));
    }
    return out;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool at_eol() const { return at_end() || peek() == '\n' || starts_crlf(); }
  bool starts_crlf() const {
    return peek() == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n';
  }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
  void skip_blanks() {
    while (!at_end() && is_blank(peek())) advance();
  }
  void skip_to_next_line() {
    while (!at_end() && peek() != '\n') advance();
    if (!at_end()) advance();
  }
  Location here() const { return Location{file_, line_, col_}; }

  Error error_at(Location where, std::string message) const {
    return make_error(ErrorCode::Invalid, std::move(message), std::move(where));
  }

  Status parse_line() {
    skip_blanks();
    if (at_eol() || peek() == '#') {
      skip_to_next_line();
      return {};
    }
    const int line = line_;
    Location key_at = here();
    std::string key = read_word();
    if (key == "export" && !at_end() && is_blank(peek())) {
      skip_blanks();
      if (!at_eol() && peek() != '#' && peek() != '=') {  // "export = x" sets a key named export
        key_at = here();
        key = read_word();
      }
    }
    skip_blanks();
    if (at_eol() || peek() != '=') {
      return error_at(Location{file_, line, 0},
                      key.empty() ? "expected KEY=value"
                                  : fmt::format("expected KEY=value: no '=' after {}", key));
    }
    if (!is_valid_key(key)) {
      return error_at(key_at, key.empty()
                                  ? std::string("missing variable name before '='")
                                  : "invalid variable name: names start with a letter or _ and "
                                    "hold only letters, digits, _, . and -");
    }
    advance();  // '='
    skip_blanks();
    auto value = read_value();
    if (!value) return value.error();
    add(std::move(key), std::move(*value), std::move(key_at));
    return {};
  }

  // The key: everything up to '=', a blank or the end of the line.
  std::string read_word() {
    std::string word;
    while (!at_eol() && peek() != '=' && !is_blank(peek())) {
      word += peek();
      advance();
    }
    return word;
  }

  Result<std::string> read_value() {
    if (at_eol()) {
      skip_to_next_line();
      return std::string{};
    }
    const char c = peek();
    Result<std::string> value = std::string{};
    if (c == '"') {
      value = read_double_quoted();
    } else if (c == '\'' || c == '`') {
      value = read_literal_quoted(c);
    } else {
      return read_unquoted();
    }
    if (!value) return value;
    // After a closing quote only blanks and a comment may follow.
    skip_blanks();
    if (!at_eol() && peek() != '#') {
      return error_at(here(), "unexpected text after the closing quote (quote the whole value)");
    }
    skip_to_next_line();
    return value;
  }

  Result<std::string> read_unquoted() {
    std::string value;
    bool after_blank = pos_ > 0 && is_blank(text_[pos_ - 1]);
    while (!at_eol()) {
      const char c = peek();
      if (c == '#' && after_blank) break;
      after_blank = is_blank(c);
      value += c;
      advance();
    }
    skip_to_next_line();
    while (!value.empty() && (is_blank(value.back()) || value.back() == '\r')) value.pop_back();
    return value;
  }

  Result<std::string> read_literal_quoted(char quote) {
    const Location open = here();
    advance();
    std::string value;
    while (!at_end() && peek() != quote) {
      if (starts_crlf()) {
        advance();  // a CRLF inside a value reads as LF
        continue;
      }
      value += peek();
      advance();
    }
    if (at_end()) {
      return error_at(open, fmt::format("unterminated {} quote: no closing {} before the end of "
                                        "the file",
                                        quote == '`' ? "backtick" : "single", quote));
    }
    advance();
    return value;
  }

  Result<std::string> read_double_quoted() {
    const Location open = here();
    advance();
    std::string value;
    while (!at_end() && peek() != '"') {
      if (starts_crlf()) {
        advance();
        continue;
      }
      const char c = peek();
      advance();
      if (c != '\\' || at_end()) {
        value += c;
        continue;
      }
      const char e = peek();
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '"':
          value += '"';
          break;
        case '\\':
          value += '\\';
          break;
        case '$':
          value += '$';
          break;
        default:
          // Unknown escapes stay as written (Windows paths, regexes).
          value += '\\';
          continue;
      }
      advance();
    }
    if (at_end()) {
      return error_at(open, "unterminated double quote: no closing \" before the end of the file");
    }
    advance();
    return value;
  }

  // A repeated key keeps one entry: the last value, at the last place it was set.
  void add(std::string key, std::string value, Location where) {
    if (auto it = index_.find(key); it != index_.end()) {
      entries_[it->second].key.clear();  // tombstone, dropped at the end
      it->second = entries_.size();
    } else {
      index_.emplace(key, entries_.size());
    }
    entries_.push_back(DotenvEntry{std::move(key), std::move(value), std::move(where)});
  }

  std::string_view text_;
  const std::string& file_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
  std::vector<DotenvEntry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace

const DotenvEntry* Dotenv::find(std::string_view key) const {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

Result<Dotenv> parse_dotenv(std::string_view text, const std::string& file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
  return Parser(text, file).parse();
}

Result<Dotenv> load_dotenv(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_dotenv(*text, path);
}

}  // namespace gantry::spec

// Checks one variable's value against its env_schema entry (types, ranges, regex, prefix).
// Pure; thread-safe. Messages never repeat the value: it may be a secret.
#include "lint/env_schema.h"

#include <charconv>
#include <cmath>
#include <regex>
#include <string>

#include "core/strings.h"
#include "fmt/format.h"
#include "scan/scan.h"

namespace gantry::lint {
namespace {

// std::regex matches recursively; very long values could exhaust the stack.
constexpr std::size_t kMaxRegexInput = 4096;
// A url scheme longer than this is more likely part of a secret than a real scheme.
constexpr std::size_t kMaxEchoedScheme = 16;

std::string format_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return fmt::format("{}", static_cast<long long>(v));
  }
  return fmt::format("{}", v);
}

// " from 5 to 50", " of at least 5", " of at most 50", or "".
std::string range_words(const spec::VarSchema& schema) {
  if (schema.min && schema.max) {
    return fmt::format(" from {} to {}", format_number(*schema.min), format_number(*schema.max));
  }
  if (schema.min) return fmt::format(" of at least {}", format_number(*schema.min));
  if (schema.max) return fmt::format(" of at most {}", format_number(*schema.max));
  return {};
}

bool in_range(const spec::VarSchema& schema, double v) {
  if (schema.min && v < *schema.min) return false;
  if (schema.max && v > *schema.max) return false;
  return true;
}

std::optional<long long> parse_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] =
      std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool is_bool_word(std::string_view s) {
  const std::string l = to_lower(s);
  return l == "true" || l == "false" || l == "1" || l == "0" || l == "yes" || l == "no";
}

bool is_scheme_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (first) return alpha;
  return alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

std::string list_words(const std::vector<std::string>& items) { return join(items, ", "); }

std::optional<std::string> check_url(const spec::VarSchema& schema, std::string_view value) {
  const std::string expected = schema.schemes.empty()
                                   ? std::string{}
                                   : fmt::format(" with scheme {}", join(schema.schemes, " or "));
  const auto sep = value.find("://");
  bool valid_scheme = sep != std::string_view::npos && sep > 0;
  for (std::size_t i = 0; valid_scheme && i < sep; ++i) {
    valid_scheme = is_scheme_char(value[i], i == 0);
  }
  if (!valid_scheme) return fmt::format("must be a url like scheme://host{}", expected);
  std::string_view rest = value.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty() || authority.front() == ':') {
    return fmt::format("must be a url with a host (scheme://host){}", expected);
  }
  if (schema.schemes.empty()) return std::nullopt;
  const std::string scheme = to_lower(value.substr(0, sep));
  for (const auto& s : schema.schemes) {
    if (to_lower(s) == scheme) return std::nullopt;
  }
  const std::string got =
      scheme.size() <= kMaxEchoedScheme ? fmt::format(" (got {})", scheme) : " (got another)";
  return fmt::format("must be a url{}{}", expected, got);
}

std::optional<std::string> check_type(const spec::VarSchema& schema, std::string_view value) {
  switch (schema.type) {
    case spec::VarType::String:
      return std::nullopt;
    case spec::VarType::Int: {
      const auto v = parse_int(value);
      if (!v || !in_range(schema, static_cast<double>(*v))) {
        return fmt::format("must be an int{}", range_words(schema));
      }
      return std::nullopt;
    }
    case spec::VarType::Number: {
      const auto v = parse_number(value);
      if (!v || !in_range(schema, *v)) {
        return fmt::format("must be a number{}", range_words(schema));
      }
      return std::nullopt;
    }
    case spec::VarType::Bool:
      if (!is_bool_word(value)) return "must be a bool (true, false, 1, 0, yes or no)";
      return std::nullopt;
    case spec::VarType::Url:
      return check_url(schema, value);
    case spec::VarType::Enum:
      for (const auto& allowed : schema.values) {
        if (allowed == value) return std::nullopt;
      }
      return fmt::format("must be one of {}", list_words(schema.values));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate_value(const spec::VarSchema& schema, std::string_view value) {
  if (auto problem = check_type(schema, value)) return problem;

  if (schema.min_length && value.size() < *schema.min_length) {
    return fmt::format("must be at least {} characters long", *schema.min_length);
  }
  if (schema.max_length && value.size() > *schema.max_length) {
    return fmt::format("must be at most {} characters long", *schema.max_length);
  }
  if (!schema.prefix.empty() && value.substr(0, schema.prefix.size()) != schema.prefix) {
    return fmt::format("must start with {}", schema.prefix);
  }
  if (!schema.regex.empty()) {
    if (value.size() > kMaxRegexInput) {
      return fmt::format("is longer than {} characters, too long to match against regex {}",
                         kMaxRegexInput, schema.regex);
    }
    try {
      const std::regex re(schema.regex, std::regex::ECMAScript);
      if (!std::regex_match(value.begin(), value.end(), re)) {
        return fmt::format("must match regex {}", schema.regex);
      }
    } catch (const std::regex_error& e) {
      return fmt::format("cannot be checked: the schema's regex {} is invalid ({})", schema.regex,
                         e.what());
    }
  }
  return std::nullopt;
}

bool is_secret_var(std::string_view name, const spec::VarSchema* schema) {
  return (schema && schema->secret) || spec::is_secret_like_name(name);
}

bool must_hide_value(std::string_view name, const spec::VarSchema* schema, std::string_view value) {
  if (is_secret_var(name, schema)) return true;
  return scan::find_url_password(value).has_value() || !scan::find_key_formats(value).empty();
}

}  // namespace gantry::lint

// Importer helpers for start commands: argv vs shell form, and the port a command listens on.
// Pure functions; thread-safe.
#include <charconv>

#include "core/strings.h"
#include "spec/import_impl.h"

namespace gantry::spec::import {
namespace {

// Characters that only mean something to a shell; a command with none of them runs as argv.
constexpr std::string_view kShellSyntax = "$&|;<>()*?`~#\n";

std::optional<int> parse_port_number(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 1 || v > 65535) return std::nullopt;
  return v;
}

bool is_port_env(std::string_view s) {
  return s == "$PORT" || s == "${PORT}" || s.starts_with("${PORT:-") || s.starts_with("${PORT-");
}

// "3000", "$PORT", "${PORT:-3000}" -> the hint they give.
bool read_port_value(std::string_view s, PortHint& hint) {
  if (auto p = parse_port_number(s)) {
    hint.port = p;
    return true;
  }
  if (!is_port_env(s)) return false;
  hint.uses_port_env = true;
  const auto dash = s.find('-');
  if (dash != std::string_view::npos && s.ends_with("}")) {
    hint.port = parse_port_number(s.substr(dash + 1, s.size() - dash - 2));
  }
  return true;
}

// "0.0.0.0:8000", ":8000", "[::]:$PORT", "*:8080", "tcp://0.0.0.0:80" -> the port part.
bool read_address(std::string_view s, PortHint& hint) {
  if (s.starts_with("tcp://") || s.starts_with("http://")) s.remove_prefix(s.find("//") + 2);
  // Find the host:port separator that is not inside ${PORT:-N}.
  std::size_t colon = std::string_view::npos;
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s[k] == '$') break;
    if (s[k] == ':') colon = k;
  }
  if (colon == std::string_view::npos) return read_port_value(s, hint);
  const std::string_view host = s.substr(0, colon);
  const bool host_like = host.empty() || host == "*" || host == "localhost" ||
                         host.starts_with("[") ||
                         host.find_first_not_of("0123456789.") == std::string_view::npos;
  if (!host_like) return false;
  return read_port_value(s.substr(colon + 1), hint);
}

bool is_port_flag(std::string_view flag) {
  return flag == "--port" || flag == "-p" || flag == "--http-port" || flag == "--listen-port" ||
         flag == "--server.port" || flag == "-Dserver.port" || flag == "--PORT";
}

bool is_bind_flag(std::string_view flag) {
  return flag == "--bind" || flag == "-b" || flag == "--listen" || flag == "-l" ||
         flag == "--addr" || flag == "--host-port" || flag == "-S";
}

}  // namespace

CommandLine command_from_text(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.find_first_of(kShellSyntax) != std::string_view::npos) {
    return CommandLine{{std::string(t)}, true};
  }
  return CommandLine{split_command_line(t), false};
}

std::vector<std::string> hook_argv(std::string_view text) {
  const CommandLine c = command_from_text(text);
  if (!c.shell) return c.argv;
  return {"/bin/sh", "-c", c.argv.front()};
}

PortHint port_from_command(const std::vector<std::string>& words) {
  PortHint hint;
  for (std::size_t k = 0; k < words.size(); ++k) {
    const std::string_view w = words[k];
    const std::string_view next =
        k + 1 < words.size() ? std::string_view(words[k + 1]) : std::string_view{};
    PortHint h;
    bool found = false;
    std::string from;
    const auto eq = w.find('=');
    if (w.starts_with("PORT=")) {
      found = read_port_value(w.substr(5), h);
      from = std::string(w);
    } else if (eq != std::string_view::npos && w.starts_with("-")) {
      const std::string_view flag = w.substr(0, eq), value = w.substr(eq + 1);
      if (is_port_flag(flag))
        found = read_port_value(value, h);
      else if (is_bind_flag(flag))
        found = read_address(value, h);
      from = std::string(w);
    } else if (is_port_flag(w) && !next.empty()) {
      found = read_port_value(next, h);
      from = std::string(w) + " " + std::string(next);
    } else if (is_bind_flag(w) && !next.empty()) {
      found = read_address(next, h);
      from = std::string(w) + " " + std::string(next);
    } else if (k > 0 && w.find(':') != std::string_view::npos && !w.starts_with("-")) {
      // A positional address: "runserver 0.0.0.0:8000", "php -S :8000" is handled above.
      found = read_address(w, h);
      from = std::string(w);
    }
    if (!found) continue;
    if (h.port || !hint.uses_port_env) {
      hint = h;
      hint.found = from;
    }
    if (hint.port) return hint;  // the first fixed number wins
  }
  return hint;
}

PortHint port_from_command_text(std::string_view text) {
  return port_from_command(split_command_line(text));
}

bool apply_port_from_command(FileImport& out, Service& service, const std::string& text,
                             const Location& where) {
  const PortHint hint = port_from_command_text(text);
  if (!hint.port) return false;
  service.port = hint.port;
  out.set("services." + service.name + ".port", where);
  if (hint.uses_port_env) {
    out.note(where, "services." + service.name + ".port: " + std::to_string(*hint.port) +
                        " from '" + hint.found + "' (the default the command falls back to)");
  } else {
    out.note(where, "services." + service.name + ".port: " + std::to_string(*hint.port) +
                        " from '" + hint.found +
                        "'; gantry gives each replica its own PORT: make the command listen on "
                        "$PORT so replicas do not collide");
  }
  return true;
}

std::string normalize_service_name(std::string_view raw) {
  std::string out;
  for (char c : trim(raw)) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) c = '-';
    if (c == '-' && (out.empty() || out.back() == '-')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "app" : out;
}

std::string secret_name(std::string_view prefix, std::string_view key) {
  std::string k = to_lower(key);
  for (char& c : k) {
    if (c == '_' || c == '.' || c == ' ') c = '-';
  }
  return normalize_service_name(std::string(prefix) + "-" + k);
}

EnvValue literal_env(std::string text) {
  EnvValue v;
  v.raw = text;
  v.value = std::move(text);
  v.interpolated = v.raw.find("${") != std::string::npos;
  v.unresolved = v.interpolated;
  return v;
}

void FileImport::not_imported(const Entry& entry, std::string_view key_path, std::string_view why) {
  std::string message = "not imported: " + std::string(key_path) + "=" + describe(entry.value);
  if (!why.empty()) message += " (" + std::string(why) + ")";
  note(entry.where, std::move(message));
}

}  // namespace gantry::spec::import

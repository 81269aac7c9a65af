// Imports a Procfile: one service per "name: command" line; web gets the port, release becomes
// web's pre-rollout hook. Thread-safe.
#include <optional>

#include "core/strings.h"
#include "spec/import_impl.h"

namespace gantry::spec::import {
namespace {

// The port Heroku-style tools (foreman, heroku local) give web when PORT is unset.
constexpr int kProcfileDefaultPort = 5000;

bool is_process_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<FileImport> import_procfile(std::string_view text, const std::string& file) {
  FileImport out;
  out.file = file;
  std::optional<Hook> release;
  Location release_where;
  std::size_t web = static_cast<std::size_t>(-1);
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    const int indent = static_cast<int>(t.data() - line.data());
    const Location line_where{file, line_no, indent + 1};
    const auto colon = t.find(':');
    const std::string_view name = colon == std::string_view::npos ? t : trim(t.substr(0, colon));
    if (colon == std::string_view::npos || !is_process_name(name)) {
      return make_error(ErrorCode::Invalid,
                        "expected 'name: command' (a process name of letters, digits, '-' or "
                        "'_', a colon, then its command)",
                        line_where);
    }
    const std::string_view command = trim(t.substr(colon + 1));
    const auto command_col =
        static_cast<int>(command.empty() ? t.size() : command.data() - line.data()) + 1;
    const Location command_where{file, line_no, command_col};
    if (command.empty()) {
      return make_error(ErrorCode::Invalid, "process '" + std::string(name) + "' has no command",
                        line_where);
    }
    if (name == "release") {
      if (release) {
        return make_error(ErrorCode::Conflict,
                          "process 'release' is defined twice (also on line " +
                              std::to_string(release_where.line) + ")",
                          line_where);
      }
      release = Hook{};
      release->run = hook_argv(command);
      release_where = command_where;
      continue;
    }
    Service s;
    s.name = normalize_service_name(name);
    const std::string path = "services." + s.name;
    for (const auto& other : out.services) {
      if (other.name == s.name) {
        return make_error(ErrorCode::Conflict,
                          "process '" + std::string(name) + "' is defined twice (also at " +
                              out.source.where(path).str() + ")",
                          line_where);
      }
    }
    const CommandLine c = command_from_text(command);
    s.command = c.argv;
    s.shell = c.shell;
    out.set(path, line_where);
    out.set(path + ".command", command_where);
    if (name == "web") {
      web = out.services.size();
      if (!apply_port_from_command(out, s, std::string(command), command_where)) {
        s.port = kProcfileDefaultPort;
        out.set(path + ".port", command_where);
        out.note(command_where, path +
                                    ".port: 5000, the Procfile default (the command reads "
                                    "$PORT or names no port)");
      }
    }
    out.services.push_back(std::move(s));
  }
  if (out.services.empty() && !release) {
    return make_error(ErrorCode::Invalid, "no processes; expected lines like 'web: ./server'",
                      Location{file, 0, 0});
  }
  if (release) {
    if (web < out.services.size()) {
      Service& w = out.services[web];
      w.hooks.pre_rollout.push_back(*release);
      out.set("services." + w.name + ".hooks.pre_rollout", release_where);
      out.note(release_where, "services." + w.name +
                                  ".hooks.pre_rollout: the release process runs before each "
                                  "rollout of web");
    } else {
      out.note(release_where, "not imported: release (no web process to run it before)");
    }
  }
  return out;
}

}  // namespace gantry::spec::import

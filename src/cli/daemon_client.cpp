// State-dir discovery, API calls with one-line errors, and the table layout of the daemon
// commands.
#include "cli/daemon_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "api/client.h"
#include "cli/command.h"
#include "cli/state_dir.h"
#include "core/strings.h"

namespace gantry::cli {

void add_daemon_options(CLI::App* cmd, DaemonOptions& options, bool short_file) {
  cmd->add_option(short_file ? "-f,--file" : "--file", options.file,
                  "Spec file; its folder's .gantry/ is the default state dir")
      ->default_val("gantry.yaml")
      ->type_name("FILE");
  cmd->add_option("--state-dir", options.state_dir,
                  "The daemon's state dir (default: .gantry/ beside the spec)")
      ->type_name("DIR");
}

std::string state_dir_of(const DaemonOptions& options) {
  return resolve_state_dir(options.state_dir, options.file);
}

std::string socket_path_in(const std::string& state_dir) {
  return (std::filesystem::path(state_dir) / "gantry.sock").string();
}

std::string store_path_in(const std::string& state_dir) {
  return (std::filesystem::path(state_dir) / "state.db").string();
}

Result<Duration> parse_timeout_flag(const std::string& text) {
  auto timeout = parse_duration(text);
  if (!timeout) {
    return make_error(ErrorCode::Invalid,
                      "--timeout: '" + text + "' is not a duration; use one like 90s, 10m or 1h");
  }
  return *timeout;
}

bool daemon_running(const std::string& state_dir) {
  const std::string path = socket_path_in(state_dir);
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool up = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return up;
}

std::string no_daemon_message(const std::string& state_dir) {
  return "gantry: no daemon is running for " + state_dir + " (start one with 'gantry up')";
}

int call_daemon(const std::string& state_dir, std::string_view method, std::string_view target,
                nlohmann::json& out, Duration timeout, std::string_view body) {
  auto response = api::call(socket_path_in(state_dir), method, target, body, timeout);
  if (!response) {
    if (response.error().code == ErrorCode::NotFound) {
      std::cerr << no_daemon_message(state_dir) << "\n";
      return kExitUsage;
    }
    std::cerr << "gantry: " << response.error().str() << "\n";
    return kExitFindings;
  }
  nlohmann::json parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status >= 200 && response->status < 300 && !parsed.is_discarded()) {
    out = std::move(parsed);
    return kExitOk;
  }
  std::string message;
  if (!parsed.is_discarded() && parsed.contains("error") && parsed["error"].is_object()) {
    message = parsed["error"].value("message", "");
  }
  if (message.empty()) {
    message = "the daemon answered " + std::to_string(response->status) + " to " +
              std::string(method) + " " + std::string(target);
  }
  std::cerr << "gantry: " << message << "\n";
  return response->status >= 400 && response->status < 500 ? kExitUsage : kExitFindings;
}

std::string url_encode(std::string_view value) { return percent_encode(value); }

std::vector<std::string> format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::vector<std::string> lines;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string human_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"Ki", "Mi", "Gi", "Ti"};
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, value < 10 ? "%.1f%s" : "%.0f%s", value, kUnits[unit]);
  return buf;
}

std::string human_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  const std::int64_t s = ms / 1000;
  const std::pair<std::int64_t, const char*> units[] = {
      {86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto [scale, name] = units[i];
    if (s >= scale) {
      const auto [next_scale, next_name] = units[i + 1];
      const std::int64_t rest = (s % scale) / next_scale;
      return std::to_string(s / scale) + name + (rest ? std::to_string(rest) + next_name : "");
    }
  }
  if (ms < 1000) return std::to_string(ms) + "ms";
  return std::to_string(s) + "s";
}

std::string short_timestamp(std::string_view rfc3339) {
  if (rfc3339.size() < 20) return std::string(rfc3339);
  return std::string(rfc3339.substr(0, 10)) + " " + std::string(rfc3339.substr(11, 8)) + "Z";
}

}  // namespace gantry::cli

// What the commands that talk to a running daemon share (internal to src/cli): finding the
// state dir and its socket, calling the API, and the one-line "no daemon" message.
// Single-threaded, like the CLI.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/units.h"

namespace gantry::cli {

// Where a daemon keeps its state: --state-dir, else `.gantry/` beside -f's spec.
struct DaemonOptions {
  std::string file = "gantry.yaml";
  std::string state_dir;
};

// Adds -f/--file and --state-dir; with short_file = false only --file (`gantry logs -f`
// follows, as in docker and tail).
void add_daemon_options(CLI::App* cmd, DaemonOptions& options, bool short_file = true);

// The state dir (absolute, as `gantry up` resolves it) and the socket in it.
std::string state_dir_of(const DaemonOptions& options);
std::string socket_path_in(const std::string& state_dir);
// The daemon's SQLite store in the state dir (the notifier and the event log open it too).
std::string store_path_in(const std::string& state_dir);

// Calls the daemon and parses its JSON answer. On a 2xx reply fills `out` and returns kExitOk.
// Otherwise prints one line on stderr and returns the exit code: 2 when no daemon runs for
// the state dir or the request was refused as bad (4xx), 1 when the daemon failed (5xx, or
// the connection broke).
int call_daemon(const std::string& state_dir, std::string_view method, std::string_view target,
                nlohmann::json& out, Duration timeout = std::chrono::seconds(30),
                std::string_view body = {});

// The value of a command's --timeout flag (90s, 10m, 1h); an Invalid error naming the flag.
Result<Duration> parse_timeout_flag(const std::string& text);

// True when a daemon accepts connections on the state dir's socket (prints nothing).
bool daemon_running(const std::string& state_dir);

// "gantry: no daemon is running for STATE_DIR (start one with 'gantry up')"
std::string no_daemon_message(const std::string& state_dir);

// Percent-encodes a query parameter value.
std::string url_encode(std::string_view value);

// Lays rows out as columns separated by two spaces, the last column unpadded.
std::vector<std::string> format_table(const std::vector<std::vector<std::string>>& rows);

// For people: "512B", "12.3Mi", "1.5Gi".
std::string human_size(std::uint64_t bytes);
// For people, two units at most: "45s", "5m3s", "2h10m", "3d4h".
std::string human_duration(std::int64_t ms);
// "2025-11-25T13:45:01.123Z" -> "2025-11-25 13:45:01Z" (shorter in tables).
std::string short_timestamp(std::string_view rfc3339);

}  // namespace gantry::cli

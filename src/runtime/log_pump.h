// The log pump: reads a replica's stdout and stderr, writes timestamped lines to its log
// file, rotates by size. Runs as its own process (`gantry __log-pump`) so that replicas keep
// running, and logging, while the daemon is down. Single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/process.h"

namespace gantry::runtime {

// Pumps until both fds reach EOF. Lines: "2026-11-25T13:45:01.123Z out | text".
// Returns 0, or 1 when the log file cannot be written.
int run_log_pump(int out_fd, int err_fd, const LogOptions& options);

struct LogLine {
  std::chrono::system_clock::time_point at;
  std::string stream;  // "out" | "err"
  std::string text;
};

// Reads the mask the runtime wrote on fd (hex strings, one per line) until EOF, then closes it.
std::vector<std::string> read_mask(int fd);

// Parses one line the pump wrote; false for anything else.
bool parse_log_line(std::string_view line, LogLine& out);

// The last `max_lines` lines at or after `since` from the log and its rotated files,
// oldest first.
Result<std::vector<LogLine>> read_log(const std::string& path,
                                      std::chrono::system_clock::time_point since,
                                      std::size_t max_lines);

}  // namespace gantry::runtime

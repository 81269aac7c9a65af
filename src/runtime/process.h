// Replica processes: spawning into their own process group with logs piped to a log pump,
// identifying them by pid + start time, signalling their group, reading usage from /proc.
// Functions are thread-safe; spawn forks, so call it from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace gantry::runtime {

// Identifies one process for its whole life: a pid reused by another process has another
// start time (clock ticks after boot, field 22 of /proc/PID/stat).
struct ProcessId {
  int pid = 0;
  std::uint64_t start_time = 0;
  int pgid = 0;
  friend bool operator==(const ProcessId&, const ProcessId&) = default;
};

struct LogOptions {
  std::string path;                            // the replica's log file
  std::uint64_t max_bytes = 10 * 1024 * 1024;  // rotate past this size
  int keep = 3;                                // rotated files kept: path.1 .. path.N
  // Strings the pump writes as *** (live secret values and their encoded forms). The pump gets
  // them on a pipe (fd 5), never in its argv or environment.
  std::vector<std::string> mask;
};

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH (of env) when it has no '/'
  std::string workdir;            // "" = the daemon's
  std::vector<std::pair<std::string, std::string>> env;  // the complete environment
  LogOptions log;
  // The log pump: a program that reads the replica's stdout on fd 3 and stderr on fd 4 and
  // writes timestamped lines to log.path (`gantry __log-pump`). It outlives the daemon, so a
  // replica never writes into a dead pipe. Empty = no pump, output to /dev/null.
  std::vector<std::string> log_pump;
};

struct Spawned {
  ProcessId process;
  int pump_pid = 0;  // 0 without a pump
};

// Starts the process in a new process group. Fails (with the OS reason) when the program
// cannot be executed: not found, not executable, bad workdir.
Result<Spawned> spawn_process(const SpawnOptions& options);

// Field 22 of /proc/PID/stat; nullopt when the process does not exist.
std::optional<std::uint64_t> read_start_time(int pid);

// How long ago the process started, from its start time and /proc/uptime; nullopt if unknown.
std::optional<std::chrono::milliseconds> process_age(const ProcessId& id);

// True when the process exists, is not a zombie, and has the recorded start time.
bool is_same_process(const ProcessId& id);

// Sends sig to the whole process group. False when the group no longer exists.
bool signal_group(int pgid, int sig);

// True when any process of the group is still alive.
bool group_alive(int pgid);

struct Usage {
  double cpu_seconds = 0;  // utime + stime
  std::uint64_t rss_bytes = 0;
};
// Usage of one process from /proc/PID/stat and statm; nullopt when it is gone.
std::optional<Usage> read_usage(int pid);

// Opens a pidfd for pid (readable when the process exits); -1 with errno on failure.
int open_pidfd(int pid);

// The file exec would run for `program`: itself when it holds a '/' (relative ones prefixed with
// workdir), else the first executable match in env's PATH (default /usr/local/bin:/usr/bin:/bin);
// "" when there is none.
std::string find_in_path(const std::string& program,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         const std::string& workdir);

}  // namespace gantry::runtime

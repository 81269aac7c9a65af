// Internals of hooks and builds: running one command to completion on an io_context, with its
// output streamed by line. Included only by src/rollout/*.cpp (and their tests). Not
// thread-safe: everything runs on the io_context's thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rollout/hooks.h"

namespace gantry::rollout::detail {

struct CommandSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in env's PATH when it has no '/'
  std::string workdir;            // absolute
  EnvVars env;                    // the complete environment
  Duration timeout{0};            // 0 = none
  Duration kill_grace = kDefaultKillGrace;
};

struct CommandOutcome {
  std::string start_error;  // set when the command could not be started
  int exit_code = -1;       // -1 unless it exited
  int term_signal = 0;      // the signal that killed it, if any
  bool timed_out = false;
  std::vector<std::string> last_lines;
  Duration took{0};

  bool ok() const { return start_error.empty() && !timed_out && exit_code == 0; }
};

// Runs spec.argv in its own process group; `done` is called once, after the process exited and
// its output was read (never from inside run_command).
void run_command(boost::asio::io_context& io, CommandSpec spec,
                 std::function<void(const OutputLine&)> on_line,
                 std::function<void(CommandOutcome)> done);

// One line: "exited with status 3", "killed by SIGSEGV", "timed out after 1m", or the start
// error.
std::string describe(const CommandOutcome& outcome, Duration timeout);

// Sets name=value in env, replacing an earlier value.
void set_env(EnvVars& env, const std::string& name, const std::string& value);

// `path` made absolute against `base` (itself made absolute against the current directory).
std::string absolute_under(const std::string& base, const std::string& path);

// Keeps the last `n` entries of lines.
void keep_last(std::vector<std::string>& lines, std::size_t n);

inline constexpr std::size_t kLastLines = 20;

}  // namespace gantry::rollout::detail

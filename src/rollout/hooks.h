// Hooks a rollout runs: commands (pre/post rollout, migrations with a dry run, backups) and HTTP
// checks (smoke tests, analysis checks), asynchronously on the caller's io_context. Not
// thread-safe: call from, and get called back on, the thread that runs the io_context.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/units.h"
#include "spec/model.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace gantry::rollout {

// Environment variables, name -> value, in order; a later entry of a name wins.
using EnvVars = std::vector<std::pair<std::string, std::string>>;

// How long a command has to exit after SIGTERM before its process group gets SIGKILL.
inline constexpr Duration kDefaultKillGrace{std::chrono::seconds(5)};

// One line a command wrote, without its newline.
struct OutputLine {
  std::string stream;  // "stdout" or "stderr"
  std::string text;    // cut at 4 KiB
};

struct HookResult {
  bool ok = false;
  // Command hooks: the exit status (-1 when killed or not started). HTTP checks: the response
  // status (0 when no response was read).
  int exit_code = -1;
  bool timed_out = false;
  // One line: "exited with status 3", "timed out after 1m", "dry run failed: exited with status
  // 1", "GET /health/deep: 200, status=healthy", "GET /health/deep: connection refused".
  std::string detail;
  std::vector<std::string> last_lines;  // the last 20 lines of output (HTTP: of the body)
  std::chrono::milliseconds took{0};
};

// Where and for which deployment a command hook runs.
struct CommandContext {
  std::string workdir;        // "" = the daemon's working directory
  EnvVars env;                // the complete environment (nothing is inherited from the daemon)
  std::string service;        // exported as GANTRY_SERVICE
  std::string deployment_id;  // exported as GANTRY_DEPLOYMENT
  std::string version;        // exported as GANTRY_VERSION
  Duration kill_grace = kDefaultKillGrace;
};

// Runs a command hook (hook.run non-empty): hook.dry_run first when set (its failure stops the
// hook before run), then hook.run, each in its own process group with stdin from /dev/null.
// hook.timeout covers both; past it the group gets SIGTERM, then SIGKILL after kill_grace.
// Whatever the command leaves running in its group when it exits is killed. Each line of
// stdout and stderr goes to on_line (may be empty) as it arrives. Backup hooks
// (hook.backup_keep > 0) export GANTRY_BACKUP_FILE, fail when the command did not create it,
// and keep only the newest backup_keep backups of the hook. `done` is called exactly once,
// never from inside run_command_hook.
void run_command_hook(boost::asio::io_context& io, const spec::Hook& hook,
                      const CommandContext& ctx, std::function<void(const OutputLine&)> on_line,
                      std::function<void(HookResult)> done);

// Where an HTTP check is sent.
struct HttpTarget {
  std::string host = "127.0.0.1";
  int port = 0;
  EnvVars headers;  // added to the request, e.g. {"X-Gantry-Version", "v2"} through the proxy
};

// Sends hook.http_method (default GET) hook.http_path (default /) to the target over a fresh
// connection and checks the response: its status (hook.expect_status, else any of 200..399)
// and each hook.expect_json entry (dotted path such as "checks.db.status" or "items.0.id" ->
// the value's text: strings as they are, other values as JSON text). hook.timeout bounds the
// whole exchange; bodies over 1 MiB fail. `done` is called exactly once, never from inside.
void run_http_check(boost::asio::io_context& io, const spec::Hook& hook, const HttpTarget& target,
                    std::function<void(HookResult)> done);

}  // namespace gantry::rollout

// The build phase: runs a service's build command asynchronously on the caller's io_context and
// records the digest of the artifact it produced. Not thread-safe: call from, and get called
// back on, the thread that runs the io_context.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "rollout/hooks.h"
#include "spec/model.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace gantry::rollout {

struct BuildContext {
  std::string workdir;  // the service's workdir; "" = the daemon's working directory
  EnvVars env;          // the complete environment; Build::env is added on top
  Duration kill_grace = kDefaultKillGrace;
};

struct BuildResult {
  bool ok = false;
  int exit_code = -1;  // -1 when killed or not started
  bool timed_out = false;
  // One line: "exited with status 0", "exited with status 0, artifact sha256:...", "exited with
  // status 2", "timed out after 10m", "exited with status 0 but produced no artifact dist/app
  // (...: No such file or directory)".
  std::string detail;
  std::vector<std::string> last_lines;  // the last 20 lines of output
  std::chrono::milliseconds took{0};    // the command and the digest
  std::string artifact_digest;          // "sha256:<hex>" when build.artifact is set and ok
};

// Runs build.command (argv, or one /bin/sh -c string when build.shell) in its own process group
// in build.workdir (relative to ctx.workdir), with ctx.env plus build.env, stdin from /dev/null.
// Past build.timeout the group gets SIGTERM, then SIGKILL after ctx.kill_grace. After a
// successful command, build.artifact (relative to the build's workdir) is digested in steps on
// `io` (see artifact_digest); a missing artifact fails the build. Each output line goes to
// on_line (may be empty). `done` is called exactly once, never from inside run_build.
void run_build(boost::asio::io_context& io, const spec::Build& build, const BuildContext& ctx,
               std::function<void(const OutputLine&)> on_line,
               std::function<void(BuildResult)> done);

}  // namespace gantry::rollout

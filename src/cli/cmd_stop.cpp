// `gantry stop`: asks the daemon to stop every replica and exit, then waits until its socket
// no longer answers and the daemon has let go of the state dir.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <ctime>
#include <iostream>

#include "api/client.h"
#include "cli/command.h"
#include "cli/daemon_client.h"

namespace gantry::cli {

namespace {

// True when no process holds STATE_DIR/daemon.pid's lock (the daemon takes it for its life).
bool lock_released(const std::string& state_dir) {
  const std::string path = state_dir + "/daemon.pid";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;  // no pid file: no daemon ever held it
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);  // closing drops the lock we may have taken
  return free;
}

}  // namespace

namespace {

using nlohmann::json;

constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr auto kProbeTimeout = std::chrono::seconds(5);

}  // namespace

void add_stop_command(CLI::App& app, int& exit_code) {
  struct Options {
    DaemonOptions daemon;
    std::string timeout = "60s";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "stop",
      "Stop the daemon: it stops every replica (dependents first, each given its stop_timeout "
      "before SIGKILL) and exits. Waits until it is gone. Exit 0 when stopped, 1 when it is "
      "still running after --timeout, 2 when no daemon runs for the state dir.");
  add_daemon_options(cmd, options->daemon);
  cmd->add_option("--timeout", options->timeout, "How long to wait (default 60s)")
      ->type_name("DURATION");
  cmd->footer(
      "Examples:\n"
      "  gantry stop\n"
      "  gantry stop --state-dir /srv/shop/.gantry --timeout 2m\n");
  cmd->callback([options, &exit_code] {
    auto timeout = parse_duration(options->timeout);
    if (!timeout) {
      exit_code = report_error(make_error(
          ErrorCode::Invalid,
          "--timeout: '" + options->timeout + "' is not a duration; use one like 30s or 2m"));
      return;
    }
    const std::string state_dir = state_dir_of(options->daemon);
    json status;
    exit_code = call_daemon(state_dir, "GET", "/v1/status", status);
    if (exit_code != kExitOk) return;
    std::size_t replicas = 0;
    for (const auto& s : status["services"]) replicas += s["replicas"].size();
    const std::size_t services = status["services"].size();

    json accepted;
    exit_code = call_daemon(state_dir, "POST", "/v1/stop", accepted);
    if (exit_code != kExitOk) return;
    std::cout << "Stopping " << services << (services == 1 ? " service" : " services") << " ("
              << replicas << (replicas == 1 ? " replica" : " replicas") << ") and the daemon for "
              << state_dir << "..." << std::endl;

    const std::string socket = socket_path_in(state_dir);
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + *timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto answer = api::call(socket, "GET", "/v1/status", {}, kProbeTimeout);
      // Gone once its socket is and it let go of the state dir's lock (its pid file): a
      // `gantry up` right after is not refused as "another daemon is running".
      if (!answer && answer.error().code == ErrorCode::NotFound && lock_released(state_dir)) {
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        std::cout << "Stopped in " << human_duration(took.count()) << "\n";
        exit_code = kExitOk;
        return;
      }
      timespec ts{0, static_cast<long>(kPollInterval.count()) * 1000000};
      ::nanosleep(&ts, nullptr);
    }
    std::cerr << "gantry: the daemon for " << state_dir << " still answers after "
              << format_duration(*timeout) << "; see 'gantry status' and its log\n";
    exit_code = kExitFindings;
  });
}

}  // namespace gantry::cli

// `gantry up`: the daemon's composition root. Checks the spec, takes the state dir's lock,
// opens the store, starts the controller and the API, and runs the control-plane loop until
// `gantry stop`, SIGTERM or SIGINT.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "api/server.h"
#include "cli/command.h"
#include "cli/state_dir.h"
#include "core/asio.h"
#include "daemon/controller.h"
#include "lint/lint.h"
#include "store/store.h"

namespace gantry::cli {
namespace {

namespace asio = boost::asio;

struct UpOptions {
  SpecOptions spec;
  std::string state_dir;
  bool detach = false;
};

// Holds the state dir's lock for the daemon's life: a second daemon on the same dir is refused.
Result<int> take_lock(const std::string& state_dir) {
  const std::string path = state_dir + "/daemon.pid";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorCode::Io, std::string("cannot open lock: ") + std::strerror(errno),
                      Location{path, 0, 0});
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return make_error(ErrorCode::Conflict,
                      "another gantry daemon (pid " + pid +
                          ") is running for this state dir; stop it with "
                          "'gantry stop' or use another --state-dir",
                      Location{state_dir, 0, 0});
  }
  return fd;
}

void write_pid(int lock_fd) {
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd, 0) == 0) (void)!::pwrite(lock_fd, pid.data(), pid.size(), 0);
}

std::string self_exe() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("gantry");
}

// Forks; the parent waits for the child to report that the API is up, prints, exits.
// Returns in the child only (or on a fork error).
Result<int> detach(const std::string& state_dir) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return make_error(ErrorCode::Io, "pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(ErrorCode::Io, "fork failed");
  if (pid > 0) {
    ::close(ready[1]);
    char c = 0;
    const ssize_t n = ::read(ready[0], &c, 1);
    if (n == 1 && c == 'R') {
      std::cout << "gantry: daemon started (pid " << pid << "), state in " << state_dir
                << "; logs: " << state_dir << "/daemon.log\n";
      std::exit(kExitOk);
    }
    std::cerr << "gantry: the daemon did not start; see " << state_dir << "/daemon.log\n";
    std::exit(kExitUsage);
  }
  ::close(ready[0]);
  ::setsid();
  const std::string log = state_dir + "/daemon.log";
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  return ready[1];
}

int run_up(const UpOptions& o) {
  auto load = to_load_options(o.spec, spec::Interpolation::Strict);
  auto spec = spec::load_spec(load);
  if (!spec) return report_error(spec.error());
  auto findings = lint::lint_spec(*spec);
  if (lint::exit_code_for(findings, lint::Severity::Error) != 0) {
    std::vector<lint::Finding> errors;
    for (auto& f : findings) {
      if (f.severity == lint::Severity::Error) errors.push_back(f);
    }
    std::cerr << lint::format_human(errors, false);
    std::cerr << "gantry: not starting: the spec has lint errors (see above)\n";
    return kExitFindings;
  }

  const std::string state_dir = resolve_state_dir(o.state_dir, o.spec.file);
  std::error_code ec;
  std::filesystem::create_directories(state_dir + "/logs", ec);
  if (ec) {
    return report_error(make_error(ErrorCode::Io, "cannot create state dir: " + ec.message(),
                                   Location{state_dir, 0, 0}));
  }
  ::chmod(state_dir.c_str(), 0700);
  auto lock = take_lock(state_dir);
  if (!lock) return report_error(lock.error());

  int ready_fd = -1;
  if (o.detach) {
    auto child = detach(state_dir);
    if (!child) return report_error(child.error());
    ready_fd = *child;
  }
  write_pid(*lock);
  ::signal(SIGPIPE, SIG_IGN);
  // Every probe in flight holds a socket: lift the soft fd limit to the hard one.
  if (rlimit fds{}; ::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
    fds.rlim_cur = fds.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &fds);
  }

  auto store = store::open_sqlite(state_dir + "/state.db");
  if (!store) return report_error(store.error());

  asio::io_context io(1);
  daemon::ControllerOptions copts;
  copts.state_dir = state_dir;
  copts.log_pump = {self_exe(), "__log-pump"};
  copts.environment = spec->environment;
  {
    std::error_code ec2;
    auto dir = std::filesystem::absolute(o.spec.file, ec2).parent_path();
    copts.base_dir = dir.lexically_normal().string();
  }
  auto controller = daemon::start_controller(io, *spec, std::move(*store), copts);
  if (!controller) return report_error(controller.error());

  bool stopping = false;
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    std::cout << "gantry: stopping every replica" << std::endl;
    (*controller)->shutdown([&] { io.stop(); });
  };
  const std::string socket_path = state_dir + "/gantry.sock";
  auto server = api::ApiServer::start(io, **controller, socket_path, stop);
  if (!server) return report_error(server.error());

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec2, int) {
    if (!ec2) stop();
  });
  std::cout << "gantry: up: project " << spec->project << ", " << spec->services.size()
            << " services"
            << (spec->environment.empty() ? "" : ", environment " + spec->environment)
            << "; API on unix:" << socket_path << "\n"
            << "gantry: 'gantry status' shows the replicas; Ctrl-C or 'gantry stop' stops them"
            << std::endl;
  if (ready_fd >= 0) {
    (void)!::write(ready_fd, "R", 1);
    ::close(ready_fd);
  }
  io.run();
  server->reset();
  ::unlink(socket_path.c_str());
  std::cout << "gantry: stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void add_up_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "up", "Run the daemon: start every service's replicas, probe them, keep them up");
  auto o = std::make_shared<UpOptions>();
  add_spec_options(cmd, o->spec);
  cmd->add_option("--state-dir", o->state_dir,
                  "State dir (store, logs, API socket); default: .gantry next to the spec")
      ->type_name("DIR");
  cmd->add_flag("--detach,-d", o->detach, "Run in the background (log in STATE_DIR/daemon.log)");
  cmd->footer(
      "Refuses to start on a spec with lint errors, and when another daemon holds the state dir.\n"
      "If the daemon is killed, replicas keep running; the next 'gantry up' adopts them.\n\n"
      "Examples:\n"
      "  gantry up\n"
      "  gantry up -f examples/shop/gantry.yaml --env staging --detach");
  cmd->callback([o, &exit_code] { exit_code = run_up(*o); });
}

}  // namespace gantry::cli

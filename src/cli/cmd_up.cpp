// `gantry up`: the daemon's composition root. Checks the spec, takes the state dir's lock,
// opens the store, starts the proxy and its listeners, the controller and the API, and runs
// the control-plane loop until `gantry stop`, SIGTERM or SIGINT.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <tuple>
#include <vector>

#include "api/server.h"
#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/state_dir.h"
#include "core/asio.h"
#include "core/file.h"
#include "daemon/controller.h"
#include "daemon/notify_config.h"
#include "daemon/translate.h"
#include "daemon/vault_secrets.h"
#include "lint/lint.h"
#include "notify/notify.h"
#include "proxy/server.h"
#include "store/store.h"
#include "telemetry/event_log.h"

namespace gantry::cli {
namespace {

namespace asio = boost::asio;

struct UpOptions {
  SpecOptions spec;
  std::string state_dir;
  std::string key_file;  // "" = STATE_DIR/master.key
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

// Forks; the parent waits for the child to report that the API is up ("R"), or why it could
// not start ("E" and the error), prints, exits. Returns in the child only (or on a fork error).
Result<int> detach(const std::string& state_dir) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return make_error(ErrorCode::Io, "pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(ErrorCode::Io, "fork failed");
  if (pid > 0) {
    ::close(ready[1]);
    std::string report;
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(ready[0], buf, sizeof buf)) > 0) {
      report.append(buf, static_cast<std::size_t>(n));
      if (report == "R") break;
    }
    if (report == "R") {
      std::cout << "gantry: daemon started (pid " << pid << "), state in " << state_dir
                << "; logs: " << state_dir << "/daemon.log\n";
      std::exit(kExitOk);
    }
    // It gave up: wait until it is gone and its lock released, so that a `gantry up` right
    // after this one is not refused.
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (report.size() > 1 && report[0] == 'E') {
      std::cerr << "gantry: " << report.substr(1) << "\n";
    } else {
      std::cerr << "gantry: the daemon did not start; see " << state_dir << "/daemon.log\n";
    }
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

// 0.0.0.0:8080, [::]:8080
std::string host_port(const std::string& address, int port) {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
         std::to_string(port);
}

// The proxy's listeners bind with SO_REUSEPORT, which another process of the same user may
// share without an error (and would split the traffic). A plain bind first refuses a port
// anyone listens on.
Status check_port_free(const std::string& address, int port) {
  boost::system::error_code ec;
  asio::io_context io;
  asio::ip::tcp::acceptor a(io);
  const auto ip = asio::ip::make_address(address, ec);
  if (!ec) a.open(ip.is_v6() ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind({ip, static_cast<unsigned short>(port)}, ec);
  if (ec) return make_error(ErrorCode::Io, ec.message());
  return {};
}

// Starts the proxy and opens a listener for every service with a port; any failure is an error
// naming the service, the address and port, and the reason. No proxy when no service has a
// port.
Result<std::unique_ptr<proxy::ProxyServer>> start_proxy(const spec::Spec& spec) {
  if (std::none_of(spec.services.begin(), spec.services.end(),
                   [](const spec::Service& s) { return s.port.has_value(); })) {
    return std::unique_ptr<proxy::ProxyServer>();  // nothing to listen for: no threads
  }
  auto workers = proxy::resolve_worker_count(spec.proxy.workers);
  if (!workers) return workers.error();
  proxy::ProxyOptions options;
  options.workers = *workers;
  options.timeouts.drain = spec.proxy.drain_timeout;
  options.hold = std::chrono::duration_cast<std::chrono::milliseconds>(spec.proxy.hold_timeout);
  auto server = proxy::ProxyServer::start(options);
  if (!server) return server.error();
  for (const auto& s : spec.services) {
    if (!s.port) continue;
    const std::string path = "services." + s.name + ".port";
    const std::string& address = spec.proxy.address;
    const std::string where = host_port(address, *s.port);
    auto listening = check_port_free(address, *s.port);
    Result<int> bound =
        listening ? (*server)->listen(s.name, address, *s.port) : Result<int>(listening.error());
    if (!bound) {
      std::string reason = bound.error().message;
      if (const auto colon = reason.rfind(": "); colon != std::string::npos) {
        reason = reason.substr(colon + 2);  // the proxy's message names the service already
      }
      return make_error(ErrorCode::Io,
                        "cannot listen for service " + s.name + " on " + where + ": " + reason,
                        spec.source.where(path), path);
    }
  }
  return server;
}

// Every secret://NAME a service's env references, resolved once now: a missing secret or key
// stops `up` with the list, instead of a replica failing to start later.
Status check_secret_references(const spec::Spec& spec, daemon::VaultSecrets& vault) {
  std::vector<std::string> problems;
  for (const auto& s : spec.services) {
    for (const auto& name : daemon::secret_references(s)) {
      auto value = vault.resolve(name);
      if (!value) {
        problems.push_back("services." + s.name + ": secret://" + name + ": " +
                           value.error().message);
      }
    }
  }
  if (problems.empty()) return {};
  std::string message = "not starting: " + std::to_string(problems.size()) + " secret reference" +
                        (problems.size() == 1 ? "" : "s") + " cannot be resolved";
  for (const auto& p : problems) message += "\n  " + p;
  return make_error(ErrorCode::Invalid, message);
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
  // From here on a failure is also told to the parent waiting in detach().
  auto fail = [&ready_fd](const Error& e) {
    if (ready_fd >= 0) {
      const std::string report = "E" + e.str();
      (void)!::write(ready_fd, report.data(), report.size());
      ::close(ready_fd);
      ready_fd = -1;
    }
    return report_error(e);
  };
  write_pid(*lock);
  ::signal(SIGPIPE, SIG_IGN);
  // Every probe in flight holds a socket: lift the soft fd limit to the hard one.
  if (rlimit fds{}; ::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
    fds.rlim_cur = fds.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &fds);
  }

  const std::string store_path = store_path_in(state_dir);
  auto store = store::open_sqlite(store_path);
  if (!store) return fail(store.error());

  // The vault: every secret:// the spec references must resolve before anything starts.
  auto vault = std::make_shared<daemon::VaultSecrets>(
      store_path, o.key_file.empty() ? secrets::key_file_in(state_dir) : o.key_file,
      spec->environment);
  if (auto st = vault->reload(); !st) return fail(st.error());
  if (auto st = check_secret_references(*spec, *vault); !st) return fail(st.error());
  (*store)->set_secret_mask(vault->mask());

  // The proxy before any replica: a port that cannot be had stops `up` before anything starts.
  // (After the fork: its worker threads would not survive one.)
  auto proxy = start_proxy(*spec);
  if (!proxy) return fail(proxy.error());

  asio::io_context io(1);
  daemon::ControllerOptions copts;
  copts.state_dir = state_dir;
  copts.log_pump = {self_exe(), "__log-pump"};
  copts.environment = spec->environment;
  copts.proxy = proxy->get();
  copts.resolve_secret = [vault](std::string_view name) { return vault->resolve(name); };
  copts.secret_version = [vault](std::string_view name) { return vault->version(name); };
  copts.reload_secrets = [vault] { return vault->reload(); };
  copts.secret_mask = vault->mask();
  // `gantry deploy` reads the spec again, as this command did, and takes it only lint-clean.
  copts.load_spec = [load]() -> Result<spec::Spec> {
    auto fresh = spec::load_spec(load);
    if (!fresh) return fresh.error();
    for (const auto& f : lint::lint_spec(*fresh)) {
      if (f.severity != lint::Severity::Error) continue;
      return make_error(ErrorCode::Invalid,
                        f.message + " [" + f.rule_id + "]" + (f.hint.empty() ? "" : "; " + f.hint) +
                            " (the spec has lint errors: 'gantry lint' lists them all)",
                        f.where, f.key_path);
    }
    return fresh;
  };
  {
    std::error_code ec2;
    auto dir = std::filesystem::absolute(o.spec.file, ec2).parent_path();
    copts.base_dir = dir.lexically_normal().string();
  }
  auto controller = daemon::start_controller(io, *spec, std::move(*store), copts);
  if (!controller) return fail(controller.error());

  // The JSON-lines event log (docs/events.md): its own thread, woken by every event.
  std::shared_ptr<telemetry::EventLog> event_log;
  if (spec->event_log.enabled) {
    telemetry::EventLogOptions lopts;
    lopts.database = store_path;
    lopts.file = spec->event_log.file.empty() ? state_dir + "/events.jsonl"
                 : std::filesystem::path(spec->event_log.file).is_absolute()
                     ? spec->event_log.file
                     : copts.base_dir + "/" + spec->event_log.file;
    lopts.max_size = spec->event_log.max_size;
    lopts.keep = spec->event_log.keep;
    lopts.secret_mask = vault->mask();
    auto started = telemetry::EventLog::start(std::move(lopts));
    if (!started) return fail(started.error());
    event_log = std::move(*started);
    (*controller)
        ->events()
        .subscribe(
            [weak = std::weak_ptr<telemetry::EventLog>(event_log)](const store::DeploymentEvent&) {
              if (auto log = weak.lock()) log->poke();
            });
  }

  // Notifications (docs/notifications.md): their own thread and store connection, woken by
  // every event; what they write themselves (notification.failed) reaches the event bus here.
  std::shared_ptr<notify::Notifier> notifier;
  if (!spec->notify.empty()) {
    auto nopts = daemon::notifier_options(*spec, store_path);
    nopts.user_agent = std::string("gantry/") + GANTRY_VERSION;
    nopts.resolve_secret = [vault](std::string_view name) { return vault->resolve(name); };
    nopts.secret_mask = vault->mask();
    daemon::Controller* c = controller->get();
    nopts.on_event_written = [&io, c](const store::DeploymentEvent&) {
      asio::post(io, [c] { c->events().catch_up(); });
    };
    auto started = notify::Notifier::start(std::move(nopts));
    if (!started) return fail(started.error());
    notifier = std::move(*started);
    (*controller)
        ->events()
        .subscribe(
            [weak = std::weak_ptr<notify::Notifier>(notifier)](const store::DeploymentEvent&) {
              if (auto n = weak.lock()) n->poke();
            });
  }

  bool stopping = false;
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    std::cout << "gantry: stopping: closing the proxy's listeners, then draining and stopping "
                 "every replica"
              << std::endl;
    // New connections are refused from now on; open ones keep being served until each
    // service's replicas are drained (dependents first).
    for (const auto& s : spec->services) {
      if (s.port && *proxy) (*proxy)->close_listener(s.name);
    }
    (*controller)->shutdown([&] { io.stop(); });
  };
  const std::string socket_path = socket_path_in(state_dir);
  auto server = api::ApiServer::start(io, **controller, socket_path, stop);
  if (!server) return fail(server.error());
  // The TCP listeners the spec asks for (api:, metrics:). The address actually bound (port 0
  // picks one) goes to STATE_DIR/api.addr and metrics.addr for scripts and tests.
  std::vector<std::unique_ptr<api::ApiServer>> tcp_servers;
  std::vector<std::string> addr_files;
  for (const auto& [address, mode, name] :
       {std::tuple{spec->listen.api, api::ApiServer::Mode::Api, "api"},
        std::tuple{spec->listen.metrics, api::ApiServer::Mode::Metrics, "metrics"}}) {
    if (address.empty()) continue;
    auto tcp = api::ApiServer::listen_tcp(io, **controller, address, mode, stop);
    if (!tcp) return fail(tcp.error());
    const std::string file = state_dir + "/" + name + ".addr";
    if (auto st = write_file_atomic(file, (*tcp)->address() + "\n"); !st) return fail(st.error());
    addr_files.push_back(file);
    std::cout << "gantry: " << name << " on http://" << (*tcp)->address()
              << (mode == api::ApiServer::Mode::Api ? " (bearer tokens; dashboard at /)"
                                                    : " (/metrics)")
              << "\n";
    tcp_servers.push_back(std::move(*tcp));
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec2, int) {
    if (!ec2) stop();
  });
  std::cout << "gantry: up: project " << spec->project << ", " << spec->services.size()
            << " services"
            << (spec->environment.empty() ? "" : ", environment " + spec->environment)
            << "; API on unix:" << socket_path << "\n";
  for (const auto& s : spec->services) {
    if (s.port) {
      std::cout << "gantry: proxy: " << s.name << " on " << host_port(spec->proxy.address, *s.port)
                << " (" << (*proxy)->workers() << " proxy workers)\n";
    }
  }
  std::cout << "gantry: 'gantry status' shows the replicas; Ctrl-C or 'gantry stop' stops them"
            << std::endl;
  if (ready_fd >= 0) {
    (void)!::write(ready_fd, "R", 1);
    ::close(ready_fd);
  }
  io.run();
  if (notifier) notifier->stop();  // before the store closes; what is pending stays in the outbox
  event_log.reset();               // writes what is left, then joins its thread
  tcp_servers.clear();
  for (const auto& f : addr_files) ::unlink(f.c_str());
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
  cmd->add_option("--key-file", o->key_file,
                  "The vault's master key (default STATE_DIR/master.key, made by 'gantry init'); "
                  "GANTRY_MASTER_KEY wins when set");
  cmd->footer(
      "Every service with a port gets a listener of gantry's proxy on proxy.address:port, which\n"
      "forwards to the service's ready replicas; a replica is drained before it is stopped.\n"
      "Refuses to start on a spec with lint errors, when another daemon holds the state dir,\n"
      "or when a service's port cannot be listened on. GANTRY_PROXY_WORKERS=N sets the number\n"
      "of proxy threads (default: proxy.workers, else one per core).\n"
      "If the daemon is killed, replicas keep running; the next 'gantry up' adopts them.\n\n"
      "Examples:\n"
      "  gantry up\n"
      "  gantry up -f examples/shop/gantry.yaml --env staging --detach");
  cmd->callback([o, &exit_code] { exit_code = run_up(*o); });
}

}  // namespace gantry::cli

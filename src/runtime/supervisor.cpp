// ReplicaSupervisor: pidfd exit watching, restarts with backoff, graceful stop.
#include "runtime/supervisor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "core/asio.h"
#include "runtime/log_pump.h"

namespace gantry::runtime {

namespace asio = boost::asio;

std::string_view name_of(ReplicaPhase phase) {
  switch (phase) {
    case ReplicaPhase::Running:
      return "running";
    case ReplicaPhase::BackingOff:
      return "backing_off";
    case ReplicaPhase::Stopping:
      return "stopping";
    case ReplicaPhase::Stopped:
      return "stopped";
    case ReplicaPhase::Failed:
      return "failed";
  }
  return "unknown";
}

struct ReplicaSupervisor::Impl {
  explicit Impl(asio::io_context& io)
      : io(io), exit_fd(io), pump_fd(io), timer(io), pump_timer(io) {}
  asio::io_context& io;
  asio::posix::stream_descriptor exit_fd;  // pidfd of the replica
  asio::posix::stream_descriptor pump_fd;  // pidfd of its log pump (reaped when it ends)
  asio::steady_timer timer;                // backoff, or the stop timeout
  asio::steady_timer pump_timer;           // a ceiling on waiting for the pump to drain
  std::function<void()> after_pump;        // runs once the pump has written everything
};

namespace {

double random_unit() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

}  // namespace

std::shared_ptr<ReplicaSupervisor> ReplicaSupervisor::create(asio::io_context& io,
                                                             ReplicaConfig config,
                                                             ReplicaObserver observer) {
  return std::shared_ptr<ReplicaSupervisor>(
      new ReplicaSupervisor(io, std::move(config), std::move(observer)));
}

ReplicaSupervisor::ReplicaSupervisor(asio::io_context& io, ReplicaConfig config,
                                     ReplicaObserver observer)
    : config_(std::move(config)),
      observer_(std::move(observer)),
      tracker_(config_.restart),
      impl_(std::make_unique<Impl>(io)) {}

ReplicaSupervisor::~ReplicaSupervisor() {
  boost::system::error_code ignored;
  impl_->exit_fd.close(ignored);
  impl_->pump_fd.close(ignored);
}

Status ReplicaSupervisor::start() {
  auto spawned = spawn_process(config_.spawn);
  if (!spawned) {
    status_.phase = ReplicaPhase::Failed;
    status_.failure = spawned.error().message;
    if (observer_.on_failed) observer_.on_failed(status_);
    return spawned.error();
  }
  status_.phase = ReplicaPhase::Running;
  status_.process = spawned->process;
  status_.pump_pid = spawned->pump_pid;
  status_.adopted = false;
  status_.started_at = Clock::now();
  watch_exit();
  if (observer_.on_started) observer_.on_started(status_);
  return {};
}

Status ReplicaSupervisor::adopt(const ProcessId& process, int pump_pid) {
  if (!is_same_process(process)) {
    return make_error(ErrorCode::NotFound,
                      "replica " + config_.service + "/" + std::to_string(config_.index) +
                          ": process " + std::to_string(process.pid) +
                          " is gone or its pid now belongs to another process");
  }
  status_.phase = ReplicaPhase::Running;
  status_.process = process;
  status_.pump_pid = pump_pid;
  status_.adopted = true;
  status_.started_at = Clock::now() - process_age(process).value_or(Duration{0});
  watch_exit();
  return {};
}

void ReplicaSupervisor::watch_exit() {
  boost::system::error_code ignored;
  impl_->exit_fd.close(ignored);
  const int fd = open_pidfd(status_.process.pid);
  if (fd < 0) {  // already gone
    asio::post(impl_->io, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->on_exit(ExitInfo{false, 0, false});
    });
    return;
  }
  impl_->exit_fd.assign(fd);
  impl_->exit_fd.async_wait(
      asio::posix::stream_descriptor::wait_read,
      [weak = weak_from_this(), pid = status_.process.pid](boost::system::error_code ec) {
        auto self = weak.lock();
        if (!self || ec || self->status_.process.pid != pid) return;
        ExitInfo exit{false, 0, false};
        siginfo_t info{};
        if (::waitid(P_PIDFD, static_cast<id_t>(self->impl_->exit_fd.native_handle()), &info,
                     WEXITED) == 0) {
          exit.known = true;
          exit.signaled = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
          exit.code = info.si_status;
        }
        self->on_exit(exit);
      });
  if (status_.pump_pid > 0 && !status_.adopted) {
    impl_->pump_fd.close(ignored);
    const int pfd = open_pidfd(status_.pump_pid);
    if (pfd >= 0) {
      impl_->pump_fd.assign(pfd);
      impl_->pump_fd.async_wait(asio::posix::stream_descriptor::wait_read,
                                [weak = weak_from_this(), pfd](boost::system::error_code ec) {
                                  if (ec) return;
                                  siginfo_t info{};
                                  ::waitid(P_PIDFD, static_cast<id_t>(pfd), &info, WEXITED);
                                  if (auto self = weak.lock()) {
                                    boost::system::error_code ignored2;
                                    self->impl_->pump_fd.close(ignored2);
                                    self->run_after_pump();
                                  }
                                });
    }
  }
}

void ReplicaSupervisor::on_exit(ExitInfo exit) {
  boost::system::error_code ignored;
  impl_->exit_fd.close(ignored);
  status_.last_exit = exit;
  if (status_.phase == ReplicaPhase::Stopping) {
    // Children of the replica may outlive it in its group: they go too.
    if (group_alive(status_.process.pgid)) {
      kill_after_timeout();
      return;
    }
    finish_stop();
    return;
  }
  const auto decision = tracker_.on_exit(exit, status_.started_at, Clock::now(), random_unit());
  signal_group(status_.process.pgid, SIGKILL);  // orphans of a dead replica must not linger
  switch (decision.action) {
    case RestartDecision::Action::Stop:
      status_.phase = ReplicaPhase::Stopped;
      break;
    case RestartDecision::Action::GiveUp:
      status_.phase = ReplicaPhase::Failed;
      status_.failure = decision.reason;
      break;
    case RestartDecision::Action::Restart:
      status_.phase = ReplicaPhase::BackingOff;
      impl_->timer.expires_after(decision.delay);
      impl_->timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (!self || ec || self->status_.phase != ReplicaPhase::BackingOff) return;
        ++self->status_.restarts;
        (void)self->start();
      });
      break;
  }
  if (observer_.on_exited) observer_.on_exited(status_, decision);
  if (status_.phase != ReplicaPhase::Failed) return;
  // The reason carries the replica's last output: wait until its log pump has written it.
  when_pump_done([weak = weak_from_this(), reason = decision.reason] {
    auto self = weak.lock();
    if (!self || self->status_.phase != ReplicaPhase::Failed) return;
    self->status_.failure = reason + self->last_log_lines();
    if (self->observer_.on_failed) self->observer_.on_failed(self->status_);
  });
}

void ReplicaSupervisor::when_pump_done(std::function<void()> fn) {
  if (!impl_->pump_fd.is_open()) {
    asio::post(impl_->io, std::move(fn));
    return;
  }
  impl_->after_pump = std::move(fn);
  // A grandchild that escaped the process group could hold the pipe open: do not wait forever.
  impl_->pump_timer.expires_after(std::chrono::seconds(2));
  impl_->pump_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->run_after_pump();
  });
}

void ReplicaSupervisor::run_after_pump() {
  impl_->pump_timer.cancel();
  if (auto fn = std::move(impl_->after_pump)) {
    impl_->after_pump = nullptr;
    fn();
  }
}

void ReplicaSupervisor::stop(std::function<void()> done) {
  stop_done_ = std::move(done);
  if (status_.phase != ReplicaPhase::Running) {
    impl_->timer.cancel();
    status_.phase = ReplicaPhase::Stopped;
    finish_stop();
    return;
  }
  status_.phase = ReplicaPhase::Stopping;
  signal_group(status_.process.pgid, SIGTERM);
  impl_->timer.expires_after(config_.stop_timeout);
  impl_->timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self || ec || self->status_.phase != ReplicaPhase::Stopping) return;
    signal_group(self->status_.process.pgid, SIGKILL);
    if (!self->impl_->exit_fd.is_open()) self->kill_after_timeout();
  });
}

void ReplicaSupervisor::terminate() {
  if (status_.phase != ReplicaPhase::Running) return;
  signal_group(status_.process.pgid, SIGTERM);
  impl_->timer.expires_after(config_.stop_timeout);
  impl_->timer.async_wait(
      [weak = weak_from_this(), pid = status_.process](boost::system::error_code ec) {
        auto self = weak.lock();
        if (!self || ec || !(self->status_.process == pid)) return;
        if (self->status_.phase == ReplicaPhase::Running) signal_group(pid.pgid, SIGKILL);
      });
}

// The leader is gone but its group is not: SIGKILL the rest, poll briefly until it is empty.
void ReplicaSupervisor::kill_after_timeout() {
  signal_group(status_.process.pgid, SIGKILL);
  if (!group_alive(status_.process.pgid)) {
    finish_stop();
    return;
  }
  impl_->timer.expires_after(std::chrono::milliseconds(20));
  impl_->timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->kill_after_timeout();
  });
}

void ReplicaSupervisor::finish_stop() {
  impl_->timer.cancel();
  status_.phase = ReplicaPhase::Stopped;
  if (auto done = std::move(stop_done_)) {
    stop_done_ = nullptr;
    done();
  }
}

std::string ReplicaSupervisor::last_log_lines() const {
  if (config_.spawn.log.path.empty()) return {};
  auto lines = read_log(config_.spawn.log.path, {}, 5);
  if (!lines || lines->empty()) return {};
  std::string out = "; last output:";
  for (const auto& l : *lines) out += "\n  " + l.text;
  return out;
}

}  // namespace gantry::runtime

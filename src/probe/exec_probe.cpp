// Exec probes: run argv in its own process group, pass on exit 0 before the deadline. The exit
// is awaited through a pidfd on the io_context; on timeout or cancel the whole group gets
// SIGKILL and the child is always reaped. Not thread-safe: runs on the io_context thread.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "probe/probe_impl.h"

extern char** environ;

namespace gantry::probe::detail {
namespace {

// The last lines of the command's output, kept to explain a failure ("exit 1: db down").
constexpr std::size_t kOutputTail = 4096;
constexpr std::size_t kDetailLine = 200;

ProbeResult failure(std::string detail) { return failure_result(std::move(detail)); }

std::string last_line(const std::string& text) {
  std::size_t end = text.size();
  while (end > 0) {
    while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    if (end == 0) break;
    std::size_t begin = text.rfind('\n', end - 1);
    begin = begin == std::string::npos ? 0 : begin + 1;
    std::string line = text.substr(begin, end - begin);
    for (char& c : line) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    if (line.size() > kDetailLine) line = line.substr(0, kDetailLine) + "...";
    return line;
  }
  return {};
}

std::string signal_name(int sig) {
  if (const char* abbrev = ::sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return std::to_string(sig);
}

// Owns a posix_spawn attribute and file-actions pair for the duration of one spawn.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

class ExecProbe final : public ProbeOp, public std::enable_shared_from_this<ExecProbe> {
 public:
  ExecProbe(asio::io_context& io, const ProbeConfig& config, Done done)
      : ProbeOp(io, config, std::move(done)), exit_(io), output_(io), timer_(io) {}

  // Only reached with a live child when the io_context is torn down mid-probe: kill and reap
  // here, briefly blocking, rather than leave a zombie or a stray process group.
  ~ExecProbe() override {
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

  void start() {
    const auto& argv = config_.exec.argv;
    if (argv.empty() || argv[0].empty()) {
      return finish_later(shared_from_this(), failure("no command to run"));
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return finish_later(shared_from_this(),
                          failure(std::string("pipe: ") + std::strerror(errno)));
    }
    SpawnSetup s;
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&s.actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&s.actions, fds[1], 2);
    // Own process group, so a timeout kills everything the command started; no signal
    // dispositions or masks inherited from the daemon.
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
      sigaddset(&defaults, sig);
    }
    posix_spawnattr_setflags(
        &s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&s.attr, 0);
    posix_spawnattr_setsigmask(&s.attr, &empty);
    posix_spawnattr_setsigdefault(&s.attr, &defaults);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, args[0], &s.actions, &s.attr, args.data(), environ);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      return finish_later(shared_from_this(),
                          failure("cannot run '" + argv[0] + "': " + std::strerror(rc)));
    }
    pid_ = pid;
    output_.assign(fds[0]);
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      const int err = errno;
      reap_blocking();
      close_output();
      return finish_later(shared_from_this(),
                          failure(std::string("pidfd_open: ") + std::strerror(err)));
    }
    exit_.assign(pidfd);
    read_output();
    wait_exit();
    timer_.expires_at(deadline());
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished() || self->reaped_) return;
      self->timed_out_ = true;
      ::kill(-self->pid_, SIGKILL);  // the pidfd turns readable once the leader is dead
    });
  }

 private:
  void abort() override {
    timer_.cancel();
    if (pid_ > 0 && !reaped_) ::kill(-pid_, SIGKILL);  // on_exit still reaps it
  }

  void read_output() {
    output_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](
                                                      boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      self->keep_output(n);
      self->read_output();
    });
  }

  void keep_output(std::size_t n) {
    tail_.append(chunk_, n);
    if (tail_.size() > kOutputTail) tail_.erase(0, tail_.size() - kOutputTail);
  }

  void wait_exit() {
    exit_.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [self = shared_from_this()](boost::system::error_code ec) { self->on_exit(ec); });
  }

  // The leader has exited (pidfd readable) but is not reaped yet, so its pid and group id
  // cannot be reused: kill what it left running in its group, then reap it. Should the pidfd
  // not be watchable (never expected), block on the killed child rather than spin or leak it.
  void on_exit(boost::system::error_code ec) {
    if (reaped_) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    pid_t got = 0;
    do {
      got = ::waitpid(pid_, &status, ec ? 0 : WNOHANG);
    } while (got < 0 && errno == EINTR);
    if (got == 0) return wait_exit();  // not exited after all
    reaped_ = true;  // or reaped by someone else (ECHILD): either way no zombie of ours
    timer_.cancel();
    drain_output();
    close_output();
    boost::system::error_code ignored;
    exit_.close(ignored);
    if (finished()) return;
    if (timed_out_) return finish(timeout_result(config_.timeout));
    if (ec) return finish(failure("cannot wait for the command: " + ec.message()));
    if (got < 0) return finish(failure("exit status unknown: the child was reaped elsewhere"));
    ProbeResult r;
    if (WIFEXITED(status)) {
      r.exit_code = WEXITSTATUS(status);
      r.outcome = r.exit_code == 0 ? Outcome::Success : Outcome::Failure;
      r.detail = "exit " + std::to_string(r.exit_code);
    } else {
      r.outcome = Outcome::Failure;
      r.detail = "killed by " + signal_name(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    if (r.outcome != Outcome::Success) {
      if (auto line = last_line(tail_); !line.empty()) r.detail += ": " + line;
    }
    finish(std::move(r));
  }

  // What the command wrote just before exiting may still sit in the pipe.
  void drain_output() {
    if (!output_.is_open()) return;
    boost::system::error_code ec;
    output_.non_blocking(true, ec);
    for (int i = 0; i < 64 && !ec; ++i) {  // bounded: a stray writer must not keep us here
      const std::size_t n = output_.read_some(asio::buffer(chunk_), ec);
      if (!ec) keep_output(n);
    }
  }

  void close_output() {
    boost::system::error_code ignored;
    output_.close(ignored);
  }

  void reap_blocking() {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }

  asio::posix::stream_descriptor exit_;
  asio::posix::stream_descriptor output_;
  asio::steady_timer timer_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  bool timed_out_ = false;
  char chunk_[1024];
  std::string tail_;
};

}  // namespace

std::shared_ptr<ProbeOp> start_exec_probe(asio::io_context& io, const ProbeConfig& config,
                                          Done done) {
  auto op = std::make_shared<ExecProbe>(io, config, std::move(done));
  op->start();
  return op;
}

}  // namespace gantry::probe::detail

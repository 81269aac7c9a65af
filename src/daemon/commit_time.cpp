// `git show -s --format=%ct` with a deadline: spawn (own process group, stdin /dev/null), read
// stdout and stderr, kill the group past the timeout, reap.
#include "daemon/commit_time.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "core/strings.h"

extern char** environ;

namespace gantry::daemon {

namespace {

struct Output {
  int status = -1;  // the exit status; -1 when killed
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs argv to its end or the deadline. An Io error when it cannot be started.
Result<Output> run_bounded(const std::vector<std::string>& argv, Duration timeout) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return make_error(ErrorCode::Io, std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return make_error(ErrorCode::Io, std::strerror(e));
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  // Its own group (a timeout kills whatever git started); no masks or dispositions of ours.
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return make_error(rc == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                      "cannot run " + argv[0] + ": " + std::strerror(rc));
  }

  Output result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  char buf[4096];
  while (open > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0 && sinks[i]->size() < 64 * 1024) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  if (result.timed_out) ::kill(-pid, SIGKILL);
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (result.timed_out) ::kill(-pid, SIGKILL);  // whatever git left in its group
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string first_line(std::string_view text) {
  text = trim(text);
  const auto nl = text.find('\n');
  return std::string(trim(text.substr(0, nl)));
}

}  // namespace

Result<std::int64_t> git_commit_time(const std::string& dir, const std::string& commit,
                                     Duration timeout) {
  if (dir.empty()) return make_error(ErrorCode::NotFound, "no spec folder to look in");
  const bool plain = !commit.empty() && commit[0] != '-' &&
                     std::none_of(commit.begin(), commit.end(),
                                  [](unsigned char c) { return c <= ' ' || c == 0x7f; });
  if (!plain) {
    return make_error(ErrorCode::Invalid, "'" + commit + "' is not a commit name git can look up");
  }
  auto run = run_bounded(
      {"git", "-C", dir, "show", "-s", "--format=%ct", commit + "^{commit}", "--"}, timeout);
  if (!run) {
    if (run.error().code == ErrorCode::NotFound) {
      return make_error(ErrorCode::NotFound, "git is not installed (" + run.error().message + ")");
    }
    return run.error();
  }
  if (run->timed_out) {
    return make_error(ErrorCode::Io, "git did not answer within " + format_duration(timeout));
  }
  if (run->status != 0) {
    std::string why = first_line(run->err);
    if (why.rfind("fatal: ", 0) == 0) why = why.substr(7);
    return make_error(ErrorCode::NotFound, "git found no commit " + commit + " for " + dir +
                                               (why.empty() ? "" : ": " + why));
  }
  const std::string text = first_line(run->out);
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return make_error(ErrorCode::Internal, "git show printed '" + text + "', not unix seconds");
  }
  return seconds * 1000;
}

}  // namespace gantry::daemon

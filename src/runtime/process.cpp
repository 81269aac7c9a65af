// fork/exec of replicas and their log pumps; /proc readers; process-group signals.
#include "runtime/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/file.h"

namespace gantry::runtime {
namespace {

// argv/envp as the C arrays execve takes, built before fork (the child may not allocate).
struct CStrings {
  explicit CStrings(const std::vector<std::string>& v) : storage(v) {
    for (auto& s : storage) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
};

// In the child after fork: only async-signal-safe calls from here on.
// Every descriptor from `first` up is closed by the exec: the daemon's sockets (the proxy's
// listeners and connections, probes, the API) and its database must not live on in a replica,
// where they would keep a port bound and connections open after the daemon closed them.
// Async-signal-safe (the child of a multi-threaded parent may only make system calls).
void close_on_exec_from(int first) {
#ifdef SYS_close_range
  constexpr unsigned kCloseRangeCloexec = 1u << 2;  // CLOSE_RANGE_CLOEXEC, Linux 5.11
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0u, kCloseRangeCloexec) == 0) {
    return;
  }
#endif
  const long max = ::sysconf(_SC_OPEN_MAX);
  for (int fd = first; fd < (max > 0 && max < (1 << 20) ? max : (1 << 20)); ++fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

[[noreturn]] void exec_child(const char* file, char* const* argv, char* const* envp,
                             const char* workdir, int report_fd, int keep_fds_below) {
  close_on_exec_from(keep_fds_below);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  if (workdir && *workdir && chdir(workdir) != 0) {
    int e = errno;
    (void)!write(report_fd, &e, sizeof e);
    _exit(127);
  }
  execve(file, argv, envp);
  int e = errno;
  (void)!write(report_fd, &e, sizeof e);
  _exit(127);
}

std::string encode_mask(const std::vector<std::string>& forms) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const auto& f : forms) {
    for (unsigned char c : f) {
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
    out += '\n';
  }
  return out;
}

Error os_error(const std::string& what, int err) {
  return make_error(ErrorCode::Io, what + ": " + std::strerror(err));
}

}  // namespace

std::string find_in_path(const std::string& program,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         const std::string& workdir) {
  if (program.find('/') != std::string::npos) {
    if (program[0] == '/' || workdir.empty()) return program;
    return workdir + "/" + program;
  }
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& [k, v] : env) {
    if (k == "PATH") path = v;
  }
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

Result<Spawned> spawn_process(const SpawnOptions& o) {
  if (o.argv.empty()) return make_error(ErrorCode::Invalid, "empty command");
  const std::string file = find_in_path(o.argv[0], o.env, o.workdir);
  if (file.empty()) {
    return make_error(ErrorCode::NotFound,
                      "command not found: " + o.argv[0] + " (not in PATH of the replica)");
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : o.env) env_strings.push_back(k + "=" + v);
  CStrings argv(o.argv), envp(env_strings);

  int out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  auto close_all = [&] {
    for (int fd : {out[0], out[1], err[0], err[1], report[0], report[1]}) {
      if (fd >= 0) ::close(fd);
    }
  };
  if (::pipe2(report, O_CLOEXEC) != 0) return os_error("pipe", errno);
  const bool pump = !o.log_pump.empty();
  if (pump && (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)) {
    const int e = errno;
    close_all();
    return os_error("pipe", e);
  }

  Spawned spawned;
  // The mask goes to the pump on a pipe, written whole before it starts (hex, one per line).
  int mask[2] = {-1, -1};
  if (pump && !o.log.mask.empty()) {
    std::string data = encode_mask(o.log.mask);
    if (::pipe2(mask, O_CLOEXEC) != 0) {
      const int e = errno;
      close_all();
      return os_error("pipe", e);
    }
    if (data.size() > 65536) ::fcntl(mask[1], F_SETPIPE_SZ, static_cast<int>(data.size()));
    const bool written = write_all(mask[1], data);
    ::close(mask[1]);
    mask[1] = -1;
    if (!written) {
      ::close(mask[0]);
      close_all();
      return make_error(ErrorCode::Io, "cannot hand the log pump its mask (" +
                                           std::to_string(o.log.mask.size()) + " strings)");
    }
  }
  if (pump) {
    std::vector<std::string> pump_argv = o.log_pump;
    pump_argv.insert(pump_argv.end(),
                     {"--file", o.log.path, "--max-bytes", std::to_string(o.log.max_bytes),
                      "--keep", std::to_string(o.log.keep)});
    if (mask[0] >= 0) pump_argv.insert(pump_argv.end(), {"--mask-fd", "5"});
    const std::string pump_file = find_in_path(pump_argv[0], {}, "");
    CStrings pargv(pump_argv), penv({"PATH=/usr/local/bin:/usr/bin:/bin"});
    const int pump_pid = ::fork();
    if (pump_pid < 0) {
      const int e = errno;
      if (mask[0] >= 0) ::close(mask[0]);
      close_all();
      return os_error("fork", e);
    }
    if (pump_pid == 0) {
      ::setpgid(0, 0);  // its own group: stopping the replica must not kill its logger first
      const int mask_fd = mask[0] >= 0 ? ::fcntl(mask[0], F_DUPFD, 10) : -1;
      ::dup2(out[0], 3);
      ::dup2(err[0], 4);
      if (mask_fd >= 0) ::dup2(mask_fd, 5);
      const int devnull = ::open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
      }
      // fd 5 is kept only when it is the mask pipe: nothing else of the daemon's may leak.
      exec_child(pump_file.c_str(), pargv.ptrs.data(), penv.ptrs.data(), nullptr, report[1],
                 mask_fd >= 0 ? 6 : 5);
    }
    if (mask[0] >= 0) ::close(mask[0]);
    ::setpgid(pump_pid, pump_pid);
    spawned.pump_pid = pump_pid;
  }

  const int pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    close_all();
    return os_error("fork", e);
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (pump) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
    } else if (devnull >= 0) {
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    exec_child(file.c_str(), argv.ptrs.data(), envp.ptrs.data(), o.workdir.c_str(), report[1], 3);
  }
  ::setpgid(pid, pid);
  for (int* fd : {&out[0], &out[1], &err[0], &err[1], &report[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  // The report pipe closes on a successful exec (CLOEXEC) or carries errno from a failed one.
  // Both children write to it; read until EOF, i.e. until both have exec'd or died.
  int child_errno = 0;
  while (true) {
    int e = 0;
    const ssize_t n = ::read(report[0], &e, sizeof e);
    if (n == static_cast<ssize_t>(sizeof e)) {
      child_errno = e;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(report[0]);
  if (child_errno != 0) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    if (spawned.pump_pid) {
      ::kill(spawned.pump_pid, SIGKILL);
      ::waitpid(spawned.pump_pid, nullptr, 0);
    }
    return make_error(ErrorCode::Invalid,
                      "cannot start " + o.argv[0] + ": " + std::strerror(child_errno) +
                          (o.workdir.empty() ? "" : " (workdir " + o.workdir + ")"));
  }
  spawned.process.pid = pid;
  spawned.process.pgid = pid;
  spawned.process.start_time = read_start_time(pid).value_or(0);
  return spawned;
}

namespace {

// The fields of /proc/PID/stat from field 3 (the state) on: out[0] is field 3, out[19] field 22.
// The command name (field 2) may hold spaces and parentheses, so fields resume after the last ')'.
std::optional<std::vector<std::string>> read_stat_fields(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return std::nullopt;
  std::istringstream words(stat.substr(close + 2));
  std::vector<std::string> fields;
  for (std::string w; words >> w;) fields.push_back(std::move(w));
  if (fields.size() < 22) return std::nullopt;
  return fields;
}

std::optional<std::vector<std::string>> read_stat_fields(int pid) {
  return read_stat_fields(std::to_string(pid));
}

constexpr std::size_t kState = 0, kPgrp = 2, kUtime = 11, kStime = 12, kStartTime = 19,
                      kRssPages = 21;

}  // namespace

std::optional<std::uint64_t> read_start_time(int pid) {
  const auto f = read_stat_fields(pid);
  if (!f) return std::nullopt;
  return std::stoull((*f)[kStartTime]);
}

bool is_same_process(const ProcessId& id) {
  if (id.pid <= 0) return false;
  const auto f = read_stat_fields(id.pid);
  if (!f || std::stoull((*f)[kStartTime]) != id.start_time) return false;
  const std::string& state = (*f)[kState];
  return state != "Z" && state != "X";
}

std::optional<std::chrono::milliseconds> process_age(const ProcessId& id) {
  std::ifstream in("/proc/uptime");
  double uptime = 0;
  if (!(in >> uptime) || id.start_time == 0) return std::nullopt;
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  const double started = static_cast<double>(id.start_time) / static_cast<double>(ticks);
  if (started > uptime) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>((uptime - started) * 1000));
}

bool signal_group(int pgid, int sig) { return pgid > 0 && ::kill(-pgid, sig) == 0; }

bool group_alive(int pgid) {
  if (pgid <= 0 || ::kill(-pgid, 0) != 0) return false;
  // kill(0) also counts zombies, which wait for whoever reaps orphans (PID 1 may be slow):
  // a group whose members are all zombies runs nothing.
  DIR* proc = ::opendir("/proc");
  if (!proc) return true;
  const std::string group = std::to_string(pgid);
  bool alive = false;
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const auto f = read_stat_fields(std::string(e->d_name));
    if (f && (*f)[kPgrp] == group && (*f)[kState] != "Z" && (*f)[kState] != "X") {
      alive = true;
      break;
    }
  }
  ::closedir(proc);
  return alive;
}

std::optional<Usage> read_usage(int pid) {
  const auto f = read_stat_fields(pid);
  if (!f) return std::nullopt;
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  static const long page = ::sysconf(_SC_PAGESIZE);
  const auto cpu_ticks = std::stoull((*f)[kUtime]) + std::stoull((*f)[kStime]);
  return Usage{static_cast<double>(cpu_ticks) / static_cast<double>(ticks),
               std::stoull((*f)[kRssPages]) * static_cast<std::uint64_t>(page)};
}

int open_pidfd(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace gantry::runtime

// Command hooks (with dry runs and backups), HTTP checks, and the command runner builds share.
// A command's exit is awaited through a pidfd and its output read from pipes, all on the
// caller's io_context; nothing blocks it. Not thread-safe: runs on the io_context's thread.
#include "rollout/hooks.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/asio.h"
#include "probe/probe.h"
#include "rollout/hooks_impl.h"
#include "runtime/process.h"

namespace gantry::rollout {
namespace detail {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using LineFn = std::function<void(const OutputLine&)>;

constexpr std::size_t kMaxLine = 4096;
// After the command exited and its group was killed, how long its pipes may stay open (held by
// a process that left the group) before we stop reading them.
constexpr Duration kPipeDrainLimit{std::chrono::seconds(1)};

Duration since(Clock::time_point start) {
  return std::chrono::duration_cast<Duration>(Clock::now() - start);
}

std::string signal_name(int sig) {
  if (const char* abbrev = ::sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(sig);
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

class Command : public std::enable_shared_from_this<Command> {
 public:
  Command(asio::io_context& io, CommandSpec spec, LineFn on_line,
          std::function<void(CommandOutcome)> done)
      : io_(io),
        spec_(std::move(spec)),
        on_line_(std::move(on_line)),
        done_(std::move(done)),
        out_(io, "stdout"),
        err_(io, "stderr"),
        exit_(io),
        timer_(io),
        drain_timer_(io) {}

  // Only reached with a live child when the io_context is torn down mid-command: kill and
  // reap here, briefly blocking, rather than leave a zombie or a stray process group.
  ~Command() {
    if (pid_ > 0 && !reaped_) {
      runtime::signal_group(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }

  void start() {
    started_ = Clock::now();
    const auto& argv = spec_.argv;
    if (argv.empty() || argv[0].empty()) return fail_later("no command to run");
    struct stat st {};
    if (::stat(spec_.workdir.c_str(), &st) != 0) {
      return fail_later("workdir " + spec_.workdir + ": " + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) return fail_later("workdir " + spec_.workdir + ": not a directory");
    const std::string file = runtime::find_in_path(argv[0], spec_.env, spec_.workdir);
    if (file.empty()) return fail_later("cannot run '" + argv[0] + "': not found in PATH");
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
      return fail_later(std::string("pipe: ") + std::strerror(errno));
    if (::pipe2(err, O_CLOEXEC) != 0) {
      const int e = errno;
      ::close(out[0]);
      ::close(out[1]);
      return fail_later(std::string("pipe: ") + std::strerror(e));
    }
    SpawnSetup s;
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&s.actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&s.actions, err[1], 2);
    posix_spawn_file_actions_addchdir_np(&s.actions, spec_.workdir.c_str());
    // Own process group, so a timeout reaches everything the command started; no signal
    // mask or ignored signals inherited from the daemon.
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM,
                    SIGTSTP, SIGTTIN, SIGTTOU}) {
      sigaddset(&defaults, sig);
    }
    posix_spawnattr_setflags(
        &s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&s.attr, 0);
    posix_spawnattr_setsigmask(&s.attr, &empty);
    posix_spawnattr_setsigdefault(&s.attr, &defaults);
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : spec_.env) env_strings.push_back(k + "=" + v);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, file.c_str(), &s.actions, &s.attr, args.data(), envp.data());
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
      ::close(out[0]);
      ::close(err[0]);
      return fail_later("cannot run '" + argv[0] + "': " + std::strerror(rc));
    }
    pid_ = pid;
    out_.fd.assign(out[0]);
    err_.fd.assign(err[0]);
    const int pidfd = runtime::open_pidfd(pid);
    if (pidfd < 0) {
      const int e = errno;
      runtime::signal_group(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
      close_stream(out_, false);
      close_stream(err_, false);
      return fail_later(std::string("pidfd_open: ") + std::strerror(e));
    }
    exit_.assign(pidfd);
    read(out_);
    read(err_);
    wait_exit();
    if (spec_.timeout.count() > 0) {
      timer_.expires_after(spec_.timeout);
      timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec && !self->reaped_) self->time_out();
      });
    }
  }

 private:
  struct Stream {
    Stream(asio::io_context& io, const char* n) : fd(io), name(n) {}
    asio::posix::stream_descriptor fd;
    const char* name;
    std::string partial;
    char buf[4096];
  };

  void time_out() {
    timed_out_ = true;
    runtime::signal_group(pid_, SIGTERM);
    timer_.expires_after(spec_.kill_grace);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->reaped_) runtime::signal_group(self->pid_, SIGKILL);
    });
  }

  void read(Stream& s) {
    s.fd.async_read_some(asio::buffer(s.buf), [self = shared_from_this(), &s](
                                                  boost::system::error_code ec, std::size_t n) {
      if (n > 0) self->take(s, n);
      if (ec) {
        self->close_stream(s, true);
        return self->maybe_finish();
      }
      self->read(s);
    });
  }

  void take(Stream& s, std::size_t n) {
    std::string_view data(s.buf, n);
    while (!data.empty()) {
      const auto nl = data.find('\n');
      const auto piece = data.substr(0, nl);
      if (s.partial.size() < kMaxLine)
        s.partial.append(piece.substr(0, kMaxLine - s.partial.size()));
      if (nl == std::string_view::npos) break;
      emit(s);
      data.remove_prefix(nl + 1);
    }
  }

  void emit(Stream& s) {
    if (!s.partial.empty() && s.partial.back() == '\r') s.partial.pop_back();
    OutputLine line{s.name, std::move(s.partial)};
    s.partial.clear();
    tail_.push_back(line.text);
    if (tail_.size() > kLastLines) tail_.pop_front();
    if (on_line_) on_line_(line);
  }

  // Delivers what is left of the stream (a last line without a newline) and closes it.
  void close_stream(Stream& s, bool deliver) {
    if (!s.fd.is_open()) return;
    if (deliver && !s.partial.empty()) emit(s);
    boost::system::error_code ignored;
    s.fd.close(ignored);
  }

  void wait_exit() {
    exit_.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [self = shared_from_this()](boost::system::error_code ec) { self->on_exit(ec); });
  }

  // The leader has exited (pidfd readable) but is not reaped yet, so its pid and group id
  // cannot be reused: kill what it left running in its group, then reap it.
  void on_exit(boost::system::error_code ec) {
    if (reaped_) return;
    siginfo_t info{};
    const int rc =
        ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT | (ec ? 0 : WNOHANG));
    if (rc == 0 && info.si_pid == 0) return wait_exit();  // not exited after all
    if (rc == 0) runtime::signal_group(pid_, SIGKILL);
    int status = 0;
    pid_t got = 0;
    do {
      got = ::waitpid(pid_, &status, 0);
    } while (got < 0 && errno == EINTR);
    reaped_ = true;  // or reaped by someone else (ECHILD): either way no zombie of ours
    timer_.cancel();
    boost::system::error_code ignored;
    exit_.close(ignored);
    if (got == pid_ && WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    if (got == pid_ && WIFSIGNALED(status)) term_signal_ = WTERMSIG(status);
    if (got != pid_) wait_error_ = "exit status unknown: the child was reaped elsewhere";
    if (out_.fd.is_open() || err_.fd.is_open()) {
      drain_timer_.expires_after(kPipeDrainLimit);
      drain_timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
        if (e) return;
        self->close_stream(self->out_, true);
        self->close_stream(self->err_, true);
        self->maybe_finish();
      });
    }
    maybe_finish();
  }

  void maybe_finish() {
    if (finished_ || !reaped_ || out_.fd.is_open() || err_.fd.is_open()) return;
    drain_timer_.cancel();
    CommandOutcome o;
    o.start_error = wait_error_;
    o.exit_code = exit_code_;
    o.term_signal = term_signal_;
    o.timed_out = timed_out_;
    finish(std::move(o));
  }

  void finish(CommandOutcome o) {
    if (finished_) return;
    finished_ = true;
    o.last_lines.assign(tail_.begin(), tail_.end());
    o.took = since(started_);
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(o));
  }

  void fail_later(std::string error) {
    asio::post(io_, [self = shared_from_this(), error = std::move(error)]() mutable {
      CommandOutcome o;
      o.start_error = std::move(error);
      self->finish(std::move(o));
    });
  }

  asio::io_context& io_;
  CommandSpec spec_;
  LineFn on_line_;
  std::function<void(CommandOutcome)> done_;
  Stream out_, err_;
  asio::posix::stream_descriptor exit_;
  asio::steady_timer timer_;
  asio::steady_timer drain_timer_;
  Clock::time_point started_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
  int exit_code_ = -1;
  int term_signal_ = 0;
  std::string wait_error_;
  std::deque<std::string> tail_;
};

}  // namespace

void run_command(asio::io_context& io, CommandSpec spec, LineFn on_line,
                 std::function<void(CommandOutcome)> done) {
  auto command =
      std::make_shared<Command>(io, std::move(spec), std::move(on_line), std::move(done));
  command->start();
}

std::string describe(const CommandOutcome& o, Duration timeout) {
  if (!o.start_error.empty()) return o.start_error;
  if (o.timed_out) return "timed out after " + format_duration(timeout);
  if (o.term_signal != 0) return "killed by " + signal_name(o.term_signal);
  return "exited with status " + std::to_string(o.exit_code);
}

void set_env(EnvVars& env, const std::string& name, const std::string& value) {
  std::erase_if(env, [&](const auto& kv) { return kv.first == name; });
  env.emplace_back(name, value);
}

std::string absolute_under(const std::string& base, const std::string& path) {
  std::error_code ec;
  fs::path b = base.empty() ? fs::current_path(ec) : fs::absolute(base, ec);
  fs::path p = path.empty() ? b : (fs::path(path).is_absolute() ? fs::path(path) : b / path);
  return p.lexically_normal().string();
}

void keep_last(std::vector<std::string>& lines, std::size_t n) {
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(n));
}

}  // namespace detail

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Hook and deployment names as they may appear in a file name.
std::string file_safe(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool keep =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out += keep ? c : '_';
  }
  return out;
}

// "20240102T030405.123Z": UTC, sortable as text.
constexpr std::size_t kStampSize = 20;
std::string utc_stamp(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm t{};
  ::gmtime_r(&secs, &t);
  char day[24];
  std::strftime(day, sizeof day, "%Y%m%dT%H%M%S", &t);
  char out[32];
  std::snprintf(out, sizeof out, "%s.%03dZ", day, static_cast<int>(unix_ms % 1000));
  return out;
}

bool is_stamp(std::string_view s) {
  if (s.size() != kStampSize) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = i == 8    ? c == 'T'
                    : i == 15 ? c == '.'
                    : i == 19 ? c == 'Z'
                              : std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (!ok) return false;
  }
  return true;
}

// Removes all but the newest `keep` backups named <prefix>-*-<stamp>.bak in dir. Returns a
// note for the detail line when some could not be removed.
std::string prune_backups(const std::string& dir, const std::string& prefix, int keep) {
  std::vector<std::pair<std::string, std::string>> found;  // stamp, file name
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    constexpr std::string_view kExt = ".bak";
    if (name.size() < prefix.size() + 2 + kStampSize + kExt.size()) continue;
    if (name.rfind(prefix + "-", 0) != 0 || !name.ends_with(kExt)) continue;
    const std::string stamp = name.substr(name.size() - kExt.size() - kStampSize, kStampSize);
    if (name[name.size() - kExt.size() - kStampSize - 1] != '-' || !is_stamp(stamp)) continue;
    found.emplace_back(stamp, name);
  }
  if (ec) return ", cannot list " + dir + ": " + ec.message();
  std::sort(found.begin(), found.end(), std::greater<>());
  std::string note;
  for (std::size_t i = static_cast<std::size_t>(std::max(keep, 0)); i < found.size(); ++i) {
    std::error_code rm;
    fs::remove(fs::path(dir) / found[i].second, rm);
    if (rm && note.empty())
      note = ", cannot remove old backup " + found[i].second + ": " + rm.message();
  }
  return note;
}

class CommandHook : public std::enable_shared_from_this<CommandHook> {
 public:
  CommandHook(asio::io_context& io, const spec::Hook& hook, const CommandContext& ctx,
              std::function<void(const OutputLine&)> on_line, std::function<void(HookResult)> done)
      : io_(io), hook_(hook), ctx_(ctx), on_line_(std::move(on_line)), done_(std::move(done)) {}

  void start() {
    started_ = Clock::now();
    workdir_ = detail::absolute_under("", ctx_.workdir);
    env_ = ctx_.env;
    detail::set_env(env_, "GANTRY_SERVICE", ctx_.service);
    detail::set_env(env_, "GANTRY_DEPLOYMENT", ctx_.deployment_id);
    detail::set_env(env_, "GANTRY_VERSION", ctx_.version);
    if (hook_.run.empty()) return fail_later("the hook has no command to run");
    if (hook_.backup_keep > 0) {
      backup_dir_ = detail::absolute_under(workdir_, hook_.backup_dir);
      std::error_code ec;
      fs::create_directories(backup_dir_, ec);
      if (ec)
        return fail_later("cannot create backup directory " + backup_dir_ + ": " + ec.message());
      prefix_ = file_safe(hook_.name.empty() ? "backup" : hook_.name);
      // Unique even for two backups in one millisecond: the later one moves on a millisecond.
      for (std::int64_t ms = now_unix_ms();; ++ms) {
        backup_file_ = backup_dir_ + "/" + prefix_ + "-" + file_safe(ctx_.deployment_id) + "-" +
                       utc_stamp(ms) + ".bak";
        if (!fs::exists(backup_file_, ec)) break;
      }
      detail::set_env(env_, "GANTRY_BACKUP_FILE", backup_file_);
    }
    run_step(hook_.dry_run.empty() ? Step::Run : Step::DryRun);
  }

 private:
  enum class Step { DryRun, Run };

  void run_step(Step step) {
    detail::CommandSpec spec;
    spec.argv = step == Step::DryRun ? hook_.dry_run : hook_.run;
    spec.workdir = workdir_;
    spec.env = env_;
    spec.kill_grace = ctx_.kill_grace;
    if (hook_.timeout.count() > 0) {
      spec.timeout = std::max(hook_.timeout - detail::since(started_), Duration(1));
    }
    detail::run_command(io_, std::move(spec), on_line_,
                        [self = shared_from_this(), step](detail::CommandOutcome o) {
                          self->after(step, std::move(o));
                        });
  }

  void after(Step step, detail::CommandOutcome o) {
    result_.last_lines.insert(result_.last_lines.end(), o.last_lines.begin(), o.last_lines.end());
    detail::keep_last(result_.last_lines, detail::kLastLines);
    result_.exit_code = o.exit_code;
    result_.timed_out = o.timed_out;
    const std::string what = detail::describe(o, hook_.timeout);
    if (!o.ok()) return finish(false, step == Step::DryRun ? "dry run failed: " + what : what);
    if (step == Step::DryRun) return run_step(Step::Run);
    if (backup_file_.empty()) return finish(true, what);
    std::error_code ec;
    if (!fs::exists(backup_file_, ec)) {
      return finish(false, what + " but did not create GANTRY_BACKUP_FILE " + backup_file_);
    }
    const std::string note = prune_backups(backup_dir_, prefix_, hook_.backup_keep);
    finish(true, what + ", backup " + fs::path(backup_file_).filename().string() + note);
  }

  void finish(bool ok, std::string detail) {
    result_.ok = ok;
    result_.detail = std::move(detail);
    result_.took = std::chrono::duration_cast<Duration>(Clock::now() - started_);
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result_));
  }

  void fail_later(std::string detail) {
    asio::post(io_, [self = shared_from_this(), detail = std::move(detail)]() mutable {
      self->finish(false, std::move(detail));
    });
  }

  asio::io_context& io_;
  spec::Hook hook_;
  CommandContext ctx_;
  std::function<void(const OutputLine&)> on_line_;
  std::function<void(HookResult)> done_;
  Clock::time_point started_;
  std::string workdir_, backup_dir_, prefix_, backup_file_;
  EnvVars env_;
  HookResult result_;
};

// The value at a dotted path ("checks.db.status", "items.0.id"), or null when there is none.
const nlohmann::json* find_path(const nlohmann::json& doc, std::string_view path) {
  const nlohmann::json* at = &doc;
  while (!path.empty()) {
    const auto dot = path.find('.');
    const std::string key(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (at->is_object()) {
      const auto it = at->find(key);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      if (key.empty() || !std::all_of(key.begin(), key.end(), ::isdigit)) return nullptr;
      const auto index = std::stoull(key);
      if (index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

std::string json_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The body's last lines, shortened, to show with a failed check.
std::vector<std::string> body_lines(const std::string& body) {
  constexpr std::size_t kWidth = 200;
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin < body.size()) {
    auto end = body.find('\n', begin);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(begin, std::min(end - begin, kWidth));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    detail::keep_last(lines, detail::kLastLines);
    begin = end + 1;
  }
  return lines;
}

HookResult judge_http(const spec::Hook& hook, const std::string& label, probe::ProbeResult r) {
  HookResult out;
  out.exit_code = r.http_status;
  out.took = r.elapsed;
  if (r.http_status == 0) {
    out.timed_out = r.outcome == probe::Outcome::Timeout;
    out.detail = label + ": " + r.detail;
    return out;
  }
  const std::string status = std::to_string(r.http_status);
  const bool status_ok = hook.expect_status ? r.http_status == *hook.expect_status
                                            : r.http_status >= 200 && r.http_status <= 399;
  if (!status_ok) {
    out.detail = label + ": expected " +
                 (hook.expect_status ? std::to_string(*hook.expect_status) : "200..399") +
                 ", got " + status;
    out.last_lines = body_lines(r.body);
    return out;
  }
  std::string seen, wrong;
  if (!hook.expect_json.empty()) {
    const auto doc = nlohmann::json::parse(r.body, nullptr, false);
    if (doc.is_discarded()) {
      out.detail = label + ": " + status + ", the body is not JSON";
      out.last_lines = body_lines(r.body);
      return out;
    }
    for (const auto& [path, want] : hook.expect_json) {
      const auto* v = find_path(doc, path);
      const std::string got = v ? json_text(*v) : std::string();
      if (v && got == want) {
        seen += ", " + path + "=" + got;
        continue;
      }
      wrong += (wrong.empty() ? "" : ", ") + ("expected " + path + "=" + want + ", got ") +
               (v ? got : std::string("no such field"));
    }
  }
  if (!wrong.empty()) {
    out.detail = label + ": " + wrong;
    out.last_lines = body_lines(r.body);
    return out;
  }
  out.ok = true;
  out.detail = label + ": " + status + seen;
  return out;
}

}  // namespace

void run_command_hook(asio::io_context& io, const spec::Hook& hook, const CommandContext& ctx,
                      std::function<void(const OutputLine&)> on_line,
                      std::function<void(HookResult)> done) {
  auto run = std::make_shared<CommandHook>(io, hook, ctx, std::move(on_line), std::move(done));
  run->start();
}

void run_http_check(asio::io_context& io, const spec::Hook& hook, const HttpTarget& target,
                    std::function<void(HookResult)> done) {
  probe::ProbeConfig config;
  config.kind = probe::ProbeKind::Http;
  auto& h = config.http;
  h.method = hook.http_method.empty() ? "GET" : hook.http_method;
  h.path = hook.http_path.empty() ? "/" : hook.http_path;
  h.headers = target.headers;
  h.host = target.host.empty() ? "127.0.0.1" : target.host;
  h.port = target.port;
  h.status_min = 0;  // judged here, with the hook's own wording
  h.status_max = 999;
  h.keep_body = true;
  config.timeout = hook.timeout;
  const std::string label = h.method + " " + h.path;
  // run_probe never calls back from inside itself, which is the promise made here too.
  probe::run_probe(io, config, [hook, label, done = std::move(done)](probe::ProbeResult r) {
    done(judge_http(hook, label, std::move(r)));
  });
}

}  // namespace gantry::rollout

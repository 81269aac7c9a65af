// Test helpers for probe tests: the real example app on port 0, and running an io_context
// until a condition holds (with a deadline, never a fixed sleep). Single-threaded use.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.h"
#include "probe/probe.h"

extern char** environ;

namespace gantry::probe::testing {

using namespace std::chrono_literals;

// The example app (examples/app) on 127.0.0.1:PORT; killed and reaped on destruction.
class ExampleApp {
 public:
  explicit ExampleApp(std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {GANTRY_EXAMPLE_APP, "--port", "0", "--name", "probe-test"};
    args.insert(args.end(), flags.begin(), flags.end());
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
    if (rc != 0) {
      pid_ = -1;
      return;
    }
    read_port();
  }
  ~ExampleApp() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  ExampleApp(const ExampleApp&) = delete;
  ExampleApp& operator=(const ExampleApp&) = delete;

  int port() const { return port_; }
  bool ready() const { return port_ > 0; }
  const std::string& output() const { return text_; }

 private:
  // Reads stdout until "listening on 127.0.0.1:PORT", for at most 20 s.
  void read_port() {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 0))) <= 0) continue;
      char buf[512];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return;
      text_.append(buf, static_cast<std::size_t>(n));
      const auto at = text_.find("listening on ");
      const auto eol = at == std::string::npos ? at : text_.find('\n', at);
      if (eol != std::string::npos) {
        const auto colon = text_.rfind(':', eol);
        port_ = std::stoi(text_.substr(colon + 1, eol - colon - 1));
        return;
      }
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  std::string text_;
};

inline ProbeConfig http_config(int port, std::string path = "/health") {
  ProbeConfig c;
  c.kind = ProbeKind::Http;
  c.http.port = port;
  c.http.path = std::move(path);
  c.timeout = 5s;
  return c;
}

// Runs one probe on a fresh io_context to completion.
inline ProbeResult probe_once(const ProbeConfig& config) {
  boost::asio::io_context io;
  std::optional<ProbeResult> result;
  run_probe(io, config, [&](ProbeResult r) { result = std::move(r); });
  io.run_for(60s);
  EXPECT_TRUE(result.has_value()) << "the probe never called back";
  return result.value_or(ProbeResult{});
}

// Changes the app's faults at run time: GET /admin/set?QUERY.
inline void admin_set(int port, const std::string& query) {
  const auto r = probe_once(http_config(port, "/admin/set?" + query));
  ASSERT_TRUE(r.ok()) << r.detail;
}

// Runs `io` until `done()` holds or 60 s pass; returns done().
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.run_one_until(deadline) == 0 && io.stopped()) break;
  }
  return done();
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
inline int closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const int port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace gantry::probe::testing

// Shared set-up for tests through a real ProxyServer: starting it on 127.0.0.1:0, building and
// publishing routing tables, and running the real example app as a replica. One test thread.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proxy/raw_http.h"
#include "proxy/routing_table.h"
#include "proxy/server.h"
#include "proxy/test_upstream.h"
#include "support/poll.h"

extern char** environ;

namespace gantry::proxy::testing {

using namespace std::chrono_literals;
using gantry::testing::wait_until;

// Options for tests: one worker, timeouts long enough for ASan but short enough that a test
// that provokes one finishes quickly.
inline ProxyOptions test_options(int workers = 1) {
  ProxyOptions o;
  o.workers = workers;
  o.timeouts.connect = 5s;
  o.timeouts.request_head = 10s;
  o.timeouts.idle = 20s;
  o.timeouts.upstream_response = 20s;
  o.timeouts.drain = 5s;
  return o;
}

// A started proxy with a listener for one service.
struct RunningProxy {
  std::unique_ptr<ProxyServer> server;
  int port = 0;
  explicit operator bool() const { return server != nullptr && port > 0; }
  ProxyServer* operator->() const { return server.get(); }
  Socket connect() const { return Socket::connect(port); }
};

// Starts a proxy and listens for `service` on 127.0.0.1:0; an empty RunningProxy (and a test
// failure) when either step fails.
inline RunningProxy start_proxy(ProxyOptions options = test_options(),
                                const std::string& service = "svc") {
  RunningProxy p;
  auto server = ProxyServer::start(std::move(options));
  if (!server) {
    ADD_FAILURE() << "ProxyServer::start: " << server.error().str();
    return p;
  }
  auto port = (*server)->listen(service, "127.0.0.1", 0);
  if (!port) {
    ADD_FAILURE() << "listen: " << port.error().str();
    return p;
  }
  EXPECT_GT(*port, 0);
  p.server = std::move(server).value();
  p.port = *port;
  return p;
}

inline Replica replica(std::string id, int port) { return {std::move(id), "127.0.0.1", port}; }

inline ServiceRouteSpec route(std::vector<Version> versions, StickyPolicy sticky = {},
                              OverrideHeader override_header = {}, std::string service = "svc") {
  ServiceRouteSpec spec;
  spec.service = std::move(service);
  spec.versions = std::move(versions);
  spec.sticky = std::move(sticky);
  spec.override_header = std::move(override_header);
  return spec;
}

// Builds a table from route specs; nullptr (and a test failure) when one is invalid.
inline std::shared_ptr<const RoutingTable> make_table(std::vector<ServiceRouteSpec> specs) {
  std::vector<ServiceRoute> routes;
  for (auto& spec : specs) {
    auto r = ServiceRoute::make(std::move(spec));
    if (!r) {
      ADD_FAILURE() << "ServiceRoute::make: " << r.error().str();
      return nullptr;
    }
    routes.push_back(std::move(r).value());
  }
  auto table = RoutingTable::make(std::move(routes));
  if (!table) {
    ADD_FAILURE() << "RoutingTable::make: " << table.error().str();
    return nullptr;
  }
  return std::make_shared<const RoutingTable>(std::move(table).value());
}

// Publishes a table of these routes; false when a route is invalid.
inline bool publish(const RunningProxy& proxy, std::vector<ServiceRouteSpec> specs) {
  auto table = make_table(std::move(specs));
  if (!table) return false;
  proxy->publish(std::move(table));
  return true;
}

// One request line plus Host, for raw sends.
inline std::string get_request(std::string_view target, std::string_view extra_headers = {}) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: svc.test\r\n" +
         std::string(extra_headers) + "\r\n";
}

// Sends one GET on a fresh connection and reads the final response; nullopt on I/O failure.
inline std::optional<Message> get_once(int port, std::string_view target = "/",
                                       std::string_view extra_headers = {}) {
  auto s = Socket::connect(port);
  if (!s.ok() || !s.send_all(get_request(target, extra_headers))) return std::nullopt;
  return s.read_final_response();
}

// The first "name=value" of a Set-Cookie header for cookie `name`; "" when absent.
inline std::string set_cookie_value(const Message& m, std::string_view name) {
  for (const auto& [n, v] : m.headers) {
    if (!iequals(n, "Set-Cookie")) continue;
    const std::string prefix = std::string(name) + "=";
    if (v.compare(0, prefix.size(), prefix) != 0) continue;
    return v.substr(prefix.size(), v.find(';') - prefix.size());
  }
  return {};
}

// This process's resident set size in KiB (VmRSS from /proc/self/status).
inline long resident_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// The example app (examples/app) as replica `id` of version `version` of service "svc",
// listening on 127.0.0.1:0. SIGKILLed and reaped on destruction unless terminated before.
class ExampleApp {
 public:
  explicit ExampleApp(std::string version, std::string id = "", std::vector<std::string> flags = {})
      : version_(std::move(version)), id_(id.empty() ? "svc-" + version_ + "-0" : id) {
    std::vector<std::string> args = {GANTRY_EXAMPLE_APP, "--port", "0", "--name", "svc",
                                     "--version",        version_};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<std::string> env = {"GANTRY_REPLICA=" + id_};
    for (char** e = environ; *e; ++e) {
      const std::string_view kv(*e);
      if (kv.rfind("GANTRY_", 0) != 0 && kv.rfind("APP_", 0) != 0 && kv.rfind("PORT=", 0) != 0)
        env.emplace_back(kv);
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      // Dies with the test: a crashed test binary must not leave example apps behind.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(fds[1], 1);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
    if (pid_ < 0) return;
    read_port();
  }
  ~ExampleApp() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  ExampleApp(const ExampleApp&) = delete;
  ExampleApp& operator=(const ExampleApp&) = delete;

  bool ready() const { return port_ > 0; }
  int port() const { return port_; }
  const std::string& id() const { return id_; }
  const std::string& version() const { return version_; }
  Replica as_replica() const { return replica(id_, port_); }
  const std::string& output() const { return text_; }

  // SIGTERM, then waits (up to the ceiling) for the process to exit. True when it exited.
  bool terminate() {
    if (pid_ <= 0) return true;
    ::kill(pid_, SIGTERM);
    const bool exited = wait_until([&] { return ::waitpid(pid_, nullptr, WNOHANG) == pid_; });
    if (exited) pid_ = -1;
    return exited;
  }

 private:
  // Reads stdout until "listening on 127.0.0.1:PORT".
  void read_port() {
    const auto deadline = std::chrono::steady_clock::now() + kIoCeiling;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
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

  std::string version_;
  std::string id_;
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  std::string text_;
};

// The merged numbers of one version, or an empty snapshot when the proxy reports none yet.
inline StatsSnapshot version_numbers(const ProxyServer& proxy, std::string_view version,
                                     std::string_view service = "svc") {
  for (const auto& n : proxy.numbers()) {
    if (n.service == service && n.version == version) return n.stats;
  }
  return {};
}

}  // namespace gantry::proxy::testing

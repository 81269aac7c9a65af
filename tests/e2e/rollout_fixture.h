// The fixture of the rollout e2e tests: a temporary project with one example-app service `api`
// behind gantry's proxy, the real `gantry up` daemon on its own state dir, and helpers to deploy,
// follow deployments (through the daemon's API socket, which is cheaper to poll than the CLI),
// read status and history, and find the app processes the project started. TearDown stops the
// daemon and kills whatever is left. One test thread (Load has its own).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "e2e/http_load.h"
#include "e2e/run_gantry.h"
#include "support/poll.h"

namespace gantry::testing {

using nlohmann::json;

// One GET on the daemon's API socket; the parsed body, or null when the daemon does not answer.
inline json api_get(const std::string& socket_path, const std::string& target) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return json();
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof a.sun_path) {
    ::close(fd);
    return json();
  }
  std::memcpy(a.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return json();
  }
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: gantry\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return json();
  }
  std::string reply;
  char buf[65536];
  std::size_t want = std::string::npos;  // head + Content-Length, once known
  while (reply.size() < want) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
    const auto head_end = reply.find("\r\n\r\n");
    if (want == std::string::npos && head_end != std::string::npos) {
      std::string head = reply.substr(0, head_end);
      for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto cl = head.find("content-length:");
      if (cl != std::string::npos)
        want = head_end + 4 + std::strtoul(head.c_str() + cl + 15, 0, 10);
    }
  }
  ::close(fd);
  const auto head_end = reply.find("\r\n\r\n");
  if (head_end == std::string::npos) return json();
  return json::parse(reply.substr(head_end + 4), nullptr, false);
}

class RolloutE2e : public ::testing::Test {
 protected:
  static constexpr auto kDeadline = std::chrono::seconds(60);

  void TearDown() override {
    if (HasFailure()) {
      // What the daemon did, for the failure report: every deployment with its events.
      const json list = api("/v1/deployments?limit=20");
      if (list.is_object() && list["deployments"].is_array()) {
        for (const auto& d : list["deployments"]) {
          std::cerr << "deployment " << d.dump() << "\n" << event_lines(d.value("id", ""));
        }
      }
    }
    if (load_) load_->finish();
    run_gantry({"stop", "--state-dir", state(), "--timeout", "20s"});
    const int daemon = daemon_pid();
    if (daemon > 0 && alive(daemon)) ::kill(daemon, SIGKILL);
    for (int pid : seen_pids_) {
      if (alive(pid)) ::kill(-pid, SIGKILL);
    }
    for (int pid : app_processes()) ::kill(-pid, SIGKILL);
  }

  std::string state() const { return dir_.file("state"); }
  std::string spec_path() const { return dir_.file("gantry.yaml"); }

  // Writes (or rewrites: the port stays) the project's spec: `api` with its command, port,
  // replicas and readiness probe; service_extra adds keys of services.api (lines indented 4),
  // health_extra probes under its health (indented 6), top_extra top-level keys (environments).
  void write_spec(int replicas, const std::string& service_extra,
                  const std::string& health_extra = "", const std::string& top_extra = "",
                  const std::string& drain_timeout = "3s") {
    if (port_ == 0) port_ = free_port();
    ASSERT_GT(port_, 0);
    std::ofstream(spec_path()) << "project: e2e\n"
                               << top_extra << "services:\n  api:\n    command: [\""
                               << GANTRY_EXAMPLE_APP << "\", \"--port\", \"${PORT}\"]\n"
                               << "    port: " << port_ << "\n    replicas: " << replicas
                               << "\n    stop_timeout: 2s\n"
                                  "    restart: { policy: on-failure, backoff: { initial: 100ms, "
                                  "max: 1s } }\n"
                                  "    health:\n"
                                  "      readiness: { http: /health/ready, period: 100ms, "
                                  "timeout: 90ms }\n"
                               << health_extra << service_extra
                               << "proxy: { address: 127.0.0.1, drain_timeout: " << drain_timeout
                               << " }\n";
  }

  RunResult up(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"up", "-f", spec_path(), "--state-dir", state(), "--detach"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_gantry(args);
  }

  // `gantry up`, then waits until the first version serves on every replica.
  void up_and_ready(int replicas, const std::vector<std::string>& extra = {}) {
    auto r = up(extra);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_TRUE(wait_routed(replicas)) << service().dump(2);
  }

  // A gantry command on this state dir.
  RunResult gantry(std::vector<std::string> args) {
    args.push_back("--state-dir");
    args.push_back(state());
    return run_gantry(args);
  }

  // `gantry deploy api ARGS`, followed to the end (a hang ends at the follow timeout).
  RunResult deploy(std::vector<std::string> args) {
    args.insert(args.begin(), {"deploy", "api"});
    args.insert(args.end(), {"--timeout", "60s"});
    return gantry(std::move(args));
  }

  // `gantry deploy api ARGS --detach`: the new deployment's id ("" when refused).
  std::string deploy_detached(std::vector<std::string> args) {
    args.push_back("--detach");
    auto r = deploy(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::string id = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(id.rfind("d-", 0), 0u) << r.out;
    return id;
  }

  json api(const std::string& target) { return api_get(state() + "/gantry.sock", target); }

  // GET /v1/deployments/{id}: {deployment, rollout, events}.
  json show(const std::string& id) { return api("/v1/deployments/" + id); }

  std::vector<json> events(const std::string& id, const std::string& type) {
    std::vector<json> out;
    const json d = show(id);
    if (!d.is_object() || !d["events"].is_array()) return out;
    for (const auto& e : d["events"]) {
      if (e.value("type", "") == type) out.push_back(e["data"]);
    }
    return out;
  }

  // Every event of the deployment, one per line, for failure messages.
  std::string event_lines(const std::string& id) {
    std::string all;
    const json d = show(id);
    if (!d.is_object() || !d["events"].is_array()) return "(no events)";
    for (const auto& e : d["events"]) all += e.value("type", "") + " " + e["data"].dump() + "\n";
    return all;
  }

  std::string status_of(const std::string& id) {
    const json d = show(id);
    return d.is_object() && d["deployment"].is_object() ? d["deployment"].value("status", "") : "";
  }

  // Waits until the deployment is over; its final status ("" if it still runs at the deadline).
  std::string wait_end(const std::string& id) {
    std::string status;
    wait_until(
        [&] {
          status = status_of(id);
          return status == "succeeded" || status == "rolled_back" || status == "failed" ||
                 status == "aborted";
        },
        kDeadline);
    return status;
  }

  // Waits until the running deployment waits for `what` ("approval" or "promote").
  bool wait_waiting_for(const std::string& id, const std::string& what) {
    return wait_until(
        [&] {
          const json d = show(id);
          return d.is_object() && d["rollout"].is_object() &&
                 d["rollout"].value("waiting_for", "") == what;
        },
        kDeadline);
  }

  // The newest deployment of api (GET /v1/deployments).
  json newest_deployment() {
    const json list = api("/v1/deployments?service=api&limit=1");
    if (!list.is_object() || !list["deployments"].is_array() || list["deployments"].empty())
      return json();
    return list["deployments"][0];
  }

  // api as `gantry status --format json` shows it; remembers every pid for TearDown.
  json service() {
    auto r = gantry({"status", "--format", "json"});
    if (r.exit_code != 0) return json();
    const json j = json::parse(r.out, nullptr, false);
    if (!j.is_object()) return json();
    for (const auto& s : j["services"]) {
      for (const auto& rep : s["replicas"]) {
        if (rep.value("pid", 0) > 0) seen_pids_.insert(rep["pid"].get<int>());
      }
      if (s["name"] == "api") return s;
    }
    return json();
  }

  // The same from the API, cheaper to poll.
  json service_now() {
    const json s = api("/v1/services/api");
    if (!s.is_object() || !s["replicas"].is_array()) return json();
    for (const auto& rep : s["replicas"]) {
      if (rep.value("pid", 0) > 0) seen_pids_.insert(rep["pid"].get<int>());
    }
    return s;
  }

  bool wait_routed(int n) {
    return wait_until(
        [&] {
          const json s = service_now();
          return s.is_object() && s["ready"] == n && s["routed"] == n;
        },
        kDeadline);
  }

  // Waits until api runs exactly n replicas, every one of `version`, ready, routed and alive.
  bool wait_all_on(const std::string& version, int n) {
    return wait_until(
        [&] {
          const json s = service_now();
          if (!s.is_object() || s["replicas"].size() != static_cast<std::size_t>(n)) return false;
          for (const auto& r : s["replicas"]) {
            if (r.value("version", "") != version || r.value("readiness", "") != "ready" ||
                !r.value("routed", false) || !alive(r.value("pid", 0)))
              return false;
          }
          return s.value("version", "") == version;
        },
        kDeadline);
  }

  std::set<int> pids() {
    std::set<int> out;
    const json s = service_now();
    if (!s.is_object()) return out;
    for (const auto& r : s["replicas"]) out.insert(r.value("pid", 0));
    return out;
  }

  // Every example-app process of this project (their working directory is the spec's folder),
  // whoever started them.
  std::set<int> app_processes() const {
    namespace fs = std::filesystem;
    std::set<int> out;
    std::error_code ec;
    const fs::path app = fs::weakly_canonical(GANTRY_EXAMPLE_APP, ec);
    const fs::path home = fs::weakly_canonical(dir_.path(), ec);
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::error_code e1, e2;
      const fs::path exe = fs::read_symlink(entry.path() / "exe", e1);
      const fs::path cwd = fs::read_symlink(entry.path() / "cwd", e2);
      if (e1 || e2 || exe != app || cwd != home) continue;
      const int pid = std::stoi(name);
      if (alive(pid)) out.insert(pid);
    }
    return out;
  }

  int daemon_pid() const {
    std::ifstream in(state() + "/daemon.pid");
    int pid = 0;
    in >> pid;
    return pid;
  }

  // One GET through the proxy on a new connection.
  std::optional<Response> get(const std::string& path = "/") {
    HttpConnection c(port_);
    return c.get(path, true);
  }

  // The versions that answered n GETs through the proxy (an error answers as "status N").
  std::map<std::string, int> versions_answering(int n) {
    std::map<std::string, int> out;
    for (int i = 0; i < n; ++i) {
      auto r = get();
      if (!r) {
        ++out["no answer"];
      } else if (r->status != 200) {
        ++out["status " + std::to_string(r->status)];
      } else {
        ++out[r->header("x-version")];
      }
    }
    return out;
  }

  // Steady traffic through the proxy for the analyses to judge, until the test ends.
  Load& start_load(int keep_alive_clients = 2) {
    load_ = std::make_unique<Load>(port_, keep_alive_clients, 0, std::chrono::seconds(90));
    return *load_;
  }

  TempDir dir_;
  int port_ = 0;
  std::set<int> seen_pids_;
  std::unique_ptr<Load> load_;
};

}  // namespace gantry::testing

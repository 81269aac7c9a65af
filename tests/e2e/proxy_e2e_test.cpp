// Traffic through gantry's proxy as a user sees it: `gantry up` listens on each service's port
// and forwards to its ready replicas; `gantry restart` under steady load drops no request;
// `gantry stop` closes the listener; a port that cannot be had stops `gantry up` early.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "e2e/http_load.h"
#include "e2e/run_gantry.h"
#include "support/poll.h"

namespace gantry::testing {
namespace {

using nlohmann::json;

class ProxyE2eTest : public ::testing::Test {
 protected:
  void TearDown() override {
    run_gantry({"stop", "--state-dir", state()});
    for (int pid : seen_pids_) {
      if (alive(pid)) ::kill(-pid, SIGKILL);
    }
    std::ifstream in(state() + "/daemon.pid");
    int daemon = 0;
    in >> daemon;
    if (daemon > 0 && alive(daemon)) ::kill(daemon, SIGKILL);
  }

  std::string state() const { return dir_.file("state"); }
  std::string spec_path() const { return dir_.file("gantry.yaml"); }

  // An api service of the example app on a free proxy port; args go to the app.
  void write_spec(int replicas, const std::string& args = "", const std::string& extra = "") {
    port_ = free_port();
    ASSERT_GT(port_, 0);
    std::ofstream(spec_path())
        << "project: e2e\n"
           "services:\n"
           "  api:\n"
           "    command: [\""
        << GANTRY_EXAMPLE_APP << "\", \"--port\", \"${PORT}\"" << args
        << "]\n"
           "    port: "
        << port_ << "\n    replicas: " << replicas
        << "\n"
           "    stop_timeout: 5s\n"
           "    health:\n"
           "      readiness: { http: /health/ready, period: 200ms, timeout: 150ms, "
           "failure_threshold: 3 }\n"
           "proxy: { address: 127.0.0.1, drain_timeout: 10s }\n"
        << extra;
  }

  RunResult up() {
    return run_gantry({"up", "-f", spec_path(), "--state-dir", state(), "--detach"});
  }

  json api() {
    auto r = run_gantry({"status", "--state-dir", state(), "--format", "json"});
    if (r.exit_code != 0) return json();
    try {
      auto j = json::parse(r.out);
      for (const auto& s : j["services"]) {
        for (const auto& rep : s["replicas"]) {
          if (rep.value("pid", 0) > 0) seen_pids_.insert(rep["pid"].get<int>());
        }
        if (s["name"] == "api") return s;
      }
    } catch (...) {
    }
    return json();
  }

  // Waits until n replicas are ready and routed by the proxy.
  bool wait_routed(int n) {
    return wait_until(
        [&] {
          const json s = api();
          return s.is_object() && s["ready"] == n && s["routed"] == n;
        },
        std::chrono::seconds(30));
  }

  std::set<int> pids() {
    std::set<int> out;
    const json s = api();
    if (!s.is_object()) return out;
    for (const auto& r : s["replicas"]) out.insert(r["pid"].get<int>());
    return out;
  }

  std::optional<Response> get(const std::string& path = "/") {
    HttpConnection c(port_);
    return c.get(path, true);
  }

  // Restarts api under load from keep-alive and per-request clients; expects no failure.
  void expect_restart_without_failures(int replicas) {
    ASSERT_TRUE(wait_routed(replicas)) << api().dump(2);
    const auto before = pids();
    ASSERT_EQ(before.size(), static_cast<std::size_t>(replicas));

    Load load(port_, 2, 1);
    // The load is flowing before the restart begins.
    ASSERT_TRUE(wait_until([&] { return load.ok() >= 20 || load.failed() > 0; }));
    auto restart = run_gantry({"restart", "api", "--state-dir", state()});
    EXPECT_EQ(restart.exit_code, 0) << restart.out << restart.err;
    const long during = load.ok();
    (void)load.take_replicas();
    // And keeps flowing, now to the new replicas only.
    ASSERT_TRUE(wait_until([&] { return load.ok() >= during + 20 || load.failed() > 0; }));
    load.finish();
    const auto served_after = load.take_replicas();

    EXPECT_EQ(load.failed(), 0) << [&] {
      std::string all;
      for (const auto& e : load.errors()) all += e + "\n";
      return all;
    }();
    EXPECT_GT(load.ok(), 0);

    const json s = api();
    std::set<std::string> new_indexes;
    std::set<int> after;
    for (const auto& r : s["replicas"]) {
      after.insert(r["pid"].get<int>());
      new_indexes.insert(std::to_string(r["index"].get<int>()));
    }
    EXPECT_EQ(after.size(), static_cast<std::size_t>(replicas)) << s.dump(2);
    for (int pid : before) {
      EXPECT_EQ(after.count(pid), 0u) << "replica " << pid << " was not replaced";
      EXPECT_TRUE(wait_until([&] { return !alive(pid); })) << pid;
    }
    for (const auto& index : served_after) {
      EXPECT_EQ(new_indexes.count(index), 1u)
          << "an answer after the restart came from replica " << index << "\n"
          << s.dump(2);
    }
    EXPECT_EQ(s["routed"], replicas) << s.dump(2);
  }

  TempDir dir_;
  int port_ = 0;
  std::set<int> seen_pids_;
};

TEST_F(ProxyE2eTest, ForwardsRequestsOnTheServicePortToEveryReadyReplica) {
  write_spec(2);
  auto r = up();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(wait_routed(2)) << api().dump(2);

  auto one = get();
  ASSERT_TRUE(one) << "no answer on the service port " << port_;
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(one->body.rfind("hello from api r1 replica", 0), 0u) << one->body;
  EXPECT_EQ(one->header("x-service"), "api");
  EXPECT_EQ(one->header("x-version"), "r1");  // GANTRY_VERSION: the revision's version

  // Both replicas get traffic, over new connections and over one kept-alive connection.
  std::set<std::string> fresh, kept;
  EXPECT_TRUE(wait_until([&] {
    if (auto a = get(); a && a->status == 200) fresh.insert(a->header("x-replica"));
    return fresh == std::set<std::string>{"0", "1"};
  })) << "replicas answering: "
      << fresh.size();
  HttpConnection conn(port_);
  EXPECT_TRUE(wait_until([&] {
    auto a = conn.get("/");
    if (!a) return true;  // reported below
    kept.insert(a->header("x-replica"));
    return kept == std::set<std::string>{"0", "1"};
  }));
  EXPECT_TRUE(conn.open()) << conn.error();
  EXPECT_EQ(kept, (std::set<std::string>{"0", "1"}));

  // status shows the proxy port and how many replicas it routes to.
  auto text = run_gantry({"status", "--state-dir", state()});
  EXPECT_NE(text.out.find("ROUTED"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(std::to_string(port_)), std::string::npos) << text.out;
}

TEST_F(ProxyE2eTest, TakesAReplicaThatIsNotReadyOutOfTrafficAndBackIn) {
  write_spec(2);
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_routed(2)) << api().dump(2);
  int replica0_port = 0;
  const json s = api();  // a range-for over a temporary's member would dangle
  for (const auto& r : s["replicas"]) {
    if (r["index"] == 0) replica0_port = r["port"].get<int>();
  }
  ASSERT_GT(replica0_port, 0);
  HttpConnection direct(replica0_port);
  auto set = direct.get("/admin/set?readiness=fail", true);
  ASSERT_TRUE(set && set->status == 200) << direct.error();
  ASSERT_TRUE(wait_until([&] { return api()["routed"] == 1; }, std::chrono::seconds(30)))
      << api().dump(2);
  for (int i = 0; i < 50; ++i) {
    auto a = get();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 200);
    EXPECT_EQ(a->header("x-replica"), "1") << "a not-ready replica got a request";
  }

  HttpConnection again(replica0_port);
  ASSERT_TRUE(again.get("/admin/set?readiness=ok", true));
  EXPECT_TRUE(wait_routed(2)) << api().dump(2);
}

TEST_F(ProxyE2eTest, RestartsASingleReplicaUnderLoadWithoutAFailedRequest) {
  // The new replica takes a while to listen and each answer takes a while, so a restart that
  // did not wait for readiness, or stopped a replica with requests still in flight, would fail
  // some requests.
  write_spec(1, ", \"--slow-start\", \"300ms\", \"--latency\", \"20ms\"");
  ASSERT_EQ(up().exit_code, 0);
  expect_restart_without_failures(1);
}

TEST_F(ProxyE2eTest, RestartsTwoReplicasUnderLoadWithoutAFailedRequest) {
  write_spec(2, ", \"--slow-start\", \"300ms\", \"--latency\", \"20ms\"");
  ASSERT_EQ(up().exit_code, 0);
  expect_restart_without_failures(2);
}

TEST_F(ProxyE2eTest, KeepsTheOldReplicaServingWhenTheNewOneNeverGetsReady) {
  // Replicas started once the marker file exists exit at once: the restart's new replica.
  const std::string marker = dir_.file("broken");
  port_ = free_port();
  std::ofstream(spec_path()) << "project: e2e\n"
                                "services:\n"
                                "  api:\n"
                                "    command: \"test -e '"
                             << marker << "' && exit 3; exec '" << GANTRY_EXAMPLE_APP
                             << "' --port $PORT\"\n"
                                "    port: "
                             << port_
                             << "\n"
                                "    restart: { policy: never }\n"
                                "    health:\n"
                                "      readiness: { http: /health/ready, period: 200ms, "
                                "timeout: 150ms }\n"
                                "proxy: { address: 127.0.0.1 }\n";
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_routed(1)) << api().dump(2);
  const auto before = pids();

  std::ofstream(marker) << "x";
  Load load(port_, 1, 1);
  ASSERT_TRUE(wait_until([&] { return load.ok() >= 10 || load.failed() > 0; }));
  auto restart = run_gantry({"restart", "api", "--state-dir", state()});
  EXPECT_EQ(restart.exit_code, 1) << restart.out << restart.err;
  EXPECT_NE(restart.err.find("did not become ready: exited with status 3"), std::string::npos)
      << restart.err;
  const long after_restart = load.ok();
  ASSERT_TRUE(wait_until([&] { return load.ok() >= after_restart + 10 || load.failed() > 0; }));
  load.finish();
  EXPECT_EQ(load.failed(), 0) << (load.errors().empty() ? "" : load.errors()[0]);
  EXPECT_EQ(pids(), before) << api().dump(2);
  EXPECT_EQ(api()["routed"], 1);
}

TEST_F(ProxyE2eTest, StopClosesTheListener) {
  write_spec(1);
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_routed(1)) << api().dump(2);
  auto before = get();
  ASSERT_TRUE(before && before->status == 200);
  const auto replicas = pids();

  auto stop = run_gantry({"stop", "--state-dir", state()});
  EXPECT_EQ(stop.exit_code, 0) << stop.out << stop.err;
  HttpConnection after(port_);
  EXPECT_FALSE(after.open()) << "the proxy still accepts connections after gantry stop";
  EXPECT_EQ(after.connect_errno(), ECONNREFUSED) << after.error();
  for (int pid : replicas) EXPECT_TRUE(wait_until([&] { return !alive(pid); })) << pid;
}

TEST_F(ProxyE2eTest, RefusesToStartWhenTheServicePortIsTaken) {
  write_spec(1);
  // Someone else listens on the port already.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port_));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(fd, 16), 0);

  auto r = up();
  ::close(fd);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  // One line: where in the spec, which service, which port, and why.
  EXPECT_NE(r.err.find("gantry.yaml:5:11: services.api.port: cannot listen for service api on "
                       "127.0.0.1:" +
                       std::to_string(port_) + ": Address already in use"),
            std::string::npos)
      << r.err;
  // Nothing was started: no daemon answers, no replica wrote a log.
  EXPECT_EQ(run_gantry({"status", "--state-dir", state()}).exit_code, 2);
  EXPECT_FALSE(std::ifstream(state() + "/logs/api-0.log").good());
}

TEST_F(ProxyE2eTest, RefusesAnInvalidWorkerCountFromTheEnvironment) {
  write_spec(1);
  ::setenv("GANTRY_PROXY_WORKERS", "0", 1);
  auto r = up();
  ::unsetenv("GANTRY_PROXY_WORKERS");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("GANTRY_PROXY_WORKERS='0'"), std::string::npos) << r.err;

  ::setenv("GANTRY_PROXY_WORKERS", "3", 1);
  auto ok = up();
  ::unsetenv("GANTRY_PROXY_WORKERS");
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(read_file(state() + "/daemon.log").find("(3 proxy workers)"), std::string::npos)
      << read_file(state() + "/daemon.log");
}

}  // namespace
}  // namespace gantry::testing

// The daemon as a user runs it: `gantry up` with real example-app replicas, status, logs,
// restart, stop, crash loops, liveness restarts, and adoption after kill -9.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "e2e/run_gantry.h"
#include "support/poll.h"

namespace gantry::testing {
namespace {

using nlohmann::json;

class DaemonTest : public ::testing::Test {
 protected:
  void TearDown() override {
    run_gantry({"stop", "--state-dir", state()});
    for (int pid : seen_pids_) {
      if (alive(pid)) ::kill(-pid, SIGKILL);
    }
    int daemon = daemon_pid();
    if (daemon > 0 && alive(daemon)) ::kill(daemon, SIGKILL);
  }

  std::string state() const { return dir_.file("state"); }
  std::string spec_path() const { return dir_.file("gantry.yaml"); }

  void write_spec(const std::string& services) {
    std::ofstream(spec_path()) << "project: e2e\nservices:\n" << services;
  }

  // A service of the example app; extra is appended to the service's map (indented 4).
  static std::string app_service(const std::string& name, int replicas, const std::string& args,
                                 const std::string& extra = "") {
    std::string s = "  " + name + ":\n";
    s += "    command: [\"" + std::string(GANTRY_EXAMPLE_APP) + "\", \"--port\", \"${PORT}\"" +
         args + "]\n";
    s += "    port: " + std::to_string(free_port()) + "\n";  // the proxy listens there
    s += "    replicas: " + std::to_string(replicas) + "\n";
    s += "    stop_timeout: 2s\n";
    s += "    health:\n      readiness: { http: /health/ready, period: 200ms, timeout: 150ms, "
         "failure_threshold: 1 }\n";
    return s + extra;
  }

  RunResult up(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"up", "-f", spec_path(), "--state-dir", state(), "--detach"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_gantry(args);
  }

  json status() {
    auto r = run_gantry({"status", "--state-dir", state(), "--format", "json"});
    if (r.exit_code != 0) return json();
    try {
      auto j = json::parse(r.out);
      for (const auto& s : j["services"]) {
        for (const auto& rep : s["replicas"]) {
          if (rep.value("pid", 0) > 0) seen_pids_.insert(rep["pid"].get<int>());
        }
      }
      return j;
    } catch (...) {
      return json();
    }
  }

  json service(const std::string& name) {
    auto j = status();
    if (!j.is_object()) return json();
    for (const auto& s : j["services"]) {
      if (s["name"] == name) return s;
    }
    return json();
  }

  bool wait_ready(const std::string& name, int n) {
    return wait_until(
        [&] {
          auto s = service(name);
          return s.is_object() && s["ready"].get<int>() == n;
        },
        std::chrono::seconds(30));
  }

  std::vector<int> pids(const std::string& name) {
    std::vector<int> out;
    const json s = service(name);  // a range-for over a temporary's member would dangle
    if (!s.is_object()) return out;
    for (const auto& r : s["replicas"]) out.push_back(r["pid"].get<int>());
    return out;
  }

  int daemon_pid() const {
    std::ifstream in(state() + "/daemon.pid");
    int pid = 0;
    in >> pid;
    return pid;
  }

  TempDir dir_;
  std::set<int> seen_pids_;
};

TEST_F(DaemonTest, StartsEveryReplicaAndStopsThemAll) {
  write_spec(app_service("api", 2, "") +
             "  worker:\n"
             "    command: [\"" +
             std::string(GANTRY_EXAMPLE_APP) +
             "\", \"--worker\"]\n"
             "    health:\n      liveness: { exec: [\"true\"], period: 200ms }\n");
  auto r = up();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(wait_ready("api", 2)) << status().dump(2);
  ASSERT_TRUE(wait_ready("worker", 1)) << status().dump(2);

  auto api = service("api");
  EXPECT_EQ(api["health"], "healthy");
  std::set<int> ports;
  for (const auto& rep : api["replicas"]) {
    EXPECT_TRUE(alive(rep["pid"].get<int>()));
    ports.insert(rep["port"].get<int>());
  }
  EXPECT_EQ(ports.size(), 2u) << "replicas must get their own PORT";

  auto text = run_gantry({"status", "--state-dir", state()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("api"), std::string::npos) << text.out;

  const auto all = pids("api");
  auto stop = run_gantry({"stop", "--state-dir", state()});
  EXPECT_EQ(stop.exit_code, 0) << stop.out << stop.err;
  for (int pid : all) EXPECT_TRUE(wait_until([&] { return !alive(pid); })) << pid;
  auto after = run_gantry({"status", "--state-dir", state()});
  EXPECT_EQ(after.exit_code, 2);
  EXPECT_NE(after.err.find("no daemon"), std::string::npos) << after.err;
}

TEST_F(DaemonTest, StartsADependentOnlyOnceItsDependencyIsReady) {
  write_spec(app_service("api", 1, ", \"--readiness\", \"fail\"") +
             app_service("web", 1, "", "    depends_on: [api]\n"));
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return service("api")["replicas"].size() == 1; }));
  // api never becomes ready on its own: web must not have started.
  const int api_port = service("api")["replicas"][0]["port"].get<int>();
  EXPECT_TRUE(service("web")["replicas"].empty() ||
              service("web")["replicas"][0]["pid"].get<int>() == 0)
      << status().dump(2);
  EXPECT_EQ(std::system(("curl -sf -o /dev/null 'http://127.0.0.1:" + std::to_string(api_port) +
                         "/admin/set?readiness=ok'")
                            .c_str()),
            0);
  EXPECT_TRUE(wait_ready("api", 1));
  EXPECT_TRUE(wait_ready("web", 1)) << status().dump(2);
}

TEST_F(DaemonTest, RestartsAReplicaWhoseLivenessFails) {
  write_spec(
      app_service("api", 1, "",
                  "      liveness: { http: /health/live, period: 200ms, timeout: 150ms, "
                  "failure_threshold: 2 }\n"
                  "    restart: { policy: always, backoff: { initial: 100ms, max: 1s } }\n"));
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_ready("api", 1));
  const auto initial = pids("api");
  ASSERT_EQ(initial.size(), 1u);
  const int first = initial[0];
  const int port = service("api")["replicas"][0]["port"].get<int>();
  std::system(("curl -sf -o /dev/null 'http://127.0.0.1:" + std::to_string(port) +
               "/admin/set?liveness=fail'")
                  .c_str());
  ASSERT_TRUE(wait_until(
      [&] {
        auto p = pids("api");
        return !p.empty() && p[0] != first && p[0] > 0;
      },
      std::chrono::seconds(30)))
      << status().dump(2);
  EXPECT_TRUE(wait_ready("api", 1));
  EXPECT_GE(service("api")["restarts"].get<int>(), 1);
  EXPECT_FALSE(alive(first));
}

TEST_F(DaemonTest, MarksACrashLoopingServiceFailedWithItsLastOutput) {
  write_spec(app_service("api", 1, ", \"--crash-after\", \"50ms\"",
                         "    restart: { policy: on-failure, max_retries: 2, backoff: { initial: "
                         "20ms, max: 50ms } }\n"));
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(
      wait_until([&] { return service("api")["health"] == "failed"; }, std::chrono::seconds(30)))
      << status().dump(2);
  // The reason gets the last output once the replica's log pump has written it.
  std::string failure;
  EXPECT_TRUE(wait_until([&] {
    const json api = service("api");
    if (!api.is_object() || api["replicas"].empty()) return false;
    failure = api["replicas"][0].value("failure", "");
    return failure.find("last output") != std::string::npos;
  })) << failure;
  EXPECT_NE(failure.find("crash loop"), std::string::npos) << failure;
  EXPECT_NE(failure.find("crashing after"), std::string::npos) << "no last log lines: " << failure;
}

TEST_F(DaemonTest, StopsAReplicaThatIgnoresSigterm) {
  write_spec(app_service("api", 1, ", \"--ignore-sigterm\""));
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_ready("api", 1));
  const auto all = pids("api");
  ASSERT_EQ(all.size(), 1u);
  const int pid = all[0];
  EXPECT_EQ(run_gantry({"stop", "--state-dir", state()}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return !alive(pid); }));
}

TEST_F(DaemonTest, AdoptsItsReplicasAfterBeingKilled) {
  write_spec(app_service("api", 2, ""));
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_ready("api", 2));
  const auto before = pids("api");
  const int daemon = daemon_pid();
  ASSERT_GT(daemon, 0);
  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] { return !alive(daemon); }));
  for (int pid : before) EXPECT_TRUE(alive(pid)) << "a replica died with the daemon";

  auto again = up();
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  ASSERT_TRUE(wait_ready("api", 2)) << status().dump(2);
  EXPECT_EQ(pids("api"), before) << "the same processes must serve";
  const json api = service("api");
  for (const auto& rep : api["replicas"]) EXPECT_TRUE(rep["adopted"].get<bool>());
}

TEST_F(DaemonTest, RestartsAReplicaThatDiedWhileTheDaemonWasDown) {
  write_spec(app_service("api", 2, ""));
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_ready("api", 2));
  const auto before = pids("api");
  ASSERT_EQ(before.size(), 2u);
  const int daemon = daemon_pid();
  ::kill(daemon, SIGKILL);
  ASSERT_TRUE(wait_until([&] { return !alive(daemon); }));
  ::kill(-before[1], SIGKILL);
  ASSERT_TRUE(wait_until([&] { return !alive(before[1]); }));

  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_ready("api", 2)) << status().dump(2);
  const auto after = pids("api");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_NE(after[1], before[1]);
  EXPECT_TRUE(alive(after[1]));
}

TEST_F(DaemonTest, RefusesASpecWithLintErrorsAndASecondDaemon) {
  write_spec(app_service("api", 1, "") + app_service("web", 1, ""));
  // Same port for both: a lint error.
  std::string text = read_file(spec_path());
  const auto first = text.find("port: ");
  const auto second = text.find("port: ", first + 1);
  const auto line_end = [&](std::size_t at) { return text.find('\n', at) - at; };
  text.replace(second, line_end(second), text.substr(first, line_end(first)));
  std::ofstream(spec_path()) << text;
  auto refused = up();
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("port-conflict"), std::string::npos) << refused.err;

  write_spec(app_service("api", 1, ""));
  ASSERT_EQ(up().exit_code, 0);
  auto second_daemon = up();
  EXPECT_EQ(second_daemon.exit_code, 2) << second_daemon.out << second_daemon.err;
  EXPECT_NE(second_daemon.err.find("another gantry daemon"), std::string::npos)
      << second_daemon.err;
}

TEST_F(DaemonTest, ShowsReplicaLogsAndRestartsOneAtATime) {
  write_spec(app_service("api", 2, ""));
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_TRUE(wait_ready("api", 2));
  auto logs = run_gantry({"logs", "api", "--state-dir", state()});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_NE(logs.out.find("listening on"), std::string::npos) << logs.out;

  const auto before = pids("api");
  ASSERT_EQ(before.size(), 2u);
  auto restart = run_gantry({"restart", "api", "--state-dir", state()});
  EXPECT_EQ(restart.exit_code, 0) << restart.out << restart.err;
  const auto after = pids("api");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_NE(after[0], before[0]);
  EXPECT_NE(after[1], before[1]);
  EXPECT_EQ(service("api")["ready"], 2);

  auto history = run_gantry({"history", "--state-dir", state(), "--format", "json"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
  EXPECT_NE(history.out.find("api-r1"), std::string::npos) << history.out;
}

}  // namespace
}  // namespace gantry::testing

// ReplicaSupervisor with real processes on a real io_context: restarts, crash loops,
// graceful and forced stops, adoption.
#include "runtime/supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>

#include "core/asio.h"
#include "support/poll.h"

namespace gantry::runtime {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gantry-supervisor-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  ReplicaConfig config(std::vector<std::string> argv) {
    ReplicaConfig c;
    c.service = "api";
    c.index = 0;
    c.version = "v1";
    c.spawn.argv = std::move(argv);
    c.spawn.env = {{"PATH", "/usr/bin:/bin"}, {"PORT", "0"}};
    c.spawn.log.path = dir_ + "/api-0.log";
    c.spawn.log_pump = {GANTRY_BINARY, "__log-pump"};
    c.restart.initial = 10ms;
    c.restart.max = 50ms;
    c.restart.jitter = 0;
    c.stop_timeout = 200ms;
    return c;
  }

  // Runs the loop until pred holds (or a generous deadline passes).
  bool run_until(const std::function<bool()>& pred, std::chrono::seconds limit = 20s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io_.restart();
      io_.run_for(10ms);
    }
    return true;
  }

  asio::io_context io_;
  std::string dir_;
};

TEST_F(SupervisorTest, RestartsACrashedReplicaAndThenGivesUpOnACrashLoop) {
  auto c = config({"/bin/sh", "-c", "echo booting; echo broken config >&2; exit 3"});
  c.restart.max_retries = 2;
  int starts = 0;
  std::string failure;
  ReplicaObserver obs;
  obs.on_started = [&](const ReplicaStatus&) { ++starts; };
  obs.on_failed = [&](const ReplicaStatus& s) { failure = s.failure; };
  auto sup = ReplicaSupervisor::create(io_, c, obs);
  ASSERT_TRUE(sup->start());
  ASSERT_TRUE(run_until([&] { return !failure.empty(); }));
  EXPECT_EQ(starts, 3);  // the first start and two restarts
  EXPECT_EQ(sup->status().phase, ReplicaPhase::Failed);
  EXPECT_EQ(sup->status().restarts, 2);
  EXPECT_NE(failure.find("crash loop"), std::string::npos) << failure;
  EXPECT_NE(failure.find("exited with status 3"), std::string::npos) << failure;
  EXPECT_NE(failure.find("broken config"), std::string::npos) << "no last log lines: " << failure;
}

TEST_F(SupervisorTest, DoesNotRestartACleanExitUnderOnFailure) {
  auto c = config({"/bin/true"});
  bool exited = false;
  ReplicaObserver obs;
  obs.on_exited = [&](const ReplicaStatus&, const RestartDecision& d) {
    exited = true;
    EXPECT_EQ(d.action, RestartDecision::Action::Stop);
  };
  auto sup = ReplicaSupervisor::create(io_, c, obs);
  ASSERT_TRUE(sup->start());
  ASSERT_TRUE(run_until([&] { return exited; }));
  EXPECT_EQ(sup->status().phase, ReplicaPhase::Stopped);
  EXPECT_TRUE(sup->status().last_exit.known);
  EXPECT_EQ(sup->status().last_exit.code, 0);
}

TEST_F(SupervisorTest, StopsGracefullyWithSigterm) {
  auto sup = ReplicaSupervisor::create(io_, config({GANTRY_EXAMPLE_APP}), {});
  ASSERT_TRUE(sup->start());
  const auto pid = sup->status().process;
  // SIGTERM before the app installs its handler would kill it outright: wait until it runs.
  ASSERT_TRUE(testing::wait_until([&] {
    return testing::read_file(dir_ + "/api-0.log").find("listening") != std::string::npos;
  }));
  bool stopped = false;
  sup->stop([&] { stopped = true; });
  ASSERT_TRUE(run_until([&] { return stopped; }));
  EXPECT_FALSE(is_same_process(pid));
  EXPECT_FALSE(sup->status().last_exit.signaled) << "needed SIGKILL";
  EXPECT_EQ(sup->status().last_exit.code, 0);
}

TEST_F(SupervisorTest, KillsAReplicaThatIgnoresSigtermAfterTheStopTimeout) {
  auto sup = ReplicaSupervisor::create(io_, config({GANTRY_EXAMPLE_APP, "--ignore-sigterm"}), {});
  ASSERT_TRUE(sup->start());
  // Wait until the app runs (it ignores SIGTERM only once started).
  ASSERT_TRUE(testing::wait_until([&] {
    return testing::read_file(dir_ + "/api-0.log").find("listening") != std::string::npos;
  }));
  bool stopped = false;
  sup->stop([&] { stopped = true; });
  ASSERT_TRUE(run_until([&] { return stopped; }));
  EXPECT_TRUE(sup->status().last_exit.signaled);
  EXPECT_EQ(sup->status().last_exit.code, SIGKILL);
  EXPECT_FALSE(group_alive(sup->status().process.pgid));
}

TEST_F(SupervisorTest, StopKillsChildrenLeftInTheGroup) {
  // The shell starts a sleeper in the background and exits on TERM; the sleeper stays.
  auto sup = ReplicaSupervisor::create(
      io_, config({"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 300 & echo started; wait"}), {});
  ASSERT_TRUE(sup->start());
  ASSERT_TRUE(testing::wait_until([&] {
    return testing::read_file(dir_ + "/api-0.log").find("started") != std::string::npos;
  }));
  bool stopped = false;
  sup->stop([&] { stopped = true; });
  ASSERT_TRUE(run_until([&] { return stopped; }));
  EXPECT_FALSE(group_alive(sup->status().process.pgid));
}

TEST_F(SupervisorTest, AdoptsARunningProcessAndNoticesItsExit) {
  auto first = ReplicaSupervisor::create(io_, config({GANTRY_EXAMPLE_APP}), {});
  ASSERT_TRUE(first->start());
  const ProcessId pid = first->status().process;

  asio::io_context other;
  bool exited = false;
  ReplicaObserver obs;
  obs.on_exited = [&](const ReplicaStatus&, const RestartDecision&) { exited = true; };
  auto adopted = ReplicaSupervisor::create(other, config({GANTRY_EXAMPLE_APP}), obs);
  ASSERT_TRUE(adopted->adopt(pid, 0));
  EXPECT_TRUE(adopted->status().adopted);

  ProcessId wrong = pid;
  wrong.start_time += 7;
  auto refused = ReplicaSupervisor::create(other, config({GANTRY_EXAMPLE_APP}), {});
  EXPECT_FALSE(refused->adopt(wrong, 0));

  ::kill(-pid.pgid, SIGKILL);
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (!exited && std::chrono::steady_clock::now() < end) {
    io_.restart();
    io_.run_for(5ms);  // the first supervisor reaps its child
    other.restart();
    other.run_for(5ms);
  }
  EXPECT_TRUE(exited);
}

}  // namespace
}  // namespace gantry::runtime

// Exec probes: exit codes, output in the detail, timeouts that kill the whole process group,
// and no zombie left behind.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "probe_test_util.h"

namespace gantry::probe {
namespace {

using namespace testing;

ProbeConfig exec_config(std::vector<std::string> argv) {
  ProbeConfig c;
  c.kind = ProbeKind::Exec;
  c.exec.argv = std::move(argv);
  c.timeout = 10s;
  return c;
}

// True when this process has no child at all, running or zombie.
bool no_children_left() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

// True once `pid` is gone or only a zombie of some other parent (its group was killed).
bool process_gone(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    const auto close = line.rfind(')');
    if (close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z') {
      return true;
    }
    ::sched_yield();
  }
  return false;
}

class ExecProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gantry-exec-probe-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string dir_;
};

TEST_F(ExecProbeTest, ExitZeroSucceeds) {
  const auto r = probe_once(exec_config({"true"}));
  EXPECT_EQ(r.outcome, Outcome::Success) << r.detail;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.detail, "exit 0");
  EXPECT_TRUE(no_children_left());
}

TEST_F(ExecProbeTest, NonZeroExitFailsWithLastOutputLine) {
  const auto r = probe_once(exec_config({"sh", "-c", "echo checking; echo 'db down' >&2; exit 1"}));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.detail, "exit 1: db down");
  EXPECT_TRUE(no_children_left());
}

TEST_F(ExecProbeTest, SilentFailureSaysExitCode) {
  const auto r = probe_once(exec_config({"false"}));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "exit 1");
}

TEST_F(ExecProbeTest, KilledBySignalFails) {
  const auto r = probe_once(exec_config({"sh", "-c", "kill -SEGV $$"}));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "killed by SIGSEGV");
  EXPECT_EQ(r.exit_code, -1);
}

TEST_F(ExecProbeTest, MissingProgramFails) {
  const auto r = probe_once(exec_config({"/nonexistent/gantry-check"}));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "cannot run '/nonexistent/gantry-check': No such file or directory");
  EXPECT_TRUE(no_children_left());
}

TEST_F(ExecProbeTest, EmptyCommandFails) {
  const auto r = probe_once(exec_config({}));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "no command to run");
}

TEST_F(ExecProbeTest, HangIsKilledByTimeoutWithItsGroupAndReaped) {
  const std::string pid_file = dir_ + "/grandchild.pid";
  auto c = exec_config({"sh", "-c", "sleep 600 & echo $! > " + pid_file + "; wait"});
  c.timeout = 300ms;
  const auto r = probe_once(c);
  EXPECT_EQ(r.outcome, Outcome::Timeout);
  EXPECT_EQ(r.detail, "timed out after 300ms");
  EXPECT_TRUE(no_children_left());
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  ASSERT_TRUE(in >> grandchild) << "the command did not start its background child";
  EXPECT_TRUE(process_gone(grandchild)) << "the background sleep survived the timeout";
}

TEST_F(ExecProbeTest, CancelKillsAndReapsWithoutCallback) {
  const std::string ready_file = dir_ + "/started";
  boost::asio::io_context io;
  bool called = false;
  auto config = exec_config({"sh", "-c", "touch " + ready_file + "; echo started; exec sleep 600"});
  config.timeout = 600s;  // only cancel() may end it
  auto handle = run_probe(io, config, [&](ProbeResult) { called = true; });
  // Let the command start (its output wakes the io_context), then cancel it.
  ASSERT_TRUE(run_until(io, [&] { return ::access(ready_file.c_str(), F_OK) == 0; }));
  EXPECT_TRUE(handle.active());
  handle.cancel();
  io.run_for(60s);  // returns once the child is reaped and nothing is left to do
  EXPECT_FALSE(called);
  EXPECT_TRUE(no_children_left());
}

TEST_F(ExecProbeTest, DestroyingTheIoContextMidProbeReapsTheChild) {
  {
    boost::asio::io_context io;
    run_probe(io, exec_config({"sleep", "600"}), [](ProbeResult) {});
    io.poll();
  }
  EXPECT_TRUE(no_children_left());
}

}  // namespace
}  // namespace gantry::probe

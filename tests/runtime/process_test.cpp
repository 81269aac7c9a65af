// Real processes: spawning with a log pump, identity by start time, group signals, rotation.
#include "runtime/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "runtime/log_pump.h"
#include "support/poll.h"

namespace gantry::runtime {
namespace {

using gantry::testing::read_file;
using gantry::testing::wait_until;

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gantry-runtime-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (int pgid : groups_) ::kill(-pgid, SIGKILL);
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  SpawnOptions options(std::vector<std::string> argv) {
    SpawnOptions o;
    o.argv = std::move(argv);
    o.env = {{"PATH", "/usr/bin:/bin"}, {"PORT", "0"}, {"GANTRY_SERVICE", "api"}};
    o.log.path = dir_ + "/api-0.log";
    o.log_pump = {GANTRY_BINARY, "__log-pump"};
    return o;
  }
  Spawned spawn(const SpawnOptions& o) {
    auto s = spawn_process(o);
    EXPECT_TRUE(s) << s.error().str();
    if (!s) return {};
    groups_.push_back(s->process.pgid);
    return *s;
  }
  static int reap(int pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }
  std::string dir_;
  std::vector<int> groups_;
};

TEST_F(ProcessTest, SpawnsIntoItsOwnGroupWithTimestampedLogs) {
  auto s = spawn(options({GANTRY_EXAMPLE_APP}));
  ASSERT_GT(s.process.pid, 0);
  EXPECT_EQ(s.process.pgid, s.process.pid);
  EXPECT_EQ(::getpgid(s.process.pid), s.process.pid);
  EXPECT_GT(s.process.start_time, 0u);
  EXPECT_TRUE(is_same_process(s.process));
  const auto log = dir_ + "/api-0.log";
  ASSERT_TRUE(wait_until([&] { return read_file(log).find("listening on") != std::string::npos; }))
      << read_file(log);
  LogLine line;
  const auto text = read_file(log);
  ASSERT_TRUE(parse_log_line(text.substr(0, text.find('\n')), line)) << text;
  EXPECT_EQ(line.stream, "out");
  EXPECT_NE(line.text.find("example-app api"), std::string::npos);

  ASSERT_TRUE(signal_group(s.process.pgid, SIGTERM));
  const int status = reap(s.process.pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(is_same_process(s.process));
  reap(s.pump_pid);  // the pump ends when the replica's pipes close
  EXPECT_NE(read_file(log).find("signal 15, stopping"), std::string::npos) << read_file(log);
}

TEST_F(ProcessTest, TheLogPumpWritesMaskedStringsAsStars) {
  const std::string secret = std::string("hunter2-") + "9f8e7d6c";
  auto o = options({"/bin/sh", "-c", "echo \"db=$DB_PASSWORD and again $DB_PASSWORD\"; echo done"});
  o.env.emplace_back("DB_PASSWORD", secret);
  o.log.mask = {secret};
  auto s = spawn(o);
  ASSERT_GT(s.process.pid, 0);
  reap(s.process.pid);
  reap(s.pump_pid);
  const std::string log = read_file(dir_ + "/api-0.log");
  EXPECT_NE(log.find("db=*** and again ***"), std::string::npos) << log;
  EXPECT_EQ(log.find(secret), std::string::npos) << log;
  // Not in the pump's argv or environment either: it got the mask on a pipe.
  EXPECT_NE(log.find("done"), std::string::npos) << log;
}

// Regression: the proxy's listening sockets (opened without CLOEXEC) lived on in every
// replica and log pump, so a closed listener still accepted connections nobody served, and
// after the daemon was killed its port stayed bound.
TEST_F(ProcessTest, AReplicaAndItsPumpInheritNoDescriptorOfTheDaemon) {
  int leaky[2];
  ASSERT_EQ(::pipe(leaky), 0);  // no O_CLOEXEC, like a socket Asio opens
  auto target = [](const std::string& link) {
    char buf[256] = {};
    const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  };
  const std::string pipe_name = target("/proc/self/fd/" + std::to_string(leaky[0]));
  ASSERT_NE(pipe_name.find("pipe:"), std::string::npos) << pipe_name;
  auto s = spawn(options({"/bin/sleep", "30"}));
  // Which of pid's descriptors are the leaky pipe.
  auto holds_pipe = [&](int pid) {
    std::vector<int> fds;
    const std::string dir = "/proc/" + std::to_string(pid) + "/fd/";
    for (int fd = 0; fd < 1024; ++fd) {
      if (target(dir + std::to_string(fd)) == pipe_name) fds.push_back(fd);
    }
    return fds;
  };
  // The exec has happened once the command line is the new program's.
  ASSERT_TRUE(wait_until([&] {
    return read_file("/proc/" + std::to_string(s.process.pid) + "/cmdline").find("sleep") !=
           std::string::npos;
  }));
  EXPECT_EQ(holds_pipe(s.process.pid), std::vector<int>{}) << "the replica holds it";
  EXPECT_EQ(holds_pipe(s.pump_pid), std::vector<int>{}) << "the log pump holds it";
  ::close(leaky[0]);
  ::close(leaky[1]);
}

TEST_F(ProcessTest, AReusedPidIsNotTheSameProcess) {
  auto s = spawn(options({GANTRY_EXAMPLE_APP}));
  ProcessId other = s.process;
  other.start_time += 1;
  EXPECT_FALSE(is_same_process(other));
  EXPECT_TRUE(is_same_process(s.process));
  ::kill(-s.process.pgid, SIGKILL);
  reap(s.process.pid);
  reap(s.pump_pid);
}

TEST_F(ProcessTest, ExplainsACommandThatCannotStart) {
  auto missing = spawn_process(options({"definitely-not-a-command-xyz"}));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("command not found: definitely-not-a-command-xyz"),
            std::string::npos);

  const std::string plain = dir_ + "/plain-file";
  std::system(("echo data > '" + plain + "' && chmod 0644 '" + plain + "'").c_str());
  auto not_exec = spawn_process(options({plain}));
  ASSERT_FALSE(not_exec);
  EXPECT_NE(not_exec.error().message.find("Permission denied"), std::string::npos)
      << not_exec.error().message;

  auto o = options({"/bin/true"});
  o.workdir = dir_ + "/no-such-dir";
  auto bad_dir = spawn_process(o);
  ASSERT_FALSE(bad_dir);
  EXPECT_NE(bad_dir.error().message.find("no-such-dir"), std::string::npos);
}

TEST_F(ProcessTest, SeparatesStdoutAndStderrAndKeepsAnUnterminatedLastLine) {
  auto s = spawn(options({"/bin/sh", "-c", "echo to-out; echo to-err >&2; printf tail"}));
  reap(s.process.pid);
  reap(s.pump_pid);
  auto lines = read_log(dir_ + "/api-0.log", {}, 100);
  ASSERT_TRUE(lines);
  std::map<std::string, std::string> by_text;
  for (const auto& l : *lines) by_text[l.text] = l.stream;
  EXPECT_EQ(by_text["to-out"], "out");
  EXPECT_EQ(by_text["to-err"], "err");
  EXPECT_EQ(by_text["tail"], "out");
}

TEST_F(ProcessTest, RotatesLogsBySizeKeepingTheConfiguredCount) {
  auto o =
      options({"/bin/sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done"});
  o.log.max_bytes = 8 * 1024;
  o.log.keep = 2;
  auto s = spawn(o);
  reap(s.process.pid);
  reap(s.pump_pid);
  const auto log = dir_ + "/api-0.log";
  EXPECT_EQ(::access((log + ".1").c_str(), F_OK), 0);
  EXPECT_EQ(::access((log + ".2").c_str(), F_OK), 0);
  EXPECT_NE(::access((log + ".3").c_str(), F_OK), 0) << "kept more rotated files than asked";
  EXPECT_LE(read_file(log).size(), 8u * 1024);
  auto lines = read_log(log, {}, 5);
  ASSERT_TRUE(lines);
  ASSERT_EQ(lines->size(), 5u);
  EXPECT_EQ(lines->back().text, "line-1999");
}

TEST_F(ProcessTest, ReadsUsageFromProc) {
  auto s = spawn(options({GANTRY_EXAMPLE_APP}));
  // Right after exec the new image may not have touched a page yet.
  EXPECT_TRUE(wait_until([&] {
    auto usage = read_usage(s.process.pid);
    return usage && usage->rss_bytes > 0;
  }));
  ::kill(-s.process.pgid, SIGKILL);
  reap(s.process.pid);
  reap(s.pump_pid);
  EXPECT_FALSE(read_usage(s.process.pid));
}

}  // namespace
}  // namespace gantry::runtime

// ProbeLoop: thresholds, state changes reported once, stop/destroy from callbacks, and many
// loops on one io_context without extra threads.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "probe_test_util.h"

namespace gantry::probe {
namespace {

using namespace testing;

ProbeConfig loop_config(int port) {
  auto c = http_config(port);
  c.period = 20ms;
  c.timeout = 5s;
  return c;
}

int threads_in_process() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

TEST(ProbeLoop, StateIsUnknownUntilAThresholdIsReached) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  boost::asio::io_context io;
  auto c = loop_config(app.port());
  c.success_threshold = 3;
  std::vector<std::optional<bool>> state_after_each;
  std::vector<bool> changes;
  ProbeLoop loop(io, c, [&](bool passing, const ProbeResult&) { changes.push_back(passing); });
  loop.on_result([&](const ProbeResult&) { state_after_each.push_back(loop.passing()); });
  EXPECT_FALSE(loop.passing().has_value());
  loop.start();
  ASSERT_TRUE(run_until(io, [&] { return !changes.empty(); }));
  loop.stop();
  // on_result runs before the state is updated: the 3rd success is what flips it.
  ASSERT_EQ(state_after_each.size(), 3u);
  EXPECT_FALSE(state_after_each[2].has_value());
  EXPECT_EQ(changes, std::vector<bool>{true});
  EXPECT_EQ(loop.passing(), true);
  EXPECT_EQ(loop.consecutive_successes(), 3);
  EXPECT_EQ(loop.probes_run(), 3u);
  ASSERT_TRUE(loop.last_result().has_value());
  EXPECT_EQ(loop.last_result()->detail, "HTTP 200");
}

TEST(ProbeLoop, LooksAgainSoonWhileAFreshProcessComesUpWithoutSpendingItsBudget) {
  // A replica not listening yet: the first period's failures are retried quickly (a deploy
  // does not wait a whole readiness period for its first verdict) and do not count against
  // failure_threshold (a startup budget keeps its length).
  boost::asio::io_context io;
  auto c = loop_config(closed_port());
  c.period = 60s;
  c.failure_threshold = 1;
  ProbeLoop loop(io, c, [](bool, const ProbeResult&) {});
  loop.start();
  ASSERT_TRUE(run_until(io, [&] { return loop.probes_run() >= 3; }));
  loop.stop();
  EXPECT_FALSE(loop.passing().has_value());
  EXPECT_EQ(loop.consecutive_failures(), 0);
}

TEST(ProbeLoop, FlipsToFailingOnlyAfterFailureThresholdAndBack) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  boost::asio::io_context io;
  auto c = loop_config(app.port());
  c.failure_threshold = 3;
  c.success_threshold = 2;

  struct Change {
    bool passing;
    int failures_seen;  // failed probes observed so far
    int successes_after_recovery;
    std::string detail;
  };
  std::vector<Change> changes;
  int failures_seen = 0;
  int successes_after_recovery = 0;
  bool recovering = false;
  std::unique_ptr<ProbeLoop> loop;
  // The loop pauses while the app is flipped, so no probe races the change.
  auto flip = [&](const std::string& query) {
    loop->stop();
    run_probe(io, http_config(app.port(), "/admin/set?" + query), [&](ProbeResult r) {
      EXPECT_TRUE(r.ok()) << r.detail;
      loop->start();
    });
  };
  loop = std::make_unique<ProbeLoop>(io, c, [&](bool passing, const ProbeResult& last) {
    changes.push_back({passing, failures_seen, successes_after_recovery, last.detail});
    if (passing && changes.size() == 1) flip("health=fail");
    if (!passing) {
      recovering = true;
      flip("health=ok");
    }
  });
  loop->on_result([&](const ProbeResult& r) {
    if (!r.ok()) ++failures_seen;
    if (r.ok() && recovering) ++successes_after_recovery;
  });
  loop->start();
  ASSERT_TRUE(run_until(io, [&] { return changes.size() >= 3; }));
  loop->stop();

  ASSERT_EQ(changes.size(), 3u);
  EXPECT_TRUE(changes[0].passing);
  EXPECT_EQ(changes[0].failures_seen, 0);
  EXPECT_FALSE(changes[1].passing);
  EXPECT_EQ(changes[1].failures_seen, 3);  // not after 1 or 2
  EXPECT_EQ(changes[1].detail, "HTTP 503");
  EXPECT_TRUE(changes[2].passing);
  EXPECT_EQ(changes[2].successes_after_recovery, 2);
  EXPECT_EQ(changes[2].failures_seen, 3);  // no failure in between: counts reset
}

TEST(ProbeLoop, TimeoutsCountAsFailures) {
  ExampleApp app({"--health", "hang"});
  ASSERT_TRUE(app.ready()) << app.output();
  boost::asio::io_context io;
  auto c = loop_config(app.port());
  c.timeout = 100ms;
  c.failure_threshold = 2;
  std::optional<bool> reported;
  ProbeLoop loop(io, c, [&](bool passing, const ProbeResult&) { reported = passing; });
  loop.start();
  ASSERT_TRUE(run_until(io, [&] { return reported.has_value(); }));
  EXPECT_EQ(reported, false);
  EXPECT_EQ(loop.consecutive_failures(), 2);
  EXPECT_EQ(loop.last_result()->outcome, Outcome::Timeout);
}

TEST(ProbeLoop, StopCancelsInFlightProbeAndNoCallbackFollows) {
  ExampleApp app({"--health", "hang"});
  ASSERT_TRUE(app.ready()) << app.output();
  boost::asio::io_context io;
  auto c = loop_config(app.port());
  c.timeout = 60s;
  int results = 0;
  ProbeLoop loop(io, c, [&](bool, const ProbeResult&) { ++results; });
  loop.on_result([&](const ProbeResult&) { ++results; });
  loop.start();
  io.poll();  // the first probe starts (connecting, or waiting on the hanging endpoint)
  io.poll();
  loop.stop();
  EXPECT_FALSE(loop.running());
  io.run_for(60s);  // returns only when no probe or timer is left
  EXPECT_EQ(results, 0);
  EXPECT_EQ(loop.probes_run(), 0u);
}

TEST(ProbeLoop, MayBeDestroyedFromItsOwnCallback) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  boost::asio::io_context io;
  std::unique_ptr<ProbeLoop> loop;
  int changes = 0;
  loop = std::make_unique<ProbeLoop>(io, loop_config(app.port()), [&](bool, const ProbeResult&) {
    ++changes;
    loop.reset();
  });
  loop->start();
  io.run_for(60s);
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(loop, nullptr);
}

TEST(ProbeLoop, RestartsAfterStop) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  boost::asio::io_context io;
  int changes = 0;
  ProbeLoop loop(io, loop_config(app.port()), [&](bool, const ProbeResult&) { ++changes; });
  loop.start();
  ASSERT_TRUE(run_until(io, [&] { return changes == 1; }));
  loop.stop();
  const auto runs = loop.probes_run();
  loop.start();
  ASSERT_TRUE(run_until(io, [&] { return loop.probes_run() > runs + 2; }));
  loop.stop();
  EXPECT_EQ(changes, 1);  // still passing: no new change
  EXPECT_EQ(loop.passing(), true);
}

TEST(ProbeLoop, TwoHundredLoopsOnOneIoContextAllPassWithoutExtraThreads) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  boost::asio::io_context io;
  const int threads_before = threads_in_process();
  constexpr int kLoops = 200;
  auto c = loop_config(app.port());
  c.period = 100ms;
  c.success_threshold = 2;
  int passing = 0;
  int max_threads = threads_before;
  std::vector<std::unique_ptr<ProbeLoop>> loops;
  for (int i = 0; i < kLoops; ++i) {
    loops.push_back(std::make_unique<ProbeLoop>(io, c, [&](bool ok, const ProbeResult&) {
      if (ok) ++passing;
      max_threads = std::max(max_threads, threads_in_process());
    }));
    loops.back()->start();
  }
  ASSERT_TRUE(run_until(io, [&] { return passing == kLoops; }))
      << passing << " of " << kLoops << " passing";
  for (auto& l : loops) l->stop();
  EXPECT_EQ(max_threads, threads_before);
  for (auto& l : loops) EXPECT_EQ(l->passing(), true);
}

}  // namespace
}  // namespace gantry::probe

#include "runtime/restart_policy.h"

#include <gtest/gtest.h>

namespace gantry::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

RestartConfig config(RestartConfig::Mode mode) {
  RestartConfig c;
  c.mode = mode;
  c.max_retries = 3;
  c.initial = milliseconds(1000);
  c.max = milliseconds(5000);
  c.multiplier = 2.0;
  c.jitter = 0.0;
  c.stable_after = seconds(30);
  return c;
}

const Clock::time_point t0{};
const ExitInfo kCrash{false, 3, true};
const ExitInfo kClean{false, 0, true};

TEST(RestartPolicy, BacksOffExponentiallyUpToTheMaximum) {
  RestartTracker t(config(RestartConfig::Mode::OnFailure));
  auto d1 = t.on_exit(kCrash, t0, t0 + seconds(1), 0.5);
  auto d2 = t.on_exit(kCrash, t0, t0 + seconds(1), 0.5);
  auto d3 = t.on_exit(kCrash, t0, t0 + seconds(1), 0.5);
  EXPECT_EQ(d1.action, RestartDecision::Action::Restart);
  EXPECT_EQ(d1.delay, milliseconds(1000));
  EXPECT_EQ(d2.delay, milliseconds(2000));
  EXPECT_EQ(d3.delay, milliseconds(4000));
  EXPECT_EQ(d3.attempt, 3);
}

TEST(RestartPolicy, CapsTheDelayAtMax) {
  auto c = config(RestartConfig::Mode::Always);
  c.max_retries = 100;
  RestartTracker t(c);
  RestartDecision d;
  for (int i = 0; i < 10; ++i) d = t.on_exit(kCrash, t0, t0 + seconds(1), 0.5);
  EXPECT_EQ(d.delay, milliseconds(5000));
}

TEST(RestartPolicy, SpreadsDelaysByJitter) {
  auto c = config(RestartConfig::Mode::Always);
  c.jitter = 0.2;
  RestartTracker low(c), high(c);
  EXPECT_EQ(low.on_exit(kCrash, t0, t0, 0.0).delay, milliseconds(800));
  EXPECT_EQ(high.on_exit(kCrash, t0, t0, 1.0).delay, milliseconds(1200));
}

TEST(RestartPolicy, GivesUpOnACrashLoopNamingTheLastExit) {
  RestartTracker t(config(RestartConfig::Mode::OnFailure));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.on_exit(kCrash, t0, t0 + seconds(1), 0.5).action, RestartDecision::Action::Restart);
  }
  auto d = t.on_exit(kCrash, t0, t0 + seconds(1), 0.5);
  EXPECT_EQ(d.action, RestartDecision::Action::GiveUp);
  EXPECT_NE(d.reason.find("crash loop"), std::string::npos);
  EXPECT_NE(d.reason.find("exited with status 3"), std::string::npos);
}

TEST(RestartPolicy, AStableRunResetsTheCount) {
  RestartTracker t(config(RestartConfig::Mode::OnFailure));
  for (int i = 0; i < 3; ++i) t.on_exit(kCrash, t0, t0 + seconds(1), 0.5);
  auto d = t.on_exit(kCrash, t0, t0 + seconds(60), 0.5);
  EXPECT_EQ(d.action, RestartDecision::Action::Restart);
  EXPECT_EQ(d.delay, milliseconds(1000));
}

TEST(RestartPolicy, FollowsTheMode) {
  RestartTracker never(config(RestartConfig::Mode::Never));
  EXPECT_EQ(never.on_exit(kCrash, t0, t0, 0.5).action, RestartDecision::Action::Stop);
  RestartTracker on_failure(config(RestartConfig::Mode::OnFailure));
  EXPECT_EQ(on_failure.on_exit(kClean, t0, t0, 0.5).action, RestartDecision::Action::Stop);
  EXPECT_EQ(on_failure.on_exit(ExitInfo{true, 9, true}, t0, t0, 0.5).action,
            RestartDecision::Action::Restart);
  RestartTracker always(config(RestartConfig::Mode::Always));
  EXPECT_EQ(always.on_exit(kClean, t0, t0, 0.5).action, RestartDecision::Action::Restart);
}

TEST(RestartPolicy, DescribesExits) {
  EXPECT_EQ(kCrash.describe(), "exited with status 3");
  EXPECT_EQ((ExitInfo{true, 9, true}).describe(), "killed by signal 9 (SIGKILL)");
}

}  // namespace
}  // namespace gantry::runtime

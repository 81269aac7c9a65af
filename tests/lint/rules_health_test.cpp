// Health rules: missing-readiness, strategy-without-readiness, probe-timeout, startup-budget.
#include <gtest/gtest.h>

#include "lint/spec_builder.h"

namespace gantry::lint {
namespace {

using namespace testing;
using namespace std::chrono_literals;

TEST(LintHealth, WarnsAboutAServiceWithAPortButNoReadiness) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.health.readiness.reset();
  auto found = lint_rule(s, "missing-readiness");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::Warning);
  EXPECT_TRUE(lint_rule(s, "strategy-without-readiness").empty())
      << "the default strategy is not written, so the milder rule applies";
}

TEST(LintHealth, AcceptsAWorkerWithoutAPortOrReadiness) {
  auto s = make_spec();
  auto& worker = add_service(s, "worker", 10);
  worker.health.readiness.reset();
  EXPECT_TRUE(lint_spec(s).empty());
}

TEST(LintHealth, FlagsAWrittenCanaryStrategyWithoutReadiness) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.health.readiness.reset();
  api.strategy.kind = spec::StrategyKind::BlueGreen;
  at(s, "services.api.strategy", 30);
  auto found = lint_rule(s, "strategy-without-readiness");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::Error);
  EXPECT_EQ(found[0].where.line, 30);
  EXPECT_TRUE(lint_rule(s, "missing-readiness").empty());
}

TEST(LintHealth, AcceptsRecreateWithoutReadinessAsAWarningOnly) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.health.readiness.reset();
  api.strategy.kind = spec::StrategyKind::Recreate;
  at(s, "services.api.strategy", 30);
  EXPECT_TRUE(lint_rule(s, "strategy-without-readiness").empty());
  EXPECT_EQ(lint_rule(s, "missing-readiness").size(), 1u);
}

TEST(LintHealth, FlagsAProbeTimeoutNotShorterThanItsPeriod) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.health.readiness->timeout = 2s;
  api.health.readiness->period = 2s;
  at(s, "services.api.health.readiness.timeout", 18, 40);
  auto found = lint_rule(s, "probe-timeout");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where, (Location{"gantry.yaml", 18, 40}));
  EXPECT_NE(found[0].message.find("timeout 2s is not shorter than period 2s"), std::string::npos)
      << found[0].message;
}

TEST(LintHealth, LeavesAnUnwrittenDefaultTimeoutToTheProber) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.health.startup = spec::Probe{};
  api.health.startup->period = 1s;  // timeout: the default 1s, not written
  api.health.startup->failure_threshold = 60;
  EXPECT_TRUE(lint_rule(s, "probe-timeout").empty());
}

TEST(LintHealth, AcceptsATimeoutShorterThanThePeriod) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.health.liveness = spec::Probe{};
  api.health.liveness->period = 10s;
  api.health.liveness->timeout = 9s;
  EXPECT_TRUE(lint_rule(s, "probe-timeout").empty());
}

TEST(LintHealth, WarnsWhenTheStartupBudgetIsShorterThanTheBackoffMax) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.health.startup = spec::Probe{};
  api.health.startup->period = 1s;
  api.health.startup->failure_threshold = 10;
  api.restart.backoff.max = 60s;
  auto found = lint_rule(s, "startup-budget");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("10s"), std::string::npos) << found[0].message;
  EXPECT_NE(found[0].message.find("1m"), std::string::npos) << found[0].message;
}

TEST(LintHealth, AcceptsAStartupBudgetThatCoversTheBackoff) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8080);
  api.health.startup = spec::Probe{};
  api.health.startup->period = 1s;
  api.health.startup->failure_threshold = 30;
  api.restart.backoff.max = 20s;
  EXPECT_TRUE(lint_rule(s, "startup-budget").empty());

  api.restart.backoff.max = 60s;
  api.restart.policy = spec::RestartPolicy::Never;  // never restarted: no backoff to cover
  EXPECT_TRUE(lint_rule(s, "startup-budget").empty());
}

}  // namespace
}  // namespace gantry::lint

// Canary strategy rules.
#include <gtest/gtest.h>

#include "lint/spec_builder.h"

namespace gantry::lint {
namespace {

using namespace testing;
using Kind = spec::CanaryStep::Kind;
using namespace std::chrono_literals;

spec::CanaryStep weight(int w) { return {Kind::Weight, w, {}}; }
spec::CanaryStep step(Kind k) { return {k, 0, 30s}; }

spec::Spec canary(std::vector<spec::CanaryStep> steps, std::string env = "") {
  auto s = make_spec(env);
  auto& api = add_service(s, "api", 10, 8080);
  api.strategy.kind = spec::StrategyKind::Canary;
  api.strategy.steps = std::move(steps);
  at(s, "services.api.strategy", 20);
  at(s, "services.api.strategy.canary", 21);
  at(s, "services.api.strategy.canary.steps", 22, 7);
  for (std::size_t i = 0; i < s.services[0].strategy.steps.size(); ++i) {
    at(s, "services.api.strategy.canary.steps." + std::to_string(i), 22,
       static_cast<int>(16 + 14 * i));
  }
  return s;
}

TEST(LintStrategy, AcceptsAWellFormedCanary) {
  EXPECT_TRUE(lint_spec(canary({weight(10), step(Kind::Pause), weight(50), weight(100)})).empty());
}

TEST(LintStrategy, FlagsACanaryThatNeverReachesFullWeight) {
  auto found = lint_rule(canary({weight(10), step(Kind::Pause), weight(50)}), "canary-never-full");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("ends at weight 50"), std::string::npos) << found[0].message;
  EXPECT_EQ(found[0].where.column, 16 + 14 * 2);
}

TEST(LintStrategy, FlagsACanaryWithNoSteps) {
  auto found = lint_rule(canary({}), "canary-never-full");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where.line, 22);
  EXPECT_EQ(lint_rule(canary({step(Kind::Pause)}), "canary-never-full").size(), 1u);
}

TEST(LintStrategy, FlagsAWeightGoingDown) {
  auto found = lint_rule(canary({weight(50), weight(20), weight(100)}), "canary-weight-decreases");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("weight 20 is lower than the step before it (50"),
            std::string::npos)
      << found[0].message;
  ASSERT_EQ(found[0].related.size(), 1u);
  EXPECT_EQ(found[0].related[0].column, 16);
}

TEST(LintStrategy, AcceptsRepeatedEqualWeights) {
  EXPECT_TRUE(
      lint_rule(canary({weight(50), weight(50), weight(100)}), "canary-weight-decreases").empty());
}

TEST(LintStrategy, FlagsAWeightOutsideZeroToHundred) {
  EXPECT_EQ(lint_rule(canary({weight(10), weight(150)}), "canary-weight-range").size(), 1u);
  EXPECT_EQ(lint_rule(canary({weight(-5), weight(100)}), "canary-weight-range").size(), 1u);
  EXPECT_TRUE(lint_rule(canary({weight(0), weight(100)}), "canary-weight-range").empty());
}

TEST(LintStrategy, FlagsAnAnalysisStepWithoutAnalysisSettings) {
  auto s = canary({weight(10), step(Kind::Analysis), weight(100)});
  auto found = lint_rule(s, "analysis-without-config");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].where.column, 16 + 14);
  s.services[0].strategy.analysis = spec::Analysis{};
  EXPECT_TRUE(lint_rule(s, "analysis-without-config").empty());
}

spec::Spec with_approval_env(spec::Approval approval) {
  auto s = canary({weight(10), step(Kind::Approval), weight(100)}, "staging");
  spec::Environment env;
  env.name = "staging";
  env.approval = approval;
  s.environments.push_back(env);
  return s;
}

TEST(LintStrategy, WarnsAboutAnApprovalStepWhereApprovalIsOff) {
  auto found = lint_rule(with_approval_env(spec::Approval::Off), "approval-disabled");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::Warning);
  EXPECT_NE(found[0].message.find("staging"), std::string::npos);
}

TEST(LintStrategy, AcceptsAnApprovalStepWhereApprovalIsOnOrDefault) {
  EXPECT_TRUE(lint_rule(with_approval_env(spec::Approval::Required), "approval-disabled").empty());
  EXPECT_TRUE(lint_rule(with_approval_env(spec::Approval::Default), "approval-disabled").empty());
}

}  // namespace
}  // namespace gantry::lint

// lint_file over the fixtures in tests/fixtures/lint: every rule fires where the fixture
// says, environments are merged, and load errors come back as errors.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "lint/lint.h"

namespace gantry::lint {
namespace {

const std::string kFixtures = std::string(GANTRY_FIXTURES) + "/lint/";

std::vector<Finding> lint_fixture(const std::string& name, const std::string& env = "") {
  LintOptions options;
  options.load.file = kFixtures + name;
  options.load.environment = env;
  options.load.use_process_env = false;
  auto r = lint_file(options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return r.ok() ? *r : std::vector<Finding>{};
}

// "rule@line" for each finding.
std::multiset<std::string> summary(const std::vector<Finding>& findings) {
  std::multiset<std::string> out;
  for (const auto& f : findings) out.insert(f.rule_id + "@" + std::to_string(f.where.line));
  return out;
}

using Set = std::multiset<std::string>;

TEST(LintFile, FindsNothingInACleanSpec) { EXPECT_TRUE(lint_fixture("clean.yaml").empty()); }

TEST(LintFile, FindsThePortRules) {
  EXPECT_EQ(summary(lint_fixture("ports.yaml")), (Set{"port-conflict@6", "port-privileged@16"}));
}

TEST(LintFile, FindsTheSecretsButNotReferencesOrPlaceholders) {
  const auto found = lint_fixture("secrets.yaml");
  EXPECT_EQ(summary(found), (Set{"secret-in-spec@11", "secret-in-spec@12", "secret-in-spec@13"}));
  for (const auto& f : found) {
    for (const char* secret :
         {"Hunter2-prod-pw", "4eC39HqLyjWDarjtT1zdp7dc9Q", "q8ZtLw3vN9xKp2Rb7YcE"}) {
      EXPECT_EQ(f.message.find(secret), std::string::npos) << f.message;
    }
  }
}

TEST(LintFile, FindsTheEnvSchemaRules) {
  EXPECT_EQ(summary(lint_fixture("env_schema.yaml")),
            (Set{"env-schema@11", "env-schema@12", "env-unknown@13", "env-schema@18"}));
}

TEST(LintFile, FindsTheHealthRules) {
  EXPECT_EQ(summary(lint_fixture("health.yaml")),
            (Set{"startup-budget@9", "strategy-without-readiness@11", "missing-readiness@16",
                 "probe-timeout@20"}));
}

TEST(LintFile, FindsTheStrategyRulesAndNamesTheEnvironment) {
  const auto found = lint_fixture("strategy.yaml");
  EXPECT_EQ(summary(found), (Set{"canary-weight-decreases@19", "analysis-without-config@20",
                                 "approval-disabled@21", "canary-never-full@22"}));
  for (const auto& f : found) {
    if (f.rule_id == "approval-disabled") {
      EXPECT_EQ(f.environments, std::vector<std::string>{"preview"});
    } else {
      EXPECT_TRUE(f.environments.empty()) << f.rule_id << " holds in every environment";
    }
  }
}

TEST(LintFile, MergesEnvironmentsAndNamesTheOnesAFindingHoldsIn) {
  const auto found = lint_fixture("environments.yaml");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "port-conflict");
  EXPECT_EQ(found[0].where.line, 9);
  EXPECT_EQ(found[0].environments, std::vector<std::string>{"production"});
  ASSERT_EQ(found[0].related.size(), 1u);
  EXPECT_EQ(found[0].related[0].line, 18);
}

TEST(LintFile, LintsOnlyTheEnvironmentAskedFor) {
  EXPECT_TRUE(lint_fixture("environments.yaml", "staging").empty());
  const auto found = lint_fixture("environments.yaml", "production");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].environments.empty()) << "one spec linted: it holds everywhere linted";
}

TEST(LintFile, ReturnsLoadErrors) {
  LintOptions options;
  options.load.file = kFixtures + "does-not-exist.yaml";
  auto r = lint_file(options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("does-not-exist.yaml"), std::string::npos);

  options.load.file = kFixtures + "clean.yaml";
  options.load.environment = "prodution";
  EXPECT_FALSE(lint_file(options).ok());
}

TEST(LintFile, ChecksValuesFromAnEnvFileButDoesNotBlameTheSpecForThem) {
  LintOptions options;
  options.load.file = kFixtures + "env_schema.yaml";
  options.load.use_process_env = false;
  options.load.env_files = {kFixtures + "bad_log_level.env"};
  auto r = lint_file(options);
  ASSERT_TRUE(r.ok()) << r.error().str();
  int log_level = 0;
  for (const auto& f : *r) {
    if (f.key_path == "services.api.env.LOG_LEVEL") {
      ++log_level;
      EXPECT_EQ(f.rule_id, "env-schema");
    }
    EXPECT_NE(f.rule_id, "secret-in-spec");
  }
  EXPECT_EQ(log_level, 1);
}

}  // namespace
}  // namespace gantry::lint

// SARIF 2.1.0 structure of lint output (what GitHub code scanning and other readers need).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lint/lint.h"

namespace gantry::lint {
namespace {

std::vector<Finding> sample() {
  Finding conflict;
  conflict.rule_id = "port-conflict";
  conflict.severity = Severity::Error;
  conflict.message = "services.api.port: 8080 is also used by services.web (gantry.yaml:22)";
  conflict.where = {"deploy/my gantry.yaml", 14, 11};
  conflict.key_path = "services.api.port";
  conflict.hint = "give one of them another port";
  conflict.related = {{"deploy/my gantry.yaml", 22, 11}};

  Finding unknown;
  unknown.rule_id = "env-unknown";
  unknown.severity = Severity::Info;
  unknown.message = "services.api.env.X: X is not declared";
  unknown.where = {"gantry.yaml", 30, 0};
  unknown.environments = {"staging"};
  return {conflict, unknown};
}

TEST(LintSarif, HasTheTopLevelShape) {
  const auto j = nlohmann::json::parse(format_sarif(sample(), "1.2.3"));
  EXPECT_EQ(j["version"], "2.1.0");
  EXPECT_NE(j["$schema"].get<std::string>().find("sarif-2.1.0"), std::string::npos);
  ASSERT_EQ(j["runs"].size(), 1u);
  const auto& driver = j["runs"][0]["tool"]["driver"];
  EXPECT_EQ(driver["name"], "gantry");
  EXPECT_EQ(driver["version"], "1.2.3");
  // informationUri is optional in SARIF; gantry has no public home page to name yet.
  EXPECT_FALSE(driver.contains("informationUri"));
}

TEST(LintSarif, DescribesEveryRule) {
  const auto j = nlohmann::json::parse(format_sarif({}, "1.2.3"));
  const auto& sarif_rules = j["runs"][0]["tool"]["driver"]["rules"];
  ASSERT_EQ(sarif_rules.size(), rules().size());
  for (std::size_t i = 0; i < rules().size(); ++i) {
    const auto& r = sarif_rules[i];
    EXPECT_EQ(r["id"], rules()[i].id);
    EXPECT_FALSE(r["shortDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(r["fullDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(r["help"]["text"].get<std::string>().empty());
    const std::string level = r["defaultConfiguration"]["level"];
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note") << level;
  }
  EXPECT_TRUE(j["runs"][0]["results"].is_array());
  EXPECT_TRUE(j["runs"][0]["results"].empty());
}

TEST(LintSarif, WritesResultsWithRuleIndexLevelAndLocations) {
  const auto j = nlohmann::json::parse(format_sarif(sample(), "1.2.3"));
  const auto& run = j["runs"][0];
  const auto& results = run["results"];
  ASSERT_EQ(results.size(), 2u);

  const auto& r0 = results[0];
  EXPECT_EQ(r0["ruleId"], "port-conflict");
  const std::size_t index = r0["ruleIndex"];
  EXPECT_EQ(run["tool"]["driver"]["rules"][index]["id"], "port-conflict");
  EXPECT_EQ(r0["level"], "error");
  EXPECT_NE(r0["message"]["text"].get<std::string>().find("8080"), std::string::npos);
  const auto& loc = r0["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "deploy/my%20gantry.yaml");
  EXPECT_EQ(loc["region"]["startLine"], 14);
  EXPECT_EQ(loc["region"]["startColumn"], 11);
  ASSERT_EQ(r0["relatedLocations"].size(), 1u);
  EXPECT_EQ(r0["relatedLocations"][0]["physicalLocation"]["region"]["startLine"], 22);
  EXPECT_TRUE(r0["relatedLocations"][0]["id"].is_number_integer());

  const auto& r1 = results[1];
  EXPECT_EQ(r1["level"], "note");
  EXPECT_FALSE(r1["locations"][0]["physicalLocation"]["region"].contains("startColumn"))
      << "unknown columns are left out, not written as 0";
  EXPECT_EQ(r1["properties"]["environments"][0], "staging");
}

}  // namespace
}  // namespace gantry::lint

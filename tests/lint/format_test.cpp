// Human and JSON output of findings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "lint/lint.h"

namespace gantry::lint {
namespace {

std::vector<Finding> sample() {
  Finding conflict;
  conflict.rule_id = "port-conflict";
  conflict.severity = Severity::Error;
  conflict.message = "services.api.port: 8080 is also used by services.web (gantry.yaml:22)";
  conflict.where = {"gantry.yaml", 14, 11};
  conflict.key_path = "services.api.port";
  conflict.hint = "give services.api or services.web another port";
  conflict.related = {{"gantry.yaml", 22, 11}};

  Finding probe;
  probe.rule_id = "missing-readiness";
  probe.severity = Severity::Warning;
  probe.message = "services.web listens on port 9000 but has no readiness probe";
  probe.where = {"other.yaml", 3, 5};
  probe.key_path = "services.web";
  probe.environments = {"staging", "production"};

  Finding unknown;
  unknown.rule_id = "env-unknown";
  unknown.severity = Severity::Info;
  unknown.message = "services.api.env.X: X is not declared";
  unknown.where = {"gantry.yaml", 30, 7};
  return {conflict, probe, unknown};
}

TEST(LintFormatHuman, PrintsFileLineColumnSeverityRuleMessageAndHint) {
  auto findings = sample();
  sort_findings(findings);
  const std::string out = format_human(findings, false);
  EXPECT_NE(out.find("gantry.yaml:14:11: error[port-conflict]: services.api.port: 8080 is also "
                     "used by services.web (gantry.yaml:22)\n  related: gantry.yaml:22:11\n"
                     "  hint: give services.api or services.web another port\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("other.yaml:3:5: warning[missing-readiness]"), std::string::npos) << out;
  EXPECT_NE(out.find("  in: staging, production\n"), std::string::npos) << out;
  EXPECT_NE(out.find("1 error, 1 warning, 1 info\n"), std::string::npos) << out;
  EXPECT_EQ(out.find('\033'), std::string::npos) << "no colour unless asked";
}

TEST(LintFormatHuman, GroupsByFile) {
  auto findings = sample();
  sort_findings(findings);
  const std::string out = format_human(findings, false);
  // Both gantry.yaml findings come before other.yaml's.
  EXPECT_LT(out.find("gantry.yaml:30:7"), out.find("other.yaml:3:5"));
  EXPECT_LT(out.find("gantry.yaml:14:11"), out.find("gantry.yaml:30:7"));
}

TEST(LintFormatHuman, ColoursOnlyWhenAsked) {
  const std::string out = format_human(sample(), true);
  EXPECT_NE(out.find("\033[1;31merror"), std::string::npos) << out;
}

TEST(LintFormatHuman, SummarisesAnEmptyRun) {
  EXPECT_EQ(format_human({}, false), "0 errors, 0 warnings, 0 info\n");
}

TEST(LintFormatJson, HoldsEveryFieldAndASummary) {
  const auto j = nlohmann::json::parse(format_json(sample()));
  ASSERT_EQ(j["findings"].size(), 3u);
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["rule"], "port-conflict");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["file"], "gantry.yaml");
  EXPECT_EQ(f["line"], 14);
  EXPECT_EQ(f["column"], 11);
  EXPECT_EQ(f["key_path"], "services.api.port");
  EXPECT_EQ(f["related"][0]["line"], 22);
  EXPECT_EQ(j["findings"][1]["environments"], (nlohmann::json{"staging", "production"}));
  EXPECT_EQ(j["summary"]["errors"], 1);
  EXPECT_EQ(j["summary"]["warnings"], 1);
  EXPECT_EQ(j["summary"]["info"], 1);
}

TEST(LintExitCode, FailsAtOrAboveTheThreshold) {
  const auto findings = sample();
  EXPECT_EQ(exit_code_for(findings, Severity::Error), 1);
  std::vector<Finding> warnings{findings[1]};
  EXPECT_EQ(exit_code_for(warnings, Severity::Error), 0);
  EXPECT_EQ(exit_code_for(warnings, Severity::Warning), 1);
  EXPECT_EQ(exit_code_for(warnings, Severity::Info), 1);
  EXPECT_EQ(exit_code_for({}, Severity::Info), 0);
}

TEST(LintSeverity, ParsesItsNames) {
  EXPECT_EQ(*parse_severity("warning"), Severity::Warning);
  EXPECT_EQ(name_of(Severity::Info), "info");
  EXPECT_FALSE(parse_severity("fatal").ok());
}

TEST(LintRules, ListsEveryRuleOnceWithTitleAndHelp) {
  std::set<std::string> ids;
  for (const auto& r : rules()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_FALSE(r.title.empty()) << r.id;
    EXPECT_FALSE(r.help.empty()) << r.id;
    EXPECT_EQ(find_rule(r.id), &r);
  }
  for (const char* id :
       {"port-conflict", "port-privileged", "secret-in-spec", "env-schema", "env-unknown",
        "missing-readiness", "strategy-without-readiness", "probe-timeout", "startup-budget",
        "canary-never-full", "canary-weight-decreases", "canary-weight-range",
        "analysis-without-config", "approval-disabled"}) {
    EXPECT_TRUE(ids.count(id)) << id;
  }
  EXPECT_EQ(find_rule("nope"), nullptr);
}

}  // namespace
}  // namespace gantry::lint

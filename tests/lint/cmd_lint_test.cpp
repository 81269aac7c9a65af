// `gantry lint` as a user runs it: exit statuses, --fail-on, --format, -o.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/run_gantry.h"

namespace gantry::lint {
namespace {

using gantry::testing::run_gantry;

const std::string kFixtures = std::string(GANTRY_FIXTURES) + "/lint/";

TEST(CmdLint, ExitsZeroOnACleanSpec) {
  auto r = run_gantry({"lint", "-f", kFixtures + "clean.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 errors, 0 warnings, 0 info"), std::string::npos) << r.out;
}

TEST(CmdLint, ExitsOneOnErrors) {
  auto r = run_gantry({"lint", "-f", kFixtures + "ports.yaml"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("error[port-conflict]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\033'), std::string::npos) << "no colour when not a terminal";
}

TEST(CmdLint, FailOnDecidesWhichSeverityFails) {
  auto errors = run_gantry({"lint", "-f", kFixtures + "env_schema.yaml", "--env-file", "/dev/null",
                            "--fail-on", "error"});
  EXPECT_EQ(errors.exit_code, 1);
  auto info = run_gantry({"lint", "-f", kFixtures + "clean.yaml", "--fail-on", "info"});
  EXPECT_EQ(info.exit_code, 0) << info.out;
}

TEST(CmdLint, WarningsPassUnlessFailOnWarning) {
  const std::string dir = ::testing::TempDir();
  const std::string file = dir + "/warn.yaml";
  std::ofstream(file) << "project: a\nservices:\n  web:\n    command: [./web]\n    port: 8080\n";
  auto pass = run_gantry({"lint", "-f", file});
  EXPECT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  EXPECT_NE(pass.out.find("warning[missing-readiness]"), std::string::npos) << pass.out;
  auto fail = run_gantry({"lint", "-f", file, "--fail-on", "warning"});
  EXPECT_EQ(fail.exit_code, 1) << fail.out;
  std::remove(file.c_str());
}

TEST(CmdLint, ExitsTwoOnUsageAndInputErrors) {
  EXPECT_EQ(run_gantry({"lint", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(run_gantry({"lint", "--fail-on", "fatal"}).exit_code, 2);
  auto missing = run_gantry({"lint", "-f", kFixtures + "nope.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.yaml"), std::string::npos) << missing.err;
  auto env = run_gantry({"lint", "-f", kFixtures + "strategy.yaml", "--env", "prod"});
  EXPECT_EQ(env.exit_code, 2) << env.out;
}

TEST(CmdLint, WritesJsonToAnOutputFile) {
  const std::string out = ::testing::TempDir() + "/lint.json";
  auto r = run_gantry({"lint", "-f", kFixtures + "strategy.yaml", "--format", "json", "-o", out});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  std::ifstream in(out);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["summary"]["errors"], 3);
  EXPECT_EQ(j["summary"]["warnings"], 1);
  std::remove(out.c_str());
}

TEST(CmdLint, PrintsSarifWithTheToolVersion) {
  auto r = run_gantry({"lint", "-f", kFixtures + "secrets.yaml", "--format", "sarif"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const std::string version = j["runs"][0]["tool"]["driver"]["version"];
  EXPECT_FALSE(version.empty());
  EXPECT_NE(run_gantry({"--version"}).out.find("gantry " + version), std::string::npos);
  EXPECT_EQ(j["runs"][0]["results"].size(), 3u);
  EXPECT_EQ(r.out.find("Hunter2-prod-pw"), std::string::npos);
}

}  // namespace
}  // namespace gantry::lint

// The offline commands as a user runs them: the real binary, real files, exit codes, output.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/run_gantry.h"

namespace gantry::testing {
namespace {

const std::string kRoot = GANTRY_SOURCE_DIR;
const std::string kShop = kRoot + "/examples/shop/gantry.yaml";

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// A bad input gets exactly one line on stderr, exit 2, and never a crash or exception text.
void expect_one_clear_error(const RunResult& r, const std::string& must_contain) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(must_contain), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("what()"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("yaml-cpp"), std::string::npos) << r.err;
}

TEST(Cli, PrintsHelpAndVersion) {
  auto help = run_gantry({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* cmd : {"lint", "spec", "env", "diff", "import"}) {
    EXPECT_NE(help.out.find(cmd), std::string::npos) << cmd;
  }
  auto version = run_gantry({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("gantry "), std::string::npos);
}

TEST(Cli, RejectsAnUnknownCommandWithUsageExit) {
  auto r = run_gantry({"deplyo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(Cli, LintsTheExampleShopClean) {
  auto r = run_gantry({"lint", "-f", kShop});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(Cli, ReportsAMalformedSpecAsOneLocatedError) {
  TempDir dir;
  const auto typo = dir.file("typo.yaml");
  write_file(typo,
             "project: shop\n"
             "services:\n"
             "  api:\n"
             "    command: [\"./api\"]\n"
             "    port: 8080\n"
             "    helth:\n"
             "      readiness: { http: /ready, period: 2s }\n");
  auto r = run_gantry({"lint", "-f", typo});
  expect_one_clear_error(r, typo + ":6:5: services.api.helth");
  EXPECT_NE(r.err.find("did you mean 'health'"), std::string::npos) << r.err;
}

TEST(Cli, ReportsEachKindOfBadInputClearly) {
  TempDir dir;
  write_file(dir.file("empty.yaml"), "");
  expect_one_clear_error(run_gantry({"lint", "-f", dir.file("empty.yaml")}), "empty.yaml");

  expect_one_clear_error(run_gantry({"lint", "-f", dir.file("missing.yaml")}), "no such file");

  expect_one_clear_error(run_gantry({"lint", "-f", dir.path()}), "is a directory");

  write_file(dir.file("garbage.yaml"), std::string("\x7f"
                                                   "ELF\x02\x01\x01\0\0\0\0",
                                                   12));
  expect_one_clear_error(run_gantry({"lint", "-f", dir.file("garbage.yaml")}), "binary");

  {
    std::ofstream big(dir.file("big.yaml"));
    const std::string line = "# " + std::string(1022, 'x') + "\n";
    for (int i = 0; i < 50 * 1024; ++i) big << line;  // 50 MiB
  }
  expect_one_clear_error(run_gantry({"lint", "-f", dir.file("big.yaml")}), "limit");

  write_file(dir.file("syntax.yaml"), "project: shop\nservices:\n  api: [unclosed\n");
  expect_one_clear_error(run_gantry({"lint", "-f", dir.file("syntax.yaml")}), "syntax.yaml:");

  write_file(dir.file("dup.yaml"),
             "project: a\nservices:\n  api:\n    command: [x]\n    port: 80\n    port: 81\n");
  expect_one_clear_error(run_gantry({"lint", "-f", dir.file("dup.yaml")}), "dup.yaml:6:");

  write_file(dir.file("duration.yaml"),
             "project: a\nservices:\n  api:\n    command: [x]\n    port: 8080\n"
             "    health:\n      readiness: { http: /r, period: 10 }\n");
  expect_one_clear_error(run_gantry({"lint", "-f", dir.file("duration.yaml")}),
                         "services.api.health.readiness.period");

  write_file(dir.file("type.yaml"), "project: a\nservices: [api, worker]\n");
  expect_one_clear_error(run_gantry({"lint", "-f", dir.file("type.yaml")}), "type.yaml:2:");
}

TEST(Cli, LintFlagsAPortConflictNamingBothServices) {
  TempDir dir;
  write_file(dir.file("gantry.yaml"),
             "project: a\n"
             "services:\n"
             "  api:\n"
             "    command: [./api]\n"
             "    port: 8080\n"
             "    health: { readiness: { http: /ready, period: 2s } }\n"
             "  web:\n"
             "    command: [./web]\n"
             "    port: 8080\n"
             "    health: { readiness: { http: /ready, period: 2s } }\n");
  auto r = run_gantry({"lint", "--format", "json"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& f : j["findings"]) {
    if (f["rule"] != "port-conflict") continue;
    found = true;
    const std::string msg = f["message"];
    EXPECT_NE(msg.find("api"), std::string::npos) << msg;
    EXPECT_NE(msg.find("web"), std::string::npos) << msg;
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(Cli, LintWritesValidSarif) {
  TempDir dir;
  write_file(dir.file("gantry.yaml"),
             "project: a\nservices:\n  api:\n    command: [./api]\n    port: 8080\n"
             "    env: { DATABASE_URL: \"postgresql://app:s3cr3t-Pa55@db:5432/app\" }\n");
  auto r = run_gantry({"lint", "--format", "sarif"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["version"], "2.1.0");
  ASSERT_FALSE(j["runs"][0]["results"].empty());
  EXPECT_EQ(j["runs"][0]["tool"]["driver"]["name"], "gantry");
  EXPECT_EQ(r.out.find("s3cr3t-Pa55"), std::string::npos) << "the secret leaked into SARIF";
}

TEST(Cli, ImportOfARenderBlueprintNamesTheHardCodedPasswordLine) {
  TempDir dir;
  auto r =
      run_gantry({"import", kRoot + "/examples/legacy/render.yaml", "-o", dir.file("gantry.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("render.yaml:13:"), std::string::npos) << all;
  EXPECT_NE(all.find("secret-in-spec"), std::string::npos) << all;
  EXPECT_EQ(all.find("Hunter2-prod-pw"), std::string::npos) << "the password leaked: " << all;
  // The generated spec is written and is itself a spec gantry reads.
  auto spec = run_gantry({"spec", "-f", dir.file("gantry.yaml"), "--format", "json"});
  EXPECT_EQ(spec.exit_code, 0) << spec.err;
}

TEST(Cli, ImportOfTwoRailwayServicesOnOnePortFailsLintNamingBoth) {
  TempDir dir;
  auto r =
      run_gantry({"import", kRoot + "/examples/legacy/api/railway.json",
                  kRoot + "/examples/legacy/worker/railway.json", "-o", dir.file("gantry.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("port-conflict"), std::string::npos) << all;
  EXPECT_NE(all.find("api"), std::string::npos) << all;
  EXPECT_NE(all.find("worker"), std::string::npos) << all;
  EXPECT_NE(all.find("railway.json:"), std::string::npos) << all;
}

TEST(Cli, ImportRefusesToOverwriteWithoutForce) {
  TempDir dir;
  write_file(dir.file("gantry.yaml"), "keep me\n");
  auto r =
      run_gantry({"import", kRoot + "/examples/legacy/render.yaml", "-o", dir.file("gantry.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  std::ifstream in(dir.file("gantry.yaml"));
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "keep me\n");
}

TEST(Cli, SpecPrintsTheResolvedEnvironmentWithReferencesKept) {
  auto r = run_gantry({"spec", "-f", kShop, "--env", "production", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_NE(r.out.find("secret://database-url"), std::string::npos);
  EXPECT_NE(r.out.find("\"replicas\": 3"), std::string::npos) << "production overlay not applied";

  auto unknown = run_gantry({"spec", "-f", kShop, "--env", "prodution"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("production"), std::string::npos) << unknown.err;
}

TEST(Cli, EnvCheckNeverPrintsASecretValue) {
  auto r = run_gantry({"env", "check", "api", "-f", kShop, "--env", "production", "--env-file",
                       kRoot + "/examples/shop/.env.production", "--example",
                       kRoot + "/examples/shop/.env.example"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("STRIPE_KEY"), std::string::npos) << all;
  EXPECT_NE(all.find("POOL_SIZE"), std::string::npos) << all;
  EXPECT_EQ(all.find("sk_test_not_live"), std::string::npos) << "secret leaked: " << all;
  EXPECT_EQ(all.find("pr0d-Passw0rd"), std::string::npos) << "secret leaked: " << all;
  EXPECT_NE(all.find("SENTRY_DSN"), std::string::npos) << "drift from .env.example missed";
}

// gantry's own repository holds no credential outside the fakes its .gantry-scan.toml names.
TEST(Cli, TheRepositoryScansClean) {
  auto r = run_gantry({"scan", kRoot});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 findings"), std::string::npos) << r.out;
}

TEST(Cli, DiffShowsWhatDiffersBetweenEnvironments) {
  auto r = run_gantry({"diff", "staging", "production", "-f", kShop});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("replicas"), std::string::npos) << r.out;
  auto same = run_gantry({"diff", "staging", "staging", "-f", kShop});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
}

}  // namespace
}  // namespace gantry::testing

// Tests of the railway.json / railway.toml importer: mapping, naming, notes, the port conflict.
#include <gtest/gtest.h>

#include "lint/lint.h"
#include "spec/import_impl.h"
#include "spec/import_test_util.h"
#include "spec/importer.h"

namespace gantry::spec {
namespace {

const std::string kDir = std::string(GANTRY_FIXTURES) + "/import/railway";

using testing::has_note;

TEST(ImportRailway, MapsBuildAndDeploy) {
  auto r = import_files({kDir + "/api/railway.json"});
  ASSERT_TRUE(r.ok()) << r.error().str();
  ASSERT_EQ(r->spec.services.size(), 1u);
  const Service& s = r->spec.services[0];
  EXPECT_EQ(s.name, "api");  // named after its folder
  EXPECT_EQ(s.command, (std::vector<std::string>{"node", "dist/server.js", "--port", "3000"}));
  EXPECT_EQ(s.port, 3000);
  EXPECT_EQ(s.replicas, 2);
  EXPECT_EQ(s.restart.policy, RestartPolicy::OnFailure);
  EXPECT_EQ(s.restart.max_retries, 5);
  ASSERT_TRUE(s.health.readiness);
  EXPECT_EQ(s.health.readiness->path, "/health");
  ASSERT_TRUE(s.health.startup);  // healthcheckTimeout 100s = 20 x 5s
  EXPECT_EQ(s.health.startup->failure_threshold, 20);
  ASSERT_TRUE(s.build);
  EXPECT_TRUE(s.build->shell);
  EXPECT_TRUE(has_note(r->notes, "not imported: build.builder=NIXPACKS", 4));
  EXPECT_TRUE(has_note(r->notes, "not imported: build.watchPatterns=[src/**, package.json]", 6));
  EXPECT_TRUE(has_note(r->notes, "not imported: deploy.region=europe-west4", 15));
  EXPECT_EQ(r->spec.source.where("services.api.port").line, 9);
  EXPECT_EQ(r->spec.source.where("services.api.replicas").line, 14);
}

TEST(ImportRailway, TomlWithLocations) {
  auto r = import_files({kDir + "/billing/railway.toml"});
  ASSERT_TRUE(r.ok()) << r.error().str();
  const Service& s = r->spec.services.at(0);
  EXPECT_EQ(s.name, "billing");
  EXPECT_EQ(s.port, 8081);
  EXPECT_EQ(s.stop_timeout, std::chrono::seconds(20));
  ASSERT_EQ(s.hooks.pre_rollout.size(), 1u);
  EXPECT_EQ(s.hooks.pre_rollout[0].run, (std::vector<std::string>{"alembic", "upgrade", "head"}));
  EXPECT_EQ(r->spec.source.where("services.billing.command").line, 7);
  EXPECT_EQ(r->spec.source.where("services.billing.port").line, 7);
  EXPECT_TRUE(has_note(r->notes, "not imported: build.dockerfilePath=Dockerfile.billing", 4));
}

TEST(ImportRailway, SamePortInTwoFilesFailsLintNamingBoth) {
  auto r = import_files({kDir + "/api/railway.json", kDir + "/worker/railway.json"});
  ASSERT_TRUE(r.ok()) << r.error().str();
  const auto findings = lint::lint_spec(r->spec);
  const lint::Finding* conflict = nullptr;
  for (const auto& f : findings) {
    if (f.rule_id == "port-conflict") conflict = &f;
  }
  ASSERT_NE(conflict, nullptr);
  EXPECT_EQ(conflict->severity, lint::Severity::Error);
  EXPECT_NE(conflict->message.find("api"), std::string::npos);
  EXPECT_NE(conflict->message.find("worker"), std::string::npos);
  // Both sides point at the original files' startCommand lines.
  std::vector<Location> sides = conflict->related;
  sides.push_back(conflict->where);
  bool api = false, worker = false;
  for (const auto& l : sides) {
    api |= l.file == kDir + "/api/railway.json" && l.line == 9;
    worker |= l.file == kDir + "/worker/railway.json" && l.line == 8;
  }
  EXPECT_TRUE(api && worker);
  EXPECT_EQ(lint::exit_code_for(findings, lint::Severity::Error), 1);
}

TEST(ImportRailway, ServiceNameFromFolderOrStem) {
  EXPECT_EQ(import::railway_service_name("/srv/shop/api/railway.json"), "api");
  EXPECT_EQ(import::railway_service_name("/srv/shop/config/worker.railway.json"), "worker");
  EXPECT_EQ(import::railway_service_name("/srv/shop/config/railway.toml"), "app");
  EXPECT_EQ(import::railway_service_name("/srv/shop/deploy/billing.toml"), "billing");
  EXPECT_EQ(import::railway_service_name("/srv/My Shop/railway.json"), "my-shop");
}

TEST(ImportRailway, CronScheduleIsANoteNotAService) {
  auto r = import::import_text(
      ImportFormat::RailwayJson,
      R"({"deploy": {"startCommand": "node cleanup.js", "cronSchedule": "*/15 * * * *"}})",
      "jobs/railway.json");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_TRUE(r->services.empty());
  EXPECT_TRUE(has_note(r->notes, "cron job on schedule '*/15 * * * *'"));
}

TEST(ImportRailway, MalformedJsonAndTomlAreLocatedErrors) {
  auto j = import_files({std::string(GANTRY_FIXTURES) + "/import/bad/railway.json"});
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().where.line, 4);
  EXPECT_EQ(j.error().where.column, 3);
  EXPECT_NE(j.error().message.find("invalid JSON"), std::string::npos);

  auto t = import_files({std::string(GANTRY_FIXTURES) + "/import/bad/railway.toml"});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().where.line, 2);
  EXPECT_NE(t.error().message.find("invalid TOML"), std::string::npos);
}

TEST(ImportRailway, WrongShapesAndValues) {
  auto a = import::import_text(ImportFormat::RailwayJson, R"(["deploy"])", "x/railway.json");
  ASSERT_FALSE(a.ok());
  auto b = import::import_text(ImportFormat::RailwayJson,
                               "{\n  \"deploy\": {\"restartPolicyType\": \"SOMETIMES\"}\n}",
                               "x/railway.json");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().where.line, 2);
  EXPECT_NE(b.error().message.find("ON_FAILURE"), std::string::npos);
  auto c = import::import_text(ImportFormat::RailwayJson, "{\"a\": 1, \"a\": 2}", "x/railway.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("duplicate key"), std::string::npos);
}

TEST(ImportRailway, UnknownKeysAreNotedNotDropped) {
  auto r = import::import_text(ImportFormat::RailwayToml,
                               "[deploy]\nstartCommand = \"./server\"\nsleepApplication = true\n"
                               "[experimental]\nfoo = 1\n",
                               "svc/railway.toml");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_TRUE(has_note(r->notes, "not imported: deploy.sleepApplication=true", 3));
  EXPECT_TRUE(has_note(r->notes, "not imported: experimental={foo: 1}", 4));
  EXPECT_TRUE(has_note(r->notes, "no port in the start command"));
}

}  // namespace
}  // namespace gantry::spec

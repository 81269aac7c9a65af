// Tests of the render.yaml importer: field mapping, envVars sources, notes, locations.
#include <gtest/gtest.h>

#include "lint/lint.h"
#include "spec/import_impl.h"
#include "spec/import_test_util.h"
#include "spec/importer.h"

namespace gantry::spec {
namespace {

const std::string kFixture = std::string(GANTRY_FIXTURES) + "/import/render/render.yaml";

using FileImport = import::FileImport;

FileImport render(std::string_view text) {
  return testing::import_ok(ImportFormat::Render, text, "render.yaml");
}

using testing::has_note;

TEST(ImportRender, MapsServiceFields) {
  auto r = import_files({kFixture});
  ASSERT_TRUE(r.ok()) << r.error().str();
  const Spec& spec = r->spec;
  EXPECT_EQ(spec.file, "gantry.yaml");
  ASSERT_EQ(spec.services.size(), 2u);  // the cron job is a note
  const Service* api = spec.find_service("shop-api");
  ASSERT_NE(api, nullptr);
  EXPECT_TRUE(api->shell);  // $PORT needs a shell
  EXPECT_EQ(api->command.front(),
            "gunicorn shop.wsgi:application --bind 0.0.0.0:$PORT --workers 3");
  EXPECT_EQ(api->workdir, "backend");
  EXPECT_EQ(api->replicas, 2);
  EXPECT_EQ(api->port, 8000);  // from envVars PORT
  EXPECT_EQ(api->env.count("PORT"), 0u);
  ASSERT_TRUE(api->health.readiness);
  EXPECT_EQ(api->health.readiness->kind, ProbeKind::Http);
  EXPECT_EQ(api->health.readiness->path, "/healthz");
  ASSERT_EQ(api->hooks.pre_rollout.size(), 1u);
  EXPECT_EQ(api->hooks.pre_rollout[0].run,
            (std::vector<std::string>{"python", "manage.py", "migrate", "--noinput"}));
  ASSERT_TRUE(api->build);
  EXPECT_EQ(api->build->command,
            (std::vector<std::string>{"pip", "install", "-r", "requirements.txt"}));
  const Service* worker = spec.find_service("shop-worker");
  ASSERT_NE(worker, nullptr);
  EXPECT_FALSE(worker->shell);
  EXPECT_FALSE(worker->port);
}

TEST(ImportRender, EnvVarSourcesBecomeSecretReferences) {
  auto r = import_files({kFixture});
  ASSERT_TRUE(r.ok()) << r.error().str();
  const Service* api = r->spec.find_service("shop-api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->env.at("DATABASE_URL").value, "secret://shop-api-database-url");
  EXPECT_EQ(api->env.at("DJANGO_SECRET_KEY").value, "secret://shop-api-django-secret-key");
  EXPECT_EQ(api->env.at("STRIPE_API_KEY").value, "secret://shop-api-stripe-api-key");
  EXPECT_EQ(api->env.at("LOG_LEVEL").value, "info");
  EXPECT_EQ(api->env.at("WEB_CONCURRENCY").value, "3");
  // Group variables, with group-named secrets.
  EXPECT_EQ(api->env.at("TZ").value, "Europe/Berlin");
  EXPECT_EQ(api->env.at("SENTRY_DSN").value, "secret://shop-common-sentry-dsn");
  // Literal values are kept as written, even a password (lint reports it).
  EXPECT_EQ(api->env.at("ANALYTICS_DATABASE_URL").value,
            "postgresql://analytics:S3cr3tPassw0rd@analytics.internal:5432/events");
  EXPECT_TRUE(has_note(r->notes, "set secret shop-api-database-url", 22));
  EXPECT_TRUE(has_note(r->notes, "set secret shop-api-stripe-api-key", 30));
  // fromService hostport resolves to where gantry serves the other service.
  EXPECT_EQ(r->spec.find_service("shop-worker")->env.at("API_URL").value, "localhost:8000");
}

TEST(ImportRender, UnmappedFieldsBecomeNotesAtTheirLines) {
  auto r = import_files({kFixture});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(has_note(r->notes, "not imported: previewsEnabled=true", 2));
  EXPECT_TRUE(has_note(r->notes, "not imported: services.shop-api.plan=starter", 8));
  EXPECT_TRUE(has_note(r->notes, "not imported: services.shop-api.region=frankfurt", 9));
  EXPECT_TRUE(has_note(r->notes, "not imported: services.shop-api.autoDeploy=true", 17));
  EXPECT_TRUE(has_note(r->notes, "not imported: services.nightly-report", 56));
  EXPECT_TRUE(has_note(r->notes, "not imported: databases.shop-db", 64));
}

TEST(ImportRender, SourceMapPointsAtRenderYamlLines) {
  auto r = import_files({kFixture});
  ASSERT_TRUE(r.ok());
  const auto& src = r->spec.source;
  EXPECT_EQ(src.where("services.shop-api").line, 6);
  EXPECT_EQ(src.where("services.shop-api.command").line, 13);
  EXPECT_EQ(src.where("services.shop-api.port").line, 20);
  EXPECT_EQ(src.where("services.shop-api.replicas").line, 16);
  EXPECT_EQ(src.where("services.shop-api.health.readiness").line, 15);
  EXPECT_EQ(src.where("services.shop-api.env.ANALYTICS_DATABASE_URL").line, 26);
  EXPECT_EQ(src.where("services.shop-api.env.TZ").line, 76);  // in the env group
  EXPECT_EQ(src.where("services.shop-api.env.LOG_LEVEL").file, kFixture);
}

TEST(ImportRender, HardCodedPasswordIsReportedAtRenderYamlLine) {
  auto r = import_files({kFixture});
  ASSERT_TRUE(r.ok());
  const auto findings = lint::lint_spec(r->spec);
  bool found = false;
  for (const auto& f : findings) {
    if (f.rule_id == "secret-in-spec" && f.where.file == kFixture && f.where.line == 26) {
      found = true;
      EXPECT_EQ(f.message.find("S3cr3tPassw0rd"), std::string::npos) << f.message;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(lint::exit_code_for(findings, lint::Severity::Error), 1);
}

TEST(ImportRender, PortFromStartCommandThenRenderDefault) {
  auto a = render(R"(services:
  - type: web
    name: api
    startCommand: uvicorn app.main:app --host 0.0.0.0 --port 8080
  - type: web
    name: site
    startCommand: node server.js
  - type: worker
    name: jobs
    startCommand: node jobs.js
)");
  ASSERT_EQ(a.services.size(), 3u);
  EXPECT_EQ(a.services[0].port, 8080);
  EXPECT_EQ(a.source.where("services.api.port").line, 4);
  EXPECT_EQ(a.services[1].port, 10000);
  EXPECT_TRUE(has_note(a.notes, "10000, Render's default"));
  EXPECT_FALSE(a.services[2].port);
}

TEST(ImportRender, ScalingAndShutdownDelay) {
  auto a = render(R"(services:
  - type: web
    name: api
    startCommand: ./api
    scaling:
      minInstances: 2
      maxInstances: 5
      targetCPUPercent: 60
    maxShutdownDelaySeconds: 45
    disk:
      name: data
      mountPath: /var/data
      sizeGB: 10
)");
  ASSERT_EQ(a.services.size(), 1u);
  EXPECT_EQ(a.services[0].replicas, 2);
  EXPECT_EQ(a.services[0].stop_timeout, std::chrono::seconds(45));
  EXPECT_TRUE(has_note(a.notes, "not imported: services.api.scaling.maxInstances=5", 7));
  EXPECT_TRUE(has_note(a.notes, "not imported: services.api.disk={name: data", 10));
}

TEST(ImportRender, WrongShapesAreLocatedErrors) {
  auto a = import::import_text(ImportFormat::Render, "services:\n  api: {}\n", "render.yaml");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().where.line, 2);
  EXPECT_NE(a.error().str().find("services"), std::string::npos);

  auto b = import::import_text(ImportFormat::Render,
                               "services:\n  - type: web\n    name: a\n    numInstances: many\n",
                               "render.yaml");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().where.line, 4);

  auto c = import::import_text(ImportFormat::Render, "services:\n  - type: lambda\n    name: a\n",
                               "render.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("lambda"), std::string::npos);
}

TEST(ImportRender, MalformedYamlIsOneLocatedError) {
  auto r = import_files({std::string(GANTRY_FIXTURES) + "/import/bad/render.yaml"});
  ASSERT_FALSE(r.ok());
  EXPECT_GT(r.error().where.line, 0);
  EXPECT_NE(r.error().message.find("invalid YAML"), std::string::npos);
}

TEST(ImportRender, DuplicateServiceNameInOneFileIsAnError) {
  auto r = import::import_text(
      ImportFormat::Render,
      "services:\n  - type: web\n    name: a\n  - type: worker\n    name: a\n", "render.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where.line, 5);
  EXPECT_NE(r.error().message.find("render.yaml:3"), std::string::npos);
}

// Found by import_render_fuzz: a group including itself recursed until the stack overflowed.
TEST(ImportRender, GroupIncludingItselfIsANoteNotALoop) {
  auto a = render(R"(services:
  - type: worker
    name: a
    envVars:
      - fromGroup: g
envVarGroups:
  - name: g
    envVars:
      - key: A
        value: "1"
      - fromGroup: g
)");
  ASSERT_EQ(a.services.size(), 1u);
  EXPECT_EQ(a.services[0].env.at("A").value, "1");
  EXPECT_TRUE(has_note(a.notes, "groups cannot include groups", 11));
}

}  // namespace
}  // namespace gantry::spec

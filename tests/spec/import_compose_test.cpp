// Tests of the docker-compose importer: commands, ports, environment forms, healthchecks.
#include <gtest/gtest.h>

#include "lint/lint.h"
#include "spec/import_impl.h"
#include "spec/import_test_util.h"
#include "spec/importer.h"

namespace gantry::spec {
namespace {

const std::string kFixture = std::string(GANTRY_FIXTURES) + "/import/compose/docker-compose.yml";

using FileImport = import::FileImport;

FileImport compose(std::string_view text) {
  return testing::import_ok(ImportFormat::Compose, text, "compose.yaml");
}

using testing::has_note;

TEST(ImportCompose, MapsTheFixture) {
  auto r = import_files({kFixture});
  ASSERT_TRUE(r.ok()) << r.error().str();
  ASSERT_EQ(r->spec.services.size(), 2u);  // db and cache are images only
  const Service* web = r->spec.find_service("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->command,
            (std::vector<std::string>{"gunicorn", "store.app:app", "--bind", "0.0.0.0:8000"}));
  EXPECT_EQ(web->port, 8000);
  EXPECT_EQ(web->host_ports, (std::vector<int>{9100}));
  EXPECT_EQ(web->workdir, "/srv/store");
  EXPECT_EQ(web->replicas, 2);
  EXPECT_EQ(web->restart.policy, RestartPolicy::Always);
  ASSERT_TRUE(web->resources.cpu);
  EXPECT_DOUBLE_EQ(*web->resources.cpu, 0.5);
  EXPECT_EQ(web->resources.memory, 512u * 1024 * 1024);
  // Map form, with a YAML merge key from an x- extension.
  EXPECT_EQ(web->env.at("FEATURE_FLAGS").value, "checkout-v2");
  EXPECT_EQ(web->env.at("LOG_LEVEL").value, "info");
  EXPECT_TRUE(web->env.at("DATABASE_URL").interpolated);
  // curl healthcheck -> http probe with compose timings.
  ASSERT_TRUE(web->health.readiness);
  EXPECT_EQ(web->health.readiness->kind, ProbeKind::Http);
  EXPECT_EQ(web->health.readiness->path, "/health");
  EXPECT_EQ(web->health.readiness->period, std::chrono::seconds(15));
  EXPECT_EQ(web->health.readiness->timeout, std::chrono::seconds(5));
  EXPECT_EQ(web->health.readiness->failure_threshold, 5);
  EXPECT_EQ(web->health.readiness->initial_delay, std::chrono::seconds(90));
  EXPECT_TRUE(web->depends_on.empty());  // db and cache were not imported

  const Service* worker = r->spec.find_service("worker");
  ASSERT_NE(worker, nullptr);
  EXPECT_EQ(worker->command,
            (std::vector<std::string>{"python", "-m", "store.worker", "--concurrency", "2"}));
  // List form, and a bare KEY taken from the environment.
  EXPECT_EQ(worker->env.at("LOG_LEVEL").value, "debug");
  EXPECT_EQ(worker->env.at("SMTP_PASSWORD").value, "${SMTP_PASSWORD}");
  ASSERT_TRUE(worker->health.readiness);
  EXPECT_EQ(worker->health.readiness->kind, ProbeKind::Exec);
  EXPECT_EQ(worker->health.readiness->command,
            (std::vector<std::string>{"/bin/sh", "-c", "python -m store.worker --ping || exit 1"}));
  EXPECT_EQ(worker->restart.policy, RestartPolicy::OnFailure);
  EXPECT_EQ(worker->restart.max_retries, 5);
}

TEST(ImportCompose, NotesAndLocations) {
  auto r = import_files({kFixture});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(has_note(r->notes, "ignored: x-common-env", 2));
  EXPECT_TRUE(has_note(r->notes, "not imported: services.web.build=.", 8));
  EXPECT_TRUE(has_note(r->notes, "not imported: services.web.env_file=.env", 18));
  EXPECT_TRUE(has_note(r->notes, "not imported: services.worker.logging", 53));
  EXPECT_TRUE(has_note(r->notes, "not imported: services.db (image postgres:16", 56));
  EXPECT_TRUE(has_note(r->notes, "not imported: volumes=", 69));
  EXPECT_TRUE(has_note(r->notes, "listen on $PORT", 12));
  const auto& src = r->spec.source;
  EXPECT_EQ(src.where("services.web").line, 7);
  EXPECT_EQ(src.where("services.web.port").line, 12);
  EXPECT_EQ(src.where("services.web.env.DATABASE_URL").line, 16);
  EXPECT_EQ(src.where("services.web.env.REDIS_URL").line, 4);  // the anchored block
  EXPECT_EQ(src.where("services.worker.env.REDIS_URL").line, 43);
  EXPECT_EQ(src.where("services.web.health.readiness").line, 19);
  EXPECT_EQ(src.where("services.web.replicas").line, 31);
}

TEST(ImportCompose, PortForms) {
  auto a = compose(R"(services:
  a:
    command: ./a
    ports: ["127.0.0.1:8080:80", "9000-9002:9000-9002", "53:53/udp"]
  b:
    command: ./b
    ports:
      - target: 3000
        published: "3001"
  c:
    command: ./c
    ports: ["7000"]
)");
  ASSERT_EQ(a.services.size(), 3u);
  EXPECT_EQ(a.services[0].port, 8080);
  EXPECT_EQ(a.services[0].host_ports, (std::vector<int>{9000, 53}));
  EXPECT_TRUE(has_note(a.notes, "not on 80"));
  EXPECT_EQ(a.services[1].port, 3001);
  EXPECT_EQ(a.services[2].port, 7000);

  auto bad = import::import_text(ImportFormat::Compose,
                                 "services:\n  a:\n    command: x\n    ports: [\"http\"]\n",
                                 "compose.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where.line, 4);
}

TEST(ImportCompose, CommandEntrypointAndHealthcheckForms) {
  auto a = compose(R"(services:
  a:
    entrypoint: ["/app/run"]
    command: serve --verbose
    healthcheck:
      test: pg_isready -U app
      interval: 1m30s
  b:
    command: ./b
    healthcheck:
      disable: true
  c:
    command: ./c
    healthcheck:
      test: ["NONE"]
)");
  ASSERT_EQ(a.services.size(), 3u);
  EXPECT_EQ(a.services[0].command, (std::vector<std::string>{"/app/run", "serve", "--verbose"}));
  ASSERT_TRUE(a.services[0].health.readiness);
  EXPECT_EQ(a.services[0].health.readiness->command,
            (std::vector<std::string>{"/bin/sh", "-c", "pg_isready -U app"}));
  EXPECT_EQ(a.services[0].health.readiness->period, std::chrono::seconds(90));
  EXPECT_FALSE(a.services[1].health.readiness);
  EXPECT_FALSE(a.services[2].health.readiness);
  EXPECT_TRUE(has_note(a.notes, "healthcheck (disabled)", 10));

  auto bad = import::import_text(ImportFormat::Compose,
                                 "services:\n  a:\n    command: x\n    healthcheck:\n"
                                 "      test: [CMD]\n      interval: soon\n",
                                 "compose.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where.line, 6);
}

TEST(ImportCompose, DependsOnForms) {
  auto a = compose(R"(services:
  api:
    command: ./api
    depends_on: [worker]
  worker:
    command: ./worker
    depends_on:
      api:
        condition: service_started
      migrate:
        condition: service_completed_successfully
  migrate:
    command: ./migrate
)");
  ASSERT_EQ(a.services.size(), 3u);
  EXPECT_EQ(a.services[0].depends_on, (std::vector<std::string>{"worker"}));
  EXPECT_EQ(a.services[1].depends_on, (std::vector<std::string>{"api", "migrate"}));
  EXPECT_TRUE(has_note(a.notes, "one-off job", 11));
}

TEST(ImportCompose, WrongShapesAreLocatedErrors) {
  auto a = import_files({std::string(GANTRY_FIXTURES) + "/import/bad/docker-compose.yml"});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().where.line, 2);
  auto b = import::import_text(ImportFormat::Compose, "services:\n  - web\n", "compose.yaml");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().key_path, "services");
  auto c = import::import_text(ImportFormat::Compose,
                               "services:\n  a:\n    command: x\n    restart: sometimes\n",
                               "compose.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().where.line, 4);
}

TEST(ImportCompose, HardCodedPasswordIsReportedAtComposeLine) {
  auto a = compose(R"(services:
  api:
    command: ./api
    environment:
      - DATABASE_URL=postgresql://app:hunter2hunter2@db:5432/app
)");
  Spec spec;
  spec.file = "gantry.yaml";
  spec.services = a.services;
  spec.source = a.source;
  bool found = false;
  for (const auto& f : lint::lint_spec(spec)) {
    if (f.rule_id == "secret-in-spec" && f.where.file == "compose.yaml" && f.where.line == 5) {
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace gantry::spec

// Tests of import dispatch and merging: format detection, several files into one spec, port
// extraction from start commands, and the command forms.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "spec/import_impl.h"
#include "spec/importer.h"
#include "spec/spec.h"

namespace gantry::spec {
namespace {

const std::string kImport = std::string(GANTRY_FIXTURES) + "/import";

TEST(ImportDetect, ByFileName) {
  EXPECT_EQ(*detect_import_format("x/render.yaml", ""), ImportFormat::Render);
  EXPECT_EQ(*detect_import_format("render.yml", ""), ImportFormat::Render);
  EXPECT_EQ(*detect_import_format("api/railway.json", ""), ImportFormat::RailwayJson);
  EXPECT_EQ(*detect_import_format("railway.toml", ""), ImportFormat::RailwayToml);
  EXPECT_EQ(*detect_import_format("docker-compose.yml", ""), ImportFormat::Compose);
  EXPECT_EQ(*detect_import_format("docker-compose.prod.yaml", ""), ImportFormat::Compose);
  EXPECT_EQ(*detect_import_format("compose.yaml", ""), ImportFormat::Compose);
  EXPECT_EQ(*detect_import_format("Procfile", ""), ImportFormat::Procfile);
}

TEST(ImportDetect, ByContent) {
  EXPECT_EQ(*detect_import_format("a.yaml", "services:\n  - type: web\n    name: a\n"),
            ImportFormat::Render);
  EXPECT_EQ(*detect_import_format("a.yaml", "services:\n  web:\n    image: x\n"),
            ImportFormat::Compose);
  EXPECT_EQ(*detect_import_format("a.cfg", "{\"deploy\": {}}"), ImportFormat::RailwayJson);
  EXPECT_EQ(*detect_import_format("a.cfg", "[deploy]\nstartCommand = \"x\"\n"),
            ImportFormat::RailwayToml);
  EXPECT_EQ(*detect_import_format("Procfile.dev", "web: ./a\n"), ImportFormat::Procfile);
  EXPECT_EQ(*detect_import_format("processes", "web: ./a\nworker: ./b\n"), ImportFormat::Procfile);
  auto unknown = detect_import_format("notes.txt", "hello world\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::Unsupported);
}

TEST(ImportFiles, MergedSpecKeepsFileOrderAndSources) {
  ImportOptions options;
  options.project = "Shop";
  auto r = import_files(
      {kImport + "/railway/billing/railway.toml", kImport + "/render/render.yaml"}, options);
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->spec.project, "shop");
  ASSERT_EQ(r->spec.services.size(), 3u);
  EXPECT_EQ(r->spec.services[0].name, "billing");
  EXPECT_EQ(r->spec.services[1].name, "shop-api");
  EXPECT_EQ(r->spec.source.where("services.billing.port").file,
            kImport + "/railway/billing/railway.toml");
  EXPECT_EQ(r->spec.source.where("services.shop-api.port").file, kImport + "/render/render.yaml");
  // Notes come file by file, in line order within a file.
  ASSERT_FALSE(r->notes.empty());
  EXPECT_EQ(r->notes.front().where.file, kImport + "/railway/billing/railway.toml");
}

TEST(ImportFiles, ProjectDefaultsToTheFirstFilesFolder) {
  auto r = import_files({kImport + "/compose/docker-compose.yml"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->spec.project, "compose");
}

TEST(ImportFiles, DuplicateServiceAcrossFilesNamesBothFiles) {
  auto r = import_files({kImport + "/compose/docker-compose.yml", kImport + "/procfile/Procfile"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Conflict);
  EXPECT_NE(r.error().message.find("docker-compose.yml:7"), std::string::npos);
  EXPECT_NE(r.error().message.find("Procfile:2"), std::string::npos);
}

TEST(ImportFiles, MissingEmptyAndBinaryFilesAreErrors) {
  EXPECT_FALSE(import_files({kImport + "/does-not-exist/render.yaml"}).ok());
  EXPECT_FALSE(import_files({}).ok());
  const auto dir = std::filesystem::temp_directory_path() / "gantry-import-test";
  std::filesystem::create_directories(dir);
  const auto empty = (dir / "render.yaml").string();
  std::ofstream(empty).close();
  auto e = import_files({empty});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().str().find("render.yaml"), std::string::npos);
  const auto binary = (dir / "Procfile").string();
  std::ofstream(binary, std::ios::binary) << std::string("\x00\x01\x02web: x", 9);
  EXPECT_FALSE(import_files({binary}).ok());
  std::filesystem::remove_all(dir);
}

struct PortCase {
  const char* command;
  int port;  // 0 = none
  bool uses_env;
};

TEST(ImportPort, FromStartCommands) {
  const PortCase cases[] = {
      {"node server.js --port 3000", 3000, false},
      {"node server.js --port=3001", 3001, false},
      {"next start -p 3002", 3002, false},
      {"gunicorn app:app --bind 0.0.0.0:8000", 8000, false},
      {"gunicorn app:app -b :8001", 8001, false},
      {"gunicorn app:app --bind=127.0.0.1:8002", 8002, false},
      {"uvicorn main:app --host 0.0.0.0 --port 8003", 8003, false},
      {"python manage.py runserver 0.0.0.0:8004", 8004, false},
      {"php -S 0.0.0.0:8005 -t public", 8005, false},
      {"PORT=8006 node index.js", 8006, false},
      {"java -Dserver.port=8007 -jar app.jar", 8007, false},
      {"gunicorn app:app --bind 0.0.0.0:$PORT", 0, true},
      {"puma -p ${PORT:-5000}", 5000, true},
      {"uvicorn main:app --port ${PORT}", 0, true},
      {"gunicorn app:app", 0, false},
      {"node server.js --port 99999", 0, false},
      {"celery -A shop worker --concurrency 4", 0, false},
      {"redis-cli -u redis://cache:6379", 0, false},
  };
  for (const auto& c : cases) {
    const auto hint = import::port_from_command_text(c.command);
    EXPECT_EQ(hint.port.value_or(0), c.port) << c.command;
    EXPECT_EQ(hint.uses_port_env, c.uses_env) << c.command;
  }
}

TEST(ImportCommand, ArgvUnlessShellSyntax) {
  auto a = import::command_from_text("  node dist/server.js --name 'my app'  ");
  EXPECT_FALSE(a.shell);
  EXPECT_EQ(a.argv, (std::vector<std::string>{"node", "dist/server.js", "--name", "my app"}));
  auto b = import::command_from_text("npm ci && npm run build");
  EXPECT_TRUE(b.shell);
  EXPECT_EQ(b.argv, (std::vector<std::string>{"npm ci && npm run build"}));
  EXPECT_EQ(import::hook_argv("./migrate > log"),
            (std::vector<std::string>{"/bin/sh", "-c", "./migrate > log"}));
}

TEST(ImportNames, NormalizedAndSecretNames) {
  EXPECT_EQ(import::normalize_service_name("Shop API"), "shop-api");
  EXPECT_EQ(import::normalize_service_name("web_1"), "web_1");
  EXPECT_EQ(import::normalize_service_name("***"), "app");
  EXPECT_EQ(import::secret_name("shop-api", "DATABASE_URL"), "shop-api-database-url");
}

}  // namespace
}  // namespace gantry::spec

namespace gantry::spec {
namespace {

// The written gantry.yaml must load again: every fixture round-trips through render_yaml.
TEST(ImportFiles, RenderedSpecParsesBack) {
  for (const std::vector<std::string>& files :
       {std::vector<std::string>{kImport + "/render/render.yaml"},
        std::vector<std::string>{kImport + "/railway/api/railway.json",
                                 kImport + "/railway/worker/railway.json",
                                 kImport + "/railway/billing/railway.toml"},
        std::vector<std::string>{kImport + "/compose/docker-compose.yml"},
        std::vector<std::string>{kImport + "/procfile/Procfile"}}) {
    auto r = import_files(files);
    ASSERT_TRUE(r.ok()) << r.error().str();
    RenderOptions render;
    render.redact_secrets = false;
    LoadOptions load;
    load.file = "gantry.yaml";
    load.use_process_env = false;
    load.interpolation = Interpolation::Lenient;
    auto back = parse_spec(render_yaml(r->spec, render), load);
    ASSERT_TRUE(back.ok()) << files.front() << ": " << back.error().str();
    ASSERT_EQ(back->services.size(), r->spec.services.size());
    for (std::size_t k = 0; k < back->services.size(); ++k) {
      const Service& a = r->spec.services[k];
      const Service& b = back->services[k];
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.command, b.command);
      EXPECT_EQ(a.port, b.port);
      EXPECT_EQ(a.replicas, b.replicas);
      EXPECT_EQ(a.env.size(), b.env.size());
    }
  }
}

}  // namespace
}  // namespace gantry::spec

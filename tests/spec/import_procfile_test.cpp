// Tests of the Procfile importer: processes, web's port, the release hook.
#include <gtest/gtest.h>

#include "spec/import_impl.h"
#include "spec/importer.h"

namespace gantry::spec {
namespace {

Result<import::FileImport> procfile(std::string_view text) {
  return import::import_text(ImportFormat::Procfile, text, "Procfile");
}

TEST(ImportProcfile, MapsTheFixture) {
  auto r = import_files({std::string(GANTRY_FIXTURES) + "/import/procfile/Procfile"});
  ASSERT_TRUE(r.ok()) << r.error().str();
  ASSERT_EQ(r->spec.services.size(), 2u);
  const Service& web = r->spec.services[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_TRUE(web.shell);  // ${PORT:-5000} needs a shell
  EXPECT_EQ(web.port, 5000);
  ASSERT_EQ(web.hooks.pre_rollout.size(), 1u);
  EXPECT_EQ(web.hooks.pre_rollout[0].run,
            (std::vector<std::string>{"bundle", "exec", "rails", "db:migrate"}));
  EXPECT_EQ(r->spec.source.where("services.web.hooks.pre_rollout").line, 4);
  const Service& worker = r->spec.services[1];
  EXPECT_EQ(worker.command, (std::vector<std::string>{"bundle", "exec", "sidekiq", "-c", "5"}));
  EXPECT_FALSE(worker.port);
  EXPECT_EQ(r->spec.source.where("services.worker.command"),
            (Location{std::string(GANTRY_FIXTURES) + "/import/procfile/Procfile", 3, 9}));
}

TEST(ImportProcfile, WebPortFromCommandOrDefault) {
  auto a = procfile("web: gunicorn app:app --bind 0.0.0.0:8000\n");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->services[0].port, 8000);
  auto b = procfile("web: gunicorn app:app --bind 0.0.0.0:$PORT\r\n");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->services[0].port, 5000);
  bool noted = false;
  for (const auto& n : b->notes) noted |= n.message.find("Procfile default") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(ImportProcfile, ReleaseWithoutWebIsANote) {
  auto a = procfile("# jobs only\nworker: ./work\nrelease: ./migrate\n");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->services.size(), 1u);
  ASSERT_EQ(a->notes.size(), 1u);
  EXPECT_EQ(a->notes[0].where.line, 3);
  EXPECT_NE(a->notes[0].message.find("not imported: release"), std::string::npos);
}

TEST(ImportProcfile, BadLinesAreLocatedErrors) {
  auto a = procfile("web: ./server\n\nthis is not a process\n");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().where.line, 3);
  auto b = procfile("web: ./a\nweb: ./b\n");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().where.line, 2);
  EXPECT_NE(b.error().message.find("Procfile:1"), std::string::npos);
  auto c = procfile("web:\n");
  ASSERT_FALSE(c.ok());
  auto d = procfile("  \n# nothing\n");
  ASSERT_FALSE(d.ok());
}

}  // namespace
}  // namespace gantry::spec

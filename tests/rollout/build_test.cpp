// The build phase with real build commands: output, failures, timeouts and artifact digests.
#include "rollout/build.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "core/asio.h"
#include "probe/probe_test_util.h"
#include "rollout/artifact.h"
#include "support/temp_dir.h"

namespace gantry::rollout {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using probe::testing::run_until;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh directory per test (tests/support/temp_dir.h), named for this suite.
class TempDir : public gantry::testing::TempDir {
 public:
  TempDir() : gantry::testing::TempDir("gantry-build") {}
};

BuildContext context(const TempDir& dir) {
  BuildContext c;
  c.workdir = dir.path();
  c.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"TARGET", "linux"}};
  return c;
}

spec::Build shell(const std::string& script) {
  spec::Build b;
  b.command = {script};
  b.shell = true;
  return b;
}

struct BuildRun {
  std::optional<BuildResult> result;
  std::vector<std::string> lines;
};

BuildRun build(const spec::Build& b, const BuildContext& ctx) {
  asio::io_context io;
  BuildRun run;
  run_build(
      io, b, ctx, [&](const OutputLine& line) { run.lines.push_back(line.text); },
      [&](BuildResult r) { run.result = std::move(r); });
  EXPECT_FALSE(run.result) << "called back from inside run_build";
  EXPECT_TRUE(run_until(io, [&] { return run.result.has_value(); }));
  if (!run.result) run.result = BuildResult{};
  return run;
}

TEST(Build, SucceedsAndRecordsTheArtifactDigest) {
  TempDir dir;
  fs::create_directories(dir / "web");
  auto b = shell(
      "echo building for $TARGET in $(basename $(pwd)); mkdir -p out; printf hello > out/app.bin");
  b.workdir = "web";
  b.artifact = "out/app.bin";
  const auto run = build(b, context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  EXPECT_EQ(run.result->exit_code, 0);
  EXPECT_THAT(run.lines, ElementsAre("building for linux in web"));
  EXPECT_EQ(run.result->artifact_digest,
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(run.result->detail, "exited with status 0, artifact " + run.result->artifact_digest);
}

TEST(Build, DigestsADirectoryArtifactLikeArtifactDigest) {
  TempDir dir;
  auto b = shell(
      "mkdir -p dist/assets && head -c 3000000 /dev/zero > dist/app && echo hi > "
      "dist/assets/a.css && ln -s app dist/latest");
  b.artifact = "dist";
  const auto run = build(b, context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  const auto expected = artifact_digest(dir / "dist");
  ASSERT_TRUE(expected.ok()) << expected.error().str();
  EXPECT_EQ(run.result->artifact_digest, *expected);
}

TEST(Build, BuildEnvIsAddedOverTheContextEnv) {
  TempDir dir;
  auto b = shell("echo $TARGET $EXTRA");
  b.env = {{"TARGET", "wasm"}, {"EXTRA", "yes"}};
  const auto run = build(b, context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  EXPECT_THAT(run.lines, ElementsAre("wasm yes"));
  EXPECT_EQ(run.result->artifact_digest, "");
}

TEST(Build, ArgvFormRunsWithoutAShell) {
  TempDir dir;
  spec::Build b;
  b.command = {"echo", "$TARGET", "a  b"};
  const auto run = build(b, context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  EXPECT_THAT(run.lines, ElementsAre("$TARGET a  b"));
}

TEST(Build, FailureKeepsTheLastLines) {
  TempDir dir;
  const auto run = build(
      shell("i=1; while [ $i -le 30 ]; do echo step $i; i=$((i+1)); done; echo 'error: x.c:3' >&2; "
            "exit 2"),
      context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_EQ(run.result->exit_code, 2);
  EXPECT_EQ(run.result->detail, "exited with status 2");
  ASSERT_EQ(run.result->last_lines.size(), 20u);
  EXPECT_EQ(run.result->last_lines.front(), "step 12");
  EXPECT_EQ(run.result->last_lines.back(), "error: x.c:3");
}

TEST(Build, TimesOut) {
  TempDir dir;
  spec::Build b;
  b.command = {"sleep", "300"};
  b.timeout = 300ms;
  const auto run = build(b, context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_TRUE(run.result->timed_out);
  EXPECT_EQ(run.result->exit_code, -1);
  EXPECT_EQ(run.result->detail, "timed out after 300ms");
}

TEST(Build, MissingArtifactFailsTheBuild) {
  TempDir dir;
  auto b = shell("echo built nothing");
  b.artifact = "dist/app";
  const auto run = build(b, context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_EQ(run.result->exit_code, 0);
  EXPECT_THAT(run.result->detail,
              HasSubstr("exited with status 0 but produced no artifact dist/app ("));
  EXPECT_THAT(run.result->detail, HasSubstr("No such file or directory"));
  EXPECT_EQ(run.result->artifact_digest, "");
}

TEST(Build, MissingWorkdirIsAClearFailure) {
  TempDir dir;
  auto b = shell("true");
  b.workdir = "nope";
  const auto run = build(b, context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_EQ(run.result->detail, "workdir " + dir.path() + "/nope: No such file or directory");
}

TEST(Build, EmptyCommandIsAFailure) {
  TempDir dir;
  const auto run = build(spec::Build{}, context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_EQ(run.result->detail, "the build has no command to run");
}

}  // namespace
}  // namespace gantry::rollout

// Command hooks and HTTP checks against real processes and the real example app.
#include "rollout/hooks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>

#include "core/asio.h"
#include "probe/probe_test_util.h"
#include "runtime/process.h"
#include "support/poll.h"
#include "support/temp_dir.h"

namespace gantry::rollout {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using probe::testing::ExampleApp;
using probe::testing::run_until;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh directory per test (tests/support/temp_dir.h), named for this suite.
class TempDir : public gantry::testing::TempDir {
 public:
  TempDir() : gantry::testing::TempDir("gantry-hooks") {}
};

spec::Hook sh(const std::string& script, Duration timeout = 60s) {
  spec::Hook h;
  h.run = {"/bin/sh", "-c", script};
  h.timeout = timeout;
  return h;
}

CommandContext context(const TempDir& dir) {
  CommandContext c;
  c.workdir = dir.path();
  c.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"LC_ALL", "C"}};
  c.service = "api";
  c.deployment_id = "dep-7";
  c.version = "v2";
  return c;
}

struct HookRun {
  std::optional<HookResult> result;
  std::vector<OutputLine> lines;
};

HookRun run_hook(const spec::Hook& hook, const CommandContext& ctx) {
  asio::io_context io;
  HookRun run;
  run_command_hook(
      io, hook, ctx, [&](const OutputLine& line) { run.lines.push_back(line); },
      [&](HookResult r) { run.result = std::move(r); });
  EXPECT_FALSE(run.result) << "called back from inside run_command_hook";
  EXPECT_TRUE(run_until(io, [&] { return run.result.has_value(); }));
  if (!run.result) run.result = HookResult{};
  return run;
}

std::vector<std::string> texts(const std::vector<OutputLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

int read_int(const std::string& path) {
  std::string text;
  EXPECT_TRUE(testing::wait_until([&] {
    text = testing::read_file(path);
    return !text.empty() && text.back() == '\n';
  })) << path;
  return text.empty() ? 0 : std::stoi(text);
}

TEST(CommandHook, SucceedsWithTheDeploymentFactsInItsEnvironment) {
  TempDir dir;
  const auto run =
      run_hook(sh("echo $GANTRY_SERVICE $GANTRY_DEPLOYMENT $GANTRY_VERSION; pwd"), context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  EXPECT_EQ(run.result->exit_code, 0);
  EXPECT_FALSE(run.result->timed_out);
  EXPECT_EQ(run.result->detail, "exited with status 0");
  EXPECT_THAT(texts(run.lines), ElementsAre("api dep-7 v2", fs::canonical(dir.path()).string()));
  EXPECT_EQ(run.lines[0].stream, "stdout");
}

TEST(CommandHook, EnvironmentIsOnlyTheContexts) {
  TempDir dir;
  ::setenv("GANTRY_HOOK_TEST_LEAK", "leaked", 1);
  auto ctx = context(dir);
  ctx.env.emplace_back("GIVEN", "yes");
  const auto run = run_hook(sh("echo \"given=$GIVEN leak=$GANTRY_HOOK_TEST_LEAK\""), ctx);
  ::unsetenv("GANTRY_HOOK_TEST_LEAK");
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  EXPECT_THAT(texts(run.lines), ElementsAre("given=yes leak="));
}

TEST(CommandHook, FailsWithTheExitCodeAndKeepsStderr) {
  TempDir dir;
  const auto run = run_hook(sh("echo starting; echo 'db is down' >&2; exit 3"), context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_EQ(run.result->exit_code, 3);
  EXPECT_EQ(run.result->detail, "exited with status 3");
  EXPECT_THAT(run.result->last_lines, ::testing::Contains("db is down"));
  ASSERT_EQ(run.lines.size(), 2u);
  const auto err = std::find_if(run.lines.begin(), run.lines.end(),
                                [](const OutputLine& l) { return l.stream == "stderr"; });
  ASSERT_NE(err, run.lines.end());
  EXPECT_EQ(err->text, "db is down");
}

TEST(CommandHook, StreamsLinesInOrderAndKeepsTheLastTwenty) {
  TempDir dir;
  const auto run =
      run_hook(sh("i=1; while [ $i -le 500 ]; do echo line $i; i=$((i+1)); done"), context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  ASSERT_EQ(run.lines.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(run.lines[i].text, "line " + std::to_string(i + 1));
  ASSERT_EQ(run.result->last_lines.size(), 20u);
  EXPECT_EQ(run.result->last_lines.front(), "line 481");
  EXPECT_EQ(run.result->last_lines.back(), "line 500");
}

TEST(CommandHook, CutsLongLinesAndKeepsALastLineWithoutNewline) {
  TempDir dir;
  const auto run =
      run_hook(sh("head -c 10000 /dev/zero | tr '\\0' x; echo; printf 'after\\r\\nno newline'"),
               context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  ASSERT_EQ(run.lines.size(), 3u);
  EXPECT_EQ(run.lines[0].text, std::string(4096, 'x'));
  EXPECT_EQ(run.lines[1].text, "after");
  EXPECT_EQ(run.lines[2].text, "no newline");
}

TEST(CommandHook, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const auto run =
      run_hook(sh("echo $$ > pgid; sleep 300 & sleep 300; echo never", 500ms), context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_TRUE(run.result->timed_out);
  EXPECT_EQ(run.result->exit_code, -1);
  EXPECT_EQ(run.result->detail, "timed out after 500ms");
  const int pgid = read_int(dir / "pgid");
  ASSERT_GT(pgid, 0);
  EXPECT_TRUE(testing::wait_until([&] { return !runtime::group_alive(pgid); }))
      << "a process of the hook's group survived the timeout";
}

TEST(CommandHook, TimeoutEscalatesToSigkillWhenSigtermIsIgnored) {
  TempDir dir;
  auto ctx = context(dir);
  ctx.kill_grace = 200ms;
  const auto run = run_hook(sh("trap '' TERM; echo $$ > pgid; sleep 300; sleep 300", 300ms), ctx);
  EXPECT_TRUE(run.result->timed_out);
  EXPECT_EQ(run.result->detail, "timed out after 300ms");
  const int pgid = read_int(dir / "pgid");
  EXPECT_TRUE(testing::wait_until([&] { return !runtime::group_alive(pgid); }));
}

TEST(CommandHook, WhatTheCommandLeavesRunningIsKilled) {
  TempDir dir;
  const auto run = run_hook(sh("echo $$ > pgid; sleep 300 & echo done"), context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  EXPECT_THAT(texts(run.lines), ElementsAre("done"));
  const int pgid = read_int(dir / "pgid");
  EXPECT_TRUE(testing::wait_until([&] { return !runtime::group_alive(pgid); }));
}

TEST(CommandHook, DryRunFailureStopsBeforeRun) {
  TempDir dir;
  auto hook = sh("touch ran");
  hook.dry_run = {"/bin/sh", "-c", "echo 'would drop column'; exit 1"};
  const auto run = run_hook(hook, context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_EQ(run.result->exit_code, 1);
  EXPECT_EQ(run.result->detail, "dry run failed: exited with status 1");
  EXPECT_THAT(run.result->last_lines, ElementsAre("would drop column"));
  EXPECT_FALSE(fs::exists(dir / "ran"));
}

TEST(CommandHook, DryRunThenRun) {
  TempDir dir;
  auto hook = sh("echo run; touch ran");
  hook.dry_run = {"/bin/sh", "-c", "echo dry"};
  const auto run = run_hook(hook, context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  EXPECT_THAT(texts(run.lines), ElementsAre("dry", "run"));
  EXPECT_TRUE(fs::exists(dir / "ran"));
}

TEST(CommandHook, MissingProgramIsAClearFailure) {
  TempDir dir;
  spec::Hook hook;
  hook.run = {"gantry-no-such-program"};
  const auto run = run_hook(hook, context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_EQ(run.result->exit_code, -1);
  EXPECT_EQ(run.result->detail, "cannot run 'gantry-no-such-program': not found in PATH");
}

TEST(CommandHook, RelativeProgramRunsFromTheWorkdir) {
  TempDir dir;
  {
    std::ofstream script(dir / "migrate.sh");
    script << "#!/bin/sh\necho migrated in $(basename $(pwd))\n";
  }
  fs::permissions(dir / "migrate.sh", fs::perms::owner_all);
  spec::Hook hook;
  hook.run = {"./migrate.sh"};
  const auto run = run_hook(hook, context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  EXPECT_THAT(texts(run.lines),
              ElementsAre("migrated in " + fs::path(dir.path()).filename().string()));
}

spec::Hook backup_hook(int keep) {
  auto hook = sh("echo \"$GANTRY_DEPLOYMENT\" > \"$GANTRY_BACKUP_FILE\"");
  hook.name = "db";
  hook.backup_dir = "backups";
  hook.backup_keep = keep;
  return hook;
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(BackupHook, ExportsANewFileInTheBackupDir) {
  TempDir dir;
  const auto run = run_hook(backup_hook(3), context(dir));
  ASSERT_TRUE(run.result->ok) << run.result->detail;
  const auto names = files_in(dir / "backups");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_TRUE(std::regex_match(names[0], std::regex(R"(db-dep-7-\d{8}T\d{6}\.\d{3}Z\.bak)")))
      << names[0];
  EXPECT_EQ(run.result->detail, "exited with status 0, backup " + names[0]);
  EXPECT_EQ(testing::read_file(dir / "backups/" + names[0]), "dep-7\n");
}

TEST(BackupHook, KeepsOnlyTheNewestBackupsOfTheHook) {
  TempDir dir;
  fs::create_directories(dir / "backups");
  for (const char* other : {"notes.txt", "cache-dep-1-20200101T000000.000Z.bak"}) {
    std::ofstream(dir / "backups/" + other) << "keep me\n";
  }
  auto ctx = context(dir);
  for (int i = 1; i <= 4; ++i) {
    ctx.deployment_id = "d" + std::to_string(i);
    const auto run = run_hook(backup_hook(2), ctx);
    ASSERT_TRUE(run.result->ok) << run.result->detail;
  }
  std::vector<std::string> contents;
  for (const auto& name : files_in(dir / "backups")) {
    if (name.rfind("db-", 0) == 0) contents.push_back(testing::read_file(dir / "backups/" + name));
  }
  std::sort(contents.begin(), contents.end());
  EXPECT_THAT(contents, ElementsAre("d3\n", "d4\n"));
  EXPECT_TRUE(fs::exists(dir / "backups/notes.txt"));
  EXPECT_TRUE(fs::exists(dir / "backups/cache-dep-1-20200101T000000.000Z.bak"));
}

TEST(BackupHook, FailsWhenTheCommandWroteNoBackup) {
  TempDir dir;
  auto hook = backup_hook(2);
  hook.run = {"true"};
  const auto run = run_hook(hook, context(dir));
  EXPECT_FALSE(run.result->ok);
  EXPECT_EQ(run.result->exit_code, 0);
  EXPECT_THAT(run.result->detail,
              HasSubstr("exited with status 0 but did not create GANTRY_BACKUP_FILE "));
  EXPECT_THAT(run.result->detail, HasSubstr("/backups/db-dep-7-"));
}

TEST(CommandHook, TearingDownTheIoContextKillsTheCommand) {
  TempDir dir;
  bool called = false;
  {
    asio::io_context io;
    bool started = false;
    run_command_hook(
        io, sh("echo $$ > pgid; echo started; sleep 300"), context(dir),
        [&](const OutputLine&) { started = true; }, [&](HookResult) { called = true; });
    ASSERT_TRUE(run_until(io, [&] { return started; }));
  }
  EXPECT_FALSE(called);
  const int pgid = read_int(dir / "pgid");
  EXPECT_TRUE(testing::wait_until([&] { return !runtime::group_alive(pgid); }));
}

// --- HTTP checks ---

spec::Hook http(const std::string& path, Duration timeout = 5s) {
  spec::Hook h;
  h.http_method = "GET";
  h.http_path = path;
  h.timeout = timeout;
  return h;
}

HookResult check(const spec::Hook& hook, HttpTarget target) {
  asio::io_context io;
  std::optional<HookResult> result;
  run_http_check(io, hook, target, [&](HookResult r) { result = std::move(r); });
  EXPECT_FALSE(result) << "called back from inside run_http_check";
  EXPECT_TRUE(run_until(io, [&] { return result.has_value(); }));
  return result.value_or(HookResult{});
}

HttpTarget at(int port) {
  HttpTarget t;
  t.port = port;
  return t;
}

TEST(HttpCheck, PassesOnA2xxByDefault) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  const auto r = check(http("/health"), at(app.port()));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.exit_code, 200);
  EXPECT_EQ(r.detail, "GET /health: 200");
}

TEST(HttpCheck, StatusMismatchFails) {
  ExampleApp app({"--health", "fail"});
  ASSERT_TRUE(app.ready()) << app.output();
  auto r = check(http("/health"), at(app.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_code, 503);
  EXPECT_EQ(r.detail, "GET /health: expected 200..399, got 503");
  EXPECT_THAT(r.last_lines, ElementsAre("failing"));

  auto hook = http("/health");
  hook.expect_status = 503;
  r = check(hook, at(app.port()));
  EXPECT_TRUE(r.ok) << r.detail;
  hook.expect_status = 204;
  r = check(hook, at(app.port()));
  EXPECT_EQ(r.detail, "GET /health: expected 204, got 503");
}

TEST(HttpCheck, JsonPathsMatchTheDeepHealthBody) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  auto hook = http("/health/deep");
  hook.expect_json = {{"status", "healthy"}, {"checks.database.status", "healthy"}};
  const auto r = check(hook, at(app.port()));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "GET /health/deep: 200, status=healthy, checks.database.status=healthy");
}

TEST(HttpCheck, JsonMismatchNamesTheFieldAndWhatCame) {
  ExampleApp app({"--deep", "degraded"});
  ASSERT_TRUE(app.ready()) << app.output();
  auto hook = http("/health/deep");
  hook.expect_json = {{"status", "healthy"}};
  auto r = check(hook, at(app.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_code, 200);
  EXPECT_EQ(r.detail, "GET /health/deep: expected status=healthy, got degraded");

  hook.expect_json = {{"checks.cache.status", "healthy"}, {"checks.queue.status", "healthy"}};
  r = check(hook, at(app.port()));
  EXPECT_EQ(r.detail, "GET /health/deep: expected checks.queue.status=healthy, got no such field");
}

TEST(HttpCheck, ABodyThatIsNotJsonFailsAJsonCheck) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  auto hook = http("/health");
  hook.expect_json = {{"status", "ok"}};
  const auto r = check(hook, at(app.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "GET /health: 200, the body is not JSON");
}

TEST(HttpCheck, ConnectionRefusedIsClear) {
  const auto r = check(http("/health/deep"), at(probe::testing::closed_port()));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.detail, "GET /health/deep: connection refused");
}

TEST(HttpCheck, TimesOutOnAHangingEndpoint) {
  ExampleApp app({"--health", "hang"});
  ASSERT_TRUE(app.ready()) << app.output();
  const auto r = check(http("/health", 300ms), at(app.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.detail, "GET /health: timed out after 300ms");
}

// A one-shot HTTP server that records the request and answers with a chunked JSON body.
class CannedServer {
 public:
  CannedServer(asio::io_context& io, std::string body)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}),
        socket_(io),
        body_(std::move(body)) {
    acceptor_.async_accept(socket_, [this](boost::system::error_code ec) {
      if (!ec) read();
    });
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  const std::string& request() const { return request_; }

 private:
  void read() {
    asio::async_read_until(socket_, buffer_, "\r\n\r\n",
                           [this](boost::system::error_code ec, std::size_t n) {
                             if (ec) return;
                             request_.assign(asio::buffers_begin(buffer_.data()),
                                             asio::buffers_begin(buffer_.data()) + n);
                             write();
                           });
  }
  void write() {
    const std::string half = body_.substr(0, body_.size() / 2), rest = body_.substr(half.size());
    auto chunk = [](const std::string& s) {
      char size[16];
      std::snprintf(size, sizeof size, "%zx", s.size());
      return std::string(size) + "\r\n" + s + "\r\n";
    };
    response_ =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
        chunk(half) + chunk(rest) + "0\r\n\r\n";
    asio::async_write(socket_, asio::buffer(response_),
                      [this](boost::system::error_code, std::size_t) {
                        boost::system::error_code ignored;
                        socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                      });
  }

  asio::ip::tcp::acceptor acceptor_;
  asio::ip::tcp::socket socket_;
  asio::streambuf buffer_;
  std::string body_, request_, response_;
};

TEST(HttpCheck, SendsTheTargetHeadersAndReadsArraysAndScalars) {
  asio::io_context io;
  CannedServer server(io, R"({"items":[{"id":7,"ok":true,"name":"a"}],"ratio":0.5,"gone":null})");
  auto hook = http("/version?full=1");
  hook.expect_json = {
      {"items.0.id", "7"}, {"items.0.ok", "true"}, {"items.0.name", "a"}, {"gone", "null"}};
  HttpTarget target = at(server.port());
  target.headers = {{"X-Gantry-Version", "v2"}};
  std::optional<HookResult> result;
  run_http_check(io, hook, target, [&](HookResult r) { result = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  EXPECT_TRUE(result->ok) << result->detail;
  EXPECT_THAT(server.request(), HasSubstr("GET /version?full=1 HTTP/1.1\r\n"));
  EXPECT_THAT(server.request(), HasSubstr("X-Gantry-Version: v2\r\n"));

  CannedServer second(io, R"({"items":[{"id":7}]})");
  hook.expect_json = {{"items.1.id", "7"}, {"items.0.id", "8"}};
  result.reset();
  run_http_check(io, hook, at(second.port()), [&](HookResult r) { result = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  EXPECT_EQ(result->detail,
            "GET /version?full=1: expected items.1.id=7, got no such field, expected "
            "items.0.id=8, got 7");
}

}  // namespace
}  // namespace gantry::rollout

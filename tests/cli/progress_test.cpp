// The progress formatter on events of every type, summaries, exit statuses and --set parsing.
#include "cli/progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

namespace gantry::cli {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string line(const std::string& type, json data, EventStyle style = {}) {
  const json event = {{"id", 7},
                      {"deployment_id", "d-000012"},
                      {"at", "2026-11-25T12:01:02.345Z"},
                      {"type", type},
                      {"data", std::move(data)}};
  return format_event(event, style);
}

json sample(const std::string& outcome, std::int64_t failures) {
  return {{"outcome", outcome},
          {"reason", outcome == "fail" ? "canary error rate 49.6% > stable 0.1%" : ""},
          {"interval", 5},
          {"baseline",
           {{"requests", 1890},
            {"errors", 2},
            {"error_rate", 0.001},
            {"success_rate", 0.999},
            {"p50_ms", 2.0},
            {"p95_ms", 4.0},
            {"p99_ms", 6.5}}},
          {"canary",
           {{"requests", 212},
            {"errors", 105},
            {"error_rate", 0.496},
            {"success_rate", 0.504},
            {"p50_ms", 2.1},
            {"p95_ms", 4.1},
            {"p99_ms", 7.0}}},
          {"checks", json::array({{{"name", "success_rate"},
                                   {"ok", outcome != "fail"},
                                   {"value", 0.504},
                                   {"limit", 0.99},
                                   {"detail", ""}},
                                  {{"name", "latency_p95"},
                                   {"ok", true},
                                   {"value", 4.1},
                                   {"limit", 500},
                                   {"detail", ""}}})},
          {"statistics",
           {{"mann_whitney_u", 1234.5},
            {"z", 0.8},
            {"p_value", 0.41},
            {"hodges_lehmann_ms", 0.1},
            {"errors_z", 21.3},
            {"errors_p_value", 1e-9},
            {"alpha", 0.01}}},
          {"failures", failures},
          {"failure_limit", 3}};
}

TEST(ProgressFormat, LineHasTimeLabelAndDetail) {
  EXPECT_EQ(line("phase.changed", {{"from", "provisioning"}, {"to", "progressing"}}),
            "  12:01:02.345  phase    provisioning -> progressing");
}

TEST(ProgressFormat, PhaseChangeShowsReason) {
  EXPECT_THAT(line("phase.changed",
                   {{"from", "progressing"}, {"to", "rolling_back"}, {"reason", "crash loop"}}),
              HasSubstr("progressing -> rolling_back (crash loop)"));
}

TEST(ProgressFormat, DeploymentStartedNamesRevisionsAndWho) {
  const std::string text = line("deployment.started", {{"strategy", "canary"},
                                                       {"version", "v2"},
                                                       {"revision_id", "api-r3"},
                                                       {"from_revision_id", "api-r2"},
                                                       {"commit_sha", "abc123"},
                                                       {"triggered_by", "alice (cli, uid 1000)"}});
  EXPECT_THAT(text, AllOf(HasSubstr("start"), HasSubstr("canary v2 (api-r3, from api-r2)"),
                          HasSubstr("commit abc123"), HasSubstr("by alice (cli, uid 1000)")));
}

TEST(ProgressFormat, BuildOutputMarksStreams) {
  EXPECT_THAT(line("build.output", {{"stream", "stdout"}, {"line", "compiling"}}),
              HasSubstr("build    | compiling"));
  EXPECT_THAT(line("build.output", {{"stream", "stderr"}, {"line", "warning"}}),
              HasSubstr("build    ! warning"));
}

TEST(ProgressFormat, BuildFinishedOkAndFailed) {
  EXPECT_THAT(line("build.finished", {{"ok", true},
                                      {"exit_code", 0},
                                      {"detail", ""},
                                      {"took_ms", 3200},
                                      {"artifact_digest", "sha256:ab12"}}),
              AllOf(HasSubstr("ok in 3.2s"), HasSubstr("sha256:ab12")));
  EXPECT_THAT(line("build.finished",
                   {{"ok", false}, {"exit_code", 2}, {"detail", "make failed"}, {"took_ms", 850}}),
              AllOf(HasSubstr("FAILED (exit 2) in 850ms: make failed")));
}

TEST(ProgressFormat, HookEvents) {
  const std::string hook = "pre_rollout[0] migrate";
  EXPECT_THAT(line("hook.started", {{"hook", hook}, {"kind", "command"}}),
              HasSubstr("hook     pre_rollout[0] migrate started (command)"));
  EXPECT_THAT(line("hook.output", {{"hook", hook}, {"stream", "stderr"}, {"line", "3 applied"}}),
              HasSubstr("pre_rollout[0] migrate ! 3 applied"));
  EXPECT_THAT(
      line("hook.finished", {{"hook", hook}, {"ok", true}, {"detail", ""}, {"took_ms", 1200}}),
      HasSubstr("pre_rollout[0] migrate ok in 1.2s"));
  EXPECT_THAT(line("hook.finished",
                   {{"hook", hook}, {"ok", false}, {"detail", "exit 1"}, {"took_ms", 45000}}),
              HasSubstr("pre_rollout[0] migrate FAILED in 45s: exit 1"));
}

TEST(ProgressFormat, ReplicaEventsNameTheReplica) {
  EventStyle style;
  style.service = "api";
  EXPECT_THAT(line("replica.started",
                   {{"replica", 0}, {"version", "v2"}, {"pid", 4100}, {"port", 41000}}, style),
              HasSubstr("replica  api/0 v2 started, pid 4100, port 41000"));
  EXPECT_THAT(line("replica.ready", {{"replica", 1}, {"version", "v2"}}, style),
              HasSubstr("api/1 v2 ready"));
  EXPECT_THAT(line("replica.exited",
                   {{"replica", "api/2"}, {"version", "v2"}, {"detail", "exit 1"}}, style),
              HasSubstr("api/2 v2 exited: exit 1"));
}

TEST(ProgressFormat, ReplicaWithoutNameHasNoGap) {
  EXPECT_THAT(line("replica.ready", {{"version", "v2"}}), HasSubstr("replica  v2 ready"));
}

TEST(ProgressFormat, StepsByKind) {
  EXPECT_THAT(line("step.started", {{"index", 1}, {"kind", "weight"}, {"weight", 10}}),
              HasSubstr("step     step 1 weight 10%"));
  EXPECT_THAT(line("step.started", {{"index", 2}, {"kind", "pause"}, {"duration_ms", 30000}}),
              HasSubstr("step 2 pause 30s"));
  EXPECT_THAT(line("step.started", {{"index", 2}, {"kind", "pause"}}),
              HasSubstr("step 2 pause until promoted"));
  EXPECT_THAT(line("step.started", {{"index", 4}, {"kind", "analysis"}, {"duration_ms", 60000}}),
              HasSubstr("step 4 analysis for 1m"));
  EXPECT_THAT(line("step.started", {{"index", 5}, {"kind", "approval"}}),
              HasSubstr("step 5 approval"));
}

TEST(ProgressFormat, WeightsShowEveryVersion) {
  EXPECT_THAT(line("weight.changed", {{"weights", {{"v1", 90}, {"v2", 10}}}}),
              HasSubstr("weight   v1 90% · v2 10%"));
}

TEST(ProgressFormat, AnalysisPassShowsBothSidesAndU) {
  EXPECT_THAT(line("analysis.sample", sample("pass", 0)),
              AllOf(HasSubstr("analysis pass  canary 212 req 49.6% err p95 4.1ms"),
                    HasSubstr("| stable 1890 req 0.1% err p95 4.0ms"), HasSubstr("U p=0.41"),
                    Not(HasSubstr("["))));
}

TEST(ProgressFormat, AnalysisFailShowsReasonErrorTestAndTally) {
  EXPECT_THAT(line("analysis.sample", sample("fail", 1)),
              AllOf(HasSubstr("analysis FAIL  canary error rate 49.6% > stable 0.1%"),
                    HasSubstr("z=21.3, p<1e-6"), HasSubstr("[1/3]"), Not(HasSubstr("U p="))));
}

TEST(ProgressFormat, AnalysisFailWithoutReasonNamesFailingChecks) {
  json data = sample("fail", 2);
  data["reason"] = "";
  EXPECT_THAT(line("analysis.sample", data),
              AllOf(HasSubstr("success_rate 50.4% (limit 99.0%)"), HasSubstr("[2/3]"),
                    Not(HasSubstr("latency_p95"))));
}

TEST(ProgressFormat, AnalysisInconclusiveSaysSo) {
  json data = sample("inconclusive", 0);
  data["reason"] = "12 requests < min_requests 50";
  EXPECT_THAT(line("analysis.sample", data),
              AllOf(HasSubstr("inconclusive"), HasSubstr("min_requests 50")));
}

TEST(ProgressFormat, AnalysisFailedIsFinal) {
  EXPECT_THAT(line("analysis.failed", sample("fail", 3)),
              AllOf(HasSubstr("analysis FAILED  canary error rate"), HasSubstr("[3/3]")));
  // An early look fails the canary before any interval is counted: no tally to show.
  json early = sample("fail", 0);
  early.erase("failures");
  early.erase("failure_limit");
  early["early"] = true;
  EXPECT_THAT(line("analysis.failed", early),
              AllOf(HasSubstr("FAILED"), HasSubstr("(early look)"), Not(HasSubstr("["))));
}

TEST(ProgressFormat, VerboseAnalysisListsChecksAndNumbers) {
  EventStyle style;
  style.verbose = true;
  const std::string text = line("analysis.sample", sample("fail", 1), style);
  EXPECT_THAT(text,
              AllOf(HasSubstr("\n"), HasSubstr("FAIL  success_rate 50.4% (limit 99.0%)"),
                    HasSubstr("ok    latency_p95 4.1ms (limit 500.0ms)"), HasSubstr("alpha 0.01")));
}

TEST(ProgressFormat, ApprovalHintsAtPromote) {
  EventStyle style;
  style.service = "api";
  EXPECT_THAT(
      line("approval.required", {{"reason", "production requires approval"}}, style),
      HasSubstr("approval waiting: production requires approval; run 'gantry promote api'"));
}

TEST(ProgressFormat, OperatorActions) {
  EXPECT_THAT(line("paused", {{"by", "alice"}}), HasSubstr("paused   by alice"));
  EXPECT_THAT(line("resumed", {{"by", "bob"}}), HasSubstr("resumed  by bob"));
  EXPECT_THAT(line("promoted", {{"by", "alice"}, {"full", true}}),
              HasSubstr("promoted by alice, full"));
  EXPECT_THAT(line("deployment.aborted", {{"by", "carol"}}),
              HasSubstr("done     aborted by carol"));
}

TEST(ProgressFormat, RollbackAndEndings) {
  EXPECT_THAT(line("rollback.started", {{"rule", "error_rate"}, {"reason", "49.6% errors"}}),
              HasSubstr("rollback rule error_rate: 49.6% errors"));
  EXPECT_THAT(line("deployment.succeeded", {{"took_ms", 41000}}),
              HasSubstr("done     succeeded in 41s"));
  EXPECT_THAT(line("deployment.failed", {{"reason", "startup probe exhausted"}}),
              HasSubstr("failed: startup probe exhausted"));
  EXPECT_THAT(line("deployment.rolled_back",
                   {{"rule", "crash_loop"}, {"reason", "api/0 exited 3 times"}, {"took_ms", 3200}}),
              HasSubstr("rolled back in 3.2s (rule crash_loop: api/0 exited 3 times)"));
}

TEST(ProgressFormat, UnknownTypeStillPrintsTypeAndData) {
  EXPECT_THAT(line("secret.rotated", {{"name", "db"}}),
              AllOf(StartsWith("  12:01:02.345  secret.rotated "), HasSubstr("{\"name\":\"db\"}")));
  EXPECT_THAT(line("x.y", nullptr), HasSubstr("x.y"));
}

TEST(ProgressFormat, WrongTypesInDataDoNotThrow) {
  EXPECT_NO_THROW(
      line("analysis.sample", {{"baseline", "oops"}, {"checks", 3}, {"failures", "x"}}));
  EXPECT_NO_THROW(line("weight.changed", {{"weights", json::array({1, 2})}}));
  EXPECT_NO_THROW(format_event(json("not an object"), {}));
}

TEST(ProgressFormat, ColourOnlyWhenAsked) {
  EventStyle colour;
  colour.color = true;
  EXPECT_THAT(line("deployment.failed", {{"reason", "x"}}, colour), HasSubstr("\033["));
  EXPECT_THAT(line("deployment.failed", {{"reason", "x"}}), Not(HasSubstr("\033[")));
}

TEST(ProgressSummary, SucceededAndRolledBack) {
  const json ok = {{"id", "d-000012"},      {"service", "api"},     {"version", "v2"},
                   {"status", "succeeded"}, {"duration_ms", 41000}, {"rollback_reason", ""}};
  EXPECT_EQ(format_summary(ok, "", false), "api: v2 succeeded in 41s");
  const json back = {{"id", "d-000013"},    {"service", "api"},
                     {"version", "v2"},     {"status", "rolled_back"},
                     {"duration_ms", 3200}, {"rollback_reason", "error_rate: canary 49.6% > 1%"}};
  EXPECT_EQ(format_summary(back, "", false),
            "api: v2 rolled back after 3.2s: error_rate: canary 49.6% > 1%");
}

TEST(ProgressSummary, FailedUsesEventReasonAndRevisionWithoutVersion) {
  const json failed = {{"id", "d-000014"},           {"service", "worker"}, {"version", ""},
                       {"revision_id", "worker-r4"}, {"status", "failed"},  {"duration_ms", 900},
                       {"rollback_reason", ""}};
  EXPECT_EQ(format_summary(failed, "build failed", false),
            "worker: worker-r4 failed after 900ms: build failed");
}

TEST(ProgressSummary, StillRunningPointsAtShow) {
  const json running = {{"id", "d-000015"},
                        {"service", "api"},
                        {"version", "v3"},
                        {"status", "paused"},
                        {"duration_ms", nullptr}};
  EXPECT_EQ(format_summary(running, "", false),
            "api: v3 is still paused (d-000015; see 'gantry show d-000015')");
}

TEST(ProgressExitCode, FromFinalStatuses) {
  EXPECT_EQ(exit_code_for_statuses({}), 0);
  EXPECT_EQ(exit_code_for_statuses({"succeeded", "succeeded"}), 0);
  EXPECT_EQ(exit_code_for_statuses({"succeeded", "rolled_back"}), kExitNotDeployed);
  EXPECT_EQ(exit_code_for_statuses({"failed"}), 3);
  EXPECT_EQ(exit_code_for_statuses({"aborted"}), 3);
  EXPECT_EQ(exit_code_for_statuses({"rolled_back", "progressing"}), 1);
  EXPECT_EQ(exit_code_for_statuses({"paused"}), 1);
}

TEST(ProgressTerminal, StatusesAndEvents) {
  for (const char* s : {"succeeded", "rolled_back", "failed", "aborted"}) {
    EXPECT_TRUE(is_terminal_status(s)) << s;
  }
  for (const char* s : {"pending", "preflight", "provisioning", "progressing", "paused",
                        "promoting", "rolling_back"}) {
    EXPECT_FALSE(is_terminal_status(s)) << s;
  }
  EXPECT_TRUE(is_terminal_event("deployment.rolled_back"));
  EXPECT_FALSE(is_terminal_event("rollback.started"));
}

TEST(ProgressSet, ParsesPairsLaterWins) {
  auto sets =
      parse_set_arguments({"LOG_LEVEL=debug", "URL=http://x/?a=b", "EMPTY=", "LOG_LEVEL=info"});
  ASSERT_TRUE(sets) << sets.error().str();
  EXPECT_EQ(*sets, (json{{"LOG_LEVEL", "info"}, {"URL", "http://x/?a=b"}, {"EMPTY", ""}}));
}

TEST(ProgressSet, MissingEqualsNamesTheArgument) {
  auto sets = parse_set_arguments({"A=1", "LOG_LEVEL"});
  ASSERT_FALSE(sets);
  EXPECT_THAT(sets.error().message, AllOf(HasSubstr("--set 'LOG_LEVEL'"), HasSubstr("KEY=VALUE")));
}

TEST(ProgressSet, BadKeyIsRefused) {
  for (const char* bad : {"=x", "1ABC=x", "MY-VAR=x", "A B=x"}) {
    auto sets = parse_set_arguments({bad});
    ASSERT_FALSE(sets) << bad;
    EXPECT_THAT(sets.error().message, HasSubstr("not an environment variable name")) << bad;
  }
  EXPECT_TRUE(parse_set_arguments({"_private=1", "a1=2"}));
}

TEST(ProgressDuration, Short) {
  EXPECT_EQ(short_duration(850), "850ms");
  EXPECT_EQ(short_duration(3200), "3.2s");
  EXPECT_EQ(short_duration(41000), "41s");
  EXPECT_EQ(short_duration(303000), "5m3s");
}

// A stand-in for the daemon's API on a real unix socket in a temp state dir: answers each
// request with handler(method, target), one connection per request as the CLI's client makes.
class CannedDaemon {
 public:
  using Handler = std::function<std::pair<int, json>(const std::string&, const std::string&)>;

  explicit CannedDaemon(Handler handler) : handler_(std::move(handler)) {
    char tmpl[] = "/tmp/gantry-cli-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = dir_ + "/gantry.sock";
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0) {
      ADD_FAILURE() << "cannot listen on " << path;
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedDaemon() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
    std::filesystem::remove_all(dir_);
  }
  const std::string& state_dir() const { return dir_; }
  std::vector<std::string> targets() {
    std::lock_guard lock(mutex_);
    return targets_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      std::istringstream first_line(request.substr(0, request.find("\r\n")));
      std::string method, target;
      first_line >> method >> target;
      {
        std::lock_guard lock(mutex_);
        targets_.push_back(method + " " + target);
      }
      // The follower only GETs, so there is no request body to read.
      const auto [status, body] = handler_(method, target);
      const std::string text = body.dump();
      const std::string response =
          "HTTP/1.1 " + std::to_string(status) +
          " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) +
          "\r\nConnection: close\r\n\r\n" + text;
      if (::write(fd, response.data(), response.size()) < 0) ADD_FAILURE() << "write failed";
      ::close(fd);
    }
  }

  Handler handler_;
  std::string dir_;
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> targets_;
};

json deployment(const std::string& status) {
  return {{"id", "d-000012"},
          {"service", "api"},
          {"version", "v2"},
          {"status", status},
          {"strategy", "canary"},
          {"revision_id", "api-r3"},
          {"from_revision_id", "api-r2"},
          {"duration_ms", status == "rolled_back" ? json(3200) : json(nullptr)},
          {"rollback_reason", status == "rolled_back" ? "error_rate: 49.6% > 1%" : ""}};
}

// A canary that the daemon rolls back: each events poll reveals one more event; the
// deployment's status turns terminal with the last one.
CannedDaemon::Handler rolling_back_canary() {
  auto revealed = std::make_shared<std::size_t>(0);
  const std::vector<json> events = {
      {{"id", 1},
       {"type", "phase.changed"},
       {"data", {{"from", "provisioning"}, {"to", "progressing"}}}},
      {{"id", 2}, {"type", "weight.changed"}, {"data", {{"weights", {{"v1", 90}, {"v2", 10}}}}}},
      {{"id", 3},
       {"type", "deployment.rolled_back"},
       {"data", {{"rule", "error_rate"}, {"reason", "49.6% > 1%"}, {"took_ms", 3200}}}}};
  return [revealed, events](const std::string&, const std::string& target) {
    if (target.rfind("/v1/events?deployment=d-000012&after=", 0) == 0) {
      const auto after = std::stoll(target.substr(target.rfind('=') + 1));
      *revealed = std::min(events.size(), *revealed + 1);
      json out = json::array();
      for (std::size_t i = 0; i < *revealed; ++i) {
        if (events[i]["id"].get<std::int64_t>() > after) {
          json e = events[i];
          e["deployment_id"] = "d-000012";
          e["at"] = "2026-11-25T12:01:0" + std::to_string(i) + ".000Z";
          out.push_back(std::move(e));
        }
      }
      return std::pair<int, json>{200, {{"events", out}}};
    }
    if (target == "/v1/deployments/d-000012") {
      const bool over = *revealed == events.size();
      return std::pair<int, json>{200,
                                  {{"deployment", deployment(over ? "rolled_back" : "progressing")},
                                   {"rollout", nullptr},
                                   {"events", json::array()}}};
    }
    return std::pair<int, json>{404, {{"error", {{"code", "not_found"}, {"message", target}}}}};
  };
}

TEST(ProgressFollow, PrintsEachEventOnceThenTheSummaryAndExits3OnRollback) {
  CannedDaemon daemon(rolling_back_canary());
  FollowOptions options;
  options.state_dir = daemon.state_dir();
  options.timeout = std::chrono::seconds(20);
  std::ostringstream out;
  EXPECT_EQ(follow_deployments(options, {deployment("progressing")}, out), kExitNotDeployed);
  const std::string text = out.str();
  EXPECT_THAT(
      text, AllOf(HasSubstr("api: v2 deploying as d-000012 (canary, api-r2 -> api-r3)"),
                  HasSubstr("12:01:00.000  phase    provisioning -> progressing"),
                  HasSubstr("weight   v1 90% · v2 10%"), HasSubstr("done     rolled back in 3.2s"),
                  HasSubstr("api: v2 rolled back after 3.2s: error_rate: 49.6% > 1%")));
  EXPECT_EQ(text.find("phase "), text.rfind("phase "));  // the cursor moved on
  const auto targets = daemon.targets();
  EXPECT_NE(std::find(targets.begin(), targets.end(), "GET /v1/events?deployment=d-000012&after=2"),
            targets.end());
}

TEST(ProgressFollow, JsonPrintsOnlyTheFinalDeployments) {
  CannedDaemon daemon(rolling_back_canary());
  FollowOptions options;
  options.state_dir = daemon.state_dir();
  options.text = false;
  options.json_extra = {{"unchanged", {"worker"}}};
  std::ostringstream out;
  EXPECT_EQ(follow_deployments(options, {deployment("pending")}, out), kExitNotDeployed);
  const json result = json::parse(out.str());
  EXPECT_EQ(result["deployments"].size(), 1u);
  EXPECT_EQ(result["deployments"][0]["status"], "rolled_back");
  EXPECT_EQ(result["unchanged"], json({"worker"}));
}

TEST(ProgressFollow, TimeoutLeavesTheDeploymentRunningAndExits1) {
  CannedDaemon daemon([](const std::string&, const std::string& target) {
    if (target.rfind("/v1/events", 0) == 0)
      return std::pair<int, json>{200, {{"events", json::array()}}};
    return std::pair<int, json>{200, {{"deployment", deployment("paused")}}};
  });
  FollowOptions options;
  options.state_dir = daemon.state_dir();
  options.timeout = std::chrono::milliseconds(300);
  std::ostringstream out;
  EXPECT_EQ(follow_deployments(options, {deployment("paused")}, out), 1);
  EXPECT_THAT(out.str(), HasSubstr("api: v2 is still paused (d-000012"));
}

TEST(ProgressFollow, UnknownDeploymentIsAUsageError) {
  CannedDaemon daemon([](const std::string&, const std::string&) {
    return std::pair<int, json>{404,
                                {{"error", {{"code", "not_found"}, {"message", "no deployment"}}}}};
  });
  FollowOptions options;
  options.state_dir = daemon.state_dir();
  std::ostringstream out;
  EXPECT_EQ(follow_deployments(options, {deployment("pending")}, out), 2);
}

}  // namespace
}  // namespace gantry::cli

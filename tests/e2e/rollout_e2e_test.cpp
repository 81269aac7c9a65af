// Rollouts as a user runs them: `gantry deploy` with the real daemon, proxy and example-app
// replicas; every strategy to success, each rollback rule firing, low traffic, approvals and
// promote_from, abort and rollback, a daemon killed mid-canary, WebSockets across a switch,
// and builds (a failing one, and an artifact edited after its revision was recorded).
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "e2e/rollout_fixture.h"
#include "proxy/ws_client.h"

namespace gantry::testing {
namespace {

using nlohmann::json;

std::string errors_of(Load& load) {
  std::string all;
  for (const auto& e : load.errors()) all += e + "\n";
  return all;
}

// The deployment of a `gantry deploy --format json` answer (its only one).
json only_deployment(const RunResult& r) {
  const json out = json::parse(r.out, nullptr, false);
  if (!out.is_object() || !out["deployments"].is_array() || out["deployments"].size() != 1)
    return json();
  return out["deployments"][0];
}

// --- every strategy to success ---------------------------------------------------------------

class RolloutStrategy : public RolloutE2e {
 protected:
  // Deploys v2 under steady load; afterwards only v2 runs and answers, and history says so.
  // No request may fail on the way, whatever the strategy.
  void deploy_v2_under_load(const std::string& strategy, int replicas) {
    write_spec(replicas, strategy);
    up_and_ready(replicas);
    Load& load = start_load();
    ASSERT_TRUE(wait_until([&] { return load.ok() >= 20 || load.failed() > 0; }));

    auto r = deploy({"--version", "v2", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const json d = only_deployment(r);
    ASSERT_TRUE(d.is_object()) << r.out;
    EXPECT_EQ(d["status"], "succeeded") << event_lines(d.value("id", ""));

    ASSERT_TRUE(wait_all_on("v2", replicas)) << service().dump(2);
    (void)load.take_versions();
    const long before = load.ok();
    ASSERT_TRUE(wait_until([&] { return load.ok() >= before + 20; })) << errors_of(load);
    load.finish();
    const auto versions = load.take_versions();
    EXPECT_EQ(versions.size(), 1u) << "answers after the rollout came from more than v2";
    EXPECT_GT(versions.count("v2"), 0u);
    EXPECT_EQ(load.failed(), 0) << errors_of(load);

    // status: the new version on every replica, each a live process.
    const json s = service();
    EXPECT_EQ(s["version"], "v2") << s.dump(2);
    EXPECT_EQ(s["revision_id"], "api-r2");
    ASSERT_EQ(s["replicas"].size(), static_cast<std::size_t>(replicas)) << s.dump(2);
    for (const auto& rep : s["replicas"]) {
      EXPECT_EQ(rep["version"], "v2") << rep.dump();
      EXPECT_EQ(rep["revision_id"], "api-r2") << rep.dump();
      EXPECT_TRUE(alive(rep["pid"].get<int>())) << rep.dump();
    }

    // history: this deployment succeeded, from the revision `up` recorded.
    auto h = gantry({"history", "api", "--format", "json"});
    ASSERT_EQ(h.exit_code, 0) << h.err;
    const json list = json::parse(h.out, nullptr, false);
    ASSERT_TRUE(list.is_object() && list["deployments"].size() >= 2) << h.out;
    const json& newest = list["deployments"][0];
    EXPECT_EQ(newest["id"], d["id"]);
    EXPECT_EQ(newest["status"], "succeeded");
    EXPECT_EQ(newest["version"], "v2");
    EXPECT_EQ(newest["revision_id"], "api-r2");
    EXPECT_EQ(newest["from_revision_id"], "api-r1");
    EXPECT_EQ(list["deployments"][1]["revision_id"], "api-r1");
    EXPECT_EQ(list["deployments"][1]["strategy"], "up");
  }
};

TEST_F(RolloutStrategy, CanaryMovesTrafficInStepsAndSucceeds) {
  deploy_v2_under_load(
      "    strategy:\n"
      "      canary:\n"
      "        steps: [ {weight: 20}, {weight: 50}, {weight: 100} ]\n",
      2);
  const json d = newest_deployment();
  std::vector<int> canary_weights;
  for (const auto& e : events(d.value("id", ""), "weight.changed")) {
    if (e["weights"].contains("v2")) canary_weights.push_back(e["weights"]["v2"].get<int>());
  }
  EXPECT_EQ(canary_weights, (std::vector<int>{20, 50, 100}));
}

TEST_F(RolloutStrategy, BlueGreenSwitchesAtOnceWithAutoPromote) {
  deploy_v2_under_load(
      "    strategy: { blue_green: { auto_promote: true, scale_down_delay: 300ms } }\n", 2);
  const json d = newest_deployment();
  std::vector<json> weights;
  for (const auto& e : events(d.value("id", ""), "weight.changed")) weights.push_back(e["weights"]);
  ASSERT_FALSE(weights.empty());
  EXPECT_EQ(weights.front(), (json{{"v2", 100}})) << "blue-green moves all traffic in one switch";
}

TEST_F(RolloutStrategy, RollingReplacesThreeReplicasOneAtATime) {
  deploy_v2_under_load("    strategy: { rolling: { max_surge: 1 } }\n", 3);
}

TEST_F(RolloutStrategy, RecreateReplacesEveryReplicaWhileTheProxyHoldsRequests) {
  // Nothing serves between the old replicas' stop and the new ones' readiness: requests wait in
  // the proxy (proxy.hold_timeout) instead of failing.
  deploy_v2_under_load("    strategy: recreate\n", 2);
}

// --- rollback rules --------------------------------------------------------------------------

// A canary that takes half the traffic, then holds there for `hold` (a pause or an analysis
// step) before going to 100%: long enough for the rules to fire.
std::string canary_holding(const std::string& hold, const std::string& analysis = "") {
  return "    strategy:\n"
         "      canary:\n"
         "        steps: [ {weight: 50}, {" +
         hold + "}, {weight: 100} ]\n" +
         (analysis.empty() ? "" : "        analysis: " + analysis + "\n");
}

class RolloutRollbackRule : public RolloutE2e {
 protected:
  // Deploys v2 with `args`; expects it rolled back by one of `rules`, and v1 alone serving
  // afterwards on both its replicas. Returns the deployment's id.
  std::string expect_rolled_back(std::vector<std::string> args,
                                 const std::set<std::string>& rules) {
    args.insert(args.begin(), {"--version", "v2", "--format", "json"});
    auto r = deploy(args);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    const json d = only_deployment(r);
    EXPECT_TRUE(d.is_object()) << r.out;
    if (!d.is_object()) return "";
    const std::string id = d.value("id", "");
    EXPECT_EQ(d["status"], "rolled_back") << event_lines(id);
    const auto started = events(id, "rollback.started");
    EXPECT_EQ(started.size(), 1u) << event_lines(id);
    if (!started.empty()) {
      const std::string rule = started[0].value("rule", "");
      EXPECT_EQ(rules.count(rule), 1u) << "rolled back by rule '" << rule << "'\n"
                                       << event_lines(id);
      EXPECT_EQ(d.value("rollback_reason", "").rfind(rule + ": ", 0), 0u) << d.dump(2);
    }
    EXPECT_TRUE(wait_all_on("r1", 2)) << service().dump(2);
    EXPECT_EQ(versions_answering(30), (std::map<std::string, int>{{"r1", 30}}));
    return id;
  }
};

TEST_F(RolloutRollbackRule, ErrorRateOfTheCanaryUnderLoad) {
  write_spec(2, canary_holding("analysis: 20s",
                               "{ interval: 300ms, success_rate: { min: 90% }, judge: { method: "
                               "statistical, min_requests: 20 }, failure_limit: 2 }"));
  up_and_ready(2);
  Load& load = start_load();
  ASSERT_TRUE(wait_until([&] { return load.ok() >= 20 || load.failed() > 0; }));
  const std::string id = expect_rolled_back({"--set", "APP_ERROR_RATE=0.5"},
                                            {"success_rate", "judge_errors", "error_rate"});
  // The judge saw the canary's errors: a failed verdict with the canary's numbers in it.
  const auto failed = events(id, "analysis.failed");
  ASSERT_FALSE(failed.empty()) << event_lines(id);
  EXPECT_GT(failed.back()["canary"].value("errors", 0), 0) << failed.back().dump(2);
  EXPECT_EQ(failed.back()["baseline"].value("errors", -1), 0) << failed.back().dump(2);
  // Since the rollback, every answer is the stable version's, and none fails.
  (void)load.take_versions();
  const long failed_before = load.failed();
  const long before = load.ok();
  ASSERT_TRUE(wait_until([&] { return load.ok() >= before + 50; })) << errors_of(load);
  load.finish();
  const auto versions = load.take_versions();
  EXPECT_EQ(versions.size(), 1u) << "v2 still answered after the rollback";
  EXPECT_GT(versions.count("r1"), 0u);
  EXPECT_EQ(load.failed(), failed_before) << errors_of(load);
}

TEST_F(RolloutRollbackRule, CrashOfANewReplica) {
  write_spec(2, canary_holding("pause: 30s"));
  up_and_ready(2);
  const std::string id = expect_rolled_back({"--set", "APP_CRASH_AFTER=300ms"}, {"crash"});
  EXPECT_NE(show(id)["deployment"].value("rollback_reason", "").find("crashed"), std::string::npos)
      << event_lines(id);
}

TEST_F(RolloutRollbackRule, SmokeTestThroughTheProxyBeforeAnyTrafficMoves) {
  write_spec(2, canary_holding("pause: 30s") +
                    "    hooks:\n"
                    "      smoke: [ { name: deep, http: \"GET /health/deep\", expect: { status: "
                    "200, json: { status: healthy } } } ]\n");
  up_and_ready(2);
  const std::string id = expect_rolled_back({"--set", "APP_DEEP=degraded"}, {"smoke"});
  const std::string reason = show(id)["deployment"].value("rollback_reason", "");
  EXPECT_NE(reason.find("smoke[0] deep"), std::string::npos) << reason;
  EXPECT_NE(reason.find("degraded"), std::string::npos) << reason;
  // The smoke test runs before the canary gets a share: no user request reached v2.
  for (const auto& e : events(id, "weight.changed")) {
    EXPECT_EQ(e["weights"].value("v2", 0), 0) << e.dump();
  }
}

TEST_F(RolloutRollbackRule, DeepHealthUnhealthyOnANewReplica) {
  write_spec(2, canary_holding("pause: 30s"),
             "      deep: { http: /health/deep, period: 100ms, timeout: 90ms }\n");
  up_and_ready(2);
  const std::string id = expect_rolled_back({"--set", "APP_DEEP=unhealthy"}, {"deep_health"});
  EXPECT_NE(show(id)["deployment"].value("rollback_reason", "").find("unhealthy"),
            std::string::npos);
}

TEST_F(RolloutRollbackRule, LatencyOfASlowerCanary) {
  // The threshold judge: no early looks, the verdict at the end of an interval decides.
  write_spec(2, canary_holding("analysis: 20s",
                               "{ interval: 500ms, latency_p95: { max_ratio_to_baseline: 2.0 }, "
                               "judge: { min_requests: 20 }, failure_limit: 1 }"));
  up_and_ready(2);
  Load& load = start_load(3);
  ASSERT_TRUE(wait_until([&] { return load.ok() >= 20 || load.failed() > 0; }));
  const std::string id = expect_rolled_back({"--set", "APP_LATENCY=40ms"}, {"latency_p95_ratio"});
  const auto failed = events(id, "analysis.failed");
  ASSERT_EQ(failed.size(), 1u) << event_lines(id);
  EXPECT_EQ(failed[0].value("early", true), false) << failed[0].dump(2);
  EXPECT_GT(failed[0]["canary"].value("p95_ms", 0.0),
            2 * failed[0]["baseline"].value("p95_ms", 0.0))
      << failed[0].dump(2);
  load.finish();
  EXPECT_EQ(load.failed(), 0) << "a slow canary is slow, not failing\n" << errors_of(load);
}

// --- too little traffic ----------------------------------------------------------------------

std::string low_traffic_canary(const std::string& on_low_traffic) {
  return canary_holding("analysis: 1s",
                        "{ interval: 300ms, error_rate: { max: 5% }, judge: { min_requests: 50 }, "
                        "on_low_traffic: " +
                            on_low_traffic + " }");
}

class RolloutLowTraffic : public RolloutE2e {
 protected:
  // The analysis intervals of a deployment without traffic: all inconclusive, none judged.
  void expect_only_inconclusive(const std::string& id) {
    const auto samples = events(id, "analysis.sample");
    ASSERT_FALSE(samples.empty()) << event_lines(id);
    for (const auto& s : samples) {
      EXPECT_EQ(s["outcome"], "inconclusive") << s.dump();
      // "canary had no requests", or "canary had 12 requests, below min_requests 50"
      EXPECT_EQ(s.value("reason", "").rfind("canary had ", 0), 0u) << s.dump();
    }
    EXPECT_TRUE(events(id, "analysis.failed").empty()) << event_lines(id);
  }
};

TEST_F(RolloutLowTraffic, PassesTheAnalysisStepWithOnLowTrafficPass) {
  write_spec(2, low_traffic_canary("pass"));
  up_and_ready(2);
  auto r = deploy({"--version", "v2", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string id = only_deployment(r).value("id", "");
  EXPECT_EQ(status_of(id), "succeeded");
  expect_only_inconclusive(id);
  EXPECT_FALSE(events(id, "analysis.inconclusive").empty()) << event_lines(id);
  EXPECT_TRUE(wait_all_on("v2", 2)) << service().dump(2);
}

TEST_F(RolloutLowTraffic, WaitsForApprovalWithOnLowTrafficRequireApproval) {
  write_spec(2, low_traffic_canary("require_approval"));
  up_and_ready(2);
  const std::string id = deploy_detached({"--version", "v2"});
  ASSERT_TRUE(wait_waiting_for(id, "approval")) << event_lines(id);
  EXPECT_EQ(status_of(id), "progressing");
  EXPECT_EQ(show(id)["rollout"]["weights"], (json{{"r1", 50}, {"v2", 50}}));
  expect_only_inconclusive(id);

  auto promote = gantry({"promote", "api"});
  EXPECT_EQ(promote.exit_code, 0) << promote.out << promote.err;
  EXPECT_NE(promote.out.find(id), std::string::npos) << promote.out;
  EXPECT_EQ(wait_end(id), "succeeded") << event_lines(id);
  EXPECT_TRUE(wait_all_on("v2", 2)) << service().dump(2);
}

// --- environments: approval and promote_from -------------------------------------------------

class RolloutEnvironment : public RolloutE2e {};

TEST_F(RolloutEnvironment, ProductionTakesOnlyWhatSucceededInStagingAndWaitsForApproval) {
  write_spec(1, "    strategy: { canary: { steps: [ {weight: 50}, {weight: 100} ] } }\n", "",
             "environments:\n"
             "  staging: { vars: { STAGE: staging } }\n"
             "  production: { approval: required, promote_from: staging }\n");
  up_and_ready(1, {"--env", "staging"});
  auto staged = deploy({"--version", "v2"});
  ASSERT_EQ(staged.exit_code, 0) << staged.out << staged.err;
  const int staging_daemon = daemon_pid();
  auto stop = gantry({"stop"});
  ASSERT_EQ(stop.exit_code, 0) << stop.out << stop.err;
  // `gantry stop` returns once the API socket is gone; the daemon still holds the state dir's
  // lock for a moment after that, and a `gantry up` then would be refused.
  ASSERT_TRUE(wait_until([&] { return !alive(staging_daemon); }));

  up_and_ready(1, {"--env", "production"});
  const std::string first = service_now().value("version", "");
  ASSERT_NE(first, "v2") << "production starts from the spec file, not from staging's deploys";

  auto refused = deploy({"--version", "v3"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("staging"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("v3"), std::string::npos) << refused.err;
  EXPECT_EQ(newest_deployment().value("strategy", ""), "up") << "a refused deploy records nothing";

  const std::string id = deploy_detached({"--version", "v2", "--env", "production"});
  ASSERT_TRUE(wait_waiting_for(id, "approval")) << event_lines(id);
  EXPECT_FALSE(events(id, "approval.required").empty());
  // Nothing moved before a person said so: production traffic stays on what ran.
  EXPECT_EQ(versions_answering(20), (std::map<std::string, int>{{first, 20}}));

  auto promote = gantry({"promote", "api"});
  EXPECT_EQ(promote.exit_code, 0) << promote.out << promote.err;
  EXPECT_EQ(wait_end(id), "succeeded") << event_lines(id);
  EXPECT_TRUE(wait_all_on("v2", 1)) << service().dump(2);
  const json d = show(id)["deployment"];
  EXPECT_EQ(d["environment"], "production");
  EXPECT_EQ(d["version"], "v2");
}

// --- abort and rollback ------------------------------------------------------------------------

class RolloutAbort : public RolloutE2e {};

TEST_F(RolloutAbort, StopsTheCanaryAndTheOldVersionServes) {
  write_spec(2, canary_holding("pause: "));
  up_and_ready(2);
  auto following = std::async(std::launch::async, [this] { return deploy({"--version", "v2"}); });
  std::string id;
  ASSERT_TRUE(wait_until([&] {
    const json d = newest_deployment();
    id = d.is_object() && d["version"] == "v2" ? d.value("id", "") : "";
    return !id.empty();
  }));
  ASSERT_TRUE(wait_waiting_for(id, "promote")) << event_lines(id);
  EXPECT_TRUE(wait_until([&] { return versions_answering(1).count("v2") > 0; }))
      << "the canary takes a share of traffic while it waits";

  auto abort = gantry({"abort", "api"});
  EXPECT_EQ(abort.exit_code, 0) << abort.out << abort.err;
  const RunResult followed = following.get();
  EXPECT_EQ(followed.exit_code, 3) << followed.out << followed.err;
  EXPECT_EQ(status_of(id), "aborted") << event_lines(id);
  const auto started = events(id, "rollback.started");
  ASSERT_EQ(started.size(), 1u) << event_lines(id);
  EXPECT_EQ(started[0]["rule"], "abort");
  EXPECT_TRUE(wait_all_on("r1", 2)) << service().dump(2);
  EXPECT_EQ(versions_answering(30), (std::map<std::string, int>{{"r1", 30}}));

  auto again = gantry({"promote", "api"});
  EXPECT_EQ(again.exit_code, 2) << "nothing is active any more: " << again.out << again.err;
}

class RolloutRollback : public RolloutE2e {};

TEST_F(RolloutRollback, PutsAnOlderVersionOrRevisionBack) {
  write_spec(1, "    strategy: { rolling: { max_surge: 1 } }\n");
  up_and_ready(1);
  ASSERT_EQ(deploy({"--version", "v2"}).exit_code, 0);
  ASSERT_EQ(deploy({"--version", "v3"}).exit_code, 0);
  ASSERT_TRUE(wait_all_on("v3", 1)) << service().dump(2);

  auto to_v2 = gantry({"rollback", "api", "--to", "v2", "--timeout", "60s", "--format", "json"});
  ASSERT_EQ(to_v2.exit_code, 0) << to_v2.out << to_v2.err;
  const json d = only_deployment(to_v2);
  ASSERT_TRUE(d.is_object()) << to_v2.out;
  EXPECT_EQ(d["strategy"], "rollback");
  EXPECT_EQ(d["status"], "succeeded");
  EXPECT_EQ(d["version"], "v2");
  EXPECT_EQ(d["revision_id"], "api-r2") << "a rollback runs the old revision, not a new one";
  EXPECT_EQ(d["from_revision_id"], "api-r3");
  EXPECT_TRUE(wait_all_on("v2", 1)) << service().dump(2);
  EXPECT_EQ(versions_answering(10), (std::map<std::string, int>{{"v2", 10}}));

  auto to_r1 = gantry({"rollback", "api", "--to", "api-r1", "--timeout", "60s"});
  ASSERT_EQ(to_r1.exit_code, 0) << to_r1.out << to_r1.err;
  EXPECT_TRUE(wait_all_on("r1", 1)) << service().dump(2);
  EXPECT_EQ(versions_answering(10), (std::map<std::string, int>{{"r1", 10}}));

  auto unknown = gantry({"rollback", "api", "--to", "v9"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.out << unknown.err;
  EXPECT_NE(unknown.err.find("v9"), std::string::npos) << unknown.err;
}

// --- a daemon killed mid-canary ------------------------------------------------------------------

class RolloutCrashRecovery : public RolloutE2e {};

TEST_F(RolloutCrashRecovery, ResumesACanaryAfterKillNineWithoutOrphans) {
  write_spec(2, canary_holding("pause: "));
  up_and_ready(2);
  const std::set<int> stable = pids();
  const std::string id = deploy_detached({"--version", "v2"});
  ASSERT_TRUE(wait_waiting_for(id, "promote")) << event_lines(id);
  const std::set<int> before = pids();
  ASSERT_EQ(before.size(), 3u) << service().dump(2);  // two stable, one canary
  std::set<int> canary;
  for (int pid : before) {
    if (!stable.count(pid)) canary.insert(pid);
  }
  ASSERT_EQ(canary.size(), 1u);

  Load& load = start_load(1);
  ASSERT_TRUE(wait_until([&] { return load.ok() >= 20 || load.failed() > 0; }));
  const int daemon = daemon_pid();
  ASSERT_GT(daemon, 0);
  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] { return !alive(daemon); }));
  for (int pid : before) EXPECT_TRUE(alive(pid)) << "replica " << pid << " died with the daemon";

  auto again = up();
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  ASSERT_TRUE(wait_until([&] { return !events(id, "rollout.resumed").empty(); }))
      << event_lines(id);
  ASSERT_TRUE(wait_waiting_for(id, "promote")) << event_lines(id);
  EXPECT_EQ(pids(), before) << "the same processes serve after the restart";
  // The stable version answers again (and keeps answering while the canary waits).
  (void)load.take_versions();
  const long served = load.ok();
  ASSERT_TRUE(wait_until([&] { return load.ok() >= served + 50; })) << errors_of(load);
  EXPECT_GT(load.take_versions()["r1"], 0);

  auto promote = gantry({"promote", "api"});
  EXPECT_EQ(promote.exit_code, 0) << promote.out << promote.err;
  EXPECT_EQ(wait_end(id), "succeeded") << event_lines(id);
  ASSERT_TRUE(wait_all_on("v2", 2)) << service().dump(2);
  load.finish();

  const std::set<int> after = pids();
  for (int pid : canary) EXPECT_EQ(after.count(pid), 1u) << "the adopted canary was replaced";
  for (int pid : stable) EXPECT_TRUE(wait_until([&] { return !alive(pid); })) << pid;
  // No replica orphaned: the app processes of this project are exactly those status lists.
  EXPECT_TRUE(wait_until([&] { return app_processes() == after; }))
      << app_processes().size() << " app processes, " << after.size() << " replicas";
}

// --- WebSockets across a switch ---------------------------------------------------------------

class RolloutWebSocket : public RolloutE2e {};

TEST_F(RolloutWebSocket, AnOpenSocketOnTheOldVersionFinishesAfterTheSwitch) {
  write_spec(1, "    strategy: { blue_green: { auto_promote: true, scale_down_delay: 300ms } }\n",
             "", "", "3s");
  up_and_ready(1);
  const std::set<int> old = pids();
  proxy::testing::WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/ws"));
  ASSERT_EQ(ws.echo("before"), "before");

  const std::string id = deploy_detached({"--version", "v2"});
  // The switch: new connections get the new version.
  ASSERT_TRUE(wait_until([&] {
    auto r = get();
    return r && r->header("x-version") == "v2";
  })) << event_lines(id);
  EXPECT_EQ(versions_answering(20), (std::map<std::string, int>{{"v2", 20}}));
  // The socket opened before it still talks to the old replica, until the drain closes it.
  EXPECT_EQ(ws.echo("after the switch"), "after the switch");
  int echoes = 0;
  while (ws.echo("ping " + std::to_string(echoes)).has_value()) ++echoes;
  EXPECT_TRUE(ws.closed_by_peer()) << "the socket hung instead of being closed";
  EXPECT_GT(echoes, 0);
  EXPECT_EQ(wait_end(id), "succeeded") << event_lines(id);
  for (int pid : old) EXPECT_TRUE(wait_until([&] { return !alive(pid); })) << pid;
  EXPECT_TRUE(wait_all_on("v2", 1)) << service().dump(2);
}

// --- builds ------------------------------------------------------------------------------------

class RolloutBuild : public RolloutE2e {};

TEST_F(RolloutBuild, AFailingBuildFailsTheDeploymentAndChangesNothing) {
  write_spec(2, "    build: { command: \"echo compiling; exit 4\" }\n");
  up_and_ready(2);
  const std::set<int> before = pids();
  auto r = deploy({"--version", "v2"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("compiling"), std::string::npos) << "the build's output is shown\n" << r.out;
  const json d = newest_deployment();
  const std::string id = d.value("id", "");
  EXPECT_EQ(d["status"], "failed") << event_lines(id);
  EXPECT_NE(d.value("rollback_reason", "").find("build"), std::string::npos) << d.dump(2);
  EXPECT_NE(d.value("rollback_reason", "").find("4"), std::string::npos) << d.dump(2);
  bool echoed = false;
  for (const auto& e : events(id, "build.output")) echoed |= e.value("line", "") == "compiling";
  EXPECT_TRUE(echoed) << event_lines(id);
  const auto finished = events(id, "build.finished");
  ASSERT_EQ(finished.size(), 1u) << event_lines(id);
  EXPECT_EQ(finished[0]["ok"], false);
  EXPECT_EQ(finished[0]["exit_code"], 4);
  EXPECT_TRUE(events(id, "replica.started").empty()) << event_lines(id);

  EXPECT_EQ(pids(), before) << "the old replicas must keep serving";
  EXPECT_TRUE(wait_all_on("r1", 2)) << service().dump(2);
  EXPECT_EQ(versions_answering(20), (std::map<std::string, int>{{"r1", 20}}));
}

TEST_F(RolloutBuild, RefusesToRestartAReplicaWhoseArtifactChangedSinceTheBuild) {
  write_spec(1, "    build: { command: \"echo compiled > app.bin\", artifact: app.bin }\n");
  up_and_ready(1);
  auto r = deploy({"--version", "v2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string id = newest_deployment().value("id", "");
  const auto finished = events(id, "build.finished");
  ASSERT_EQ(finished.size(), 1u) << event_lines(id);
  const std::string built = finished[0].value("artifact_digest", "");
  ASSERT_EQ(built.rfind("sha256:", 0), 0u) << finished[0].dump();
  ASSERT_TRUE(wait_all_on("v2", 1)) << service().dump(2);
  const std::set<int> running = pids();

  std::ofstream(dir_.file("app.bin")) << "edited by hand\n";
  auto restart = gantry({"restart", "api"});
  EXPECT_EQ(restart.exit_code, 1) << restart.out << restart.err;
  EXPECT_NE(restart.err.find(built), std::string::npos) << restart.err;
  const auto now_at = restart.err.find("the artifact is now sha256:");
  EXPECT_NE(now_at, std::string::npos) << restart.err;
  if (now_at != std::string::npos) {
    EXPECT_EQ(restart.err.find(built, now_at), std::string::npos)
        << "both digests are named, and they differ: " << restart.err;
  }
  // The replica built from the recorded artifact keeps serving.
  EXPECT_EQ(pids(), running);
  EXPECT_EQ(versions_answering(10), (std::map<std::string, int>{{"v2", 10}}));
}

}  // namespace
}  // namespace gantry::testing

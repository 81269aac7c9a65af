// `gantry dora` without a daemon, as a user runs it: the real binary on a state dir whose store
// holds a known history; exit statuses for bad input and for no history at all.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/units.h"
#include "e2e/run_gantry.h"
#include "store/store.h"

namespace gantry::testing {
namespace {

using nlohmann::json;
using store::Deployment;
using store::DeploymentStatus;

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

// Writes one deployment (and the revision it needs) that ended at ended_at.
void put(store::Store& st, const std::string& id, DeploymentStatus status, std::int64_t ended_at,
         const std::string& environment = "production", const std::string& strategy = "rolling",
         std::optional<std::int64_t> commit_time = std::nullopt) {
  static int n = 0;
  store::Revision rev;
  rev.id = "api-r" + std::to_string(++n);
  rev.service = "api";
  rev.environment = environment;
  rev.number = n;
  rev.version = "v" + std::to_string(n);
  rev.spec_json = "{}";
  rev.spec_hash = "hash" + std::to_string(n);
  rev.created_at_ms = ended_at - kMinute;
  ASSERT_TRUE(st.put_revision(rev));
  Deployment d;
  d.id = id;
  d.service = "api";
  d.environment = environment;
  d.revision_id = rev.id;
  d.strategy = strategy;
  d.version = rev.version;
  d.triggered_by = "test";
  d.started_at_ms = ended_at - 2 * kMinute;
  d.completed_at_ms = ended_at;
  d.status = status;
  d.commit_time_ms = commit_time;
  auto ok = st.put_deployment(d);
  ASSERT_TRUE(ok) << ok.error().str();
}

class CliDora : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(state());
    auto opened = store::open_sqlite(state() + "/state.db");
    ASSERT_TRUE(opened) << opened.error().str();
    store::Store& st = **opened;
    const std::int64_t now = now_unix_ms();
    // production: a start-up row; 2 succeeded (lead times 3h and 1h); one rolled back and
    // restored 20 min later by the second; one failed and not restored. staging: 1 succeeded.
    put(st, "d-000001", DeploymentStatus::Succeeded, now - 29 * kDay, "production", "up");
    put(st, "d-000002", DeploymentStatus::Succeeded, now - 25 * kDay, "staging");
    put(st, "d-000003", DeploymentStatus::Succeeded, now - 20 * kDay, "production", "rolling",
        now - 20 * kDay - 3 * kHour);
    put(st, "d-000004", DeploymentStatus::RolledBack, now - 10 * kDay);
    put(st, "d-000005", DeploymentStatus::Succeeded, now - 10 * kDay + 20 * kMinute, "production",
        "rolling", now - 10 * kDay + 20 * kMinute - kHour);
    put(st, "d-000006", DeploymentStatus::Failed, now - 2 * kDay);
  }

  std::string state() const { return dir_.file("state"); }
  RunResult dora(std::vector<std::string> args) {
    args.insert(args.begin(), {"dora", "--state-dir", state()});
    return run_gantry(args);
  }

  TempDir dir_;
};

TEST_F(CliDora, ReadsTheStateDirsStoreWhenNoDaemonRuns) {
  auto r = dora({"--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["environment"], "production");  // the newest deployment's
  EXPECT_EQ(j["window_days"], 30);
  // 2 succeeded in 30 days: 0.0667 a day, 0.4667 a week -> medium (at least monthly).
  EXPECT_EQ(j["deployment_frequency"]["deployments"], 2);
  EXPECT_EQ(j["deployment_frequency"]["per_day"], 0.0667);
  EXPECT_EQ(j["deployment_frequency"]["per_week"], 0.4667);
  EXPECT_EQ(j["deployment_frequency"]["band"], "medium");
  EXPECT_EQ(j["lead_time"]["samples"], 2);
  EXPECT_EQ(j["lead_time"]["median_seconds"], 3600);
  EXPECT_EQ(j["lead_time"]["p90_seconds"], 10800);
  EXPECT_EQ(j["lead_time"]["band"], "elite");
  // (1 rolled back + 1 failed) / 4 = 0.5 -> low.
  EXPECT_EQ(j["change_failure_rate"]["failed"], 2);
  EXPECT_EQ(j["change_failure_rate"]["rolled_back"], 1);
  EXPECT_EQ(j["change_failure_rate"]["total"], 4);
  EXPECT_EQ(j["change_failure_rate"]["rate"], 0.5);
  EXPECT_EQ(j["change_failure_rate"]["band"], "low");
  EXPECT_EQ(j["time_to_restore"]["samples"], 1);
  EXPECT_EQ(j["time_to_restore"]["median_seconds"], 1200);
  EXPECT_EQ(j["time_to_restore"]["band"], "elite");
  EXPECT_EQ(j["time_to_restore"]["open"], 1);
  ASSERT_EQ(j["time_to_restore"]["open_deployments"].size(), 1u);
  EXPECT_EQ(j["time_to_restore"]["open_deployments"][0]["deployment"], "d-000006");
}

TEST_F(CliDora, FiltersByEnvironmentAndWindow) {
  auto staging = dora({"--env", "staging", "--format", "json"});
  ASSERT_EQ(staging.exit_code, 0) << staging.err;
  const json s = json::parse(staging.out, nullptr, false);
  EXPECT_EQ(s["environment"], "staging");
  EXPECT_EQ(s["deployment_frequency"]["deployments"], 1);
  EXPECT_EQ(s["change_failure_rate"]["total"], 1);

  // The last 15 days: d-000005 succeeded, d-000004 rolled back, d-000006 failed.
  auto recent = dora({"--since", "15d", "--format", "json"});
  ASSERT_EQ(recent.exit_code, 0) << recent.err;
  const json w = json::parse(recent.out, nullptr, false);
  EXPECT_EQ(w["window_days"], 15);
  EXPECT_EQ(w["deployment_frequency"]["deployments"], 1);
  EXPECT_EQ(w["change_failure_rate"]["total"], 3);
}

TEST_F(CliDora, PrintsATableOfMetricValueBandAndSamples) {
  auto r = dora({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* want : {"DORA metrics: production, all services, since 30d",
                           "No daemon is running: read from",
                           "METRIC",
                           "VALUE",
                           "BAND",
                           "SAMPLES",
                           "deployment frequency",
                           "0.07/day, 0.5/week",
                           "medium",
                           "lead time for changes",
                           "1h (p90 3h)",
                           "elite",
                           "change failure rate",
                           "50.0% (2/4)",
                           "low",
                           "time to restore",
                           "20m (p90 20m)",
                           "1 (1 open)",
                           "Not restored yet:",
                           "d-000006"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
}

TEST_F(CliDora, RefusesABadWindowWithExitTwo) {
  for (const char* since : {"30", "a month", "2026-13-40T00:00:00Z", "0s"}) {
    auto r = dora({"--since", since});
    EXPECT_EQ(r.exit_code, 2) << since << ": " << r.err;
    EXPECT_NE(r.err.find("--since"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("30d"), std::string::npos) << r.err;
  }
  auto format = dora({"--format", "yaml"});
  EXPECT_EQ(format.exit_code, 2) << format.err;
}

TEST(CliDoraWithoutHistory, ExitsOneWithTheUsualMessage) {
  TempDir dir;
  auto r = run_gantry({"dora", "--state-dir", dir.file("nothing-here")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no daemon is running for"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no history to read in"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gantry::testing

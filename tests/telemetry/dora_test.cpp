// DORA's four keys with known answers: hand-built histories whose numbers are worked out in the
// comments, the band edges, and the same report through a real SQLite store.
#include "telemetry/dora.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "support/temp_dir.h"

namespace gantry::telemetry {
namespace {

using nlohmann::json;
using store::Deployment;
using store::DeploymentStatus;

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kSince = 1772323200LL * 1000;  // 2026-03-01T00:00:00Z
constexpr std::int64_t kUntil = kSince + 30 * kDay;   // 2026-03-31T00:00:00Z

DoraOptions production(std::string service = "") {
  DoraOptions o;
  o.environment = "production";
  o.service = std::move(service);
  o.since_ms = kSince;
  o.until_ms = kUntil;
  return o;
}

// A history under construction: every row ends `took` after it starts.
class History {
 public:
  Deployment& add(DeploymentStatus status, std::int64_t ended_at,
                  const std::string& service = "api", const std::string& environment = "production",
                  std::int64_t took = 2 * kMinute) {
    Deployment d;
    d.id = "d-" + std::to_string(100001 + rows_.size());
    d.service = service;
    d.environment = environment;
    d.revision_id = service + "-r" + std::to_string(rows_.size() + 1);
    d.strategy = "canary";
    d.version = "v" + std::to_string(rows_.size() + 1);
    d.triggered_by = "test";
    d.started_at_ms = ended_at - took;
    d.completed_at_ms = ended_at;
    d.status = status;
    rows_.push_back(d);
    return rows_.back();
  }
  std::vector<Deployment> rows() const { return {rows_.begin(), rows_.end()}; }

 private:
  std::deque<Deployment> rows_;  // add's references stay valid
};

TEST(DoraFrequency, CountsSucceededDeploymentsPerDayAndPerWeek) {
  History h;
  // 12 succeeded over 30 days: 0.4 a day, 2.8 a week, at least weekly -> high.
  for (int i = 0; i < 12; ++i) h.add(DeploymentStatus::Succeeded, kSince + (i * 2 + 1) * kDay);
  h.add(DeploymentStatus::Failed, kSince + 3 * kDay + kHour);
  h.add(DeploymentStatus::Aborted, kSince + 4 * kDay + kHour);
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.window_days, 30);
  EXPECT_EQ(r.frequency.deployments, 12);
  EXPECT_DOUBLE_EQ(r.frequency.per_day, 0.4);
  EXPECT_DOUBLE_EQ(r.frequency.per_week, 2.8);
  EXPECT_EQ(r.frequency.band, DoraBand::High);
}

TEST(DoraFrequency, BandEdgesFollowTheReport) {
  EXPECT_EQ(frequency_band(3.0), DoraBand::Elite);
  EXPECT_EQ(frequency_band(1.0001), DoraBand::Elite);
  EXPECT_EQ(frequency_band(1.0), DoraBand::High);  // once a day is "between daily and weekly"
  EXPECT_EQ(frequency_band(1.0 / 7), DoraBand::High);
  EXPECT_EQ(frequency_band(0.999 / 7), DoraBand::Medium);
  EXPECT_EQ(frequency_band(1.0 / 30), DoraBand::Medium);
  EXPECT_EQ(frequency_band(0.999 / 30), DoraBand::Low);
  EXPECT_EQ(frequency_band(0), DoraBand::Low);
}

TEST(DoraFrequency, ThirtyOneDeploysInThirtyDaysIsElite) {
  History h;
  for (int i = 0; i < 31; ++i) h.add(DeploymentStatus::Succeeded, kSince + i * 23 * kHour);
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.frequency.deployments, 31);
  EXPECT_EQ(r.frequency.band, DoraBand::Elite);  // 31 / 30 > 1 a day
}

TEST(DoraFrequency, OnlyFailuresInTheWindowIsLowNotNone) {
  History h;
  h.add(DeploymentStatus::Failed, kSince + kDay);
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.frequency.deployments, 0);
  EXPECT_EQ(r.frequency.band, DoraBand::Low);
}

TEST(DoraLeadTime, IsTheMedianAndP90FromCommitToTheEndOfTheDeployment) {
  History h;
  // Ten lead times of 1h, 2h, ... 10h (listed out of order): nearest-rank median = the 5th
  // smallest (5h), p90 = the 9th (9h); under a day -> elite.
  for (int hours : {7, 1, 10, 3, 5, 2, 9, 4, 8, 6}) {
    const std::int64_t end = kSince + hours * kDay;
    h.add(DeploymentStatus::Succeeded, end).commit_time_ms = end - hours * kHour;
  }
  h.add(DeploymentStatus::Succeeded, kSince + 12 * kDay);  // no commit time: not a sample
  // A failed deployment's commit never reached production: not a sample either.
  h.add(DeploymentStatus::Failed, kSince + 13 * kDay).commit_time_ms = kSince;
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.lead_time.samples, 10);
  EXPECT_EQ(r.lead_time.median_ms, 5 * kHour);
  EXPECT_EQ(r.lead_time.p90_ms, 9 * kHour);
  EXPECT_EQ(r.lead_time.missing_commit_time, 1);
  EXPECT_EQ(r.lead_time.band, DoraBand::Elite);
}

TEST(DoraLeadTime, MeasuresFromTheCommitEvenWhenItIsOlderThanTheWindow) {
  History h;
  // Committed 40 days before the deployment ended, inside the window: 40 days -> low.
  const std::int64_t end = kSince + 2 * kDay;
  h.add(DeploymentStatus::Succeeded, end).commit_time_ms = end - 40 * kDay;
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.lead_time.median_ms, 40 * kDay);
  EXPECT_EQ(r.lead_time.band, DoraBand::Low);
}

TEST(DoraLeadTime, BandEdgesAreOneDayOneWeekOneMonth) {
  EXPECT_EQ(lead_time_band(kDay - 1), DoraBand::Elite);
  EXPECT_EQ(lead_time_band(kDay), DoraBand::High);
  EXPECT_EQ(lead_time_band(7 * kDay - 1), DoraBand::High);
  EXPECT_EQ(lead_time_band(7 * kDay), DoraBand::Medium);
  EXPECT_EQ(lead_time_band(30 * kDay - 1), DoraBand::Medium);
  EXPECT_EQ(lead_time_band(30 * kDay), DoraBand::Low);
}

TEST(DoraChangeFailureRate, IsFailedAndRolledBackOverAllButAborted) {
  History h;
  // 9 succeeded, 2 failed, 1 rolled back, 1 aborted: (2 + 1) / (9 + 2 + 1) = 0.25 -> low.
  for (int i = 0; i < 9; ++i) h.add(DeploymentStatus::Succeeded, kSince + (i + 1) * kDay);
  h.add(DeploymentStatus::Failed, kSince + 10 * kDay + kHour);
  h.add(DeploymentStatus::Failed, kSince + 11 * kDay + kHour);
  h.add(DeploymentStatus::RolledBack, kSince + 12 * kDay + kHour);
  h.add(DeploymentStatus::Aborted, kSince + 13 * kDay + kHour);
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.change_failure_rate.failed, 3);
  EXPECT_EQ(r.change_failure_rate.rolled_back, 1);
  EXPECT_EQ(r.change_failure_rate.aborted, 1);
  EXPECT_EQ(r.change_failure_rate.total, 12);
  ASSERT_TRUE(r.change_failure_rate.rate);
  EXPECT_DOUBLE_EQ(*r.change_failure_rate.rate, 0.25);
  EXPECT_EQ(r.change_failure_rate.band, DoraBand::Low);
}

TEST(DoraChangeFailureRate, OneInTwentyIsStillElite) {
  History h;
  for (int i = 0; i < 19; ++i) h.add(DeploymentStatus::Succeeded, kSince + (i + 1) * kDay);
  h.add(DeploymentStatus::RolledBack, kSince + 20 * kDay + kHour);
  const auto r = compute_dora(h.rows(), production());
  EXPECT_DOUBLE_EQ(*r.change_failure_rate.rate, 0.05);
  EXPECT_EQ(r.change_failure_rate.band, DoraBand::Elite);
}

TEST(DoraChangeFailureRate, BandEdgesAreFiveTenFifteenPercent) {
  EXPECT_EQ(failure_rate_band(0), DoraBand::Elite);
  EXPECT_EQ(failure_rate_band(0.05), DoraBand::Elite);
  EXPECT_EQ(failure_rate_band(0.0501), DoraBand::High);
  EXPECT_EQ(failure_rate_band(0.10), DoraBand::High);
  EXPECT_EQ(failure_rate_band(0.1001), DoraBand::Medium);
  EXPECT_EQ(failure_rate_band(0.15), DoraBand::Medium);
  EXPECT_EQ(failure_rate_band(0.1501), DoraBand::Low);
  EXPECT_EQ(failure_rate_band(1), DoraBand::Low);
}

TEST(DoraTimeToRestore, RunsFromTheFailureToTheNextSucceededDeployment) {
  History h;
  const std::int64_t t1 = kSince + 2 * kDay;
  h.add(DeploymentStatus::RolledBack, t1);
  h.add(DeploymentStatus::Succeeded, t1 + 300 * kSecond);  // restores the first: 300 s
  const std::int64_t t2 = kSince + 5 * kDay;
  h.add(DeploymentStatus::Failed, t2);
  h.add(DeploymentStatus::Succeeded, t2 + 400 * kSecond);  // restores the second: 400 s
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.time_to_restore.samples, 2);
  EXPECT_EQ(r.time_to_restore.median_ms, 300 * kSecond);
  EXPECT_EQ(r.time_to_restore.p90_ms, 400 * kSecond);
  EXPECT_TRUE(r.time_to_restore.open.empty());
  EXPECT_EQ(r.time_to_restore.band, DoraBand::Elite);
}

TEST(DoraTimeToRestore, TwoFailuresInARowAreBothRestoredByTheSameSuccess) {
  History h;
  const std::int64_t t = kSince + 3 * kDay;
  h.add(DeploymentStatus::Failed, t);
  h.add(DeploymentStatus::RolledBack, t + 2 * kHour);
  h.add(DeploymentStatus::Succeeded, t + 5 * kHour);
  // 5h and 3h: median (nearest rank of 2) = 3h, p90 = 5h; under a day -> high.
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.time_to_restore.samples, 2);
  EXPECT_EQ(r.time_to_restore.median_ms, 3 * kHour);
  EXPECT_EQ(r.time_to_restore.p90_ms, 5 * kHour);
  EXPECT_EQ(r.time_to_restore.band, DoraBand::High);
}

TEST(DoraTimeToRestore, ListsAnUnrestoredFailureAsOpen) {
  History h;
  h.add(DeploymentStatus::Succeeded, kSince + kDay);
  const Deployment& failed = h.add(DeploymentStatus::Failed, kSince + 9 * kDay);
  h.add(DeploymentStatus::Aborted, kSince + 9 * kDay + kHour);  // aborted restores nothing
  // A success of another service, or one after the window, does not restore api either.
  h.add(DeploymentStatus::Succeeded, kSince + 10 * kDay, "worker");
  h.add(DeploymentStatus::Succeeded, kUntil + kHour);
  const std::string id = failed.id;
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.time_to_restore.samples, 0);
  EXPECT_FALSE(r.time_to_restore.median_ms);
  EXPECT_EQ(r.time_to_restore.band, DoraBand::None);
  ASSERT_EQ(r.time_to_restore.open.size(), 1u);
  EXPECT_EQ(r.time_to_restore.open[0].deployment_id, id);
  EXPECT_EQ(r.time_to_restore.open[0].service, "api");
  EXPECT_EQ(r.time_to_restore.open[0].failed_at_ms, kSince + 9 * kDay);
}

TEST(DoraTimeToRestore, BandEdgesAreOneHourOneDayOneWeek) {
  EXPECT_EQ(restore_band(kHour - 1), DoraBand::Elite);
  EXPECT_EQ(restore_band(kHour), DoraBand::High);
  EXPECT_EQ(restore_band(kDay - 1), DoraBand::High);
  EXPECT_EQ(restore_band(kDay), DoraBand::Medium);
  EXPECT_EQ(restore_band(7 * kDay - 1), DoraBand::Medium);
  EXPECT_EQ(restore_band(7 * kDay), DoraBand::Low);
}

TEST(Dora, AnEmptyWindowHasNoBands) {
  History h;
  h.add(DeploymentStatus::Succeeded, kSince - kHour);  // before the window
  h.add(DeploymentStatus::Failed, kUntil + kHour);     // after it
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.frequency.deployments, 0);
  EXPECT_EQ(r.frequency.band, DoraBand::None);
  EXPECT_EQ(r.lead_time.samples, 0);
  EXPECT_EQ(r.lead_time.band, DoraBand::None);
  EXPECT_EQ(r.change_failure_rate.total, 0);
  EXPECT_FALSE(r.change_failure_rate.rate);
  EXPECT_EQ(r.change_failure_rate.band, DoraBand::None);
  EXPECT_EQ(r.time_to_restore.band, DoraBand::None);
  EXPECT_TRUE(r.time_to_restore.open.empty());

  const json j = json::parse(dora_json(r));
  EXPECT_EQ(j["deployment_frequency"]["band"], "none");
  EXPECT_EQ(j["deployment_frequency"]["per_day"], 0);
  EXPECT_TRUE(j["lead_time"]["median_seconds"].is_null());
  EXPECT_TRUE(j["lead_time"]["p90_seconds"].is_null());
  EXPECT_TRUE(j["change_failure_rate"]["rate"].is_null());
  EXPECT_EQ(j["change_failure_rate"]["band"], "none");
  EXPECT_TRUE(j["time_to_restore"]["median_seconds"].is_null());
  EXPECT_EQ(j["time_to_restore"]["open"], 0);
}

TEST(Dora, WindowEdgesAreInclusiveAndADeploymentBelongsWhereItEnded) {
  History h;
  h.add(DeploymentStatus::Succeeded, kSince);  // ends on the first instant: in
  h.add(DeploymentStatus::Succeeded, kUntil);  // ends on the last: in
  h.add(DeploymentStatus::Succeeded, kSince - 1, "api", "production", kHour);  // ended before
  // Started before the window, ended inside it: in.
  h.add(DeploymentStatus::Succeeded, kSince + kMinute, "api", "production", kHour);
  // Still running (not terminal): not counted anywhere.
  h.add(DeploymentStatus::Progressing, kSince + kDay).completed_at_ms.reset();
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.frequency.deployments, 3);
}

TEST(Dora, IgnoresTheDaemonsOwnStartUpRows) {
  History h;
  // `gantry up` rows: succeeded, failed and one that would "restore" a failure.
  h.add(DeploymentStatus::Succeeded, kSince + kDay).strategy = "up";
  h.add(DeploymentStatus::Failed, kSince + 2 * kDay).strategy = "up";
  h.add(DeploymentStatus::RolledBack, kSince + 3 * kDay);
  h.add(DeploymentStatus::Succeeded, kSince + 3 * kDay + kHour).strategy = "up";
  auto& up_with_commit = h.add(DeploymentStatus::Succeeded, kSince + 4 * kDay);
  up_with_commit.strategy = "up";
  up_with_commit.commit_time_ms = kSince;
  const auto r = compute_dora(h.rows(), production());
  EXPECT_EQ(r.frequency.deployments, 0);
  EXPECT_EQ(r.lead_time.samples, 0);
  EXPECT_EQ(r.lead_time.missing_commit_time, 0);
  EXPECT_EQ(r.change_failure_rate.failed, 1);
  EXPECT_EQ(r.change_failure_rate.total, 1);
  EXPECT_EQ(r.time_to_restore.samples, 0);
  EXPECT_EQ(r.time_to_restore.open.size(), 1u);
}

TEST(Dora, CountsOnlyTheEnvironmentAskedFor) {
  History h;
  h.add(DeploymentStatus::Succeeded, kSince + kDay);
  h.add(DeploymentStatus::Succeeded, kSince + 2 * kDay, "api", "staging");
  h.add(DeploymentStatus::Failed, kSince + 3 * kDay, "api", "staging");
  h.add(DeploymentStatus::Succeeded, kSince + 4 * kDay, "api", "");  // the base environment
  // A staging failure is not restored by a production success, and the other way round.
  h.add(DeploymentStatus::Failed, kSince + 5 * kDay);
  h.add(DeploymentStatus::Succeeded, kSince + 6 * kDay, "api", "staging");

  const auto prod = compute_dora(h.rows(), production());
  EXPECT_EQ(prod.frequency.deployments, 1);
  EXPECT_EQ(prod.change_failure_rate.failed, 1);
  EXPECT_EQ(prod.change_failure_rate.total, 2);
  EXPECT_EQ(prod.time_to_restore.open.size(), 1u);

  DoraOptions staging = production();
  staging.environment = "staging";
  const auto st = compute_dora(h.rows(), staging);
  EXPECT_EQ(st.frequency.deployments, 2);
  EXPECT_EQ(st.time_to_restore.samples, 1);
  EXPECT_EQ(st.time_to_restore.median_ms, 3 * kDay);

  DoraOptions base = production();
  base.environment = "";
  EXPECT_EQ(compute_dora(h.rows(), base).frequency.deployments, 1);
}

TEST(Dora, AServiceFilterKeepsOnlyThatService) {
  History h;
  h.add(DeploymentStatus::Succeeded, kSince + kDay, "api");
  h.add(DeploymentStatus::Succeeded, kSince + 2 * kDay, "worker");
  h.add(DeploymentStatus::Failed, kSince + 3 * kDay, "worker");
  const auto r = compute_dora(h.rows(), production("worker"));
  EXPECT_EQ(r.frequency.deployments, 1);
  EXPECT_EQ(r.change_failure_rate.failed, 1);
  EXPECT_EQ(r.change_failure_rate.total, 2);
}

TEST(DoraNearestRank, PicksAnActualSample) {
  EXPECT_FALSE(nearest_rank({}, 0.5));
  EXPECT_EQ(nearest_rank({42}, 0.5), 42);
  EXPECT_EQ(nearest_rank({42}, 0.9), 42);
  EXPECT_EQ(nearest_rank({3, 1, 2}, 0.5), 2);
  EXPECT_EQ(nearest_rank({4, 1, 3, 2}, 0.5), 2);
  EXPECT_EQ(nearest_rank({4, 1, 3, 2}, 0.9), 4);
  EXPECT_EQ(nearest_rank({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9), 9);
  EXPECT_EQ(nearest_rank({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 0.9), 10);
}

TEST(DoraJson, HasTheShapeTheDashboardReads) {
  History h;
  // 12 succeeded (one with a 1h lead time), 2 failed: rate 2/14 = 0.1429 -> medium. api's
  // failure is restored 90.5 s later; worker's stays open.
  for (int i = 0; i < 10; ++i) h.add(DeploymentStatus::Succeeded, kSince + (i + 1) * kDay);
  Deployment& first = h.add(DeploymentStatus::Succeeded, kSince + 11 * kDay);
  first.commit_time_ms = kSince + 11 * kDay - kHour;
  const Deployment& failed = h.add(DeploymentStatus::Failed, kSince + 20 * kDay, "worker");
  h.add(DeploymentStatus::Failed, kSince + 25 * kDay, "api", "production", kMinute);
  h.add(DeploymentStatus::Succeeded, kSince + 25 * kDay + 90 * kSecond + 500);
  const json j = json::parse(dora_json(compute_dora(h.rows(), production())));

  EXPECT_EQ(j["environment"], "production");
  EXPECT_EQ(j["service"], "");
  EXPECT_EQ(j["since"], "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(j["until"], "2026-03-31T00:00:00.000Z");
  EXPECT_TRUE(j["window_days"].is_number_integer());
  EXPECT_EQ(j["window_days"], 30);

  const json& f = j["deployment_frequency"];
  EXPECT_EQ(f["deployments"], 12);
  EXPECT_EQ(f["per_day"], 0.4);
  EXPECT_EQ(f["per_week"], 2.8);
  EXPECT_EQ(f["band"], "high");

  const json& lt = j["lead_time"];
  EXPECT_EQ(lt["median_seconds"], 3600);
  EXPECT_TRUE(lt["median_seconds"].is_number_integer());
  EXPECT_EQ(lt["p90_seconds"], 3600);
  EXPECT_EQ(lt["samples"], 1);
  EXPECT_EQ(lt["missing_commit_time"], 11);
  EXPECT_EQ(lt["band"], "elite");

  const json& cfr = j["change_failure_rate"];
  EXPECT_EQ(cfr["failed"], 2);
  EXPECT_EQ(cfr["total"], 14);
  EXPECT_EQ(cfr["rate"], 0.1429);  // 2 / 14
  EXPECT_EQ(cfr["band"], "medium");

  const json& ttr = j["time_to_restore"];
  EXPECT_EQ(ttr["samples"], 1);
  EXPECT_EQ(ttr["median_seconds"], 90.5);
  EXPECT_EQ(ttr["p90_seconds"], 90.5);
  EXPECT_EQ(ttr["open"], 1);
  ASSERT_EQ(ttr["open_deployments"].size(), 1u);
  EXPECT_EQ(ttr["open_deployments"][0]["deployment"], failed.id);
  EXPECT_EQ(ttr["open_deployments"][0]["service"], "worker");
  EXPECT_EQ(ttr["open_deployments"][0]["failed_at"], "2026-03-21T00:00:00.000Z");
  EXPECT_EQ(ttr["band"], "elite");
}

TEST(DoraParseSince, TakesADurationBackFromNow) {
  const std::int64_t now = kUntil;
  EXPECT_EQ(*parse_since("30d", now), now - 30 * kDay);
  EXPECT_EQ(*parse_since("12h", now), now - 12 * kHour);
  EXPECT_EQ(*parse_since("90m", now), now - 90 * kMinute);
  EXPECT_EQ(*parse_since("1h30m", now), now - 90 * kMinute);
}

TEST(DoraParseSince, TakesAnRfc3339Time) {
  EXPECT_EQ(*parse_since("2026-03-01T00:00:00Z", kUntil), kSince);
  EXPECT_EQ(*parse_since("2026-03-01T00:00:00.250Z", kUntil), kSince + 250);
  EXPECT_EQ(*parse_since("2026-03-01T02:00:00+02:00", kUntil), kSince);
  EXPECT_EQ(*parse_since("2026-02-28T19:30:00-04:30", kUntil), kSince);
}

TEST(DoraParseSince, RefusesBadValuesSayingWhatIsValid) {
  for (const char* bad : {"", "30", "thirty days", "30x", "0", "-3d", "2026-13-01T00:00:00Z",
                          "2026-03-01", "2026-03-01T00:00:00+2"}) {
    auto r = parse_since(bad, kUntil);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("30d"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("RFC 3339"), std::string::npos) << r.error().message;
  }
  auto future = parse_since("2026-04-01T00:00:00Z", kUntil);
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message.find("not in the past"), std::string::npos);
}

TEST(DoraParsePointInTime, TakesRfc3339OrUnixSeconds) {
  EXPECT_EQ(*parse_point_in_time("1772323200"), kSince);
  EXPECT_EQ(*parse_point_in_time("2026-03-01T00:00:00Z"), kSince);
  EXPECT_EQ(*parse_point_in_time("2026-03-01T05:30:00+05:30"), kSince);
  for (const char* bad : {"", "yesterday", "17723232000000000", "2026-03-01T00:00:00",
                          "2026-03-01T00:00:00+25:00", "1.5"}) {
    EXPECT_FALSE(parse_point_in_time(bad)) << bad;
  }
}

// The path the API and `gantry dora` use: deployments written into a real SQLite store, read
// back by dora_from_store.
TEST(DoraFromStore, ComputesTheReportFromARealSqliteStore) {
  testing::TempDir dir("gantry-dora");
  auto opened = store::open_sqlite(dir / "state.db");
  ASSERT_TRUE(opened) << opened.error().str();
  store::Store& st = **opened;

  History h;
  // Production api: 3 succeeded (one with a 2h lead time), 1 rolled back restored 10 min later
  // by the third, 1 failed left open; a staging row, a start-up row, one long before the window.
  h.add(DeploymentStatus::Succeeded, kSince + kDay).commit_time_ms = kSince + kDay - 2 * kHour;
  h.add(DeploymentStatus::Succeeded, kSince + 2 * kDay);
  h.add(DeploymentStatus::RolledBack, kSince + 3 * kDay);
  h.add(DeploymentStatus::Succeeded, kSince + 3 * kDay + 10 * kMinute);
  h.add(DeploymentStatus::Failed, kSince + 4 * kDay);
  h.add(DeploymentStatus::Succeeded, kSince + 5 * kDay, "api", "staging");
  h.add(DeploymentStatus::Succeeded, kSince + 6 * kDay).strategy = "up";
  h.add(DeploymentStatus::Succeeded, kSince - 20 * kDay);
  int n = 0;
  for (const auto& d : h.rows()) {
    store::Revision rev;
    rev.id = d.revision_id;
    rev.service = d.service;
    rev.environment = d.environment;
    rev.number = ++n;
    rev.version = d.version;
    rev.spec_json = "{}";
    rev.spec_hash = "hash-" + std::to_string(n);
    rev.created_at_ms = d.started_at_ms;
    ASSERT_TRUE(st.put_revision(rev)) << d.id;
    auto put = st.put_deployment(d);
    ASSERT_TRUE(put) << put.error().str();
  }

  auto report = dora_from_store(st, production());
  ASSERT_TRUE(report) << report.error().str();
  EXPECT_EQ(report->frequency.deployments, 3);
  EXPECT_EQ(report->lead_time.samples, 1);
  EXPECT_EQ(report->lead_time.median_ms, 2 * kHour);
  EXPECT_EQ(report->change_failure_rate.failed, 2);
  EXPECT_EQ(report->change_failure_rate.total, 5);
  EXPECT_EQ(report->time_to_restore.samples, 1);
  EXPECT_EQ(report->time_to_restore.median_ms, 10 * kMinute);
  ASSERT_EQ(report->time_to_restore.open.size(), 1u);
  EXPECT_EQ(report->time_to_restore.open[0].deployment_id, h.rows()[4].id);

  // What the store gave back is what the rows in memory give.
  const json from_store = json::parse(dora_json(*report));
  const json from_memory = json::parse(dora_json(compute_dora(h.rows(), production())));
  EXPECT_EQ(from_store, from_memory);
  EXPECT_EQ(from_store["change_failure_rate"]["rate"], 0.4);
  EXPECT_EQ(from_store["time_to_restore"]["median_seconds"], 600);
}

}  // namespace
}  // namespace gantry::telemetry

// GET /v1/dora over a real socket and a real SQLite store: defaults (the daemon's environment,
// 30 days), the environment / service / since parameters, and 400 / 404 / 405 for bad requests.
#include "api_fixture.h"
#include "core/units.h"

namespace gantry::api::testing {
namespace {

using nlohmann::json;
using store::DeploymentStatus;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

class DoraRouteTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    const std::int64_t now = now_unix_ms();
    // The test controller runs "staging". staging: api succeeded 2 days ago and 40 days ago,
    // worker rolled back 1 hour ago; production: api failed 3 days ago; "old" (gone from the
    // spec) succeeded in staging 5 days ago.
    put("api", "staging", DeploymentStatus::Succeeded, now - 2 * kDay);
    put("api", "staging", DeploymentStatus::Succeeded, now - 40 * kDay);
    put("worker", "staging", DeploymentStatus::RolledBack, now - kHour);
    put("api", "production", DeploymentStatus::Failed, now - 3 * kDay);
    put("old", "staging", DeploymentStatus::Succeeded, now - 5 * kDay);
  }

  void put(const std::string& service, const std::string& environment, DeploymentStatus status,
           std::int64_t ended_at) {
    const int n = ++rows_;
    store::Revision rev;
    rev.id = service + "-r" + std::to_string(n);
    rev.service = service;
    rev.environment = environment;
    rev.number = n;
    rev.version = "v" + std::to_string(n);
    rev.spec_json = "{}";
    rev.spec_hash = "h" + std::to_string(n);
    rev.created_at_ms = ended_at;
    ASSERT_TRUE(controller_->store().put_revision(rev));
    store::Deployment d;
    d.id = "d-00000" + std::to_string(n);
    d.service = service;
    d.environment = environment;
    d.revision_id = rev.id;
    d.strategy = "rolling";
    d.version = rev.version;
    d.started_at_ms = ended_at - 60'000;
    d.completed_at_ms = ended_at;
    d.status = status;
    ASSERT_TRUE(controller_->store().put_deployment(d));
  }

  json dora(const std::string& query) {
    auto r = get("/v1/dora" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r);
  }

  int rows_ = 0;
};

TEST_F(DoraRouteTest, DefaultsToTheDaemonsEnvironmentAndThirtyDays) {
  const json j = dora("");
  EXPECT_EQ(j["environment"], "staging");
  EXPECT_EQ(j["service"], "");
  EXPECT_EQ(j["window_days"], 30);
  EXPECT_EQ(j["deployment_frequency"]["deployments"], 2);  // api 2 days ago, old 5 days ago
  EXPECT_EQ(j["change_failure_rate"]["failed"], 1);
  EXPECT_EQ(j["change_failure_rate"]["total"], 3);
  EXPECT_EQ(j["time_to_restore"]["open"], 1);
  auto since = parse_timestamp(j["since"].get<std::string>());
  auto until = parse_timestamp(j["until"].get<std::string>());
  ASSERT_TRUE(since && until);
  EXPECT_EQ(*until - *since, 30 * kDay);
}

TEST_F(DoraRouteTest, TakesEnvironmentServiceAndSince) {
  const json prod = dora("?environment=production");
  EXPECT_EQ(prod["environment"], "production");
  EXPECT_EQ(prod["deployment_frequency"]["deployments"], 0);
  EXPECT_EQ(prod["change_failure_rate"]["failed"], 1);

  const json api = dora("?service=api&since=90d");
  EXPECT_EQ(api["service"], "api");
  EXPECT_EQ(api["window_days"], 90);
  EXPECT_EQ(api["deployment_frequency"]["deployments"], 2);
  EXPECT_EQ(api["change_failure_rate"]["total"], 2);

  const json day = dora("?since=1d");
  EXPECT_EQ(day["deployment_frequency"]["deployments"], 0);
  EXPECT_EQ(day["change_failure_rate"]["failed"], 1);  // worker, an hour ago

  // A service gone from the spec still has its history.
  EXPECT_EQ(dora("?service=old")["deployment_frequency"]["deployments"], 1);

  const std::string at = format_timestamp(now_unix_ms() - 3 * kDay);
  const json since_time = dora("?since=" + at);
  EXPECT_EQ(since_time["since"], at);
  EXPECT_EQ(since_time["deployment_frequency"]["deployments"], 1);
}

TEST_F(DoraRouteTest, RefusesBadValuesSayingWhatIsValid) {
  auto bad_since = get("/v1/dora?since=forever");
  EXPECT_EQ(bad_since.status, 400);
  EXPECT_EQ(error_code(bad_since), "bad_request");
  EXPECT_NE(error_message(bad_since).find("since: 'forever'"), std::string::npos) << bad_since.body;
  EXPECT_NE(error_message(bad_since).find("30d"), std::string::npos) << bad_since.body;

  auto future = get("/v1/dora?since=2999-01-01T00:00:00Z");
  EXPECT_EQ(future.status, 400);
  EXPECT_NE(error_message(future).find("not in the past"), std::string::npos) << future.body;

  auto unknown = get("/v1/dora?window=30d");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(error_message(unknown).find("environment, service, since"), std::string::npos)
      << unknown.body;

  auto typo = get("/v1/dora?service=apj");
  EXPECT_EQ(typo.status, 404);
  EXPECT_NE(error_message(typo).find("did you mean 'api'"), std::string::npos) << typo.body;

  auto post = request("POST", "/v1/dora");
  EXPECT_EQ(post.status, 405);
}

TEST_F(DoraRouteTest, DeployTakesCommitTimeAsRfc3339OrUnixSeconds) {
  // Accepted values reach the controller (which, in this fixture, refuses every deploy: 409).
  for (const char* ok : {R"("2026-03-01T14:05:00Z")", R"("2026-03-01T16:05:00+02:00")",
                         R"("1772373900")", "1772373900", "null"}) {
    auto r = post("/v1/deploy", std::string(R"({"service": "api", "commit_time": )") + ok + "}");
    EXPECT_EQ(r.status, 409) << ok << ": " << r.body;
  }
  for (const char* bad : {R"("yesterday")", "-5", "1.5", "true", R"({"at": 1})"}) {
    auto r = post("/v1/deploy", std::string(R"({"service": "api", "commit_time": )") + bad + "}");
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_NE(error_message(r).find("commit_time: "), std::string::npos) << r.body;
  }
}

}  // namespace
}  // namespace gantry::api::testing

// No live secret value in any API reply: events written before the value became a secret, log
// lines, error messages; and the vault's routes answer on the unix socket only.
#include <gtest/gtest.h>

#include "api_fixture.h"

namespace gantry::api::testing {
namespace {

const std::string kValue = std::string("sk_live_") + "MaskMe0123456789abcdef";

TEST_F(ApiTest, EventsAndLogsShowStarsForALiveSecretValue) {
  store::DeploymentEvent e;
  e.type = "hook.failed";
  e.at_ms = 1000;
  e.data_json = "{\"output\":\"STRIPE_KEY=" + kValue + "\"}";
  ASSERT_TRUE(controller_->store().append_event(e));
  append(dir_ + "/logs/api-0.log", log_line(1000, "out", "key is " + kValue));
  controller_->hide({kValue});

  const auto events = get("/v1/events");
  EXPECT_EQ(events.status, 200);
  EXPECT_EQ(events.body.find(kValue), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("STRIPE_KEY=***"), std::string::npos) << events.body;
  const auto logs = get("/v1/logs?service=api");
  EXPECT_EQ(logs.body.find(kValue), std::string::npos) << logs.body;
  EXPECT_NE(logs.body.find("key is ***"), std::string::npos) << logs.body;
}

TEST_F(ApiTest, AnErrorMessageNeverCarriesALiveSecretValue) {
  controller_->hide({kValue});
  const auto r = get("/v1/services/" + kValue);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find(kValue), std::string::npos) << r.body;
}

TEST_F(ApiTest, SecretRoutesCheckTheirBody) {
  auto r = post("/v1/secrets/rotated", "{\"environment\":\"\"}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_message(r).find("name"), std::string::npos) << r.body;
  r = post("/v1/secrets/rotated", "{\"name\":\"db\",\"colour\":1}");
  EXPECT_EQ(r.status, 400) << r.body;
  r = post("/v1/secrets/rotated", "{\"name\":\"db\",\"version\":2}");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["skipped"][0].value("service", ""), "api") << r.body;
  r = post("/v1/secrets/reload");
  EXPECT_EQ(r.status, 200) << r.body;
}

}  // namespace
}  // namespace gantry::api::testing

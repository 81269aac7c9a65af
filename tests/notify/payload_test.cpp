// What a notification says: the webhook's JSON body, Slack's Block Kit message and headline,
// and the signature's known answer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify/notify_impl.h"

namespace gantry::notify::detail {
namespace {

using nlohmann::json;

Subject rolled_back() {
  Subject s;
  s.event.id = 17;
  s.event.deployment_id = "d-000042";
  s.event.at_ms = 1'764'000'000'000;
  s.event.type = "deployment.rolled_back";
  s.event.data_json = R"({"reason":"crash: a new replica crashed"})";
  s.event.service = "api";
  s.event.environment = "production";
  s.event.version = "v3";
  store::Deployment d;
  d.id = "d-000042";
  d.service = "api";
  d.environment = "production";
  d.version = "v3";
  d.commit_sha = "9f2c1e7";
  d.triggered_by = "cli:alice";
  d.strategy = "canary";
  d.started_at_ms = 1'764'000'000'000 - 95'000;
  d.completed_at_ms = 1'764'000'000'000;
  d.status = store::DeploymentStatus::RolledBack;
  d.health_score = 0.25;
  d.rollback_reason = "crash: a new replica crashed";
  s.deployment = d;
  return s;
}

// The fields of the message's section block as "Label" -> "value".
std::map<std::string, std::string> fields_of(const json& body) {
  std::map<std::string, std::string> out;
  for (const auto& f : body["blocks"][1]["fields"]) {
    const std::string text = f["text"];
    const auto nl = text.find('\n');
    out[text.substr(1, nl - 2)] = text.substr(nl + 1);  // "*Label*\nvalue"
  }
  return out;
}

TEST(NotifyWebhookBody, CarriesDeliveryEventDeploymentAndProject) {
  const json body = json::parse(webhook_body("5", rolled_back(), "shop"));
  EXPECT_EQ(body["delivery"], "5");
  EXPECT_EQ(body["project"], "shop");
  EXPECT_EQ(body["event"]["id"], 17);
  EXPECT_EQ(body["event"]["at"], "2025-11-24T16:00:00.000Z");
  EXPECT_EQ(body["event"]["type"], "deployment.rolled_back");
  EXPECT_EQ(body["event"]["data"]["reason"], "crash: a new replica crashed");
  EXPECT_EQ(body["deployment"]["id"], "d-000042");
  EXPECT_EQ(body["deployment"]["commit"], "9f2c1e7");
  EXPECT_EQ(body["deployment"]["duration_ms"], 95'000);
  EXPECT_EQ(body["deployment"]["status"], "rolled_back");
}

TEST(NotifySlackBody, IsAHeaderFieldsAndContextWithAFallbackText) {
  const json body = json::parse(slack_body(rolled_back(), "shop", "#deploys"));
  EXPECT_EQ(body["channel"], "#deploys");
  EXPECT_EQ(body["text"], "⏪ api v3 rolled back in production: crash: a new replica crashed");
  ASSERT_EQ(body["blocks"].size(), 3u);
  EXPECT_EQ(body["blocks"][0]["type"], "header");
  EXPECT_EQ(body["blocks"][0]["text"]["type"], "plain_text");
  EXPECT_EQ(body["blocks"][0]["text"]["text"], "⏪ api v3 rolled back in production");
  EXPECT_EQ(body["blocks"][1]["type"], "section");
  const auto fields = fields_of(body);
  EXPECT_EQ(fields, (std::map<std::string, std::string>{
                        {"Environment", "production"},
                        {"Service", "api"},
                        {"Version", "v3"},
                        {"Commit", "`9f2c1e7`"},
                        {"Who", "cli:alice"},
                        {"Duration", "1m35s"},
                        {"Health score", "25%"},
                        {"Rollback reason", "crash: a new replica crashed"}}));
  EXPECT_EQ(body["blocks"][2]["type"], "context");
  EXPECT_EQ(body["blocks"][2]["elements"][0]["text"],
            "project shop · d-000042 · deployment.rolled_back · event 17");
}

TEST(NotifySlackBody, LeavesTheWebhooksChannelAndNoReasonWhenThereIsNone) {
  Subject s = rolled_back();
  s.event.type = "deployment.succeeded";
  s.event.data_json = "{}";
  s.deployment->status = store::DeploymentStatus::Succeeded;
  s.deployment->rollback_reason.clear();
  const json body = json::parse(slack_body(s, "shop", ""));
  EXPECT_FALSE(body.contains("channel"));
  EXPECT_EQ(body["text"], "✅ api v3 deployed to production");
  EXPECT_EQ(fields_of(body).count("Rollback reason"), 0u);
}

TEST(NotifySlackBody, CutsAnOverlongHeaderToSlacksLimit) {
  Subject s = rolled_back();
  s.event.version = std::string(300, 'v');
  const json body = json::parse(slack_body(s, "shop", ""));
  EXPECT_LE(body["blocks"][0]["text"]["text"].get<std::string>().size(), 150u);
}

TEST(NotifyHeadline, SaysWhatHappenedInUsersWords) {
  Subject s = rolled_back();
  auto with = [&](const std::string& type, const std::string& data = "{}") {
    s.event.type = type;
    s.event.data_json = data;
    return headline(s);
  };
  EXPECT_EQ(with("deployment.succeeded"), "✅ api v3 deployed to production");
  EXPECT_EQ(with("deployment.started"), "🚀 api v3 deploying to production");
  EXPECT_EQ(with("deployment.failed"), "❌ api v3 failed to deploy to production");
  EXPECT_EQ(with("rollback.started", R"({"rule":"error_rate"})"),
            "⚠️ api v3 rolling back in production (error_rate)");
  EXPECT_EQ(with("approval.required"), "✋ api v3 waits for approval in production");
  EXPECT_EQ(with("notification.failed", R"({"sink":"ops"})"),
            "📭 a notification to ops was given up");
}

TEST(NotifySignature, IsHmacSha256OfTimestampDotBody) {
  // python3 -c "import hmac,hashlib; print(hmac.new(b'key', b'1700000000.{}',
  //             hashlib.sha256).hexdigest())"
  EXPECT_EQ(signature("key", "1700000000", "{}"),
            "9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
  EXPECT_NE(signature("key", "1700000001", "{}"), signature("key", "1700000000", "{}"));
}

}  // namespace
}  // namespace gantry::notify::detail

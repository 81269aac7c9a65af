// Which sink wants which event, the retry backoff's bounds, and what a log shows of a URL.
#include <gtest/gtest.h>

#include <random>

#include "notify/notify.h"

namespace gantry::notify {
namespace {

using namespace std::chrono_literals;

store::DeploymentEvent event(const std::string& type, const std::string& data = "{}") {
  store::DeploymentEvent e;
  e.id = 7;
  e.type = type;
  e.data_json = data;
  return e;
}

SinkConfig sink(std::vector<std::string> events, std::vector<std::string> environments = {}) {
  SinkConfig s;
  s.name = "ops";
  s.events = std::move(events);
  s.environments = std::move(environments);
  return s;
}

TEST(NotifySinkWants, EveryEventWhenNoPatternIsGiven) {
  EXPECT_TRUE(sink_wants(sink({}), event("weight.changed"), "production"));
  EXPECT_TRUE(sink_wants(sink({"*"}), event("replica.exited"), ""));
}

TEST(NotifySinkWants, ExactTypesAndFamilies) {
  const SinkConfig s = sink({"deployment.failed", "rollback.*"});
  EXPECT_TRUE(sink_wants(s, event("deployment.failed"), ""));
  EXPECT_TRUE(sink_wants(s, event("rollback.started"), ""));
  EXPECT_FALSE(sink_wants(s, event("deployment.succeeded"), ""));
  EXPECT_FALSE(sink_wants(s, event("rollbacks.started"), ""));
  EXPECT_FALSE(sink_wants(s, event("rollback"), ""));
}

TEST(NotifySinkWants, OnlyItsEnvironments) {
  const SinkConfig s = sink({}, {"production"});
  EXPECT_TRUE(sink_wants(s, event("deployment.failed"), "production"));
  EXPECT_FALSE(sink_wants(s, event("deployment.failed"), "staging"));
  EXPECT_FALSE(sink_wants(s, event("deployment.failed"), ""));
}

TEST(NotifySinkWants, NeverItsOwnNotificationEvents) {
  const SinkConfig s = sink({"notification.*"});
  EXPECT_FALSE(sink_wants(s, event("notification.failed", R"({"sink":"ops","event_id":3})"), ""));
  EXPECT_TRUE(sink_wants(s, event("notification.failed", R"({"sink":"slack","event_id":3})"), ""));
}

TEST(NotifyBackoff, StaysWithinFullJitterOfTheDoublingCeiling) {
  const Backoff b{1s, 5min};
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int attempts = 1; attempts <= 40; ++attempts) {
    const auto ceiling = std::min<std::int64_t>(300'000, 1000LL << std::min(attempts - 1, 20));
    for (int i = 0; i < 200; ++i) {
      const Duration d = backoff_delay(b, attempts, unit(rng));
      EXPECT_GE(d.count(), 0) << "attempt " << attempts;
      EXPECT_LE(d.count(), ceiling) << "attempt " << attempts;
    }
  }
}

TEST(NotifyBackoff, DoublesUntilTheCap) {
  const Backoff b{100ms, 1s};
  EXPECT_EQ(backoff_delay(b, 1, 0.5), 50ms);
  EXPECT_EQ(backoff_delay(b, 2, 0.5), 100ms);
  EXPECT_EQ(backoff_delay(b, 3, 0.5), 200ms);
  EXPECT_EQ(backoff_delay(b, 4, 0.5), 400ms);
  EXPECT_EQ(backoff_delay(b, 5, 0.5), 500ms);  // 1.6s capped at 1s
  EXPECT_EQ(backoff_delay(b, 1000, 0.5), 500ms);
  EXPECT_EQ(backoff_delay(b, 3, 0.0), 0ms);
}

TEST(NotifyRedactUrl, ShowsOnlySchemeAndHost) {
  EXPECT_EQ(redact_url("https://hooks.slack.com/services/T0/B0/xyz"), "https://hooks.slack.com");
  EXPECT_EQ(redact_url("http://127.0.0.1:8080/hook?token=abc"), "http://127.0.0.1:8080");
  EXPECT_EQ(redact_url("https://user:pass@example.com/x"), "https://example.com");
  EXPECT_EQ(redact_url("secret://slack-webhook"), "secret://slack-webhook");
  EXPECT_EQ(redact_url("not a url"), "(a URL)");
}

}  // namespace
}  // namespace gantry::notify

// HTTP probes against the real example app: status ranges, failures, hangs, deep health.
#include <gtest/gtest.h>

#include "probe_test_util.h"

namespace gantry::probe {
namespace {

using namespace testing;

TEST(HttpProbe, SucceedsOnHealthyEndpoint) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  const auto r = probe_once(http_config(app.port()));
  EXPECT_EQ(r.outcome, Outcome::Success) << r.detail;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.detail, "HTTP 200");
  EXPECT_FALSE(r.deep.has_value());
}

TEST(HttpProbe, FailsOn503) {
  ExampleApp app({"--health", "fail"});
  ASSERT_TRUE(app.ready()) << app.output();
  const auto r = probe_once(http_config(app.port()));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.detail, "HTTP 503");
}

TEST(HttpProbe, ProbesTheConfiguredPath) {
  ExampleApp app({"--readiness", "fail"});
  ASSERT_TRUE(app.ready()) << app.output();
  EXPECT_EQ(probe_once(http_config(app.port(), "/health")).outcome, Outcome::Success);
  EXPECT_EQ(probe_once(http_config(app.port(), "/health/ready")).outcome, Outcome::Failure);
  EXPECT_EQ(probe_once(http_config(app.port(), "/health/live")).outcome, Outcome::Success);
}

TEST(HttpProbe, HangingEndpointIsCutOffByTimeout) {
  ExampleApp app({"--health", "hang"});
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port());
  c.timeout = 300ms;
  const auto r = probe_once(c);
  EXPECT_EQ(r.outcome, Outcome::Timeout);
  EXPECT_EQ(r.detail, "timed out after 300ms");
  EXPECT_EQ(r.http_status, 0);
}

TEST(HttpProbe, ConnectionRefused) {
  const auto r = probe_once(http_config(closed_port()));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "connection refused");
}

TEST(HttpProbe, StatusRangeDecidesSuccess) {
  ExampleApp app({"--health", "fail"});
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port());
  c.http.status_min = 500;
  c.http.status_max = 599;
  EXPECT_EQ(probe_once(c).outcome, Outcome::Success);
  c.http.path = "/";  // 200
  const auto r = probe_once(c);
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "HTTP 200");
}

TEST(HttpProbe, SendsMethodAndHeaders) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port(), "/echo");
  c.http.method = "POST";
  c.http.headers = {{"X-Probe", "yes"}, {"Host", "api.internal"}};
  EXPECT_EQ(probe_once(c).outcome, Outcome::Success);
  c.http.method = "HEAD";
  c.http.path = "/health";
  EXPECT_EQ(probe_once(c).outcome, Outcome::Success);
  c.http.method = "FROB";
  const auto bad = probe_once(c);
  EXPECT_EQ(bad.outcome, Outcome::Failure);
  EXPECT_EQ(bad.detail, "unknown HTTP method 'FROB'");
}

TEST(HttpProbe, ResolvesHostNames) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port());
  c.http.host = "localhost";
  const auto r = probe_once(c);
  // localhost may resolve to ::1 first; the probe tries every address.
  EXPECT_EQ(r.outcome, Outcome::Success) << r.detail;
}

TEST(HttpProbe, MissingPortFails) {
  const auto r = probe_once(http_config(0));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "no port to probe");
}

DeepHealth deep_of(const ProbeResult& r) {
  EXPECT_TRUE(r.deep.has_value()) << r.detail;
  return r.deep.value_or(DeepHealth{});
}

TEST(HttpProbeDeepHealth, ParsesHealthy) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port(), "/health/deep");
  c.http.deep_health = true;
  const auto r = probe_once(c);
  EXPECT_EQ(r.outcome, Outcome::Success) << r.detail;
  EXPECT_EQ(r.detail, "HTTP 200, deep health healthy");
  const auto d = deep_of(r);
  EXPECT_EQ(d.status, DeepStatus::Healthy);
  ASSERT_EQ(d.checks.size(), 2u);
  EXPECT_EQ(d.checks[0].name, "database");
  EXPECT_EQ(d.checks[0].status, DeepStatus::Healthy);
  EXPECT_EQ(d.checks[1].name, "cache");
}

TEST(HttpProbeDeepHealth, DegradedPassesButIsReported) {
  ExampleApp app({"--deep", "degraded"});
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port(), "/health/deep");
  c.http.deep_health = true;
  const auto r = probe_once(c);
  EXPECT_EQ(r.outcome, Outcome::Success) << r.detail;
  EXPECT_EQ(r.detail, "HTTP 200, deep health degraded");
  const auto d = deep_of(r);
  EXPECT_EQ(d.status, DeepStatus::Degraded);
  ASSERT_EQ(d.checks.size(), 2u);
  EXPECT_EQ(d.checks[0].status, DeepStatus::Degraded);
  EXPECT_EQ(d.checks[1].status, DeepStatus::Healthy);
}

TEST(HttpProbeDeepHealth, UnhealthyFailsAndKeepsChecks) {
  ExampleApp app({"--deep", "unhealthy"});
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port(), "/health/deep");
  c.http.deep_health = true;
  const auto r = probe_once(c);
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.detail, "HTTP 503, deep health unhealthy");
  const auto d = deep_of(r);
  EXPECT_EQ(d.status, DeepStatus::Unhealthy);
  ASSERT_EQ(d.checks.size(), 2u);
  EXPECT_EQ(d.checks[0].status, DeepStatus::Unhealthy);
}

TEST(HttpProbeDeepHealth, FollowsRunTimeChanges) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port(), "/health/deep");
  c.http.deep_health = true;
  EXPECT_EQ(deep_of(probe_once(c)).status, DeepStatus::Healthy);
  admin_set(app.port(), "deep=degraded");
  EXPECT_EQ(deep_of(probe_once(c)).status, DeepStatus::Degraded);
  admin_set(app.port(), "deep=unhealthy");
  EXPECT_EQ(deep_of(probe_once(c)).status, DeepStatus::Unhealthy);
}

TEST(HttpProbeDeepHealth, NonJsonBodyFailsWithReason) {
  ExampleApp app;
  ASSERT_TRUE(app.ready()) << app.output();
  auto c = http_config(app.port(), "/health");  // "ok\n", not JSON
  c.http.deep_health = true;
  const auto r = probe_once(c);
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "HTTP 200, deep health: the body is not JSON");
  EXPECT_FALSE(r.deep.has_value());
}

}  // namespace
}  // namespace gantry::probe
